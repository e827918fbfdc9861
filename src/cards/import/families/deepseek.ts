// DeepSeek-V2/V3 style decoders: MLA attention, dense first layers, routed + shared experts, the
// noaux_tc correction bias, MTP layers shipped beside the decoder; Kimi K2 (same code); DeepSeek-V3.2
// adds the DSA lightning indexer to every attention layer (and to the MTP layer).
// transformers modeling_deepseek_v2.py / modeling_deepseek_v3.py; DeepSeek-V3.2-Exp inference/model.py;
// vLLM deepseek_v2.py. Null meanings follow that code: n_routed_experts null = no MoE layer,
// n_shared_experts null = no shared expert, q_lora_rank null = a plain q_proj, topk_method null = no
// correction bias (vLLM creates it only for noaux_tc).
import { baseDims, deepseekMoeLayers, type Family, mla, mtpNote, RMS, shared, baseArch } from '../common.js';

export const deepseek: Family = {
  types: ['deepseek_v2', 'deepseek_v3', 'kimi_k2', 'deepseek_v32'],
  label: 'DeepSeek-V2, DeepSeek-V3 / R1, Kimi K2, DeepSeek-V3.2 (sparse attention indexer)',
  flagship:
    'deepseek-ai/DeepSeek-V3, deepseek-ai/DeepSeek-V3.2, moonshotai/Kimi-K2-Instruct, deepseek-ai/DeepSeek-V2-Lite',
  reference: 'transformers modeling_deepseek_v3.py; DeepSeek-V3.2-Exp inference/model.py; vLLM deepseek_v2.py',
  read(c, { type }) {
    const v3 = type !== 'deepseek_v2';
    const d = baseDims(c, v3 ? { ctx: 4096 } : { ctx: 2048 });
    const E = c.intOrNull('n_routed_experts', c.int('num_local_experts', v3 ? 256 : 64));
    const sharedN = c.int('n_shared_experts', v3 ? 1 : 2, { min: 0, nullMeans: 0 });
    const moeI = c.int('moe_intermediate_size', v3 ? 2048 : 1407);
    const topk =
      c.present('topk_method') && c.raw('topk_method') === null
        ? 'none'
        : c.str('topk_method', v3 ? 'noaux_tc' : 'greedy');
    const mtp = c.int('num_nextn_predict_layers', 0, { min: 0, nullMeans: 0 });
    const notes = mtp > 0 ? [mtpNote(mtp)] : [];
    const attention = mla(c, d.heads);
    if (type === 'deepseek_v32') {
      attention.indexer = { heads: c.int('index_n_heads', 64), head_dim: c.int('index_head_dim', 128) };
    }
    const moeLayers = E === null ? ('none' as const) : deepseekMoeLayers(c, d.layers, v3 ? 3 : 0);
    if (E === null) notes.push('n_routed_experts is null: every layer is dense (DeepSeek and vLLM build no MoE layer)');
    return {
      a: {
        ...baseArch(c, d),
        attention,
        mlp: {
          gated: true,
          bias: v3 ? false : c.bool('mlp_bias', false),
          ...(moeLayers === 'all' ? {} : { dense_ffn: c.int('intermediate_size', v3 ? 18432 : 11008) }),
        },
        ...(E === null
          ? {}
          : {
              moe: {
                experts: E,
                top_k: c.int('num_experts_per_tok', v3 ? 8 : 6),
                expert_ffn: moeI,
                layers: moeLayers,
                ...shared(1, sharedN * moeI),
                // e_score_correction_bias: a persistent buffer saved in the checkpoint for noaux_tc routing
                router_correction_bias: topk === 'noaux_tc',
              },
            }),
        norms: RMS,
        mtp_layers: mtp,
      },
      notes,
    };
  },
};
