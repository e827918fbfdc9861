// Kimi-Linear (kimi_linear): Kimi Delta Attention (KDA) layers and MLA layers, a DeepSeek-style MoE
// (sigmoid router with a correction bias, one shared expert of moe width x num_shared_experts) after
// first_k_dense_replace dense layers. vLLM kimi_linear.py, layers/kda.py and transformers_utils/configs/
// kimi_linear.py (transformers has no kimi_linear; the Hub repo ships remote code).
// Traps: `linear_attn_config.kda_layers` and `full_attn_layers` are 1-BASED layer numbers (vLLM tests
// i + 1); a layer not in kda_layers is MLA; q_lora_rank must be null (vLLM asserts it: a plain q_proj);
// num_experts null = every layer dense; top-k is `num_experts_per_token` (not _tok); the context is
// `model_max_length` (the config has no max_position_embeddings); the top-level head_dim is unused;
// the KDA recurrent state is always fp32 in vLLM (kda_state_dtype), the conv states in the model dtype.
// Keys of later KDA/Kimi variants that change the tensors (output-gated MLA, latent MoE, full-rank
// gates, attention residual blocks) are refused.
import { UserError } from '../../../errors.js';
import { baseDims, type Family, layersWhere, RMS, shared, baseArch } from '../common.js';

export const kimiLinear: Family = {
  types: ['kimi_linear'],
  label: 'Kimi-Linear (KDA + MLA)',
  flagship: 'moonshotai/Kimi-Linear-48B-A3B-Instruct',
  reference: 'vLLM kimi_linear.py, kda.py',
  read(c) {
    const ctx = c.int('max_position_embeddings', c.int('model_max_length', 4096));
    const d = baseDims(c, { ctx });
    const n = d.layers;
    const why = 'a later Kimi variant whose tensors are not modelled';
    c.refuse('mla_use_output_gate', (v) => v === false || v === null, why);
    c.refuse('attn_res_block_size', (v) => v === null, why);
    c.refuse('routed_expert_hidden_size', (v) => v === null, why);
    c.refuse('latent_moe_use_norm', (v) => v === false, why);
    c.refuse('num_nextn_predict_layers', (v) => v === 0 || v === null, 'the Kimi-Linear MTP layout is not modelled');
    c.refuse('q_lora_rank', (v) => v === null, 'vLLM asserts q_lora_rank is null for Kimi-Linear MLA');

    // KDA layers: 1-based numbers in linear_attn_config.kda_layers; no linear_attn_config = all MLA
    const lac = c.obj('linear_attn_config');
    const kdaNums = new Set(lac.intList('kda_layers'));
    const fullNums = new Set(lac.intList('full_attn_layers'));
    for (const k of [...kdaNums, ...fullNums]) {
      if (k < 1 || k > n) throw new UserError(`${lac.where('kda_layers')}: layer numbers are 1-based, 1 to ${n}`);
    }
    if (c.has('linear_attn_config')) {
      for (let i = 1; i <= n; i++) {
        if (kdaNums.has(i) === fullNums.has(i)) {
          throw new UserError(
            `${lac.where('full_attn_layers')}: layer ${i} (1-based) must be in exactly one of kda_layers and ` +
              'full_attn_layers',
          );
        }
      }
    }
    lac.refuse('use_full_rank_gate', (v) => v === false, why);
    const kda = kdaNums.size > 0;
    const attention = layersWhere(n, (i) => !kdaNums.has(i + 1));

    // MoE: vLLM builds KimiMoE when num_experts is set, i >= first_k_dense_replace, i % moe_layer_freq == 0
    const E = c.intOrNull('num_experts', null);
    const from = c.int('first_k_dense_replace', 0, { min: 0 });
    const freq = c.int('moe_layer_freq', 1);
    const moeLayers = E === null ? ('none' as const) : layersWhere(n, (i) => i >= from && i % freq === 0);
    const moeI = E === null ? 0 : c.int('moe_intermediate_size');
    const sharedN = c.int('num_shared_experts', 0, { min: 0, nullMeans: 0 });
    const notes = [
      'MLA layers cache kv_lora_rank + qk_rope_head_dim values per token (not split by tensor parallelism)',
    ];
    if (kda) {
      notes.push(
        'KDA state per sequence and layer: three short-conv states (kernel - 1) x heads x head_dim in the model ' +
          'dtype and a heads x head_dim x head_dim recurrent state that vLLM always keeps in fp32',
      );
    }
    return {
      a: {
        ...baseArch(c, d, n),
        attention: {
          type: 'mla',
          heads: d.heads,
          q_lora_rank: null,
          kv_lora_rank: c.int('kv_lora_rank'),
          qk_nope_head_dim: c.int('qk_nope_head_dim'),
          qk_rope_head_dim: c.int('qk_rope_head_dim'),
          v_head_dim: c.int('v_head_dim'),
          bias: false,
        },
        attention_layers: attention,
        mlp: { gated: true, ...(moeLayers === 'all' ? {} : { dense_ffn: c.int('intermediate_size', 11008) }) },
        ...(E === null || moeLayers === 'none'
          ? {}
          : {
              moe: {
                experts: E,
                top_k: c.int('num_experts_per_token'),
                expert_ffn: moeI,
                layers: moeLayers,
                ...shared(1, sharedN * moeI),
                // vLLM always creates gate.e_score_correction_bias for KimiMoE
                router_correction_bias: true,
              },
            }),
        ...(kda
          ? {
              ssm: {
                kind: 'kda' as const,
                heads: lac.int('num_heads'),
                head_dim: lac.int('head_dim'),
                d_conv: lac.int('short_conv_kernel_size', 4),
              },
            }
          : {}),
        norms: RMS,
      },
      notes,
    };
  },
};
