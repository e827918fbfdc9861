// Liquid AI LFM2-MoE (lfm2_moe): transformers modular_lfm2_moe.py (Lfm2MoeDecoderLayer, Lfm2MoeSparseMoeBlock)
// on the LFM2 blocks of modeling_lfm2.py (Lfm2ShortConv, Lfm2Attention) and configuration_lfm2_moe.py.
// Traps handled:
// - layer_types ("conv" / "full_attention") picks each layer's operator: a gated short convolution (in_proj
//   hidden -> 3 x hidden, a depthwise conv of conv_L_cache taps, out_proj; biases when conv_bias) or GQA
//   attention with per-head q/k layernorms and no bias; older configs list full_attn_idxs instead; with
//   neither the decoder cannot be built (refused);
// - layers below num_dense_layers (default 2) run a dense MLP of intermediate_size, the rest MoE
//   (moe_intermediate_size experts, a router without bias);
// - use_expert_bias (default true) registers a persistent expert_bias buffer per MoE layer (counted as the
//   router correction bias);
// - tie_embedding (the original key) overrides tie_word_embeddings (default true); the final norm is
//   embedding_norm.
import { UserError } from '../../../errors.js';
import { baseDims, type Family, gqa, headDim, layersWhere, layerTypes, RMS } from '../common.js';

export const lfm2Moe: Family = {
  types: ['lfm2_moe'],
  label: 'LFM2-MoE (short convolutions + attention)',
  flagship: 'LiquidAI/LFM2-8B-A1B',
  reference: 'transformers modular_lfm2_moe.py',
  read(c) {
    const d = baseDims(c, { kv: 8, ctx: 128000 });
    const n = d.layers;
    let attn: boolean[];
    const lt = layerTypes(c, 'layer_types', n, ['conv', 'full_attention']);
    if (lt) {
      attn = lt.map((t) => t === 'full_attention');
      c.refuse('full_attn_idxs', () => false, 'give layer_types or full_attn_idxs, not both');
    } else if (c.has('full_attn_idxs')) {
      const idx = c.intList('full_attn_idxs');
      if (idx.some((i) => i >= n)) c.fail('full_attn_idxs', `layer indices from 0 to ${n - 1}`);
      attn = Array.from({ length: n }, (_, i) => idx.includes(i));
    } else {
      throw new UserError(
        `${c.where('layer_types')}: required (or full_attn_idxs): the decoder reads each layer's type from it`,
      );
    }
    const dense = c.int('num_dense_layers', 2, { min: 0 });
    const moeLayers = layersWhere(n, (i) => i >= dense);
    const tie = c.present('tie_embedding') ? c.bool('tie_embedding', true) : c.bool('tie_word_embeddings', true);
    return {
      a: {
        vocab_size: d.vocab,
        hidden_size: d.hidden,
        num_layers: n,
        tie_embeddings: tie,
        max_context: d.ctx,
        attention: gqa(d.heads, d.kv, headDim(c, d.hidden, d.heads), { qk_norm: 'per_head' }),
        attention_layers: layersWhere(n, (i) => attn[i]!),
        ssm: { kind: 'short_conv', d_conv: c.int('conv_L_cache', 3), bias: c.bool('conv_bias', false) },
        mlp: { gated: true, ...(dense > 0 ? { dense_ffn: c.int('intermediate_size', 7168) } : {}) },
        ...(moeLayers === 'none'
          ? {}
          : {
              moe: {
                experts: c.int('num_experts', 32),
                top_k: c.int('num_experts_per_tok', 4),
                expert_ffn: c.int('moe_intermediate_size', 1792),
                layers: moeLayers,
                router_correction_bias: c.bool('use_expert_bias', true),
              },
            }),
        norms: RMS,
      },
      notes: [],
    };
  },
};
