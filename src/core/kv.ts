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
import type { Architecture } from '../cards/schema.js';
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

/** KV layout of the given decoder layers (default: all) on one rank of a TP group. */
export function kvLayout(a: Architecture, kvBytes: number, tp = 1, layers?: readonly number[]): KvLayout {
  const idx = layers ?? Array.from({ length: a.num_layers }, (_, i) => i);
  const perLayer = kvElementsPerLayer(a, tp) * kvBytes;
  let full = 0;
  let sliding = 0;
  let state = 0;
  for (const i of idx) {
    if (inLayerSet(a.attention_layers, i)) {
      if (a.sliding_window && inLayerSet(a.sliding_window.layers, i)) sliding += perLayer;
      else full += perLayer;
    } else state += ssmStateBytesPerLayer(a, tp);
  }
  return { fullPerToken: full, slidingPerToken: sliding, window: a.sliding_window?.window ?? 0, statePerSequence: state };
}

/** KV bytes of `batch` sequences of `context` tokens. */
export function kvBytesFor(l: KvLayout, context: number, batch: number): number {
  return batch * (l.fullPerToken * context + l.slidingPerToken * Math.min(context, l.window) + l.statePerSequence);
}

/** Bytes one token adds at long context (sliding layers excluded once full): what "KV per token" reports. */
export function kvPerToken(a: Architecture, kvBytes: number): { full: number; sliding: number; statePerSequence: number } {
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
