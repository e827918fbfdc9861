// Zhipu GLM MoE decoders. glm4_moe (GLM-4.5 / 4.6 / 4.7, and GLM-4.5V's text decoder glm4v_moe_text):
// GQA with q/k/v bias, dense first layers, routed + shared experts, correction bias, MTP with its own
// embedding and head. glm4_moe_lite (GLM-4.7-Flash): DeepSeek MLA. glm_moe_dsa (GLM-5): MLA with the DSA
// indexer; `indexer_types` "shared" layers have none; its MTP layer has no embedding or head copies.
// transformers modeling_glm4_moe.py, modeling_glm4_moe_lite.py, modular_glm_moe_dsa.py.
import type { Cfg } from '../config.js';
import {
  baseDims,
  deepseekMoeLayers,
  type Family,
  gqa,
  headDim,
  layersWhere,
  layerTypes,
  mla,
  mtpNote,
  RMS,
  shared,
  baseArch,
} from '../common.js';

/** Dense vs MoE from `mlp_layer_types` when given (transformers), else first_k_dense_replace (vLLM). */
function glmMoeLayers(c: Cfg, n: number, defFirstK: number) {
  const t = layerTypes(c, 'mlp_layer_types', n, ['dense', 'sparse']);
  return t ? layersWhere(n, (i) => t[i] === 'sparse') : deepseekMoeLayers(c, n, defFirstK);
}

export const glm: Family = {
  types: ['glm4_moe', 'glm4v_moe_text', 'glm4_moe_lite', 'glm_moe_dsa'],
  label: 'GLM-4.5 / 4.6 / 4.7 and GLM-4.5V text, GLM-4.7-Flash (MLA), GLM-5 (MLA + sparse attention indexer)',
  flagship: 'zai-org/GLM-4.5-Air, zai-org/GLM-4.7-Flash, zai-org/GLM-5',
  reference: 'transformers modeling_glm4_moe.py, modeling_glm4_moe_lite.py, modular_glm_moe_dsa.py',
  read(c, { type }) {
    const lite = type === 'glm4_moe_lite';
    const dsa = type === 'glm_moe_dsa';
    const d = baseDims(c, { kv: 8, ctx: dsa ? 202752 : 131072 });
    const E = c.int('n_routed_experts', dsa ? 256 : lite ? 64 : 128);
    const moeI = c.int('moe_intermediate_size', dsa ? 2048 : 1408);
    const sharedN = c.int('n_shared_experts', 1, { min: 0, nullMeans: 0 });
    const mtp = c.int('num_nextn_predict_layers', 0, { min: 0, nullMeans: 0 });
    const notes = mtp > 0 ? [mtpNote(mtp)] : [];
    const moeLayers = glmMoeLayers(c, d.layers, dsa ? 3 : 1);
    let attention: ReturnType<typeof mla> | ReturnType<typeof gqa>;
    let variants: { layers: ReturnType<typeof layersWhere>; attention: ReturnType<typeof mla> }[] = [];
    if (lite || dsa) {
      attention = mla(c, d.heads);
      if (dsa) {
        const plain = { ...attention };
        attention.indexer = { heads: c.int('index_n_heads', 32), head_dim: c.int('index_head_dim', 128) };
        const shared = sharedIndexerLayers(c, d.layers);
        if (shared !== 'none') variants = [{ layers: shared, attention: plain }];
      }
    } else {
      const ab = c.bool('attention_bias', false);
      attention = gqa(d.heads, d.kv, headDim(c, d.hidden, d.heads), {
        qkv_bias: ab,
        qk_norm: c.bool('use_qk_norm', false) ? 'per_head' : 'none',
      });
    }
    return {
      a: {
        ...baseArch(c, d),
        attention,
        ...(variants.length ? { attention_variants: variants } : {}),
        mlp: { gated: true, ...(moeLayers === 'all' ? {} : { dense_ffn: c.int('intermediate_size', 10944) }) },
        moe: {
          experts: E,
          top_k: c.int('num_experts_per_tok', dsa ? 8 : lite ? 4 : 8),
          expert_ffn: moeI,
          layers: moeLayers,
          ...shared(1, sharedN * moeI),
          router_correction_bias: true,
        },
        norms: RMS,
        mtp_layers: mtp,
        // GLM-5's MTP layer carries no embedding or head of its own (its checkpoint total says so)
        ...(dsa ? { mtp_embedding_copies: false } : {}),
      },
      notes,
    };
  },
};

/** GLM-5 DSA: layers whose indexer_types entry is "shared" reuse the previous layer's top-k and build no
 *  indexer. From index_topk_pattern ("F"/"S" per layer) when given, else index_topk_freq and
 *  index_skip_topk_offset: layer i has an indexer when max(i - offset + 1, 0) % freq == 0. */
function sharedIndexerLayers(c: Cfg, n: number) {
  const types = layerTypes(c, 'indexer_types', n, ['full', 'shared']);
  if (types) return layersWhere(n, (i) => types[i] === 'shared');
  const pattern = c.str('index_topk_pattern');
  if (pattern !== undefined) {
    if (pattern.length !== n || /[^FS]/.test(pattern)) c.fail('index_topk_pattern', `${n} letters F or S`);
    return layersWhere(n, (i) => pattern[i] === 'S');
  }
  const freq = c.int('index_topk_freq', 1);
  const offset = c.int('index_skip_topk_offset', 2, { min: 0 });
  return layersWhere(n, (i) => Math.max(i - offset + 1, 0) % freq !== 0);
}
