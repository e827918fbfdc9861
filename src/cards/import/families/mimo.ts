// Xiaomi MiMo-V2-Flash (mimo_v2_flash): vLLM mimo_v2_flash.py (MiMoV2Attention, MiMoV2MoE,
// MiMoV2FlashDecoderLayer; transformers has no class for it). Traps handled:
// - hybrid_layer_pattern: 1 = sliding-window layer (swa_* heads, KV heads and head widths, window
//   sliding_window_size, one attention-sink logit per head when add_swa_attention_sink_bias), 0 = full layer
//   (num_attention_heads / num_key_value_heads / head_dim); the two kinds differ in KV heads (8 vs 4);
// - V is narrower than K (v_head_dim / swa_v_head_dim; absent or null: the K width); o_proj reads heads x V
//   width and has no bias (attention_bias covers q, k, v only);
// - moe_layer_freq counts only as a list (entry i truthy: layer i is MoE); an integer or no key makes every
//   layer dense in vLLM;
// - every MoE layer stores gate.e_score_correction_bias (vLLM creates it unconditionally); there is no shared
//   expert in the reference code, so a non-zero n_shared_experts is refused;
// - add_full_attention_sink_bias (never read by vLLM) and tie_word_embeddings (vLLM always builds an untied
//   lm_head) are refused when set; the MTP layers ("mtp" weights, skipped by vLLM) are not counted.
import { UserError } from '../../../errors.js';
import type { Cfg } from '../config.js';
import { baseDims, type Family, gqa, layersWhere, RMS } from '../common.js';

/** A per-layer list of n numbers (or booleans) from the config; undefined when absent or not a list. */
function perLayer(c: Cfg, key: string, n: number, allowed: (v: unknown) => boolean, what: string) {
  const v = c.raw(key);
  if (!Array.isArray(v)) return undefined;
  if (v.length !== n || !v.every(allowed)) c.fail(key, `${n} entries (one per layer), each ${what}`);
  return v as (number | boolean)[];
}

export const mimo: Family = {
  types: ['mimo_v2_flash'],
  label: 'MiMo-V2-Flash',
  flagship: 'XiaomiMiMo/MiMo-V2-Flash',
  reference: 'vLLM mimo_v2_flash.py',
  read(c) {
    const d = baseDims(c, { ctx: 32768 });
    const n = d.layers;
    const pattern =
      perLayer(c, 'hybrid_layer_pattern', n, (x) => x === 0 || x === 1, '0 (full) or 1 (sliding)') ??
      c.fail('hybrid_layer_pattern', `a list of ${n} entries, 0 (full attention) or 1 (sliding window)`);
    const swa = layersWhere(n, (i) => pattern[i] === 1);
    const full = layersWhere(n, (i) => pattern[i] !== 1);
    const ab = c.bool('attention_bias', false);
    c.refuse('add_full_attention_sink_bias', (v) => v === false || v === null, 'vLLM builds sinks on SWA layers only');
    c.refuse('tie_word_embeddings', (v) => v === false, 'vLLM MiMoV2FlashForCausalLM always builds an untied lm_head');
    c.refuse('n_shared_experts', (v) => v === null || v === 0, 'the reference MoE block has no shared expert');

    const hd = c.int('head_dim');
    const vhd = c.int('v_head_dim', hd, { nullMeans: hd });
    const fullAttn = gqa(d.heads, d.kv, hd, { ...(vhd !== hd ? { v_head_dim: vhd } : {}), qkv_bias: ab });
    let swaAttn: typeof fullAttn | undefined;
    let window: number | undefined;
    if (swa !== 'none') {
      const shd = c.int('swa_head_dim');
      const svhd = c.int('swa_v_head_dim', shd, { nullMeans: shd });
      swaAttn = gqa(c.int('swa_num_attention_heads'), c.int('swa_num_key_value_heads'), shd, {
        ...(svhd !== shd ? { v_head_dim: svhd } : {}),
        qkv_bias: ab,
        sinks: c.bool('add_swa_attention_sink_bias', false),
      });
      const w = c.int('sliding_window_size', undefined, { min: -1 });
      if (w === 0) c.fail('sliding_window_size', 'a window >= 1, or -1 for none');
      if (w > 0) window = w;
    }

    const freq = c.raw('moe_layer_freq');
    const list = perLayer(c, 'moe_layer_freq', n, (x) => typeof x === 'number' || typeof x === 'boolean', '0/1');
    const moeLayers = list ? layersWhere(n, (i) => Boolean(list[i])) : ('none' as const);
    const notes: string[] = [];
    if (freq !== undefined && !list) {
      notes.push('moe_layer_freq is not a list: vLLM builds every layer as a dense MLP (no MoE layer)');
    }
    const mtp = c.int('num_nextn_predict_layers', 0, { min: 0, nullMeans: 0 });
    const shipped =
      mtp > 0 ? `${mtp} multi-token-prediction layer(s) ship` : 'the checkpoint ships multi-token-prediction layers';
    notes.push(
      `${shipped} beside the decoder (model.mtp.*): vLLM skips them and moe-calc does not count them ` +
        '(their shape is not in the config)',
    );
    if (moeLayers !== 'none' && !c.has('n_routed_experts')) {
      throw new UserError(`${c.where('n_routed_experts')}: required when moe_layer_freq names MoE layers`);
    }
    const attention = swaAttn ?? fullAttn;
    return {
      a: {
        vocab_size: d.vocab,
        hidden_size: d.hidden,
        num_layers: n,
        tie_embeddings: false,
        max_context: d.ctx,
        attention,
        ...(swaAttn && full !== 'none' ? { attention_variants: [{ layers: full, attention: fullAttn }] } : {}),
        ...(window !== undefined && swa !== 'none' ? { sliding_window: { window, layers: swa } } : {}),
        mlp: { gated: true, ...(moeLayers === 'all' ? {} : { dense_ffn: c.int('intermediate_size') }) },
        ...(moeLayers === 'none'
          ? {}
          : {
              moe: {
                experts: c.int('n_routed_experts'),
                top_k: c.int('num_experts_per_tok'),
                expert_ffn: c.int('moe_intermediate_size'),
                layers: moeLayers,
                router_correction_bias: true,
              },
            }),
        norms: RMS,
      },
      notes,
    };
  },
};
