// LG AI K-EXAONE (exaone_moe): GQA with per-head q_norm / k_norm and no biases, hybrid sliding-window /
// global attention, dense first layers then a MoE (router + e_score_correction_bias buffer, routed experts,
// one shared MLP of moe_intermediate_size x num_shared_experts).
// transformers modeling_exaone_moe.py / configuration_exaone_moe.py; vLLM exaone_moe.py (MTP handling).
// Traps handled:
// - dense vs MoE: mlp_layer_types ("dense" / "sparse"), else the first first_k_dense_replace layers (default
//   1) are dense; the older hub keys is_moe_layer / first_last_k_dense_replace are read by transformers'
//   class neither: a value that disagrees with the layers it builds is refused;
// - sliding layers: layer_types, else from sliding_window_pattern: an integer p makes layer i global iff
//   (i + 1) % p == 0 (class default 4); a string of L / G repeats from layer 0 and the last layer is global
//   (the docstring's rule); the class default window is 4096 (the flagship uses 128);
// - MTP (num_nextn_predict_layers): K-EXAONE ships one MTP layer with a DENSE MLP (vLLM builds it dense;
//   transformers drops mtp.*); mtp_layers cannot express a dense MTP layer, so it stays 0 with a note.
import { UserError } from '../../../errors.js';
import { baseDims, type Family, gqa, headDim, layersWhere, layerTypes, RMS, shared, baseArch } from '../common.js';
import type { Cfg } from '../config.js';

/** Sliding layers (true) per transformers' ExaoneMoeConfig, when layer_types is absent. */
function patternSliding(c: Cfg, n: number): boolean[] {
  const p = c.raw('sliding_window_pattern');
  if (p === undefined || (typeof p === 'number' && Number.isSafeInteger(p) && p >= 1)) {
    const every = (p as number | undefined) ?? 4;
    return Array.from({ length: n }, (_, i) => (i + 1) % every !== 0);
  }
  if (typeof p === 'string' && /^[LG]+$/.test(p)) {
    return Array.from({ length: n }, (_, i) => i !== n - 1 && p[i % p.length] === 'L');
  }
  return c.fail('sliding_window_pattern', 'an integer >= 1 or a string of L and G');
}

export const exaoneMoe: Family = {
  types: ['exaone_moe'],
  label: 'K-EXAONE (EXAONE MoE)',
  flagship: 'LGAI-EXAONE/K-EXAONE-236B-A23B',
  reference: 'transformers modeling_exaone_moe.py',
  read(c) {
    const d = baseDims(c, { ctx: 2048 });
    const n = d.layers;
    c.refuse('attention_bias', (v) => v === false, 'the attention projections are built without biases');
    // dense vs MoE
    const mlt = layerTypes(c, 'mlp_layer_types', n, ['dense', 'sparse']);
    const firstK = mlt ? 0 : c.int('first_k_dense_replace', 1, { min: 0 });
    const isMoe = (i: number) => (mlt ? mlt[i] === 'sparse' : i >= firstK);
    const legacy = c.raw('is_moe_layer');
    if (legacy !== undefined && legacy !== null) {
      if (!Array.isArray(legacy) || legacy.length !== n || legacy.some((x) => typeof x !== 'boolean')) {
        c.fail('is_moe_layer', `${n} booleans (one per layer)`);
      }
      const flags = legacy as boolean[];
      c.refuse(
        'is_moe_layer',
        () => flags.every((x, i) => x === isMoe(i)),
        'transformers does not read it and builds MoE layers from mlp_layer_types / first_k_dense_replace',
      );
    }
    c.refuse(
      'first_last_k_dense_replace',
      (v) =>
        v === null ||
        (typeof v === 'number' && Array.from({ length: n }, (_, i) => i >= v === isMoe(i)).every(Boolean)),
      'transformers does not read it and builds MoE layers from mlp_layer_types / first_k_dense_replace',
    );
    const moeLayers = layersWhere(n, isMoe);
    if (moeLayers === 'none') throw new UserError(`${c.file}: no MoE layer (every layer is dense): not a MoE model`);
    const hasDense = moeLayers !== 'all';
    // attention kinds
    const window = c.int('sliding_window', 4096);
    const lt = layerTypes(c, 'layer_types', n, ['sliding_attention', 'full_attention']);
    const slidingMask = lt ? lt.map((t) => t === 'sliding_attention') : patternSliding(c, n);
    const slidingLayers = layersWhere(n, (i) => slidingMask[i]!);
    const moeI = c.int('moe_intermediate_size', 1024);
    const notes: string[] = [];
    const mtp = c.int('num_nextn_predict_layers', 0, { min: 0, nullMeans: 0 });
    if (mtp > 0) {
      notes.push(
        `${mtp} MTP layer(s) (num_nextn_predict_layers) with a dense MLP may ship beside the decoder; not counted ` +
          '(transformers drops mtp.* on load; vLLM loads them only for speculative decoding)',
      );
    }
    return {
      a: {
        ...baseArch(c, d, n),
        attention: gqa(d.heads, d.kv, headDim(c, d.hidden, d.heads), { qk_norm: 'per_head' }),
        ...(slidingLayers === 'none' ? {} : { sliding_window: { window, layers: slidingLayers } }),
        mlp: { gated: true, ...(hasDense ? { dense_ffn: c.int('intermediate_size', 16384) } : {}) },
        moe: {
          experts: c.int('num_experts', 64),
          top_k: c.int('num_experts_per_tok', 8),
          expert_ffn: moeI,
          layers: moeLayers,
          ...shared(1, c.int('num_shared_experts', 1, { min: 0 }) * moeI),
          // mlp.gate.e_score_correction_bias: a persistent buffer saved in the checkpoint
          router_correction_bias: true,
        },
        norms: RMS,
      },
      notes,
    };
  },
};
