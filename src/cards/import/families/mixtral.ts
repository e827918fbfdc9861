// Mixtral: every layer MoE, no shared expert. transformers modeling_mixtral.py.
import { baseDims, type Family, gqa, headDim, RMS, baseArch } from '../common.js';

export const mixtral: Family = {
  types: ['mixtral'],
  label: 'Mixtral',
  flagship: 'mistralai/Mixtral-8x7B-v0.1',
  reference: 'transformers modeling_mixtral.py',
  read(c) {
    const d = baseDims(c, { kv: 8, ctx: 131072 });
    return {
      a: {
        ...baseArch(c, d),
        attention: gqa(d.heads, d.kv, headDim(c, d.hidden, d.heads)),
        mlp: { gated: true },
        moe: {
          experts: c.int('num_local_experts', c.int('num_experts', 8)),
          top_k: c.int('num_experts_per_tok', 2),
          expert_ffn: c.int('intermediate_size', 14336),
          layers: 'all',
        },
        norms: RMS,
      },
      notes: [],
    };
  },
};
