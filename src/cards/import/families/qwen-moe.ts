// Qwen MoE decoders: qwen2_moe (a gated shared expert), qwen3_moe (per-head q/k norms, no shared expert),
// and the text decoders of Qwen3-VL-MoE and Qwen3-Omni's thinker, which are qwen3_moe.
// transformers modeling_qwen2_moe.py, modeling_qwen3_moe.py, modeling_qwen3_vl_moe.py, modeling_qwen3_omni_moe.py.
import { baseDims, type Family, gqa, headDim, qwenMoeLayers, RMS, shared, baseArch } from '../common.js';

export const qwenMoe: Family = {
  types: ['qwen2_moe', 'qwen3_moe', 'qwen3_vl_moe_text', 'qwen3_omni_moe_text'],
  label: 'Qwen1.5/Qwen2 MoE, Qwen3 MoE (and the Qwen3-VL / Qwen3-Omni text decoders)',
  flagship: 'Qwen/Qwen3-235B-A22B, Qwen/Qwen3-30B-A3B, Qwen/Qwen1.5-MoE-A2.7B',
  reference: 'transformers modeling_qwen2_moe.py, modeling_qwen3_moe.py',
  read(c, { type }) {
    const q2 = type === 'qwen2_moe';
    const d = baseDims(c, q2 ? { kv: 16, ctx: 8192 } : { kv: 4, ctx: 32768 });
    const E = q2
      ? c.int('num_experts', 60, { min: 0 })
      : c.int('num_experts', c.int('num_local_experts', 128), { min: 0 });
    const sharedW = q2 ? c.int('shared_expert_intermediate_size', 5632, { min: 0 }) : 0;
    if (!q2) c.refuse('shared_expert_intermediate_size', (v) => v === 0, 'qwen3_moe builds no shared expert');
    const ab = q2 ? false : c.bool('attention_bias', false);
    const moeLayers = E === 0 ? ('none' as const) : qwenMoeLayers(c, d.layers);
    const allMoe = moeLayers === 'all';
    return {
      a: {
        ...baseArch(c, d),
        attention: gqa(d.heads, d.kv, headDim(c, d.hidden, d.heads), {
          qkv_bias: q2 ? c.bool('qkv_bias', true) : ab,
          o_bias: ab,
          qk_norm: q2 ? 'none' : 'per_head',
        }),
        mlp: { gated: true, ...(allMoe ? {} : { dense_ffn: c.int('intermediate_size', q2 ? 5632 : 6144) }) },
        ...(moeLayers === 'none'
          ? {}
          : {
              moe: {
                experts: E,
                top_k: c.int('num_experts_per_tok', q2 ? 4 : 8),
                expert_ffn: c.int('moe_intermediate_size', q2 ? 1408 : 768),
                layers: moeLayers,
                ...shared(1, sharedW, true),
              },
            }),
        norms: RMS,
      },
      notes: [],
    };
  },
};
