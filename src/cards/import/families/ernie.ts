// Baidu ERNIE 4.5 MoE text decoders (ernie4_5_moe: the -PT checkpoints 300B-A47B and 21B-A3B).
// transformers modeling_ernie4_5_moe.py / configuration_ernie4_5_moe.py; vLLM ernie45_moe.py, ernie_mtp.py.
// Traps handled:
// - MoE layers: (i + 1) % moe_layer_interval == 0 and moe_layer_start_index <= i <= moe_layer_end_index
//   (the interval test is on i + 1, not on i - start); end -1 (the class default) or null = the last layer;
// - shared experts are ONE MLP of moe_intermediate_size x moe_num_shared_experts (none when 0);
// - mlp.moe_statics.e_score_correction_bias has shape (1, E) and is always built (transformers ignores
//   moe_use_aux_free: false is refused); the router is stored fp32 (same count);
// - use_bias puts biases on q/k/v/o, the dense MLP, the shared experts and lm_head, never on the experts;
// - MTP (num_nextn_predict_layers): mtp_emb_norm, mtp_hidden_norm, a 2H -> H mtp_linear_proj and one decoder
//   layer with a DENSE MLP of intermediate_size; mtp_layers cannot express that (it repeats the last MoE layer),
//   so it stays 0 and a note gives the size; transformers drops those weights on load;
// - ernie4_5_vl_moe (ERNIE-4.5-VL) keeps a second routed-expert set (vision experts of moe_intermediate_size[1]
//   with their own router and correction bias) in every MoE layer: not modelled, refused.
import { groupDigits } from '../../../core/digits.js';
import { UserError } from '../../../errors.js';
import { baseDims, type Family, gqa, headDim, layersWhere, RMS, shared } from '../common.js';

export const VL_REFUSAL =
  'ERNIE-4.5-VL keeps a second routed-expert set in every MoE layer (vision experts of moe_intermediate_size[1] ' +
  'with their own router and correction bias); moe-calc has no construct for two expert sets of different widths, ' +
  'so it refuses rather than guess. Point moe-calc at the checkpoint (its safetensors headers) for exact totals';

export const ernie: Family = {
  types: ['ernie4_5_moe'],
  label: 'ERNIE 4.5 MoE',
  flagship: 'baidu/ERNIE-4.5-300B-A47B-PT, baidu/ERNIE-4.5-21B-A3B-PT',
  reference: 'transformers modeling_ernie4_5_moe.py',
  read(c) {
    // the remote-code VL configs give [text, vision] pairs here
    for (const k of ['moe_num_experts', 'moe_intermediate_size', 'moe_k', 'moe_layer_start_index']) {
      if (Array.isArray(c.raw(k))) throw new UserError(`${c.where(k)}: a [text, vision] list: ${VL_REFUSAL}`);
    }
    const d = baseDims(c, { kv: 4, ctx: 131072 });
    const n = d.layers;
    const hd = headDim(c, d.hidden, d.heads);
    const useBias = c.bool('use_bias', false);
    c.refuse('use_rmsnorm', (v) => v === true, 'transformers builds RMSNorm regardless');
    c.refuse(
      'moe_use_aux_free',
      (v) => v === true,
      'transformers builds the correction bias regardless; without it the checkpoint would differ',
    );
    const E = c.int('moe_num_experts', 64);
    const moeI = c.int('moe_intermediate_size', 1536);
    const sharedN = c.int('moe_num_shared_experts', 2, { min: 0 });
    const start = c.int('moe_layer_start_index', 1, { min: 0 });
    // -1 (the default) becomes num_hidden_layers - 1 in the config class; null is read the same way
    const endRaw = c.int('moe_layer_end_index', -1, { min: -1, nullMeans: -1 });
    const end = endRaw === -1 ? n - 1 : endRaw;
    const interval = c.int('moe_layer_interval', 1);
    const moeLayers = layersWhere(n, (i) => (i + 1) % interval === 0 && i >= start && i <= end);
    const hasDense = moeLayers !== 'all';
    const hasShared = moeLayers !== 'none' && sharedN > 0;
    const ffn = c.int('intermediate_size', 12288);
    const notes: string[] = [];
    if (moeLayers === 'none') notes.push('no layer satisfies the MoE layer rule: every layer is dense');
    const mtp = c.int('num_nextn_predict_layers', 0, { min: 0, nullMeans: 0 });
    if (mtp > 0) {
      const h = d.hidden;
      const attn = 2 * h * d.heads * hd + 2 * h * d.kv * hd;
      const attnBias = useBias ? d.heads * hd + 2 * d.kv * hd + h : 0;
      const dense = 3 * h * ffn + (useBias ? 2 * ffn + h : 0);
      const perLayer = 2 * h * h + 2 * h + attn + attnBias + 2 * h + dense;
      notes.push(
        `${mtp} MTP layer(s) (num_nextn_predict_layers) may ship beside the decoder: mtp_emb_norm, ` +
          `mtp_hidden_norm, a 2H -> H mtp_linear_proj and one decoder layer with a dense MLP of intermediate_size, ` +
          `${groupDigits(mtp * perLayer)} parameters; not counted (transformers drops them on load, vLLM loads them ` +
          'only for speculative decoding); whether a repository ships them differs per repository',
      );
    }
    return {
      a: {
        vocab_size: d.vocab,
        hidden_size: d.hidden,
        num_layers: n,
        tie_embeddings: c.bool('tie_word_embeddings', true),
        lm_head_bias: useBias,
        max_context: d.ctx,
        attention: gqa(d.heads, d.kv, hd, { qkv_bias: useBias, o_bias: useBias }),
        mlp: {
          gated: true,
          bias: useBias && (hasDense || hasShared),
          ...(hasDense ? { dense_ffn: ffn } : {}),
        },
        ...(moeLayers === 'none'
          ? {}
          : {
              moe: {
                experts: E,
                top_k: c.int('moe_k', 6),
                expert_ffn: moeI,
                layers: moeLayers,
                ...shared(1, sharedN * moeI),
                // mlp.moe_statics.e_score_correction_bias (1, E), saved in the checkpoint
                router_correction_bias: true,
              },
            }),
        norms: RMS,
      },
      notes,
    };
  },
};
