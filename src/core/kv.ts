// KV cache per token and recurrent state per sequence. Pure: no I/O.
//
// GQA/MHA: K and V per layer per KV head: kv_heads x (head_dim + v_head_dim) elements per token (vLLM
//   FullAttentionSpec). Under tensor parallelism each rank holds kv_heads / TP heads, at least one
//   (replicated when TP > kv_heads: vLLM ModelConfig.get_num_kv_heads). K-as-V layers still cache both.
// MLA: the compressed latent plus the rope key, kv_lora_rank + qk_rope_head_dim elements per token per
//   layer (DeepSeek-V3 inference/model.py), held in full on every TP rank. With fp8 KV and a DSA indexer
//   vLLM stores fp8_ds_mla, 656 bytes (512 fp8 + 4 fp32 scales + 64 bf16 rope: kv_cache_interface.py).
// DSA indexer (DeepSeek-V3.2, GLM-5): 132 bytes per token per layer whatever the KV dtype: 128 fp8 key
//   values and one fp32 scale per 128 (vLLM DeepseekV32IndexerCache, SGLang NSATokenToKVPool).
// MoA (JetMoE): one shared K/V of kv_heads x head_dim.
// Sliding-window / chunked-local layers keep at most `window` tokens (vLLM SlidingWindowSpec with the
//   hybrid allocator).
// SSM / linear layers keep a fixed state per sequence, conv state in the model dtype (bf16) and the
//   recurrent state in the card's state_dtype (vLLM mamba_cache_dtype / mamba_ssm_cache_dtype; KDA's is
//   always fp32), sharded across TP by heads / channels (vllm mamba_utils MambaStateShapeCalculator).
import { CalcError } from './errors.js';
import { layerPlan } from './layers.js';
import type { Architecture, Attention, Ssm } from './types.js';

export const KV_DTYPES = { fp32: 4, bf16: 2, fp16: 2, fp8: 1 } as const;
export type KvDtype = keyof typeof KV_DTYPES;

/** Conv states are kept in the model dtype: bf16. */
const CONV_STATE_BYTES = 2;
const STATE_BYTES = { bf16: 2, fp32: 4 } as const;
/** vLLM fp8_ds_mla: 512 fp8 latent + 16 B of scales + 64 bf16 rope values per token per layer. */
const FP8_DS_MLA_BYTES = 656;
/** DSA indexer key cache: index_head_dim fp8 values + one fp32 scale per 128 (for head_dim 128: 132 B). */
export function indexerBytesPerToken(headDim: number): number {
  return headDim + Math.ceil(headDim / 128) * 4;
}

/** Bytes per cached element: one number for K and V alike, or K and V apart (llama.cpp's -ctk / -ctv). */
export type KvBytes = number | { readonly k: number; readonly v: number };

/** Who keeps a KV cache type: vLLM / SGLang only ('engine'), llama.cpp only ('gguf'), or both ('any'). */
type KvRuns = 'engine' | 'gguf' | 'any';

interface KvType {
  /** bytes per value, block overhead included */
  bytes: number;
  runs: KvRuns;
  /** llama.cpp's name for -ctk / -ctv (common/arg.cpp kv_cache_types) */
  ggml?: string;
}

// Engine dtypes: vLLM --kv-cache-dtype (auto, bfloat16, fp8, fp8_e4m3, fp8_e5m2) and SGLang --kv-cache-dtype
// (auto, bf16, fp8_e4m3, fp8_e5m2: server_args.py); one byte per value, scales per tensor.
// llama.cpp cache types (-ctk / -ctv: f32, f16, bf16, q8_0, q4_0, q4_1, iq4_nl, q5_0, q5_1) with ggml's
// blocks of 32 values (ggml/src/ggml-common.h static_asserts, ggml.c type_traits blck_size 32):
// block_q8_0 = fp16 d + 32 x int8 = 34 B; block_q5_1 = fp16 d, m + 4 B high bits + 16 B nibbles = 24 B;
// block_q5_0 = fp16 d + 4 + 16 = 22 B; block_q4_1 = fp16 d, m + 16 = 20 B; block_q4_0 and block_iq4_nl =
// fp16 d + 16 = 18 B.
const KV_TYPES: Readonly<Record<string, KvType>> = {
  fp32: { bytes: 4, runs: 'any', ggml: 'f32' },
  bf16: { bytes: 2, runs: 'any' },
  fp16: { bytes: 2, runs: 'any' },
  fp8: { bytes: 1, runs: 'engine' },
  fp8_e4m3: { bytes: 1, runs: 'engine' },
  fp8_e5m2: { bytes: 1, runs: 'engine' },
  q8_0: { bytes: 34 / 32, runs: 'gguf', ggml: 'q8_0' },
  q5_1: { bytes: 24 / 32, runs: 'gguf', ggml: 'q5_1' },
  q5_0: { bytes: 22 / 32, runs: 'gguf', ggml: 'q5_0' },
  q4_1: { bytes: 20 / 32, runs: 'gguf', ggml: 'q4_1' },
  q4_0: { bytes: 18 / 32, runs: 'gguf', ggml: 'q4_0' },
  iq4_nl: { bytes: 18 / 32, runs: 'gguf', ggml: 'iq4_nl' },
};
/** llama.cpp's names for the 16/32-bit types */
const KV_ALIASES: Readonly<Record<string, string>> = { f32: 'fp32', f16: 'fp16', bfloat16: 'bf16', float16: 'fp16' };
export const KV_TYPE_IDS: readonly string[] = Object.keys(KV_TYPES);
export const GGML_KV_TYPE_IDS: readonly string[] = KV_TYPE_IDS.filter((t) => KV_TYPES[t]!.runs === 'gguf');

/** A parsed --kv-precision: one type for K and V, or K and V apart (llama.cpp only). */
export interface KvPrecision {
  /** as the report names it: "q8_0", "k=q8_0,v=q4_0" */
  id: string;
  k: string;
  v: string;
  bytes: KvBytes;
  /** the rows that can keep it: engine precisions, GGUF precisions (llama.cpp), or both */
  runs: KvRuns;
}

function kvType(name: string, spec: string): string {
  const n = name.trim().toLowerCase().replace(/-/g, '_');
  const id = KV_ALIASES[n] ?? n;
  if (KV_TYPES[id]) return id;
  throw new CalcError(
    '--kv-precision',
    `unknown KV precision "${name.trim()}" in "${spec}" (expected ${KV_TYPE_IDS.join(', ')}, or k=<type>,v=<type> ` +
      'for llama.cpp)',
  );
}

/** Parse --kv-precision: "q8_0", "fp8", or "k=q8_0,v=q4_0" (a side left out keeps llama.cpp's f16). */
export function parseKvPrecision(spec: string): KvPrecision {
  const s = spec.trim().toLowerCase();
  if (!s.includes('=')) {
    const id = kvType(s, spec);
    const t = KV_TYPES[id]!;
    return { id, k: id, v: id, bytes: t.bytes, runs: t.runs };
  }
  const sides: Record<string, string> = {};
  for (const part of s.split(',')) {
    const m = /^\s*([kv])\s*=\s*(\S+)\s*$/.exec(part);
    if (!m || sides[m[1]!] !== undefined) {
      throw new CalcError('--kv-precision', `expected k=<type>,v=<type> (e.g. k=q8_0,v=q4_0), got "${spec}"`);
    }
    sides[m[1]!] = kvType(m[2]!, spec);
  }
  const k = sides.k ?? 'fp16';
  const v = sides.v ?? 'fp16';
  for (const t of [k, v]) {
    if (KV_TYPES[t]!.runs === 'engine') {
      throw new CalcError(
        '--kv-precision',
        `"${spec}": K and V apart is llama.cpp's (-ctk / -ctv), which has no ${t} cache; vLLM and SGLang keep ` +
          `both in one dtype: give --kv-precision ${t}`,
      );
    }
  }
  if (k === v) return parseKvPrecision(k);
  return { id: `k=${k},v=${v}`, k, v, bytes: { k: KV_TYPES[k]!.bytes, v: KV_TYPES[v]!.bytes }, runs: 'gguf' };
}

/** llama.cpp's cache type name for a KV type (-ctk / -ctv), undefined where llama.cpp has none. */
export function ggmlKvType(id: string): string | undefined {
  const t = KV_TYPES[id];
  if (!t || t.runs === 'engine') return undefined;
  return t.ggml ?? (id === 'fp16' ? 'f16' : id);
}

export function kvDtypeBytes(name: string): number {
  const b = parseKvPrecision(name).bytes;
  return typeof b === 'number' ? b : (b.k + b.v) / 2;
}

const kBytes = (b: KvBytes) => (typeof b === 'number' ? b : b.k);
const vBytes = (b: KvBytes) => (typeof b === 'number' ? b : b.v);
const kvKey = (b: KvBytes) => (typeof b === 'number' ? String(b) : `${b.k}/${b.v}`);

/** KV bytes one token needs in one layer of this attention on one rank of a TP group. */
export function kvBytesPerLayer(at: Attention, kvBytes: KvBytes, tp = 1): number {
  const k = kBytes(kvBytes);
  const v = vBytes(kvBytes);
  if (at.type === 'mla') {
    // the latent is a K-like cache: llama.cpp keeps only K for MLA (kv_lora_rank + n_rot per token, V a view
    // of it: src/llama-kv-cache.cpp has_v = !is_mla), so -ctk sets its type and -ctv does nothing
    const latent = at.indexer && kvBytes === 1 ? FP8_DS_MLA_BYTES : (at.kv_lora_rank + at.qk_rope_head_dim) * k;
    return latent + (at.indexer ? indexerBytesPerToken(at.indexer.head_dim) : 0);
  }
  const perRank = at.kv_heads >= tp ? at.kv_heads / tp : 1;
  if (at.type === 'moa') return perRank * at.head_dim * (k + v);
  return perRank * (at.head_dim * k + (at.v_head_dim ?? at.head_dim) * v);
}

/** KV elements one token needs in one layer of the card's default attention (JSON and speed use it). */
export function kvElementsPerLayer(a: Architecture, tp = 1): number {
  return kvBytesPerLayer(a.attention, 1, tp);
}

/** Elements of one SSM / linear layer's per-sequence state on one TP rank: conv state and recurrent state. */
export function ssmStateElements(s: Ssm, h: number, tp = 1): { conv: number; recurrent: number } {
  const shard = (x: number) => Math.ceil(x / tp);
  switch (s.kind) {
    case 'mamba': {
      const d = shard(s.expand * h);
      return { conv: d * (s.d_conv - 1), recurrent: d * s.d_state };
    }
    case 'mamba2': {
      // groups are replicated until TP divides them (vLLM extra_groups_for_head_shards)
      const groups = s.groups % tp === 0 ? s.groups : tp;
      const conv = shard(s.heads * s.head_dim + 2 * groups * s.d_state);
      return { conv: (s.d_conv - 1) * conv, recurrent: shard(s.heads) * s.head_dim * s.d_state };
    }
    case 'gated_deltanet': {
      const conv = shard(2 * s.key_heads * s.key_head_dim + s.value_heads * s.value_head_dim);
      return { conv: (s.d_conv - 1) * conv, recurrent: shard(s.value_heads) * s.value_head_dim * s.key_head_dim };
    }
    case 'kda':
      return {
        conv: (s.d_conv - 1) * shard(3 * s.heads * s.head_dim),
        recurrent: shard(s.heads) * s.head_dim * s.head_dim,
      };
    case 'lightning':
      return { conv: 0, recurrent: shard(s.heads) * s.head_dim * s.head_dim };
    case 'short_conv':
      return { conv: (s.d_conv - 1) * shard(h), recurrent: 0 };
  }
}

/** How an engine keeps recurrent state: bytes per conv / recurrent element (0 = the card's dtypes:
 *  conv bf16, recurrent state_dtype, KDA fp32), state slots per sequence, and whether each layer's state
 *  page is padded to a whole attention block (vLLM's hybrid allocator). */
export interface StateKeeping {
  convBytes?: number;
  recurrentBytes?: number;
  /** 1: one state per sequence; 2: vLLM's "align" prefix-caching mode checkpoints a second one */
  slots: number;
  /** vLLM: the attention block (tokens) each state page is padded to; 0 = no padding */
  padToBlockTokens: number;
}

export const EXACT_STATE: StateKeeping = { slots: 1, padToBlockTokens: 0 };
/** llama.cpp keeps recurrent caches (r_l, s_l) in f32, one per sequence (src/llama-memory-recurrent.cpp). */
export const LLAMA_CPP_STATE: StateKeeping = { convBytes: 4, recurrentBytes: 4, slots: 1, padToBlockTokens: 0 };

/** Fixed per-sequence state of one SSM / linear layer on one TP rank, bytes, kept as `k` says (the
 *  attention bytes per token and layer are needed only for vLLM's padding to a block). */
export function ssmStateBytesPerLayer(
  s: Ssm,
  h: number,
  tp = 1,
  k: StateKeeping = EXACT_STATE,
  attnPerToken = 0,
): number {
  const e = ssmStateElements(s, h, tp);
  const rec = k.recurrentBytes ?? (s.kind === 'kda' ? 4 : s.kind === 'short_conv' ? 0 : STATE_BYTES[s.state_dtype]);
  const page = e.conv * (k.convBytes ?? CONV_STATE_BYTES) + e.recurrent * rec;
  const padded = k.padToBlockTokens > 0 && attnPerToken > 0 ? Math.max(page, k.padToBlockTokens * attnPerToken) : page;
  return padded * k.slots;
}

/** vLLM's hybrid allocator (vllm/model_executor/models/config.py, _align_hybrid_block_size): the attention
 *  block is raised to the smallest multiple of the kernel alignment (16 tokens; 64 for MLA) whose page
 *  holds one layer's state, so both share one pool; each state page is then padded to that block. */
export function hybridBlockTokens(a: Architecture, kvBytes: KvBytes, tp: number): number {
  if (!a.ssm) return 0;
  const attn = kvBytesPerLayer(a.attention, kvBytes, tp);
  const page = ssmStateBytesPerLayer(a.ssm, a.hidden_size, tp);
  const align = a.attention.type === 'mla' ? 64 : 16;
  return attn > 0 ? align * Math.max(1, Math.ceil(page / (align * attn))) : 0;
}

export interface KvLayout {
  /** bytes per token over layers that keep every token */
  fullPerToken: number;
  /** bytes per token over sliding-window layers (kept for at most `window` tokens) */
  slidingPerToken: number;
  window: number;
  /** fixed bytes per sequence (SSM / linear-attention conv + recurrent state) */
  statePerSequence: number;
}

interface LayerBytes {
  /** prefix sums over layers (length layers + 1): KV bytes per token per element byte of full-attention
   *  layers, of sliding layers, fixed bytes per token (indexer keys) and state bytes per sequence */
  full: Float64Array;
  sliding: Float64Array;
  state: Float64Array;
}
const cache = new WeakMap<Architecture, Map<string, LayerBytes>>();

function prefixes(a: Architecture, kvBytes: KvBytes, tp: number, k: StateKeeping): LayerBytes {
  let m = cache.get(a);
  if (!m) {
    m = new Map();
    cache.set(a, m);
  }
  const key = `${kvKey(kvBytes)}|${tp}|${k.convBytes}|${k.recurrentBytes}|${k.slots}|${k.padToBlockTokens}`;
  const hit = m.get(key);
  if (hit) return hit;
  const plan = layerPlan(a);
  const n = a.num_layers;
  const full = new Float64Array(n + 1);
  const sliding = new Float64Array(n + 1);
  const state = new Float64Array(n + 1);
  const perSpec = plan.specs.map((s) => kvBytesPerLayer(s, kvBytes, tp));
  const perState = a.ssm
    ? ssmStateBytesPerLayer(a.ssm, a.hidden_size, tp, k, kvBytesPerLayer(a.attention, kvBytes, tp))
    : 0;
  for (let i = 0; i < n; i++) {
    const k = plan.attention[i]!;
    const b = k >= 0 ? perSpec[k]! : 0;
    const sl = k >= 0 && plan.sliding[i] === 1;
    full[i + 1] = full[i]! + (sl ? 0 : b);
    sliding[i + 1] = sliding[i]! + (sl ? b : 0);
    state[i + 1] = state[i]! + (plan.ssm[i] ? perState : 0);
  }
  const lb = { full, sliding, state };
  m.set(key, lb);
  return lb;
}

/** KV layout of decoder layers [from, to) (default: all) on one rank of a TP group, with recurrent
 *  state kept as `state` says (default: exactly, one per sequence). */
export function kvLayout(
  a: Architecture,
  kvBytes: KvBytes,
  tp = 1,
  from = 0,
  to = a.num_layers,
  state: StateKeeping = EXACT_STATE,
): KvLayout {
  const p = prefixes(a, kvBytes, tp, state);
  return {
    fullPerToken: p.full[to]! - p.full[from]!,
    slidingPerToken: p.sliding[to]! - p.sliding[from]!,
    window: a.sliding_window?.window ?? 0,
    statePerSequence: p.state[to]! - p.state[from]!,
  };
}

/** KV bytes of `batch` sequences of `context` tokens. */
export function kvBytesFor(l: KvLayout, context: number, batch: number): number {
  return batch * (l.fullPerToken * context + l.slidingPerToken * Math.min(context, l.window) + l.statePerSequence);
}

/** Bytes one token adds at long context (sliding layers excluded once full): what "KV per token" reports. */
export function kvPerToken(
  a: Architecture,
  kvBytes: KvBytes,
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
