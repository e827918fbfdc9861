// Upstage Solar Open (solar_open): a GLM-4.5-style MoE in EVERY layer (router + e_score_correction_bias
// buffer, routed experts, one shared MLP of moe_intermediate_size x n_shared_experts) under Llama-style GQA
// attention (q/k/v bias = attention_bias, o_proj never biased, no q/k norm), untied head.
// transformers modular_solar_open.py / configuration_solar_open.py (SolarOpenConfig; no vLLM model read).
// Traps handled: SolarOpenConfig deletes intermediate_size and first_k_dense_replace, and the decoder layer
// always builds the MoE block: the checkpoint's intermediate_size (10240) is unused and a
// first_k_dense_replace > 0 (which would add dense layers if honoured) is refused; use_qk_norm is removed from
// the class (true refused); head_dim defaults to 128; no MTP layer is built (num_nextn_predict_layers: a note).
import { baseDims, type Family, gqa, headDim, RMS, shared, baseArch } from '../common.js';

export const solarOpen: Family = {
  types: ['solar_open'],
  label: 'Solar Open',
  flagship: 'upstage/Solar-Open-100B',
  reference: 'transformers modular_solar_open.py',
  read(c) {
    const d = baseDims(c, { kv: 8, ctx: 131072 });
    c.refuse('first_k_dense_replace', (v) => v === 0, 'SolarOpen builds the MoE block in every layer');
    c.refuse('mlp_layer_types', (v) => v === null, 'SolarOpen builds the MoE block in every layer');
    c.refuse('use_qk_norm', (v) => v === false, 'SolarOpen builds no q/k norms');
    const mtp = c.int('num_nextn_predict_layers', 0, { min: 0, nullMeans: 0 });
    const moeI = c.int('moe_intermediate_size', 1280);
    const sharedN = c.int('n_shared_experts', 1, { min: 0 });
    return {
      a: {
        ...baseArch(c, d),
        attention: gqa(d.heads, d.kv, headDim(c, d.hidden, d.heads, 128), {
          qkv_bias: c.bool('attention_bias', false),
        }),
        mlp: { gated: true },
        moe: {
          experts: c.int('n_routed_experts', c.int('num_local_experts', 128)),
          top_k: c.int('num_experts_per_tok', 8),
          expert_ffn: moeI,
          layers: 'all',
          ...shared(1, sharedN * moeI),
          // e_score_correction_bias: a persistent buffer saved in the checkpoint
          router_correction_bias: true,
        },
        norms: RMS,
      },
      notes:
        mtp > 0
          ? [`num_nextn_predict_layers ${mtp}: SolarOpen builds no MTP layer and loads no MTP weights; not counted`]
          : [],
    };
  },
};
