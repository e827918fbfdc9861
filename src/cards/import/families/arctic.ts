// Snowflake Arctic (arctic): vLLM arctic.py (ArcticAttention, ArcticMoE, ArcticMLP, ArcticDecoderLayer) with
// the config class copied from the checkpoint's configuration_arctic.py. Traps handled:
// - layer i is MoE when (i + 1) % moe_layer_frequency == 0 (class default 2, every other layer); the rest
//   run a dense MLP of intermediate_size, and the experts have the same width;
// - use_residual (read by vLLM, not defined by the config class) adds to every MoE layer a dense residual
//   MLP as wide as hidden_size (moe.dense_residual_ffn) and a third RMSNorm (residual_layernorm); a card
//   has one norm count per layer, so use_residual with dense layers (moe_layer_frequency > 1) is refused, and
//   a missing use_residual is refused whenever a layer is MoE (vLLM would fail to read it);
// - head_dim is hidden_size / num_attention_heads (a different head_dim key is refused); no biases;
// - class defaults that differ from the checkpoint: 8 experts, top-1, 14336 wide, frequency 2.
import { UserError } from '../../../errors.js';
import { baseDims, type Family, gqa, layersWhere, RMS, baseArch } from '../common.js';

export const arctic: Family = {
  types: ['arctic'],
  label: 'Snowflake Arctic (dense residual + MoE)',
  flagship: 'Snowflake/snowflake-arctic-instruct',
  reference: 'vLLM arctic.py',
  read(c) {
    const d = baseDims(c, { ctx: 4096 });
    const n = d.layers;
    const hd = Math.floor(d.hidden / d.heads);
    c.refuse('head_dim', (v) => v === null || v === hd, `vLLM uses hidden_size / num_attention_heads (${hd})`);
    const freq = c.int('moe_layer_frequency', 2);
    const moeLayers = layersWhere(n, (i) => (i + 1) % freq === 0);
    const I = c.int('intermediate_size', 14336);
    let residual = false;
    if (moeLayers !== 'none') {
      if (!c.present('use_residual')) {
        throw new UserError(
          `${c.where('use_residual')}: required: vLLM reads it for every MoE layer (the config class has no default)`,
        );
      }
      residual = c.bool('use_residual', false);
      if (residual && moeLayers !== 'all') {
        throw new UserError(
          `${c.where('moe_layer_frequency')}: ${freq} with use_residual: the MoE layers would carry a third norm ` +
            'the dense layers lack, which a card cannot express; moe-calc refuses rather than guess',
        );
      }
    }
    return {
      a: {
        ...baseArch(c, d, n),
        attention: gqa(d.heads, d.kv, hd),
        mlp: { gated: true, ...(moeLayers === 'all' ? {} : { dense_ffn: I }) },
        ...(moeLayers === 'none'
          ? {}
          : {
              moe: {
                experts: c.int('num_local_experts', 8),
                top_k: c.int('num_experts_per_tok', 1),
                expert_ffn: I,
                layers: moeLayers,
                ...(residual ? { dense_residual_ffn: d.hidden } : {}),
              },
            }),
        norms: residual ? { kind: 'rmsnorm', per_layer: 3 } : RMS,
      },
      notes: residual
        ? ['every MoE layer adds a dense residual MLP as wide as hidden_size and its RMSNorm (residual_layernorm)']
        : [],
    };
  },
};
