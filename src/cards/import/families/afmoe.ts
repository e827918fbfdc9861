// Arcee Trinity (afmoe): transformers modular_afmoe.py / modeling_afmoe.py (AfmoeAttention,
// AfmoeDecoderLayer, AfmoeMoE) and configuration_afmoe.py. Traps handled:
// - gated attention: gate_proj hidden -> heads x head_dim (sigmoid on the attention output), q_norm / k_norm
//   of head_dim; AfmoeConfig forces attention_bias to False whatever the JSON says;
// - four RMSNorms per layer (input, post-attention, pre-MLP, post-MLP);
// - layers below num_dense_layers (default 1) are dense (intermediate_size), the rest MoE; the shared
//   experts are one MLP of num_shared_experts x moe_intermediate_size (default 2 shared);
// - expert_bias [experts] is stored in every MoE layer (an nn.Parameter without gradient; modelled as the
//   router correction bias);
// - layer_types absent: full attention when (i + 1) % global_attn_every_n_layers == 0 (default 4), sliding
//   window elsewhere; the class defaults (64 experts, top-6, 1408 wide, 16384 context) differ from every
//   Trinity checkpoint.
import { baseDims, type Family, gqa, headDim, layersWhere, layerTypes, baseArch } from '../common.js';

export const afmoe: Family = {
  types: ['afmoe'],
  label: 'Arcee Trinity (AFMoE)',
  flagship: 'arcee-ai/Trinity-Mini, arcee-ai/Trinity-Nano-Preview',
  reference: 'transformers modeling_afmoe.py',
  read(c) {
    const d = baseDims(c, { ctx: 16384 });
    const n = d.layers;
    const dense = c.int('num_dense_layers', 1, { min: 0 });
    const every = c.int('global_attn_every_n_layers', 4);
    const types =
      layerTypes(c, 'layer_types', n, ['sliding_attention', 'full_attention']) ??
      Array.from({ length: n }, (_, i) => ((i + 1) % every === 0 ? 'full_attention' : 'sliding_attention'));
    const sliding = layersWhere(n, (i) => types[i] === 'sliding_attention');
    // sliding_window null: the sliding layers attend to every token (the mask gets no window)
    const window = c.intOrNull('sliding_window', 1024);
    const moeLayers = layersWhere(n, (i) => i >= dense);
    const moeI = c.int('moe_intermediate_size', 1408);
    const sharedN = c.int('num_shared_experts', 2, { min: 0 });
    const notes = [
      'expert_bias (one value per expert in every MoE layer) is an nn.Parameter in transformers, counted as ' +
        'the router correction bias',
    ];
    return {
      a: {
        ...baseArch(c, d, n),
        attention: gqa(d.heads, d.kv, headDim(c, d.hidden, d.heads, 128), {
          output_gate: true,
          qk_norm: 'per_head',
        }),
        ...(sliding !== 'none' && window !== null ? { sliding_window: { window, layers: sliding } } : {}),
        mlp: { gated: true, ...(dense > 0 ? { dense_ffn: c.int('intermediate_size', 6144) } : {}) },
        ...(moeLayers === 'none'
          ? {}
          : {
              moe: {
                experts: c.int('num_experts', 64),
                top_k: c.int('num_experts_per_tok', 6),
                expert_ffn: moeI,
                layers: moeLayers,
                ...(sharedN > 0 ? { shared_experts: { count: 1, ffn: sharedN * moeI, gate: false } } : {}),
                router_correction_bias: true,
              },
            }),
        norms: { kind: 'rmsnorm', per_layer: 4 },
      },
      notes,
    };
  },
};
