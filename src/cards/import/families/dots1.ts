// rednote-hilab dots.llm1 (dots1): Qwen3-style attention (per-head q_norm / k_norm, here 32 KV heads = no
// GQA compression), DeepSeek-V3-style MoE: first_k_dense_replace dense layers, then routed experts with an
// e_score_correction_bias buffer and ONE shared MLP of moe_intermediate_size x n_shared_experts.
// transformers modeling_dots1.py / configuration_dots1.py.
// Traps handled: n_routed_experts, n_shared_experts and num_experts_per_tok default to None in the config
// class and the model cannot be built without them (required here, null refused); the class default
// hidden_size 4608 is not the checkpoint's (vocab / hidden / layers / heads are required anyway);
// layer_types defaults to sliding for layers i >= max_window_layers whenever sliding_window is not null
// (transformers ignores use_sliding_window); moe_layer_freq is not read by Dots1 (values other than 1
// refused); no MTP.
import {
  baseDims,
  type Family,
  gqa,
  headDim,
  layersWhere,
  RMS,
  shared,
  slidingFromLayerTypes,
  baseArch,
} from '../common.js';

export const dots1: Family = {
  types: ['dots1'],
  label: 'dots.llm1',
  flagship: 'rednote-hilab/dots.llm1.inst',
  reference: 'transformers modeling_dots1.py',
  read(c) {
    const d = baseDims(c, { ctx: 2048 });
    const n = d.layers;
    const ab = c.bool('attention_bias', false);
    const E = c.int('n_routed_experts', c.optInt('num_local_experts'));
    const sharedN = c.int('n_shared_experts', undefined, { min: 0 });
    const topK = c.int('num_experts_per_tok');
    const moeI = c.int('moe_intermediate_size', 1408);
    const firstK = c.int('first_k_dense_replace', 0, { min: 0 });
    if (firstK >= n) c.fail('first_k_dense_replace', `an integer from 0 to ${n - 1} (some layer must be MoE)`);
    c.refuse('moe_layer_freq', (v) => v === 1, 'Dots1 makes every layer from first_k_dense_replace on a MoE layer');
    const moeLayers = layersWhere(n, (i) => i >= firstK);
    // sliding layers: layer_types, else i >= max_window_layers when sliding_window is not null
    const window = c.intOrNull('sliding_window', 4096);
    let sliding = slidingFromLayerTypes(c, n, window ?? undefined);
    if (!c.has('layer_types') && window !== null) {
      const from = c.int('max_window_layers', 62, { min: 0 });
      const set = layersWhere(n, (i) => i >= from);
      sliding = set === 'none' ? undefined : { window, layers: set };
    }
    return {
      a: {
        ...baseArch(c, d, n),
        attention: gqa(d.heads, d.kv, headDim(c, d.hidden, d.heads), { qkv_bias: ab, o_bias: ab, qk_norm: 'per_head' }),
        ...(sliding ? { sliding_window: sliding } : {}),
        mlp: { gated: true, ...(firstK > 0 ? { dense_ffn: c.int('intermediate_size', 10944) } : {}) },
        moe: {
          experts: E,
          top_k: topK,
          expert_ffn: moeI,
          layers: moeLayers,
          ...shared(1, sharedN * moeI),
          // e_score_correction_bias: a persistent buffer saved in the checkpoint
          router_correction_bias: true,
        },
        norms: RMS,
      },
      notes: [],
    };
  },
};
