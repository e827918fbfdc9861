// Meituan LongCat-Flash (longcat_flash): transformers modular_longcat_flash.py / modeling_longcat_flash.py
// (LongcatFlashDecoderLayer, LongcatFlashMLA, LongcatFlashTopkRouter, LongcatFlashExperts) and
// configuration_longcat_flash.py. Each of the num_layers logical layers holds two attention sub-layers (cache
// indices 2i and 2i + 1), two dense MLPs and one "shortcut" MoE. The card models it as 2 x num_layers decoder
// layers: MLA and a dense MLP (ffn_hidden_size) on every one, and on the even ones the MoE block with that
// layer's dense MLP as moe.dense_residual_ffn; two RMSNorms per sub-layer. Traps handled:
// - zero_expert_num identity experts share the router with the real ones (classifier hidden -> experts +
//   zero experts, the e_score_correction_bias buffer of the same size) but have no weights: a token runs
//   between top_k - zero_expert_num (at least 0) and top_k real experts, so active is a range;
// - the transformers class allocates gate_up_proj for experts + zero experts (a bug); the checkpoint holds
//   the real experts only, which is what is counted;
// - the queries always go through q_a_proj (q_lora_rank null is refused); qk_head_dim other than
//   qk_nope_head_dim + qk_rope_head_dim, zero_expert_type other than "identity" and a num_hidden_layers that
//   disagrees with 2 x num_layers (the model overwrites it) are refused;
// - attribute_map aliases: num_local_experts, num_experts_per_tok, intermediate_size;
// - the MTP layer (model.mtp.*, ignored on load) is not counted.
import type { Cfg } from '../config.js';
import { type Family, RMS } from '../common.js';

/** A key or its attribute_map alias (both given and different: refused). */
function aliased(c: Cfg, key: string, alias: string, def: number): number {
  const v = c.int(key, c.int(alias, def));
  if (c.present(key) && c.present(alias) && c.int(alias) !== v) c.fail(alias, `the same value as ${key} (${v})`);
  return v;
}

export const longcat: Family = {
  types: ['longcat_flash'],
  label: 'LongCat-Flash (zero-computation experts)',
  flagship: 'meituan-longcat/LongCat-Flash-Chat',
  reference: 'transformers modeling_longcat_flash.py',
  read(c) {
    const vocab = c.int('vocab_size');
    const hidden = c.int('hidden_size');
    const heads = c.int('num_attention_heads');
    const logical = c.int('num_layers', 28);
    const n = 2 * logical;
    c.refuse('num_hidden_layers', (v) => v === n, `LongcatFlashModel sets it to 2 x num_layers (${n})`);
    const nope = c.int('qk_nope_head_dim', 128);
    const rope = c.int('qk_rope_head_dim', 64);
    c.refuse('qk_head_dim', (v) => v === null || v === nope + rope, 'the projections are qk_nope + qk_rope wide');
    c.refuse('zero_expert_type', (v) => v === 'identity' || v === null, 'only identity zero experts are modelled');
    const ffn = aliased(c, 'ffn_hidden_size', 'intermediate_size', 12288);
    const zero = c.int('zero_expert_num', 256, { min: 0, nullMeans: 0 });
    const notes = [
      `each of the ${logical} logical layers is two decoder layers here (two MLA blocks, two dense MLPs, one MoE)`,
      `${zero} zero-computation experts: a token runs between top_k - ${zero} (at least 0) and top_k real experts`,
    ];
    const mtp = c.int('num_nextn_predict_layers', 0, { min: 0, nullMeans: 0 });
    if (mtp > 0) notes.push(`${mtp} multi-token-prediction layer(s) (model.mtp.*) are not counted`);
    return {
      a: {
        vocab_size: vocab,
        hidden_size: hidden,
        num_layers: n,
        tie_embeddings: c.bool('tie_word_embeddings', false),
        max_context: c.int('max_position_embeddings', 131072),
        attention: {
          type: 'mla',
          heads,
          q_lora_rank: c.int('q_lora_rank', 1536),
          kv_lora_rank: c.int('kv_lora_rank', 512),
          qk_nope_head_dim: nope,
          qk_rope_head_dim: rope,
          v_head_dim: c.int('v_head_dim', 128),
          bias: c.bool('attention_bias', false),
        },
        mlp: { gated: true, dense_ffn: ffn },
        moe: {
          experts: aliased(c, 'n_routed_experts', 'num_local_experts', 512),
          top_k: aliased(c, 'moe_topk', 'num_experts_per_tok', 12),
          expert_ffn: c.int('expert_ffn_hidden_size', 2048),
          layers: { period: 2, offsets: [0] },
          dense_residual_ffn: ffn,
          router_bias: c.bool('router_bias', false),
          router_correction_bias: true,
          zero_experts: zero,
        },
        norms: RMS,
      },
      notes,
    };
  },
};
