// GPU fit: the fewest GPUs of one kind that hold weights + KV cache + runtime overhead, under the
// parallelism rules serving engines enforce. Pure: no I/O.
//
// Rules (vLLM verify_with_parallel_config and model code; SGLang has equivalents):
// - the tensor-parallel degree (TP) divides the attention heads;
// - GQA: TP divides kv_heads when TP <= kv_heads, else kv_heads divides TP (heads replicated);
// - block/group-quantised weights: every FFN width split by TP stays a multiple of the block (128);
// - a TP group stays inside one node (--gpus-per-node); beyond it, pipeline stages (PP) split layers.
// Memory per GPU = weights of its stage / TP (norms, routers and MLA down-projections replicated)
//   + KV of its stage's layers + runtime overheads (overhead.ts: vLLM's profile by release for engine
//   precisions; llama.cpp's compute buffer, layer split and host-side input embedding for GGUF files),
//   within memory x utilization.
import type { Architecture, Card, Gpu } from './types.js';
import { CalcError } from './errors.js';
import { inLayerSet, type ParamDerivation } from './params.js';
import {
  FORMATS,
  type MeasuredWeights,
  recipeModel,
  useMoreBits,
  type ExpertLayout,
  type Precision,
} from './precision.js';
import { hybridBlockTokens, kvBytesFor, type KvBytes, kvLayout, LLAMA_CPP_STATE, maxContextFor } from './kv.js';
import {
  commBufferBytes,
  SGLANG_STARTUP_BYTES,
  sglangMemFraction,
  forwardActivationBytes,
  samplerActivationBytes,
  llamaCppComputeBytes,
  llamaCppOpOffloadBytes,
  llamaCppSwaCells,
  LLAMA_CPP_UBATCH,
  CURRENT_GENERATION,
  DEFAULT_CUDA_GRAPH_BYTES,
  defaultBatchTokens,
  defaultMaxNumSeqs,
  defaultNonTorchBytes,
  type EngineGeneration,
  type SamplerKind,
} from './overhead.js';

/** vLLM's default KV block: 16 tokens (CacheConfig.block_size). */
const KV_BLOCK_TOKENS = 16;

export interface FitOptions {
  precision: Precision;
  /** bytes per KV element, K and V apart when they differ (llama.cpp -ctk / -ctv) */
  kvBytes: KvBytes;
  context: number;
  batch: number;
  utilization: number;
  gpusPerNode: number;
  /** override the per-GPU non-torch memory (default: by GPU count, see overhead.ts) */
  nonTorchBytes?: number;
  /** tokens in the profiling / prefill batch that sets the activation peak (default: by GPU memory) */
  batchTokens?: number;
  /** sequences in the profiling batch, max_num_seqs (default: by GPU memory) */
  maxNumSeqs?: number;
  /** override the activation peak per GPU */
  activationBytes?: number;
  /** the vLLM release whose memory accounting applies (default: the newest, CURRENT_GENERATION) */
  generation?: EngineGeneration;
  /** override the generation's sampler implementation */
  sampler?: SamplerKind;
  /** CUDA-graph memory per GPU taken from the budget (default: by generation; 0 = --enforce-eager) */
  cudaGraphBytes?: number;
  /** how the engine holds quantised experts (default: by GPU and generation, see expertLayoutFor) */
  expertLayout?: ExpertLayout;
  /** check exactly this many GPUs instead of searching for the fewest */
  count?: number;
  /** only this tensor-parallel size (the rest of the GPUs become pipeline stages) */
  tp?: number;
  /** stop searching past this many GPUs */
  maxGpus?: number;
  /** expert offload: routed-expert tensors of the first `layers` MoE layers live in host memory
   *  (llama.cpp --n-cpu-moe N keeps the experts of the first N layers on the CPU); 'auto' finds the
   *  fewest that fit; hostBytes is the host memory available for them */
  offload?: { layers: number | 'auto'; hostBytes: number };
  /** bytes of vision / audio towers the engine loads beside the decoder (bf16, on the first pipeline
   *  stage, sharded across its TP ranks as vLLM's tower layers are); 0 with --text-only. GGUF rows never
   *  carry them (llama.cpp loads a tower only from a separate mmproj file). */
  towerBytes?: number;
  /** data-parallel attention replicas (vLLM --data-parallel-size; SGLang --dp with --enable-dp-attention);
   *  undefined: searched for MoE models when no --tp is fixed */
  dp?: number;
  /** routed experts placed whole over an expert-parallel group (vLLM --enable-expert-parallel): true,
   *  false, or undefined to search both */
  expertParallel?: boolean;
  /** expert-parallel size when it differs from TP x DP (SGLang --ep-size); must divide TP x DP */
  ep?: number;
  /** EPLB redundant experts (vLLM --eplb-config num_redundant_experts, SGLang --ep-num-redundant-experts) */
  redundantExperts?: number;
  /** all-to-all backend whose buffers are reserved per GPU (none: vLLM's default allgather/reduce-scatter) */
  a2a?: A2aBackend;
  /** whose memory accounting engine precisions follow (default vLLM's); SGLang's static pool fraction
   *  (mem_fraction_static) is `utilization` when given, else SGLang's own default */
  accounting?: 'vllm' | 'sglang';
  /** SGLang's mem_fraction_static, when set */
  memFractionStatic?: number;
  /** SGLang --enable-dp-lm-head: the LM head split over the attention TP group only (not the whole TP x DP) */
  dpLmHead?: boolean;
  /** a rig of several cards (--gpu auto, --gpu a+b): GGUF rows split its layers as llama.cpp does, over
   *  exactly these GPUs; engine rows plan every rank as the smallest card (the caller passes it as `gpu`) */
  rig?: Rig;
  /** llama.cpp --tensor-split: the share of layers per GPU (default: by memory free, as llama.cpp does) */
  tensorSplit?: readonly number[];
}

/** One GPU of a rig: its catalog entry (memory already reduced with --free-only), the memory free when
 *  read (llama.cpp's default split weight) and what the detecting tool reported. */
export interface RigSlot {
  gpu: Gpu;
  freeBytes: number;
  usedBytes: number | null;
  reportedName: string | null;
}

/** The GPUs of one machine, in device order, with what was noticed reading them. */
export interface Rig {
  slots: RigSlot[];
  notes: string[];
  /** 'catalog' for a --gpu spec, else the tool that reported them (nvidia-smi, rocm-smi, sysctl) */
  source: string;
}

/** Whether a rig's cards differ in kind or memory (engines then size every rank to the smallest). */
export function rigIsMixed(r: Rig): boolean {
  const a = r.slots[0]?.gpu;
  return r.slots.some(
    (s) => s.gpu.id !== a?.id || s.gpu.memory_bytes !== a.memory_bytes || s.gpu.usable_fraction !== a.usable_fraction,
  );
}

/** The card with the least usable memory: the one every tensor-parallel rank is sized to. */
export function smallestGpu(r: Rig): Gpu {
  let g = r.slots[0]!.gpu;
  for (const s of r.slots)
    if (s.gpu.memory_bytes * s.gpu.usable_fraction < g.memory_bytes * g.usable_fraction) g = s.gpu;
  return g;
}

/** How llama.cpp assigns layers to devices with --split-mode layer and every layer offloaded
 *  (ggml-org/llama.cpp src/llama-model.cpp, load_tensors: "default split, by free memory"; -ts/--tensor-split
 *  replaces the weights): the weights are summed into cumulative fractions, and of the n_layer + 1 offloaded
 *  layers (the repeating ones, then the output layer as index n_layer) layer il goes to the first device
 *  whose cumulative fraction exceeds il / (n_layer + 1) (std::upper_bound). Returns the first layer of
 *  each device (length devices + 1, the last entry n_layer) and the device of the output layer. The
 *  arithmetic is float32, as llama.cpp's. */
export function llamaCppSplit(nLayer: number, weights: readonly number[]): { starts: number[]; output: number } {
  const f = Math.fround;
  const cum: number[] = [];
  let sum = f(0);
  for (const w of weights) {
    sum = f(sum + f(w));
    cum.push(sum);
  }
  const fr = cum.map((c) => f(c / sum));
  const act = nLayer + 1;
  const deviceOf = (il: number) => {
    const x = f(il / act);
    let i = 0;
    while (i < fr.length && !(fr[i]! > x)) i++;
    return Math.min(i, fr.length - 1);
  };
  const starts = [0];
  for (let dev = 1; dev < weights.length; dev++) {
    let s = starts[dev - 1]!;
    while (s < nLayer && deviceOf(s) < dev) s++;
    starts.push(s);
  }
  starts.push(nLayer);
  return { starts, output: deviceOf(nLayer) };
}

/** The --tensor-split that reproduces a split exactly: per device, its layers (the output layer counted on
 *  its device). Proportions of n_layer + 1 land every boundary where llama.cpp's comparison puts it. */
export function tensorSplitOf(split: { starts: number[]; output: number }): number[] {
  const n = split.starts.length - 1;
  return Array.from({ length: n }, (_, i) => split.starts[i + 1]! - split.starts[i]! + (i === split.output ? 1 : 0));
}

export const A2A_BACKENDS = ['none', 'deepep-ht', 'deepep-ll'] as const;
export type A2aBackend = (typeof A2A_BACKENDS)[number];

/** How one deployment spreads over its GPUs: attention TP, pipeline stages, data-parallel attention
 *  replicas, and the expert-parallel size (0: routed experts sharded like the rest, over TP x DP). */
export interface Layout {
  tp: number;
  pp: number;
  dp: number;
  ep: number;
}

export interface PerGpu {
  weightsBytes: number;
  /** all-to-all communication buffers (DeepEP) per GPU; part of the overhead under vLLM's accounting. SGLang
   *  creates them at the first dispatch, after the KV pool, in the memory outside mem_fraction_static: there
   *  they are reported but neither in the overhead nor against the budget */
  commBufferBytes: number;
  kvBytes: number;
  activationBytes: number;
  nonTorchBytes: number;
  /** CUDA-graph memory, when the engine takes it from the budget */
  cudaGraphBytes: number;
  /** activation + non-torch + CUDA graphs + communication buffers */
  overheadBytes: number;
  totalBytes: number;
  /** memory the GPU has (x its usable fraction for unified memory) */
  capacityBytes: number;
  /** capacity x utilization: what the engine may use */
  budgetBytes: number;
  freeBytes: number;
}

export interface Plan {
  precision: string;
  gpuCount: number;
  tensorParallel: number;
  pipelineParallel: number;
  /** data-parallel attention replicas: each holds its own sequences and KV pool */
  dataParallel: number;
  /** expert-parallel size (0: routed experts sharded over TP x DP like the rest) */
  expertParallel: number;
  fits: boolean;
  /** the most loaded GPU (the worst pipeline stage) */
  perGpu: PerGpu;
  /** one entry per pipeline stage; the TP ranks of a stage hold the same amounts */
  stages: PerGpu[];
  /** longest context for --batch sequences (capped at the model's maximum) */
  maxContext: number;
  maxContextIsModelLimit: boolean;
  /** most sequences of --context tokens at once */
  maxConcurrency: number;
  /** tokens the KV pool holds as vLLM counts them ("GPU KV cache size: N tokens"): per stage, free
   *  memory / bytes one token takes in every attention layer of the stage (sliding-window layers
   *  included: the hybrid allocator pages them alike), in whole 16-token blocks; the smallest stage
   *  sets the pool (vLLM gives every worker the minimum block count). */
  kvCacheTokens: number;
  /** the whole deployment's KV pool: kvCacheTokens x data-parallel replicas */
  kvCacheTokensTotal: number;
  /** bytes missing on the worst GPU when it does not fit */
  shortfallBytes: number;
  /** expert offload: MoE layers whose routed experts are in host memory, and their bytes; `nCpuMoe` is
   *  llama.cpp's --n-cpu-moe for it (it counts all layers from 0, dense ones included) */
  offload?: { layers: number; nCpuMoe: number; hostBytes: number; hostCapacityBytes: number };
  /** a llama.cpp layer split (GGUF over several GPUs): per stage its GPU and layers [from, to), the stage
   *  holding the output layer, and the --tensor-split that reproduces it */
  split?: { gpus: string[]; layers: [number, number][]; outputStage: number; tensorSplit: number[] };
}

export interface LayerBytes {
  /** per decoder layer: bytes split across TP ranks, and bytes every rank holds */
  sharded: number[];
  replicated: number[];
  /** prefix sums of the two (length layers + 1), so a pipeline stage sums in O(1) */
  shardedPrefix: number[];
  replicatedPrefix: number[];
  /** routed-expert bytes per layer (part of sharded) and their prefix sums */
  routed: number[];
  routedPrefix: number[];
  /** shared-expert bytes per layer (part of sharded) and their prefix sums */
  shared: number[];
  sharedPrefix: number[];
  embed: number;
  head: number;
  /** the largest single routed-expert tensor of a layer (GGUF stores gate, up and down apart) */
  largestExpertTensor: number;
}

const REPLICATED_ROLES = new Set(['router', 'attn_q_a', 'attn_kv_a', 'vector']);

const cache = new WeakMap<ParamDerivation, Map<string, LayerBytes>>();

/** Bytes per layer under a precision, split into TP-sharded and replicated parts (cached). With an
 *  expert layout (how the engine's kernel holds quantised experts on the GPU) the routed experts are
 *  padded as one rank of a TP group of `tp` holds them; without one, the bytes are the file's. */
export function layerBytes(
  d: ParamDerivation,
  a: Architecture,
  p: Precision,
  tp = 1,
  layout?: ExpertLayout,
): LayerBytes {
  const nLayers = a.num_layers;
  const nExperts = a.moe?.experts ?? 0;
  const expertFfn = a.moe?.expert_ffn ?? 0;
  const model = recipeModel(a);
  let m = cache.get(d);
  if (!m) {
    m = new Map();
    cache.set(d, m);
  }
  const key = layout ? `${p.id}|${layout.id}|${tp}` : p.id;
  const hit = m.get(key);
  if (hit) return hit;
  if (p.measured) {
    const mb = measuredLayerBytes(p.measured, nLayers);
    m.set(key, mb);
    return mb;
  }
  const lb: LayerBytes = {
    sharded: new Array(nLayers).fill(0),
    replicated: new Array(nLayers).fill(0),
    shardedPrefix: [0],
    replicatedPrefix: [0],
    routed: new Array(nLayers).fill(0),
    routedPrefix: [0],
    shared: new Array(nLayers).fill(0),
    sharedPrefix: [0],
    embed: 0,
    head: 0,
    largestExpertTensor: 0,
  };
  // an engine recipe's format depends only on the tensor's role (and whether it is a matrix): look
  // each up once; GGUF mixes also depend on the layer, so they are asked per tensor
  const roundUp = (x: number, k: number) => Math.ceil(x / k) * k;
  const pad =
    layout && expertFfn > 0
      ? ((roundUp(expertFfn / tp, layout.ffnMultiple) * tp) / expertFfn) *
        (roundUp(a.hidden_size, layout.hiddenMultiple) / a.hidden_size)
      : 1;
  // GGUF mixes depend on the layer only through a few thresholds (llama-quant.cpp), which key the cache
  const byRole = new Map<string, number[]>();
  for (const t of d.tensors) {
    const i = t.layer;
    const slot = p.gguf
      ? (t.matrix ? 1 : 0) |
        (i < 0 ? 2 : 0) |
        (i >= 0 && useMoreBits(i, nLayers) ? 4 : 0) |
        (i >= 0 && i < 2 ? 8 : 0) |
        (i >= 0 && i < nLayers / 16 ? 16 : 0) |
        (i >= 0 && i < nLayers / 8 ? 32 : 0) |
        (i >= 0 && i < 4 ? 64 : 0)
      : t.matrix
        ? 1
        : 0;
    let slots = byRole.get(t.role);
    if (!slots) {
      slots = [];
      byRole.set(t.role, slots);
    }
    let bpw = slots[slot];
    if (bpw === undefined) {
      bpw = FORMATS[p.formatOf({ tensor: t, nLayers, nExperts, model })].bpw;
      slots[slot] = bpw;
    }
    const expert = layout !== undefined && t.component === 'routedExperts';
    let b = expert
      ? (t.matrix ? t.params * pad * (bpw + layout.extraBpw) : t.params * layout.biasBits) / 8
      : (t.params * bpw) / 8;
    // MLA under a quantised recipe: engines dequantise kv_b_proj into bf16 W_UK / W_UV for the absorbed
    // decode path and keep the quantised weight for prefill (vLLM MLACommonImpl.process_weights_after_loading,
    // SGLang deepseek_v2.py w_kc / w_vc): kv_b's parameters once more at 2 bytes
    if (!p.gguf && t.role === 'attn_kv_b' && bpw < 16) b += t.params * 2;
    if (t.layer < 0) {
      if (t.role === 'embed') lb.embed += b;
      else lb.head += b; // LM head and final norm live with the last stage
    } else if (REPLICATED_ROLES.has(t.role)) lb.replicated[t.layer]! += b;
    else lb.sharded[t.layer]! += b;
    if (t.component === 'sharedExperts' && t.layer >= 0 && !REPLICATED_ROLES.has(t.role)) lb.shared[t.layer]! += b;
    if (t.component === 'routedExperts') {
      lb.routed[t.layer]! += b;
      if (t.role === 'ffn_gate_up_exps') lb.largestExpertTensor = Math.max(lb.largestExpertTensor, b / 2);
      else if (t.role === 'ffn_down_exps') lb.largestExpertTensor = Math.max(lb.largestExpertTensor, b);
    }
  }
  for (let i = 0; i < nLayers; i++) {
    lb.shardedPrefix.push(lb.shardedPrefix[i]! + lb.sharded[i]!);
    lb.replicatedPrefix.push(lb.replicatedPrefix[i]! + lb.replicated[i]!);
    lb.routedPrefix.push(lb.routedPrefix[i]! + lb.routed[i]!);
    lb.sharedPrefix.push(lb.sharedPrefix[i]! + lb.shared[i]!);
  }
  m.set(key, lb);
  return lb;
}

/** A real file's bytes per layer (src/cards/gguf-model.ts reads them from the GGUF's tensor headers). */
function measuredLayerBytes(w: MeasuredWeights, nLayers: number): LayerBytes {
  const pick = (xs: readonly number[]) => Array.from({ length: nLayers }, (_, i) => xs[i] ?? 0);
  const prefix = (xs: number[]) => {
    const out = [0];
    for (const x of xs) out.push(out[out.length - 1]! + x);
    return out;
  };
  const sharded = pick(w.sharded);
  const replicated = pick(w.replicated);
  const routed = pick(w.routed);
  const shared = pick(w.shared);
  return {
    sharded,
    replicated,
    shardedPrefix: prefix(sharded),
    replicatedPrefix: prefix(replicated),
    routed,
    routedPrefix: prefix(routed),
    shared,
    sharedPrefix: prefix(shared),
    embed: w.embed,
    head: w.head,
    largestExpertTensor: w.largestExpertTensor,
  };
}

/** All weight bytes of a precision (the sum of every layer, embeddings and head), rounded up. */
export function totalWeightBytes(lb: LayerBytes): number {
  let t = lb.embed + lb.head;
  for (let i = 0; i < lb.sharded.length; i++) t += lb.sharded[i]! + lb.replicated[i]!;
  return Math.ceil(t);
}

/** Why a TP degree is not allowed, or null when it is. */
export function tpRejection(card: Card, tp: number, p: Precision): string | null {
  if (p.gguf && tp > 1)
    return `llama.cpp splits ${p.id} (GGUF) models by layers across GPUs (--split-mode layer), not by tensor parallel`;
  const a = card.architecture;
  for (const at of [a.attention, ...a.attention_variants.map((v) => v.attention)]) {
    const heads = at.type === 'moa' ? at.kv_heads : at.heads;
    if (heads % tp !== 0) return `TP ${tp} does not divide ${heads} attention heads`;
    if (at.type !== 'mla') {
      if (tp <= at.kv_heads && at.kv_heads % tp !== 0) return `TP ${tp} does not divide ${at.kv_heads} KV heads`;
      if (tp > at.kv_heads && tp % at.kv_heads !== 0) return `${at.kv_heads} KV heads do not divide TP ${tp}`;
    }
  }
  // linear / SSM mixers shard their heads (vLLM asserts heads % TP == 0)
  const s = a.ssm;
  const ssmHeads =
    s === undefined || s.kind === 'mamba' || s.kind === 'short_conv'
      ? undefined
      : s.kind === 'gated_deltanet'
        ? s.key_heads
        : s.heads;
  if (ssmHeads !== undefined && ssmHeads % tp !== 0) return `TP ${tp} does not divide the ${ssmHeads} ${s!.kind} heads`;
  // a single rank holds whole matrices, zero-padded to the block (DeepSeek-V3 README_WEIGHTS.md)
  if (p.tpAlign && tp > 1) {
    const widths = [a.mlp.dense_ffn, a.moe?.expert_ffn, a.moe?.shared_experts?.ffn, a.moe?.dense_residual_ffn].filter(
      (w): w is number => w !== undefined,
    );
    for (const w of widths) {
      if (w % tp !== 0 || (w / tp) % p.tpAlign !== 0)
        return `FFN width ${w} / TP ${tp} is not a multiple of the ${p.tpAlign}-wide quantisation block`;
    }
  }
  return null;
}

/** Pipeline stage s of pp holds layers [stageStart(s), stageStart(s + 1)), split as vLLM does
 *  (vllm/distributed/utils.py get_pp_indices): floor(L / pp) layers each, and the remainder one more
 *  each on the stages just before the last (the last stage already holds the LM head). */
export function stageStart(L: number, pp: number, s: number): number {
  const base = Math.floor(L / pp);
  const firstExtra = pp - 1 - (L % pp);
  return s * base + Math.max(0, Math.min(s, pp - 1) - firstExtra);
}

/** Index just past the n-th MoE layer (0 for n = 0): layers before it have their experts offloaded. */
export function offloadCutoff(a: Architecture, n: number): number {
  if (n <= 0 || !a.moe) return 0;
  let seen = 0;
  for (let i = 0; i < a.num_layers; i++) if (inLayerSet(a.moe.layers, i) && ++seen === n) return i + 1;
  return a.num_layers;
}

/** The expert layout vLLM uses for a precision on a GPU: MXFP4 experts go to the Triton kernels on
 *  Hopper and datacenter Blackwell (compute capability 9.x / 10.x) from v0.12, and to the Marlin
 *  weight-only fallback elsewhere (Ampere, Ada, consumer Blackwell, older releases; mxfp4.py
 *  get_mxfp4_backend). A GPU without a known compute capability gets Marlin, the larger layout. */
export function expertLayoutFor(p: Precision, gpu: Gpu, g: EngineGeneration): ExpertLayout | undefined {
  const layouts = p.expertLayouts;
  if (!layouts) return undefined;
  const cc = gpu.compute_capability;
  const triton = cc !== undefined && /^(9|10)\./.test(cc) && g.tritonMxfp4OnHopper;
  return (triton ? layouts.triton : layouts.marlin) ?? Object.values(layouts)[0];
}

export interface RuntimeOverheads {
  /** whose accounting: vLLM's (or SGLang's with --engine sglang) for engine precisions, llama.cpp's for GGUF */
  engine: 'vllm' | 'llama.cpp' | 'sglang';
  /** peak activation of a stage that does not sample, and of the last stage, bytes per GPU
   *  (llama.cpp: the compute buffer without and with the output layer) */
  activation: number;
  lastStageActivation: number;
  nonTorch: number;
  cudaGraphs: number;
  batchTokens: number;
  maxNumSeqs: number;
  generation: EngineGeneration;
}

/** The engine's runtime memory per GPU besides weights and KV cache (overhead.ts), with every
 *  default resolved: what `fit` prints as its assumptions. */
export function runtimeOverheads(a: Architecture, gpu: Gpu, o: FitOptions, tp: number, pp: number): RuntimeOverheads {
  const g = o.generation ?? CURRENT_GENERATION;
  if (o.accounting === 'sglang' && !o.precision.gguf) {
    // SGLang: activations and CUDA graphs live outside the static pool; the CUDA context and NCCL are
    // what is no longer free at start-up (modelled as vLLM's non-torch memory)
    return {
      engine: 'sglang',
      activation: 0,
      lastStageActivation: 0,
      nonTorch: o.nonTorchBytes ?? SGLANG_STARTUP_BYTES,
      cudaGraphs: 0,
      batchTokens: 0,
      maxNumSeqs: 0,
      generation: g,
    };
  }
  if (o.precision.gguf) {
    // llama.cpp runs GGUF files: its compute buffer instead of vLLM's profile; no sampler warm-up,
    // non-torch or CUDA-graph reserve of vLLM's kind
    return {
      engine: 'llama.cpp',
      activation: Math.ceil(o.activationBytes ?? llamaCppComputeBytes(a, false)),
      lastStageActivation: Math.ceil(o.activationBytes ?? llamaCppComputeBytes(a, true)),
      nonTorch: o.nonTorchBytes ?? 0,
      cudaGraphs: 0,
      batchTokens: LLAMA_CPP_UBATCH,
      maxNumSeqs: 1,
      generation: g,
    };
  }
  // V0 without chunked prefill profiles a whole max_model_len prompt (SchedulerConfig: max(max_model_len,
  // 2048)); chunked prefill is on by default past 32768 tokens, not for MLA (vLLM #6666)
  const v0Tokens = o.context > 32768 && a.attention.type !== 'mla' ? 2048 : Math.max(o.context, 2048);
  const batchTokens = o.batchTokens ?? (g.v0 ? v0Tokens : defaultBatchTokens(gpu));
  const maxNumSeqs = Math.min(o.maxNumSeqs ?? (g.v0 ? 256 : defaultMaxNumSeqs(gpu)), batchTokens);
  const kind = o.sampler ?? g.sampler;
  const fwd = forwardActivationBytes(a, batchTokens, tp);
  const activation = Math.ceil(o.activationBytes ?? fwd);
  // the last stage also samples: its peak is the larger of the forward and the sampler peaks
  const lastStageActivation = Math.ceil(
    o.activationBytes ??
      Math.max(fwd, samplerActivationBytes(a, batchTokens, maxNumSeqs, tp, kind, g.samplerExtraBytes)),
  );
  return {
    engine: 'vllm',
    activation,
    lastStageActivation,
    nonTorch: o.nonTorchBytes ?? defaultNonTorchBytes(tp * pp, g),
    cudaGraphs: o.cudaGraphBytes ?? (g.cudaGraphsBudgeted ? DEFAULT_CUDA_GRAPH_BYTES : 0),
    batchTokens,
    maxNumSeqs,
    generation: g,
  };
}

/** Memory of one layout. `withStages` false skips the per-stage list (the search compares many
 *  layouts; only the chosen one needs it). */
export function evaluateLayout(
  card: Card,
  d: ParamDerivation,
  gpu: Gpu,
  o: FitOptions,
  tp: number,
  pp: number,
  offloadLayers = 0,
  withStages = true,
  dp = 1,
  ep = 0,
): Plan {
  const a = card.architecture;
  const L = a.num_layers;
  // routed experts: with EP, whole experts over the EP group (each split over TP x DP / EP when EP is
  // smaller); without, every expert sharded over TP x DP (vLLM flattens DP into the MoE's TP group)
  const expertShard = ep > 0 ? (tp * dp) / ep : tp * dp;
  const layout = o.expertLayout ?? expertLayoutFor(o.precision, gpu, o.generation ?? CURRENT_GENERATION);
  const lb = layerBytes(d, a, o.precision, expertShard, layout);
  const cut = offloadCutoff(a, offloadLayers);
  const capacity = Math.floor(gpu.memory_bytes * gpu.usable_fraction);
  const n = tp * pp * dp;
  // llama.cpp over several GPUs: its own layer split, each stage on its own card of the rig
  const lsplit =
    o.precision.gguf && pp > 1
      ? llamaCppSplit(
          L,
          o.tensorSplit ?? (o.rig?.slots.length === pp ? o.rig.slots.map((x) => x.freeBytes) : new Array(pp).fill(1)),
        )
      : undefined;
  const stageGpu = (s: number) => (lsplit && o.rig?.slots.length === pp ? o.rig.slots[s]!.gpu : gpu);
  const outStage = lsplit ? lsplit.output : pp - 1;
  const r = runtimeOverheads(a, gpu, o, tp, pp * dp);
  // SGLang sizes its static pool (weights + KV) as mem_fraction_static of the memory free at start-up
  const mfs =
    r.engine === 'sglang' ? (o.memFractionStatic ?? sglangMemFraction(capacity / 2 ** 20, tp * dp, pp, dp)) : 0;
  const budgetOf = (cap: number) =>
    r.engine === 'sglang' ? Math.floor((cap - r.nonTorch) * mfs) + r.nonTorch : Math.floor(cap * o.utilization);
  const budget = budgetOf(capacity);
  const llama = r.engine === 'llama.cpp';
  const nonTorch = r.nonTorch;
  const graphs = r.cudaGraphs;
  const E = a.moe?.experts ?? 0;
  const slots = E + (ep > 0 ? (o.redundantExperts ?? 0) : 0);
  // the most loaded rank holds ceil((E + R) / EP) experts (vLLM determine_expert_map gives the first
  // (E + R) mod EP ranks one more)
  const expertShare = ep > 0 && E > 0 ? Math.ceil(slots / ep) / E / expertShard : 1 / expertShard;
  // vLLM replicates the shared experts under EP with TP > 1 and DP > 1 (use_sequence_parallel_moe)
  const sharedShard = ep > 0 && tp > 1 && dp > 1 ? 1 : tp;
  const commBytes = ep > 0 ? commBufferBytes(a, o.a2a ?? 'none', ep, slots, tp * dp > o.gpusPerNode) : 0;
  // vLLM allocates them while loading the model (prepare_communication_buffer_for_model), so the profile counts
  // them; SGLang on the first dispatch (token_dispatcher/deepep.py DeepEPBuffer.get_deepep_buffer, called from
  // _get_buffer), after the KV pool is sized: they come out of the reserve outside the static pool
  const comm = r.engine === 'sglang' ? 0 : commBytes;
  // the LM head under DP attention: vLLM keeps it in the attention TP group; SGLang splits it over the whole
  // TP x DP (ParallelLMHead(use_attn_tp_group=enable_dp_lm_head), python/sglang/srt/models/deepseek_v2.py,
  // qwen3_moe.py) unless --enable-dp-lm-head; the input embedding is replicated in both
  // (VocabParallelEmbedding(enable_tp=not is_dp_attention_enabled()))
  const headShard = r.engine === 'sglang' && dp > 1 && !o.dpLmHead ? tp * dp : tp;
  const sequences = Math.ceil(o.batch / dp);
  let worst: PerGpu | undefined;
  const stages: PerGpu[] = [];
  let minContext = Number.POSITIVE_INFINITY;
  let minConcurrency = Number.POSITIVE_INFINITY;
  let minPoolTokens = Number.POSITIVE_INFINITY;
  let allFit = true;
  for (let s = 0; s < pp; s++) {
    const from = lsplit ? lsplit.starts[s]! : stageStart(L, pp, s);
    const to = lsplit ? lsplit.starts[s + 1]! : stageStart(L, pp, s + 1);
    const sg = stageGpu(s);
    const sCapacity = sg === gpu ? capacity : Math.floor(sg.memory_bytes * sg.usable_fraction);
    const sBudget = sg === gpu ? budget : budgetOf(sCapacity);
    const offloaded = lb.routedPrefix[Math.min(to, cut)]! - lb.routedPrefix[Math.min(from, cut)]!;
    const routed = lb.routedPrefix[to]! - lb.routedPrefix[from]! - offloaded;
    const shared = lb.sharedPrefix[to]! - lb.sharedPrefix[from]!;
    const rest = lb.shardedPrefix[to]! - lb.shardedPrefix[from]! - offloaded - routed - shared;
    let w =
      rest / tp + routed * expertShare + shared / sharedShard + (lb.replicatedPrefix[to]! - lb.replicatedPrefix[from]!);
    if (llama) {
      // the input embedding stays in host memory; a tied output layer is a copy of it on the last GPU
      if (s === outStage) w += lb.head + (a.tie_embeddings ? lb.embed : 0);
    } else {
      if (s === 0) w += (lb.embed + (o.towerBytes ?? 0)) / tp;
      if (s === pp - 1) w += lb.head / headShard + (a.tie_embeddings && pp > 1 ? lb.embed / tp : 0);
    }
    const weights = Math.ceil(w);
    // recurrent state as each engine keeps it: llama.cpp f32, one per sequence; vLLM in the card's dtypes,
    // padded to the raised attention block, one or two slots per sequence by release
    const state = llama
      ? LLAMA_CPP_STATE
      : { slots: r.generation.mambaStateSlots, padToBlockTokens: hybridBlockTokens(a, o.kvBytes, tp) };
    const kvEngine = kvLayout(a, o.kvBytes, tp, from, to, state);
    // llama.cpp's sliding-window cache holds window + ubatch cells (padded), not the window alone
    const kv = llama && kvEngine.window > 0 ? { ...kvEngine, window: llamaCppSwaCells(kvEngine.window, 1) } : kvEngine;
    // each data-parallel replica holds its own share of the sequences
    const kvB = Math.ceil(kvBytesFor(kv, o.context, sequences));
    // the last stage holds the output layer's peak too (vLLM's sampler run, llama.cpp's logits)
    let act = s === outStage ? r.lastStageActivation : r.activation;
    // llama.cpp with experts in host memory: the main GPU also makes room for one expert tensor
    if (llama && s === 0 && offloadLayers > 0 && o.activationBytes === undefined)
      act = Math.max(act, llamaCppOpOffloadBytes(lb.largestExpertTensor));
    const total = weights + kvB + act + nonTorch + graphs + comm;
    if (total > sBudget) allFit = false;
    // the worst stage is the one with the least memory left (the most loaded one when the GPUs are alike)
    if (!withStages && worst && sBudget - total >= worst.freeBytes) continue;
    if (withStages) {
      // context and concurrency limits only for the plan that is shown, not for every layout searched
      const free = sBudget - (weights + act + nonTorch + graphs + comm);
      minContext = Math.min(minContext, maxContextFor(kv, free, sequences));
      const perSeq = kvBytesFor(kv, o.context, 1);
      minConcurrency = Math.min(
        minConcurrency,
        free <= 0 ? 0 : perSeq === 0 ? Number.POSITIVE_INFINITY : Math.floor(free / perSeq),
      );
      const pageToken = kv.fullPerToken + kv.slidingPerToken;
      if (pageToken > 0)
        minPoolTokens = Math.min(
          minPoolTokens,
          free <= 0 ? 0 : Math.floor(free / (pageToken * KV_BLOCK_TOKENS)) * KV_BLOCK_TOKENS,
        );
    }
    const perGpu: PerGpu = {
      weightsBytes: weights,
      commBufferBytes: commBytes,
      kvBytes: kvB,
      activationBytes: act,
      nonTorchBytes: nonTorch,
      cudaGraphBytes: graphs,
      overheadBytes: act + nonTorch + graphs + comm,
      totalBytes: total,
      capacityBytes: sCapacity,
      budgetBytes: sBudget,
      freeBytes: sBudget - total,
    };
    if (withStages) stages.push(perGpu);
    if (!worst || perGpu.freeBytes < worst.freeBytes) worst = perGpu;
  }
  const pg = worst!;
  const maxContext = Math.min(minContext, a.max_context);
  const hostBytes = Math.ceil(lb.routedPrefix[cut]!);
  const hostCapacity = o.offload?.hostBytes ?? 0;
  const fits = allFit && hostBytes <= (o.offload ? hostCapacity : 0);
  return {
    precision: o.precision.id,
    gpuCount: n,
    tensorParallel: tp,
    pipelineParallel: pp,
    dataParallel: dp,
    expertParallel: ep,
    fits,
    perGpu: pg,
    stages,
    maxContext: Math.max(0, maxContext),
    maxContextIsModelLimit: minContext >= a.max_context,
    // concurrency of the whole deployment: every replica serves its own sequences
    maxConcurrency: Number.isFinite(minConcurrency)
      ? Math.min(Number.MAX_SAFE_INTEGER, Math.max(0, minConcurrency) * dp)
      : Number.MAX_SAFE_INTEGER,
    kvCacheTokens: Number.isFinite(minPoolTokens) ? minPoolTokens : 0,
    kvCacheTokensTotal: Number.isFinite(minPoolTokens) ? minPoolTokens * dp : 0,
    shortfallBytes: Math.max(0, pg.totalBytes - pg.budgetBytes),
    ...(o.offload
      ? { offload: { layers: offloadLayers, nCpuMoe: cut, hostBytes, hostCapacityBytes: hostCapacity } }
      : {}),
    ...(lsplit && withStages
      ? {
          split: {
            gpus: Array.from({ length: pp }, (_, s) => stageGpu(s).id),
            layers: Array.from({ length: pp }, (_, s): [number, number] => [lsplit.starts[s]!, lsplit.starts[s + 1]!]),
            outputStage: lsplit.output,
            tensorSplit: tensorSplitOf(lsplit),
          },
        }
      : {}),
  };
}

/** With offload: the fewest offloaded MoE layers that fit this layout (binary search: more
 *  offloaded layers never need more GPU memory), or all of them when none fits. */
function evaluateWithOffload(
  card: Card,
  d: ParamDerivation,
  gpu: Gpu,
  o: FitOptions,
  tp: number,
  pp: number,
  withStages: boolean,
): Plan {
  const want = o.offload!.layers;
  if (want !== 'auto') return evaluateLayout(card, d, gpu, o, tp, pp, want, withStages);
  const moeLayers = d.layers.moe;
  let lo = 0;
  let hi = moeLayers;
  let best = evaluateLayout(card, d, gpu, o, tp, pp, hi, withStages);
  if (!best.fits) return best;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    const p = evaluateLayout(card, d, gpu, o, tp, pp, mid, withStages);
    if (p.fits) {
      best = p;
      hi = mid;
    } else lo = mid + 1;
  }
  return best;
}

/** The tensor-parallel size a search is held to: --tp for engine precisions, 1 for GGUF files
 *  (llama.cpp splits layers across GPUs). */
function fixedTp(o: FitOptions): number | undefined {
  return o.precision.gguf ? 1 : o.tp;
}

/** Whether data-parallel attention / expert-parallel layouts are considered: engine precisions of MoE
 *  models, without expert offload; asked for (--dp, --expert-parallel, --ep) or, when --tp does not fix
 *  the layout, searched. */
function parallelSearch(card: Card, o: FitOptions): boolean {
  if (o.precision.gguf || o.offload || !card.architecture.moe) return false;
  return o.dp !== undefined || o.expertParallel !== undefined || o.ep !== undefined || o.tp === undefined;
}

/** Why an expert-parallel layout is not allowed, or null. */
export function epRejection(card: Card, l: Layout, o: FitOptions): string | null {
  const E = card.architecture.moe?.experts ?? 0;
  if (l.ep === 0 && (o.redundantExperts ?? 0) > 0) return 'redundant experts need expert parallelism';
  // without EP each expert's FFN is split over all TP x DP ranks, in equal parts (vLLM / SGLang FusedMoE:
  // assert intermediate_size % tp_size == 0): 257 GPUs cannot split Mixtral's 14,336-wide experts
  const ffn = card.architecture.moe?.expert_ffn;
  if (l.ep === 0 && l.dp > 1 && ffn !== undefined && ffn % (l.tp * l.dp) !== 0)
    return `TP x DP = ${l.tp * l.dp} does not divide the expert FFN width ${ffn}`;
  if (l.ep === 0) return null;
  if (E === 0) return 'a dense model has no experts to place';
  const group = l.tp * l.dp;
  if (group % l.ep !== 0) return `EP ${l.ep} does not divide TP x DP = ${group}`;
  const slots = E + (o.redundantExperts ?? 0);
  // EPLB spreads physical experts evenly (vLLM asserts it)
  if ((o.redundantExperts ?? 0) > 0 && slots % l.ep !== 0)
    return `${slots} experts with redundancy do not divide EP ${l.ep}`;
  if (l.ep > slots) return `EP ${l.ep} exceeds the ${slots} experts`;
  return null;
}

/** A fixed --ep that no layout can take is the user's error, not a "no" (exit 2): EP must divide the TP x DP
 *  group it shards over (vLLM builds the EP group from TP x DP; SGLang asserts tp_size % ep_size == 0), and with
 *  EPLB's redundant experts the physical experts must spread evenly over it (vLLM asserts
 *  (E + R) % EP == 0). n: the GPU count when it is fixed. */
export function checkEpOptions(card: Card, o: FitOptions, n?: number): void {
  const E = card.architecture.moe?.experts ?? 0;
  const R = o.redundantExperts ?? 0;
  const ep = o.ep;
  if (ep === undefined || E === 0 || o.precision.gguf) return;
  if (ep > E + R) throw new CalcError('--ep', `EP ${ep} exceeds the ${E + R} experts of ${card.id}`);
  if (R > 0 && (E + R) % ep !== 0)
    throw new CalcError('--num-redundant-experts', `${E} + ${R} experts do not spread evenly over EP ${ep}`);
  const tps = (o.precision.gguf ? [1] : o.tp !== undefined ? [o.tp] : divisors(o.gpusPerNode)).filter(
    (tp) => tpRejection(card, tp, o.precision) === null,
  );
  const dps = o.dp !== undefined ? [o.dp] : n !== undefined ? divisors(n) : [];
  if (dps.length === 0 || tps.length === 0) return;
  const groups = new Set<number>();
  for (const dp of dps) for (const tp of tps) if (n === undefined || n % (tp * dp) === 0) groups.add(tp * dp);
  if (groups.size > 0 && ![...groups].some((g) => g % ep === 0)) {
    const list = [...groups].sort((a, b) => a - b).join(', ');
    throw new CalcError('--ep', `EP ${ep} divides no TP x DP group allowed here (${list}); EP must divide TP x DP`);
  }
}

/** Layouts of exactly n GPUs that the rules allow, most TP first; data-parallel / expert-parallel ones
 *  only where parallelSearch allows them. */
export function layoutsFor(card: Card, n: number, o: FitOptions): Layout[] {
  const out: Layout[] = [];
  const onlyTp = fixedTp(o);
  const search = parallelSearch(card, o);
  const dps = o.dp !== undefined ? [o.dp] : search ? divisors(n) : [1];
  for (const dp of dps) {
    if (n % dp !== 0) continue;
    const m = n / dp;
    for (let tp = Math.min(m, o.gpusPerNode); tp >= 1; tp--) {
      if (m % tp !== 0 || (onlyTp !== undefined && tp !== onlyTp)) continue;
      const pp = m / tp;
      if (pp > card.architecture.num_layers) continue;
      if (tpRejection(card, tp, o.precision)) continue;
      const eps =
        o.ep !== undefined
          ? [o.ep]
          : o.expertParallel === true
            ? [tp * dp]
            : o.expertParallel === false || !search || tp * dp === 1
              ? [0]
              : [0, tp * dp];
      for (const ep of eps) {
        const l = { tp, pp, dp, ep };
        if (!epRejection(card, l, o)) out.push(l);
      }
    }
  }
  return out;
}

function divisors(n: number): number[] {
  const out: number[] = [];
  for (let d = 1; d <= n; d++) if (n % d === 0) out.push(d);
  return out;
}

/** Between two plain TP x PP layouts of the same GPU count: one that fits beats one that does not; when
 *  both fit, fewer pipeline stages win (engines' recipes use TP inside a node: PP adds a stage hop per
 *  token at low concurrency); otherwise the least memory per GPU. */
function better(x: Plan, y: Plan | undefined): boolean {
  if (!y) return true;
  if (x.fits !== y.fits) return x.fits;
  if (x.fits && x.pipelineParallel !== y.pipelineParallel) return x.pipelineParallel < y.pipelineParallel;
  return x.perGpu.totalBytes < y.perGpu.totalBytes;
}

/** A data-parallel / expert-parallel layout must hold this many times the KV tokens of the plain plan to
 *  replace it: a handful more tokens is not worth a different deployment shape. */
const DP_KV_GAIN = 1.1;

function evaluateFull(card: Card, d: ParamDerivation, gpu: Gpu, o: FitOptions, l: Layout, offload = 0): Plan {
  return evaluateLayout(card, d, gpu, o, l.tp, l.pp, offload, true, l.dp, l.ep);
}

/** The best plan on exactly n GPUs, or undefined when no layout of n GPUs is allowed. Among the plain
 *  TP x PP layouts the least memory per GPU wins; a data-parallel / expert-parallel layout without pipeline
 *  stages replaces it when it fits and holds at least DP_KV_GAIN times the KV tokens for the deployment
 *  (MLA's latent is replicated on every TP rank, DP attention keeps one pool per replica); between
 *  otherwise equal data-parallel layouts, experts placed whole (EP) win. */
export function planForCount(card: Card, d: ParamDerivation, gpu: Gpu, o: FitOptions, n: number): Plan | undefined {
  checkEpOptions(card, o, n);
  const layouts = layoutsFor(card, n, o);
  let best: Plan | undefined;
  for (const l of layouts) {
    if (l.dp !== 1 || l.ep !== 0) continue;
    const p = o.offload
      ? evaluateWithOffload(card, d, gpu, o, l.tp, l.pp, false)
      : evaluateLayout(card, d, gpu, o, l.tp, l.pp, 0, false);
    if (better(p, best)) best = p;
  }
  let chosen = best
    ? evaluateFull(
        card,
        d,
        gpu,
        o,
        { tp: best.tensorParallel, pp: best.pipelineParallel, dp: 1, ep: 0 },
        best.offload?.layers ?? 0,
      )
    : undefined;
  for (const l of layouts) {
    if (l.dp === 1 && l.ep === 0) continue;
    // once a layout fits, data-parallel replicas are not combined with pipeline stages (engines' DP-attention
    // recipes run PP 1; `fit --layouts` still lists such layouts)
    if (chosen?.fits && l.pp > 1) continue;
    const p = evaluateLayout(card, d, gpu, o, l.tp, l.pp, 0, false, l.dp, l.ep);
    if (!p.fits && chosen?.fits) continue;
    const full = evaluateFull(card, d, gpu, o, l);
    if (
      !chosen ||
      (full.fits && !chosen.fits) ||
      (full.fits === chosen.fits && full.kvCacheTokensTotal > chosen.kvCacheTokensTotal * DP_KV_GAIN) ||
      // the same replicas with experts placed whole: as many tokens, less expert traffic per GPU (vLLM's and
      // SGLang's DP-attention recipes pair it with EP)
      (full.fits === chosen.fits &&
        full.dataParallel > 1 &&
        full.dataParallel === chosen.dataParallel &&
        full.tensorParallel === chosen.tensorParallel &&
        full.pipelineParallel === chosen.pipelineParallel &&
        full.expertParallel > 0 &&
        chosen.expertParallel === 0 &&
        full.kvCacheTokensTotal >= chosen.kvCacheTokensTotal)
    ) {
      chosen = full;
    }
  }
  return chosen;
}

/** Every allowed layout of n GPUs with its full plan (what `fit --layouts` compares). */
export function allLayouts(card: Card, d: ParamDerivation, gpu: Gpu, o: FitOptions, n: number): Plan[] {
  checkEpOptions(card, o, n);
  return layoutsFor(card, n, o).map((l) => evaluateFull(card, d, gpu, o, l));
}

/** The fewest GPUs that fit (or the check of --count GPUs). Undefined when nothing fits.
 *  For each allowed TP degree the fewest pipeline stages that fit are found by bisection (more
 *  stages never need more memory per GPU past the first split); the smallest TP x PP wins, ties
 *  going to the layout with the least memory per GPU. At that GPU count planForCount then weighs the
 *  data-parallel / expert-parallel layouts (with --dp fixed, every layout carries that many replicas). */
export function fitPlan(card: Card, d: ParamDerivation, gpu: Gpu, o: FitOptions): Plan | undefined {
  // a rig is planned on exactly its GPUs; llama.cpp puts one layer range on each
  if (o.rig && o.precision.gguf && o.rig.slots.length > 1) {
    const n = o.rig.slots.length;
    if (n > card.architecture.num_layers) return undefined;
    return o.offload
      ? evaluateWithOffload(card, d, gpu, o, 1, n, true)
      : evaluateLayout(card, d, gpu, o, 1, n, 0, true);
  }
  if (o.count !== undefined) return planForCount(card, d, gpu, o, o.count);
  checkEpOptions(card, o);
  const onlyTp = fixedTp(o);
  const a = card.architecture;
  const L = a.num_layers;
  const dp = o.dp ?? 1;
  const maxGpus = Math.floor((o.maxGpus ?? 4096) / dp);
  const totalWeights = totalWeightBytes(layerBytes(d, a, o.precision));
  const budget = gpu.memory_bytes * gpu.usable_fraction * o.utilization;
  const fixedEp = (tp: number) => (o.ep !== undefined ? o.ep : o.expertParallel ? tp * dp : 0);
  const evaluate = (tp: number, pp: number) =>
    o.offload
      ? evaluateWithOffload(card, d, gpu, o, tp, pp, false)
      : evaluateLayout(card, d, gpu, o, tp, pp, 0, false, dp, fixedEp(tp));
  // no plan can use fewer GPUs than the weights need at a full budget each
  // (with expert offload the weights need not all be on GPUs: no bound)
  const minGpus = o.offload ? 1 : Math.max(1, Math.ceil(totalWeights / budget / dp));
  let best: Plan | undefined;
  for (let tp = Math.min(o.gpusPerNode, maxGpus); tp >= 1; tp--) {
    if (onlyTp !== undefined && tp !== onlyTp) continue;
    if (best && tp * Math.ceil(minGpus / tp) * dp > best.gpuCount) continue;
    if (tpRejection(card, tp, o.precision)) continue;
    if (epRejection(card, { tp, pp: 1, dp, ep: fixedEp(tp) }, o)) continue;
    const maxPp = Math.min(L, Math.floor(maxGpus / tp));
    if (maxPp < 1) continue;
    let found: Plan | undefined;
    const one = evaluate(tp, 1);
    if (one.fits) found = one;
    else if (maxPp >= 2) {
      // galloping search from the weight-only lower bound, then bisection
      let lo = o.offload ? 2 : Math.max(2, Math.min(maxPp, Math.floor(totalWeights / (tp * dp * budget))));
      let hi = lo;
      let p = evaluate(tp, hi);
      while (!p.fits && hi < maxPp) {
        lo = hi + 1;
        hi = Math.min(maxPp, hi * 2);
        p = evaluate(tp, hi);
      }
      if (p.fits) {
        found = p;
        while (lo < hi) {
          const mid = Math.floor((lo + hi) / 2);
          const q = evaluate(tp, mid);
          if (q.fits) {
            found = q;
            hi = mid;
          } else lo = mid + 1;
        }
      }
    }
    if (!found) continue;
    if (
      !best ||
      found.gpuCount < best.gpuCount ||
      (found.gpuCount === best.gpuCount && found.perGpu.totalBytes < best.perGpu.totalBytes)
    )
      best = found;
  }
  if (!best) return undefined;
  // weigh every layout of that many GPUs (DP / EP ones included where allowed)
  if (parallelSearch(card, o) && (o.dp === undefined || o.expertParallel === undefined)) {
    return planForCount(card, d, gpu, o, best.gpuCount);
  }
  return evaluateFull(
    card,
    d,
    gpu,
    o,
    { tp: best.tensorParallel, pp: best.pipelineParallel, dp: best.dataParallel, ep: best.expertParallel },
    best.offload?.layers ?? 0,
  );
}
