// Vision and audio towers of multimodal checkpoints, counted from their own sub-configs as the
// reference code builds them. Each returns the parameters of the tower with its projector/merger into
// the text decoder. Engines load them onto the GPU by default (vLLM, SGLang), so they are `loaded`.
import { mul } from '../../core/params.js';
import type { ExtraDraft } from './common.js';
import type { Cfg } from './config.js';

const ln = (w: number) => 2 * w; // LayerNorm: weight + bias
const lin = (i: number, o: number, bias: boolean) => mul(i, o) + (bias ? o : 0);

function tower(name: string, kind: 'vision' | 'audio', params: number, source: string): ExtraDraft {
  return { name, params, source, kind, loaded: true };
}

/** Llama 4 vision encoder + adapter + projector (transformers modeling_llama4.py: Llama4VisionModel,
 *  Llama4VisionMLP2 with fc1 intermediate -> projector_input and fc2 projector_output^2, no biases;
 *  Llama4MultiModalProjector). Scout: 871,932,416. */
export function llama4Vision(v: Cfg, textHidden: number): ExtraDraft {
  const h = v.int('hidden_size', 768);
  const p = v.int('patch_size', 14);
  const img = v.int('image_size', 448);
  const L = v.int('num_hidden_layers', 34);
  const I = v.int('intermediate_size', 5632);
  const C = v.int('num_channels', 3);
  const pin = v.int('projector_input_dim', 4096);
  const pout = v.int('projector_output_dim', 4096);
  const vout = v.int('vision_output_dim', 7680);
  const grid = Math.floor(img / p);
  const layer = 4 * lin(h, h, true) + lin(h, I, true) + lin(I, h, true) + 2 * ln(h);
  const params =
    mul(C, p, p, h) +
    h +
    mul(grid * grid + 1, h) +
    2 * ln(h) +
    mul(L, layer) +
    mul(I, pin) +
    mul(pout, pout) +
    lin(vout, textHidden, v.bool('multi_modal_projector_bias', false));
  return tower('vision encoder + projector', 'vision', params, 'vision_config (transformers modeling_llama4.py)');
}

/** Qwen3-VL's vision tower, also Qwen3-Omni's thinker vision and Qwen3.5's (without deepstack mergers):
 *  Conv3d patch embed with bias, learned position embedding, LayerNorm blocks with biased qkv/proj/MLP,
 *  a patch merger and one more merger per deepstack index (transformers modeling_qwen3_vl.py). */
export function qwen3VlVision(v: Cfg, outDefault: number): ExtraDraft {
  const h = v.int('hidden_size', 1152);
  const I = v.int('intermediate_size', 4304);
  const depth = v.int('depth', 27);
  const p = v.int('patch_size', 16);
  const t = v.int('temporal_patch_size', 2);
  const C = v.int('in_channels', 3);
  const m = v.int('spatial_merge_size', 2);
  const pos = v.int('num_position_embeddings', 2304);
  const out = v.int('out_hidden_size', outDefault);
  const H = h * m * m;
  const block = 2 * ln(h) + lin(h, 3 * h, true) + lin(h, h, true) + lin(h, I, true) + lin(I, h, true);
  const deepstack = v.intList('deepstack_visual_indexes').length;
  const merger = (normWidth: number) => ln(normWidth) + lin(H, H, true) + lin(H, out, true);
  const params = mul(C, t, p, p, h) + h + mul(pos, h) + mul(depth, block) + merger(h) + mul(deepstack, merger(H));
  return tower('vision encoder + mergers', 'vision', params, 'vision_config (transformers modeling_qwen3_vl.py)');
}

/** Qwen3-Omni's audio encoder: three Conv2d downsamplers with bias, conv_out without bias, encoder layers
 *  with biased q/k/v/out, LayerNorms, fc1/fc2, ln_post, proj1 and proj2 (transformers
 *  modeling_qwen3_omni_moe.py Qwen3OmniMoeAudioEncoder; the positional embedding is sinusoidal). */
export function qwen3OmniAudio(a: Cfg): ExtraDraft {
  const d = a.int('d_model', 1280);
  const L = a.int('encoder_layers', 32);
  const ffn = a.int('encoder_ffn_dim', 5120);
  const c = a.int('downsample_hidden_size', 480);
  const mel = a.int('num_mel_bins', 128);
  const out = a.int('output_dim', 2048);
  const convs = mul(c, 9) + c + 2 * (mul(c, c, 9) + c);
  const convOut = mul(c * Math.ceil(Math.ceil(Math.ceil(mel / 2) / 2) / 2), d);
  const layer = 4 * lin(d, d, true) + 2 * ln(d) + lin(d, ffn, true) + lin(ffn, d, true);
  const params = convs + convOut + mul(L, layer) + ln(d) + lin(d, d, true) + lin(d, out, true);
  return tower(
    'audio encoder',
    'audio',
    params,
    'thinker_config.audio_config (transformers modeling_qwen3_omni_moe.py)',
  );
}

/** Gemma 4's vision tower: a linear patch embedder, a 2 x positions x hidden position table, RMSNorm
 *  blocks with q/k norms (v_norm has no weight), gated MLPs, the standardisation buffers, and the
 *  embed_vision projection into the text width (transformers modeling_gemma4.py). */
export function gemma4Vision(v: Cfg, textHidden: number): ExtraDraft {
  const h = v.int('hidden_size', 1152);
  const I = v.int('intermediate_size', 4304);
  const L = v.int('num_hidden_layers', 27);
  const heads = v.int('num_attention_heads', 16);
  const hd = v.int('head_dim', Math.floor(h / heads));
  const kv = v.int('num_key_value_heads', heads, { nullMeans: heads });
  const p = v.int('patch_size', 16);
  const pos = v.int('position_embedding_size', 10240);
  v.refuse('use_clipped_linears', (x) => x === false, 'clipped-linear bounds are not modelled');
  const layer = mul(h, heads * hd) + 2 * mul(h, kv * hd) + mul(heads * hd, h) + 2 * hd + 3 * mul(h, I) + 4 * h;
  const params =
    mul(3, p, p, h) + mul(2, pos, h) + mul(L, layer) + (v.bool('standardize', false) ? 2 * h : 0) + mul(h, textHidden);
  return tower('vision encoder + projection', 'vision', params, 'vision_config (transformers modeling_gemma4.py)');
}

/** GLM-4.5V's vision tower: Conv3d patch embed with bias, a position table, RMSNorm blocks whose MLP is
 *  out_hidden_size wide, a Conv2d downsample into out_hidden_size, and a gated merger of the vision
 *  config's intermediate_size (transformers modeling_glm4v_moe.py). */
export function glm4vVision(v: Cfg): ExtraDraft {
  const h = v.int('hidden_size', 1536);
  const depth = v.int('depth', 24);
  const p = v.int('patch_size', 14);
  const t = v.int('temporal_patch_size', 2);
  const C = v.int('in_channels', 3);
  const img = v.int('image_size', 336);
  const m = v.int('spatial_merge_size', 2);
  const O = v.int('out_hidden_size', 4096);
  const I = v.int('intermediate_size', 13696);
  const ab = v.bool('attention_bias', false);
  const grid = Math.floor(img / p);
  const block = 2 * h + lin(h, 3 * h, ab) + mul(h, h) + 3 * mul(h, O);
  const params =
    mul(grid * grid, h) +
    mul(C, t, p, p, h) +
    h +
    h +
    mul(depth, block) +
    h +
    mul(O, h, m, m) +
    O +
    mul(O, O) +
    ln(O) +
    3 * mul(O, I);
  return tower('vision encoder + merger', 'vision', params, 'vision_config (transformers modeling_glm4v_moe.py)');
}

/** Kimi K2.5's MoonViT: Conv2d patch embed with bias, a learned height x width position table (the
 *  temporal part is fixed), LayerNorm blocks with biased wqkv/wo/MLP, a final LayerNorm, and the patch
 *  merger projector (LayerNorm, merged-width linear, linear into the text width), all biased. */
export function moonVit(v: Cfg): ExtraDraft {
  const h = v.int('vt_hidden_size', 1152);
  const I = v.int('vt_intermediate_size', 4304);
  const L = v.int('vt_num_hidden_layers', 27);
  const p = v.int('patch_size', 14);
  const ph = v.int('init_pos_emb_height', 64);
  const pw = v.int('init_pos_emb_width', 64);
  const text = v.int('text_hidden_size', 7168);
  const merge = v.raw('merge_kernel_size');
  const mk =
    Array.isArray(merge) && merge.length === 2 && merge.every((x) => Number.isSafeInteger(x) && x > 0)
      ? (merge as number[])
      : [2, 2];
  const H = h * mk[0]! * mk[1]!;
  const block = 2 * ln(h) + lin(h, 3 * h, true) + lin(h, h, true) + lin(h, I, true) + lin(I, h, true);
  const params =
    mul(3, p, p, h) + h + mul(ph, pw, h) + mul(L, block) + ln(h) + ln(h) + lin(H, H, true) + lin(H, text, true);
  return tower('vision encoder + projector', 'vision', params, 'vision_config (MoonViT, Kimi K2.5 checkpoint layout)');
}
