// AI2's MoE decoders. olmoe: q/k norms over the whole projection width, every layer MoE.
// flex_olmo (FlexOlmo): OLMo-2 attention (full-width q/k norms) with post-norms and OLMoE experts whose
// width is intermediate_size. transformers modeling_olmoe.py, modular_flex_olmo.py.
import { UserError } from '../../../errors.js';
import { baseDims, type Family, gqa, headDim, RMS, baseArch } from '../common.js';

export const olmo: Family = {
  types: ['olmoe', 'flex_olmo'],
  label: 'OLMoE, FlexOlmo',
  flagship: 'allenai/OLMoE-1B-7B-0924, allenai/FlexOlmo-7x7B-1T',
  reference: 'transformers modeling_olmoe.py, modular_flex_olmo.py',
  read(c, { type }) {
    const flex = type === 'flex_olmo';
    const d = baseDims(c, { ctx: 4096 });
    const hd = headDim(c, d.hidden, d.heads);
    if (hd * d.heads !== d.hidden) {
      throw new UserError(
        `${c.where('head_dim')}: ${hd} x ${d.heads} heads differs from hidden_size ${d.hidden}; ` +
          'the q/k norms are sized from hidden_size and a different head_dim is not modelled',
      );
    }
    const ab = c.bool('attention_bias', false);
    return {
      a: {
        ...baseArch(c, d),
        attention: gqa(d.heads, d.kv, hd, { qkv_bias: ab, o_bias: ab, qk_norm: 'full' }),
        mlp: { gated: true },
        moe: {
          experts: c.int('num_experts', c.int('num_local_experts', flex ? 7 : 64)),
          top_k: c.int('num_experts_per_tok', flex ? 5 : 8),
          expert_ffn: c.int('intermediate_size', flex ? 11008 : 2048),
          layers: 'all',
        },
        norms: RMS,
      },
      notes: [],
    };
  },
};
