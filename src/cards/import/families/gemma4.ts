// Gemma 4 text decoders (gemma4_text): the 26B-A4B MoE and the 31B dense model. The gemma4 wrapper in
// index.ts reads text_config with this module and counts the vision tower (towers.ts gemma4Vision).
// transformers modeling_gemma4.py (Gemma4TextAttention, Gemma4TextDecoderLayer, Gemma4TextRouter,
// Gemma4TextExperts) and configuration_gemma4.py. Traps handled:
// - layer_types defaults to 5 sliding : 1 full, and the config class forces the last layer to full attention;
// - full-attention layers use global_head_dim (default 512; null: head_dim) and, with attention_k_eq_v,
//   num_global_key_value_heads KV heads and no v_proj (V is the k_proj output, still cached); sliding layers
//   keep head_dim and num_key_value_heads with a v_proj; newer configs carry these overrides as
//   per_layer_config, read when it names exactly the full layers;
// - q_norm and k_norm of the head width on every layer (v_norm has no weight); attention_bias on q, k, v, o;
// - enable_moe_block: every layer keeps its dense MLP (Google's "shared expert") beside the routed experts
//   (moe.dense_residual_ffn), a router with a scale of hidden and one per expert, and 3 more RMSNorms
//   (7 per layer; 4 without experts);
// - layer_scalar: one persistent buffer value per layer, saved in the checkpoint (per_layer_scalars);
// - per-layer embeddings (hidden_size_per_layer_input, default 256: E2B/E4B), KV-shared layers and an audio
//   tower are refused: not modelled (use_double_wide_mlp only widens KV-shared layers).
import { UserError } from '../../../errors.js';
import type { Cfg } from '../config.js';
import { baseDims, type Family, gqa, layersWhere, layerTypes } from '../common.js';

const KINDS = ['sliding_attention', 'full_attention'] as const;

/** The full layers' head width and KV heads from per_layer_config when a config carries it (newer
 *  transformers pops global_head_dim / num_global_key_value_heads into it); undefined when absent. */
function perLayerOverrides(c: Cfg, full: number[], kv: number): { hd: number; kv: number } | undefined {
  if (!c.has('per_layer_config')) return undefined;
  const p = c.obj('per_layer_config');
  const keys = Object.keys(p.data).sort((a, b) => Number(a) - Number(b));
  const why = `one entry per full_attention layer (${full.join(', ')}), each {head_dim, num_key_value_heads}`;
  if (keys.join(',') !== full.join(',')) c.fail('per_layer_config', why);
  let out: { hd: number; kv: number } | undefined;
  for (const k of keys) {
    const e = p.obj(k);
    for (const key of Object.keys(e.data)) {
      if (key !== 'head_dim' && key !== 'num_key_value_heads') e.fail(key, 'only head_dim and num_key_value_heads');
    }
    const v = { hd: e.int('head_dim'), kv: e.int('num_key_value_heads', kv) };
    if (out && (out.hd !== v.hd || out.kv !== v.kv)) c.fail('per_layer_config', `${why}, the same for every layer`);
    out = v;
  }
  return out;
}

export const gemma4: Family = {
  types: ['gemma4_text'],
  label: 'Gemma 4 (MoE and dense text decoders)',
  flagship: 'google/gemma-4-26B-A4B, google/gemma-4-31B',
  reference: 'transformers modeling_gemma4.py',
  read(c, { root }) {
    const d = baseDims(c, { kv: 4, ctx: 131072 });
    const n = d.layers;
    const pleKey = 'hidden_size_per_layer_input';
    const ple = c.int(pleKey, 256, { min: 0 });
    if (ple > 0) {
      throw new UserError(
        `${c.where(pleKey)}: ${ple}${c.present(pleKey) ? '' : ' (the default)'}: per-layer embeddings ` +
          '(Gemma 4 E2B/E4B) are not modelled; moe-calc refuses rather than guess',
      );
    }
    c.refuse('num_kv_shared_layers', (v) => v === 0, 'layers that reuse earlier K/V projections are not modelled');
    if (root !== c && root.has('audio_config')) {
      throw new UserError(`${root.where('audio_config')}: the Gemma 4 audio tower is not counted; moe-calc refuses`);
    }
    const tie = c.bool('tie_word_embeddings', true);
    if (root !== c && root.present('tie_word_embeddings') && root.bool('tie_word_embeddings', true) !== tie) {
      root.fail('tie_word_embeddings', `the same value as text_config.tie_word_embeddings (${tie})`);
    }

    const notes: string[] = [];
    const given = layerTypes(c, 'layer_types', n, KINDS);
    const types = given ? [...given] : Array.from({ length: n }, (_, i) => KINDS[(i + 1) % 6 === 0 ? 1 : 0]);
    if (types[n - 1] !== 'full_attention') {
      types[n - 1] = 'full_attention';
      notes.push('layer_types ends with a sliding layer: transformers forces the last layer to full attention');
    }
    const fullIdx = types.flatMap((t, i) => (t === 'full_attention' ? [i] : []));
    const hd = c.int('head_dim', 256);
    const ab = c.bool('attention_bias', false);
    const kEqV = c.bool('attention_k_eq_v', false);
    // without attention_k_eq_v the reference ignores num_global_key_value_heads (full layers keep the KV heads)
    const over = perLayerOverrides(c, fullIdx, d.kv) ?? {
      hd: c.int('global_head_dim', 512, { nullMeans: hd }),
      kv: kEqV ? c.int('num_global_key_value_heads', d.kv, { nullMeans: d.kv }) : d.kv,
    };
    const common = { qkv_bias: ab, o_bias: ab, qk_norm: 'per_head' as const };
    const slidingAttn = gqa(d.heads, d.kv, hd, common);
    const fullAttn = gqa(d.heads, over.kv, over.hd, { ...common, k_eq_v: kEqV });
    const slidingLayers = layersWhere(n, (i) => types[i] === 'sliding_attention');
    let window = c.int('sliding_window', 512);
    // use_bidirectional_attention "all": the config class halves the window (exclusive flash-attention bounds)
    if (c.str('use_bidirectional_attention') === 'all') window = Math.floor(window / 2) + 1;

    const moe = c.bool('enable_moe_block', false);
    const I = c.int('intermediate_size', 9216);
    if (moe) {
      notes.push(
        'every layer runs its dense MLP beside the routed experts (the "shared expert" of the model card): ' +
          'moe.dense_residual_ffn',
      );
    }
    notes.push('layer_scalar: one persistent buffer value per layer, saved in the checkpoint (per_layer_scalars)');
    return {
      a: {
        vocab_size: d.vocab,
        hidden_size: d.hidden,
        num_layers: n,
        tie_embeddings: tie,
        max_context: d.ctx,
        ...(slidingLayers === 'none'
          ? { attention: fullAttn }
          : {
              attention: slidingAttn,
              attention_variants: [
                { layers: layersWhere(n, (i) => types[i] === 'full_attention'), attention: fullAttn },
              ],
              sliding_window: { window, layers: slidingLayers },
            }),
        mlp: { gated: true, ...(moe ? {} : { dense_ffn: I }) },
        ...(moe
          ? {
              moe: {
                experts: c.int('num_experts'),
                top_k: c.int('top_k_experts'),
                expert_ffn: c.int('moe_intermediate_size'),
                layers: 'all' as const,
                dense_residual_ffn: I,
                router_scale: true,
              },
            }
          : {}),
        norms: { kind: 'rmsnorm', per_layer: moe ? 7 : 4 },
        per_layer_scalars: 1,
      },
      notes,
    };
  },
};
