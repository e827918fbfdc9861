// KV cache and recurrent-state sizes. Pure: no I/O.
//
// GQA/MHA: K and V per layer per KV head: 2 x kv_heads x head_dim elements per token (vLLM
//   AttentionSpec.real_page_size_bytes). Under tensor parallelism each rank holds kv_heads / TP
//   heads, at least one (heads are replicated when TP > kv_heads: vLLM ModelConfig.get_num_kv_heads).
// MLA: the compressed latent plus the rope key, kv_lora_rank + qk_rope_head_dim elements per token
//   per layer (DeepSeek-V3 inference/model.py kv_cache + pe_cache), held in full on every TP rank.
// Sliding-window / chunked-local layers keep at most `window` tokens (vLLM SlidingWindowSpec with
//   the hybrid allocator).
// Mamba layers keep a fixed state per sequence: d_inner x (d_conv - 1) conv state plus
//   d_inner x d_state SSM state (transformers Jamba cache), sharded across TP ranks by d_inner.
import type { Architecture } from './types.js';
import { inLayerSet } from './params.js';
import { CalcError } from './errors.js';

export const KV_DTYPES = { fp32: 4, bf16: 2, fp16: 2, fp8: 1 } as const;
export type KvDtype = keyof typeof KV_DTYPES;

/** The SSM state is kept in bf16 (vLLM mamba_cache_dtype "auto" = model dtype). */
const SSM_STATE_BYTES = 2;

export function kvDtypeBytes(name: string): number {
  const n = name.toLowerCase();
  if (n in KV_DTYPES) return KV_DTYPES[n as KvDtype];
  throw new CalcError('--kv-precision', `unknown KV precision "${name}"`);
}

/** KV elements one token needs in one attention layer, on one rank of a TP group. */
export function kvElementsPerLayer(a: Architecture, tp = 1): number {
  const at = a.attention;
  if (at.type === 'mla') return at.kv_lora_rank + at.qk_rope_head_dim;
  const perRank = at.kv_heads >= tp ? at.kv_heads / tp : 1;
  return 2 * perRank * at.head_dim;
}

/** Fixed per-sequence state of one Mamba layer on one TP rank (0 without an ssm block). */
export function ssmStateBytesPerLayer(a: Architecture, tp = 1): number {
  if (!a.ssm) return 0;
  const perRank = Math.ceil((a.ssm.expand * a.hidden_size) / tp);
  return perRank * (a.ssm.d_conv - 1 + a.ssm.d_state) * SSM_STATE_BYTES;
}

export interface KvLayout {
  /** bytes per token over layers that keep every token */
  fullPerToken: number;
  /** bytes per token over sliding-window layers (kept for at most `window` tokens) */
  slidingPerToken: number;
  window: number;
  /** fixed bytes per sequence (Mamba conv + SSM state) */
  statePerSequence: number;
}

export interface LayerKinds {
  /** prefix counts (length layers + 1) of full-attention, sliding-window and SSM layers */
  full: number[];
  sliding: number[];
  ssm: number[];
}
const kindsCache = new WeakMap<Architecture, LayerKinds>();

/** Which decoder layers keep every token, a window, or a fixed SSM state, as prefix counts (cached),
 *  so any range of layers (a pipeline stage) is counted in O(1). */
export function layerKinds(a: Architecture): LayerKinds {
  const hit = kindsCache.get(a);
  if (hit) return hit;
  const k: LayerKinds = { full: [0], sliding: [0], ssm: [0] };
  for (let i = 0; i < a.num_layers; i++) {
    const attn = inLayerSet(a.attention_layers, i);
    const sl = attn && a.sliding_window !== undefined && inLayerSet(a.sliding_window.layers, i);
    k.full.push(k.full[i]! + (attn && !sl ? 1 : 0));
    k.sliding.push(k.sliding[i]! + (sl ? 1 : 0));
    k.ssm.push(k.ssm[i]! + (attn ? 0 : 1));
  }
  kindsCache.set(a, k);
  return k;
}

/** KV layout of decoder layers [from, to) (default: all) on one rank of a TP group. */
export function kvLayout(a: Architecture, kvBytes: number, tp = 1, from = 0, to = a.num_layers): KvLayout {
  const k = layerKinds(a);
  const perLayer = kvElementsPerLayer(a, tp) * kvBytes;
  return {
    fullPerToken: (k.full[to]! - k.full[from]!) * perLayer,
    slidingPerToken: (k.sliding[to]! - k.sliding[from]!) * perLayer,
    window: a.sliding_window?.window ?? 0,
    statePerSequence: (k.ssm[to]! - k.ssm[from]!) * ssmStateBytesPerLayer(a, tp),
  };
}

/** KV bytes of `batch` sequences of `context` tokens. */
export function kvBytesFor(l: KvLayout, context: number, batch: number): number {
  return batch * (l.fullPerToken * context + l.slidingPerToken * Math.min(context, l.window) + l.statePerSequence);
}

/** Bytes one token adds at long context (sliding layers excluded once full): what "KV per token" reports. */
export function kvPerToken(
  a: Architecture,
  kvBytes: number,
): { full: number; sliding: number; statePerSequence: number } {
  const l = kvLayout(a, kvBytes, 1);
  return { full: l.fullPerToken, sliding: l.slidingPerToken, statePerSequence: l.statePerSequence };
}

/** Longest context such that `batch` sequences fit in `free` bytes (0 if not even one token fits). */
export function maxContextFor(l: KvLayout, free: number, batch: number): number {
  const perSeq = free / batch - l.statePerSequence;
  if (perSeq <= 0) return 0;
  const atWindow = (l.fullPerToken + l.slidingPerToken) * l.window;
  if (l.window > 0 && perSeq <= atWindow) return Math.floor(perSeq / (l.fullPerToken + l.slidingPerToken));
  if (l.fullPerToken === 0) return Number.POSITIVE_INFINITY;
  return Math.floor((perSeq - l.slidingPerToken * l.window) / l.fullPerToken);
}
