// Decode and prefill speed: a roofline plus the engine costs the published measurements show. Pure: no I/O.
//
// Decode: one step reads every weight that the step touches plus the KV cache, and does 2 x active-parameter
// FLOPs per sequence (plus attention over the context):
//   bytes = non-routed weights (the input embedding is a row lookup and left out)
//         + in each MoE layer the expected distinct routed experts of the batch, E x (1 - (1 - k/E)^B)
//           (uniform routing), times one expert's bytes
//         + the KV cache every GPU reads (per TP rank: MLA's latent cache is whole on every rank)
//   memory  = GPU bytes / (bandwidth x TP x bandwidth efficiency)
//           + host expert bytes / (host RAM bandwidth x host efficiency)          (expert offload)
//   compute = FLOPs / (peak x TP x compute efficiency)
//   step    = max(memory, compute)
//           + step latency + layers x layer latency (+ layers x TP latency when TP > 1)   kernels, sync
//           + batch x layers x sequence latency             per-token kernels, attention, scheduling
//           + (stages - 1) x hop latency                     each GPU of a layer split hands over
//           + layers x split layer latency (when stages > 1) no CUDA graphs across a multi-GPU split
//           + offloaded layers x host layer latency          llama.cpp's graph split to the CPU and back
// The efficiencies and latencies are per engine and backend (SPEED_PROFILES), fitted by
// scripts/fit-speed.mjs to test/fixtures/decode-measurements.ts. Layer-split stages run one after another for
// one token, so they add no bandwidth to a sequence's step, only hops.
// Prefill: 2 x active x prompt tokens + attention (4 x layers x heads x head width x tokens^2 / 2) FLOPs at
// peak x efficiency: the time to first token.
import { layerPlan } from './layers.js';
import type { Architecture, Attention, Card, Gpu } from './types.js';
import type { ParamDerivation } from './params.js';
import type { Precision } from './precision.js';
import { layerBytes, offloadCutoff, type Plan } from './fit.js';
import { kvBytesFor, type KvBytes, kvLayout } from './kv.js';

/** Width of q.k plus attention.v per token and layer (heads x (k width + v width)). */
function attentionWidth(at: Attention): number {
  if (at.type === 'mla') return at.heads * (at.qk_nope_head_dim + at.qk_rope_head_dim + at.v_head_dim);
  if (at.type === 'moa') return at.top_k * at.kv_heads * at.head_dim * 2;
  return at.heads * (at.head_dim + (at.v_head_dim ?? at.head_dim));
}

/** Attention FLOPs of one new token over `context` tokens: 2 x width x tokens read, summed over the
 *  attention layers (a sliding-window layer reads at most its window). */
export function attentionFlopsPerToken(a: Architecture, context: number): number {
  const plan = layerPlan(a);
  const widths = plan.specs.map(attentionWidth);
  const window = a.sliding_window?.window ?? Number.POSITIVE_INFINITY;
  let f = 0;
  for (let i = 0; i < a.num_layers; i++) {
    const k = plan.attention[i]!;
    if (k >= 0) f += 2 * widths[k]! * (plan.sliding[i] ? Math.min(context, window) : context);
  }
  return f;
}

/** Expected distinct experts a batch of B tokens touches in one MoE layer under uniform top-k routing. */
export function expectedDistinctExperts(E: number, k: number, B: number): number {
  if (E <= 0) return 0;
  return E * (1 - (1 - k / E) ** B);
}

/** The engine costs of a step (what a profile sets; any left out is 0, so a bare roofline stays one). */
export interface StepParams {
  /** fraction of memory bandwidth achieved */
  bandwidthEfficiency: number;
  /** fraction of peak FLOPs achieved */
  computeEfficiency: number;
  /** fraction of the host RAM's peak bandwidth achieved on offloaded experts (default: bandwidthEfficiency) */
  hostEfficiency?: number | undefined;
  /** fixed time per step (scheduler, sampling), seconds */
  stepLatency?: number | undefined;
  /** fixed time per decoder layer per step (kernel launches, synchronisation), seconds */
  layerLatency?: number | undefined;
  /** extra time per layer per step when TP > 1 (all-reduces), seconds */
  tpLatency?: number | undefined;
  /** time per sequence per decoder layer per step (attention and per-token kernels that do not batch
   *  into the weight reads, per-sequence scheduling), seconds */
  sequenceLatency?: number | undefined;
  /** time per GPU-to-GPU hand-over of a layer split, per step, seconds */
  hopLatency?: number | undefined;
  /** extra time per decoder layer per step when the layers are split over GPUs (llama.cpp runs a
   *  multi-GPU split without CUDA graphs and syncs each device), seconds */
  splitLayerLatency?: number | undefined;
  /** time per MoE layer whose experts run on the CPU, per step (copy to the host and back), seconds */
  hostLayerLatency?: number | undefined;
}

export interface SpeedOptions extends StepParams {
  precision: Precision;
  kvBytes: KvBytes;
  /** tokens already in context for each sequence during decode */
  context: number;
  batch: number;
  tensorParallel: number;
  /** GPUs of a layer split (pipeline stages) one token passes through; default 1 */
  pipelineStages?: number | undefined;
  /** MoE layers whose routed experts are read from host memory */
  offloadLayers?: number | undefined;
  /** host memory (RAM) peak bandwidth for offloaded experts, bytes/s */
  hostBandwidth?: number | undefined;
  /** prompt length for the time to first token */
  promptTokens?: number | undefined;
}

/** The parts of one decode step before any efficiency or latency is applied: what the calibration fits on. */
export interface StepTerms {
  /** GPU bytes of a step / (bandwidth x TP) */
  gpuSecondsAtPeak: number;
  /** host expert bytes / host bandwidth */
  hostSecondsAtPeak: number;
  /** FLOPs / (peak x TP) */
  computeSecondsAtPeak: number;
  layers: number;
  tensorParallel: number;
  pipelineStages: number;
  batch: number;
  offloadedLayers: number;
}

export interface StepTime {
  memorySeconds: number;
  computeSeconds: number;
  fixedSeconds: number;
  stepSeconds: number;
}

/** The step time of a set of terms under a profile's efficiencies and latencies. */
export function stepTime(t: StepTerms, p: StepParams): StepTime {
  const host = t.hostSecondsAtPeak > 0 ? t.hostSecondsAtPeak / (p.hostEfficiency ?? p.bandwidthEfficiency) : 0;
  const memorySeconds = t.gpuSecondsAtPeak / p.bandwidthEfficiency + host;
  const computeSeconds = t.computeSecondsAtPeak / p.computeEfficiency;
  const fixedSeconds =
    (p.stepLatency ?? 0) +
    t.layers * ((p.layerLatency ?? 0) + (t.tensorParallel > 1 ? (p.tpLatency ?? 0) : 0)) +
    t.batch * t.layers * (p.sequenceLatency ?? 0) +
    Math.max(0, t.pipelineStages - 1) * (p.hopLatency ?? 0) +
    (t.pipelineStages > 1 ? t.layers * (p.splitLayerLatency ?? 0) : 0) +
    t.offloadedLayers * (p.hostLayerLatency ?? 0);
  return {
    memorySeconds,
    computeSeconds,
    fixedSeconds,
    stepSeconds: Math.max(memorySeconds, computeSeconds) + fixedSeconds,
  };
}

export interface SpeedEstimate {
  /** bytes read per step over all GPUs (weights touched + the KV every rank reads) */
  gpuBytesPerStep: number;
  hostBytesPerStep: number;
  kvBytesPerStep: number;
  flopsPerStep: number;
  memorySeconds: number;
  computeSeconds: number;
  /** every latency added to the roofline (layers, TP, sequences, hops, host layers) */
  fixedSeconds: number;
  stepSeconds: number;
  bound: 'memory' | 'compute';
  tokensPerSecondPerSequence: number;
  tokensPerSecondTotal: number;
  /** expected distinct routed experts per MoE layer for the batch */
  expertsTouched: number;
  prefillSeconds: number;
  prefillTokensPerSecond: number;
  terms: StepTerms;
}

/** Peak dense FLOP/s a precision runs at on a GPU: fp8/fp4 tensor cores where the GPU has them. */
export function peakFlops(gpu: Gpu, p: Precision): number {
  if (p.needs === 'fp4' && gpu.native_fp4 && gpu.fp4_tflops) return gpu.fp4_tflops * 1e12;
  if ((p.needs === 'fp8' || p.needs === 'fp4') && gpu.native_fp8 && gpu.fp8_tflops) return gpu.fp8_tflops * 1e12;
  return gpu.bf16_tflops * 1e12;
}

export function estimateSpeed(card: Card, d: ParamDerivation, gpu: Gpu, o: SpeedOptions): SpeedEstimate {
  const a = card.architecture;
  const L = a.num_layers;
  const E = a.moe?.experts ?? 0;
  const lb = layerBytes(d, a, o.precision);
  const touched = a.moe ? Math.min(E, expectedDistinctExperts(E, a.moe.top_k, o.batch)) : 0;
  const frac = E > 0 ? touched / E : 0;
  const offloaded = Math.max(0, o.offloadLayers ?? 0);
  const cut = offloadCutoff(a, offloaded);
  let weights = lb.head; // LM head + final norm; the input embedding is a row lookup
  let hostBytes = 0;
  for (let i = 0; i < L; i++) {
    const routed = lb.routed[i]!;
    const rest = lb.sharded[i]! + lb.replicated[i]! - routed;
    weights += rest;
    if (i < cut) hostBytes += routed * frac;
    else weights += routed * frac;
  }
  const tp = o.tensorParallel;
  // every TP rank reads its own KV: a share of the heads, or all of MLA's latent cache
  const kvRead = kvBytesFor(kvLayout(a, o.kvBytes, tp), o.context, o.batch) * tp;
  const gpuBytes = weights + kvRead;

  // FLOPs: 2 per active weight per token, the embedding lookup excluded; attention reads the context
  // (a sliding layer at most its window)
  const attnFlops = (ctx: number) => attentionFlopsPerToken(a, ctx);
  const flops = o.batch * (2 * d.activeNonEmbedding + attnFlops(o.context));
  const peak = peakFlops(gpu, o.precision) * tp;
  const hostBw = o.hostBandwidth ?? DEFAULT_HOST_BANDWIDTH;
  const terms: StepTerms = {
    gpuSecondsAtPeak: gpuBytes / (gpu.bandwidth_gbps * 1e9 * tp),
    hostSecondsAtPeak: hostBytes > 0 ? hostBytes / hostBw : 0,
    computeSecondsAtPeak: flops / peak,
    layers: L,
    tensorParallel: tp,
    pipelineStages: Math.max(1, o.pipelineStages ?? 1),
    batch: o.batch,
    offloadedLayers: hostBytes > 0 ? Math.min(offloaded, a.moe ? L : 0) : 0,
  };
  const t = stepTime(terms, o);

  const prompt = o.promptTokens ?? 1024;
  const prefillFlops = 2 * d.activeNonEmbedding * prompt + attnFlops(prompt) * prompt * 0.5;
  const hostEff = o.hostEfficiency ?? o.bandwidthEfficiency;
  const prefillSeconds =
    prefillFlops / (peak * o.computeEfficiency) + (hostBytes > 0 ? lb.routedPrefix[cut]! / (hostBw * hostEff) : 0);
  return {
    gpuBytesPerStep: gpuBytes,
    hostBytesPerStep: hostBytes,
    kvBytesPerStep: kvRead,
    flopsPerStep: flops,
    memorySeconds: t.memorySeconds,
    computeSeconds: t.computeSeconds,
    fixedSeconds: t.fixedSeconds,
    stepSeconds: t.stepSeconds,
    bound: t.memorySeconds >= t.computeSeconds ? 'memory' : 'compute',
    tokensPerSecondPerSequence: 1 / t.stepSeconds,
    tokensPerSecondTotal: o.batch / t.stepSeconds,
    expertsTouched: touched,
    prefillSeconds,
    prefillTokensPerSecond: prompt / prefillSeconds,
    terms,
  };
}

// --- Engine profiles -----------------------------------------------------------------------------------

/** Engines with a profile (ik_llama.cpp runs as llama.cpp: equal decode within 5% at short context). */
export type SpeedEngine = 'llama.cpp' | 'ik_llama.cpp' | 'vllm' | 'sglang' | 'mlx';
/** The GPU backend an engine runs on. */
export type SpeedBackend = 'cuda' | 'rocm' | 'vulkan' | 'metal';
/** Serving-engine generation: early 2025 (vLLM <= 0.7 / V0, SGLang <= 0.4.3) paid more per step. */
export type SpeedGeneration = 'current' | 'early-2025';

export type SpeedProfileId =
  | 'llama.cpp'
  | 'llama.cpp-rocm'
  | 'llama.cpp-vulkan'
  | 'llama.cpp-metal'
  | 'vllm'
  | 'vllm-rocm'
  | 'sglang'
  | 'sglang-rocm'
  | 'mlx';

export interface ProfileInfo {
  /** what the text calls it: "ROCm llama.cpp" */
  label: string;
  engine: 'llama.cpp' | 'vllm' | 'sglang' | 'mlx';
  backend: SpeedBackend;
}

export const PROFILE_INFO: Record<SpeedProfileId, ProfileInfo> = {
  'llama.cpp': { label: 'CUDA llama.cpp', engine: 'llama.cpp', backend: 'cuda' },
  'llama.cpp-rocm': { label: 'ROCm llama.cpp', engine: 'llama.cpp', backend: 'rocm' },
  'llama.cpp-vulkan': { label: 'Vulkan llama.cpp', engine: 'llama.cpp', backend: 'vulkan' },
  'llama.cpp-metal': { label: 'Metal llama.cpp', engine: 'llama.cpp', backend: 'metal' },
  mlx: { label: 'MLX', engine: 'mlx', backend: 'metal' },
  vllm: { label: 'CUDA vLLM', engine: 'vllm', backend: 'cuda' },
  'vllm-rocm': { label: 'ROCm vLLM', engine: 'vllm', backend: 'rocm' },
  sglang: { label: 'CUDA SGLang', engine: 'sglang', backend: 'cuda' },
  'sglang-rocm': { label: 'ROCm SGLang', engine: 'sglang', backend: 'rocm' },
};

export interface EngineProfile extends Required<StepParams>, ProfileInfo {
  /** held-out (leave-one-source-out) error over all of the profile's rows, 10th-90th percentile of
   *  estimate / measured - 1 (speedBand gives the band of a regime, which is what to print) */
  band: [number, number];
  /** at least MIN_SOURCES sources back the profile; else speedBand says "no calibration for ..." */
  calibrated: boolean;
  /** measurements the profile was fitted to */
  rows: number;
  /** publications those rows come from */
  sources: number;
}

export interface SpeedProfileContext {
  backend?: SpeedBackend | undefined;
}

/** The profile for an engine on a GPU: Apple GPUs run Metal (llama.cpp) or MLX; AMD GPUs run ROCm (HIP)
 *  unless the backend is given (llama.cpp's Vulkan build is the other common one); NVIDIA runs CUDA. */
export function speedProfileFor(
  engine: SpeedEngine,
  gpu: Pick<Gpu, 'vendor'>,
  ctx: SpeedProfileContext = {},
): SpeedProfileId {
  const backend: SpeedBackend =
    ctx.backend ?? (gpu.vendor === 'apple' ? 'metal' : gpu.vendor === 'amd' ? 'rocm' : 'cuda');
  if (engine === 'mlx') return 'mlx';
  if (engine === 'llama.cpp' || engine === 'ik_llama.cpp') {
    return backend === 'cuda' ? 'llama.cpp' : (`llama.cpp-${backend}` as SpeedProfileId);
  }
  return backend === 'rocm' ? `${engine}-rocm` : engine;
}

/** The options a profile sets for estimateSpeed; an early-2025 serving engine's latencies are scaled by the
 *  fitted generation factor (vLLM V0 / SGLang 0.4 paid about that much more per step). */
export function speedOptionsFor(id: SpeedProfileId, generation: SpeedGeneration = 'current'): Required<StepParams> {
  const p = SPEED_PROFILES[id];
  const g = generation === 'early-2025' && (p.engine === 'vllm' || p.engine === 'sglang') ? EARLY_2025_FACTOR : 1;
  return {
    bandwidthEfficiency: p.bandwidthEfficiency,
    computeEfficiency: p.computeEfficiency,
    hostEfficiency: p.hostEfficiency,
    stepLatency: p.stepLatency * g,
    layerLatency: p.layerLatency * g,
    tpLatency: p.tpLatency * g,
    sequenceLatency: p.sequenceLatency * g,
    hopLatency: p.hopLatency,
    splitLayerLatency: p.splitLayerLatency,
    hostLayerLatency: p.hostLayerLatency,
  };
}

// --- Error bands ---------------------------------------------------------------------------------------

/** A band needs this many publications behind it; fewer and the tool says there is no calibration. */
export const MIN_SOURCES = 3;

export type SpeedTopology = 'single' | 'tensor-parallel' | 'layer-split' | 'offload';
export type BatchRange = '1' | '2-16' | '17-64' | '65-256' | '257+';

export function batchRange(batch: number): BatchRange {
  return batch <= 1 ? '1' : batch <= 16 ? '2-16' : batch <= 64 ? '17-64' : batch <= 256 ? '65-256' : '257+';
}

export function topologyOf(c: { tensorParallel?: number; pipelineStages?: number; offload?: boolean }): SpeedTopology {
  if (c.offload) return 'offload';
  if ((c.pipelineStages ?? 1) > 1) return 'layer-split';
  if ((c.tensorParallel ?? 1) > 1) return 'tensor-parallel';
  return 'single';
}

/** Held-out error of the rows of one profile in one regime (topology and/or batch range; '*' = any). */
export interface BandEntry {
  profile: SpeedProfileId;
  topology: SpeedTopology | '*';
  batch: BatchRange | '*';
  /** 10th and 90th percentile of held-out estimate / measured - 1 */
  band: [number, number];
  rows: number;
  sources: number;
}

export interface SpeedBandQuery {
  batch: number;
  tensorParallel?: number | undefined;
  pipelineStages?: number | undefined;
  offload?: boolean | undefined;
  /** the backend asked for: a profile measured on another backend has no band for it */
  backend?: SpeedBackend | undefined;
}

export interface SpeedBand {
  /** expected error of the estimate, [low, high] as fractions (-0.2 = 20% below the measurement); null: none */
  band: [number, number] | null;
  /** measurements behind it, and their publications */
  rows: number;
  sources: number;
  /** the regime the band was taken from: "ROCm llama.cpp, offload, batch 1" */
  regime: string;
  /** how it was chosen: "held-out error of 12 measurements from 5 sources", "no calibration for MLX", ... */
  note: string;
}

/** Widening of a band borrowed from a broader regime of the same profile: x1.25 when the regime has a few
 *  measurements (fewer than MIN_SOURCES sources), x1.5 when it has none. A policy, not a fit. */
export const BAND_WIDENING = { few: 1.25, none: 1.5 } as const;

function widen(b: [number, number], k: number): [number, number] {
  const r = (x: number) => Math.round(Math.expm1(Math.log1p(x) * k) * 1000) / 1000;
  return [r(b[0]), r(b[1])];
}

const TOPOLOGY_TEXT: Record<SpeedTopology, string> = {
  single: 'one GPU',
  'tensor-parallel': 'tensor parallel',
  'layer-split': 'layer split',
  offload: 'experts offloaded',
};

/** The band to print for an estimate: the held-out error of the profile's measurements in the same regime
 *  (topology x batch range), else of the closest broader regime of the same profile, widened; never another
 *  profile's. Null, with "no calibration for ...", when the profile has fewer than MIN_SOURCES sources. */
export function speedBand(id: SpeedProfileId, q: SpeedBandQuery, table: readonly BandEntry[] = SPEED_BANDS): SpeedBand {
  const p = PROFILE_INFO[id];
  const topo = topologyOf(q);
  const range = batchRange(q.batch);
  const regime = `${p.label}, ${TOPOLOGY_TEXT[topo]}, batch ${range}`;
  if (q.backend && q.backend !== p.backend) {
    const what = `${p.engine === 'vllm' ? 'vLLM' : p.engine === 'sglang' ? 'SGLang' : p.engine} on ${q.backend}`;
    return { band: null, rows: 0, sources: 0, regime, note: `no calibration for ${what} (no such measurement)` };
  }
  const mine = table.filter((e) => e.profile === id);
  const all = mine.find((e) => e.topology === '*' && e.batch === '*');
  if (!all || all.sources < MIN_SOURCES) {
    const n = all?.sources ?? 0;
    return {
      band: null,
      rows: all?.rows ?? 0,
      sources: n,
      regime,
      note: `no calibration for ${p.label} (${n} source${n === 1 ? '' : 's'}; ${MIN_SOURCES} needed)`,
    };
  }
  const exact = mine.find((e) => e.topology === topo && e.batch === range);
  if (exact && exact.sources >= MIN_SOURCES) {
    return {
      band: exact.band,
      rows: exact.rows,
      sources: exact.sources,
      regime,
      note: `held-out error of ${exact.rows} measurements from ${exact.sources} sources`,
    };
  }
  const broader = [
    mine.find((e) => e.topology === topo && e.batch === '*'),
    mine.find((e) => e.topology === '*' && e.batch === range),
  ].find((e) => e && e.sources >= MIN_SOURCES);
  const base = broader ?? all;
  const k = exact ? BAND_WIDENING.few : BAND_WIDENING.none;
  const scope =
    base.topology === '*' && base.batch === '*'
      ? `all ${base.rows} ${p.label} measurements`
      : base.topology === '*'
        ? `${base.rows} ${p.label} measurements at batch ${base.batch}`
        : `${base.rows} ${p.label} measurements with ${TOPOLOGY_TEXT[base.topology]}`;
  return {
    band: widen(base.band, k),
    rows: base.rows,
    sources: base.sources,
    regime,
    note:
      `${exact ? `only ${exact.sources} source${exact.sources === 1 ? '' : 's'}` : 'no measurements'} for ` +
      `${TOPOLOGY_TEXT[topo]} at batch ${range}: held-out error of ${scope} (${base.sources} sources), widened x${k}`,
  };
}

// --- The estimate of a plan -----------------------------------------------------------------------------

/** Serving generation of a vLLM generation (fit --vllm): the V0 engine (<= 0.7) is early 2025. */
export function speedGenerationOf(g?: { v0: boolean } | undefined): SpeedGeneration {
  return g?.v0 ? 'early-2025' : 'current';
}

type PlanShape = Pick<Plan, 'tensorParallel' | 'pipelineParallel' | 'offload'> & {
  dataParallel?: number | undefined;
  expertParallel?: number | undefined;
};

/** Sequences one step of one replica runs: without expert parallelism each data-parallel replica takes its
 *  share of the batch. */
export function replicaBatch(plan: PlanShape, batch: number): number {
  const dp = Math.max(1, plan.dataParallel ?? 1);
  return (plan.expertParallel ?? 0) > 0 || dp === 1 ? batch : Math.max(1, Math.ceil(batch / dp));
}

/** GPUs that share one decode step's reads: the TP group, or with expert parallelism the whole EP group of
 *  TP x DP ranks (the routed experts are spread over all of them; counted as one wider TP group, as the
 *  layouts report does). Without EP each data-parallel replica is its own TP group with its own batch. */
export function stepGpus(plan: PlanShape): number {
  return (plan.expertParallel ?? 0) > 0
    ? plan.tensorParallel * Math.max(1, plan.dataParallel ?? 1)
    : plan.tensorParallel;
}

export interface DecodeEstimate {
  speed: SpeedEstimate;
  engine: SpeedProfileId;
  band: SpeedBand;
  generation: SpeedGeneration;
}

/** The decode estimate of a plan with its profile and held-out band: what `speed` prints, and what fit's
 *  decode column takes (README "Speed estimates"). Layer-split stages (pipeline parallel) pay hops. `batch`
 *  is the sequences one step runs (per data-parallel replica). */
export function decodeEstimate(
  card: Card,
  d: ParamDerivation,
  gpu: Gpu,
  precision: Precision,
  plan: PlanShape,
  o: {
    kvBytes: KvBytes;
    context: number;
    batch: number;
    engine: SpeedEngine;
    backend?: SpeedBackend | undefined;
    generation?: SpeedGeneration | undefined;
    hostBandwidth?: number | undefined;
    promptTokens?: number | undefined;
  },
): DecodeEstimate {
  const engine = speedProfileFor(o.engine, gpu, { backend: o.backend });
  const generation = o.generation ?? 'current';
  const tp = stepGpus(plan);
  const offloadLayers = plan.offload?.layers ?? 0;
  const batch = replicaBatch(plan, o.batch);
  const one = estimateSpeed(card, d, gpu, {
    precision,
    kvBytes: o.kvBytes,
    context: o.context,
    batch,
    tensorParallel: tp,
    pipelineStages: plan.pipelineParallel,
    offloadLayers,
    hostBandwidth: o.hostBandwidth ?? DEFAULT_HOST_BANDWIDTH,
    promptTokens: o.promptTokens,
    ...speedOptionsFor(engine, generation),
  });
  // the replicas run side by side: the total is every sequence's rate
  const speed = { ...one, tokensPerSecondTotal: one.tokensPerSecondPerSequence * Math.max(o.batch, batch) };
  const band = speedBand(engine, {
    batch,
    tensorParallel: tp,
    pipelineStages: plan.pipelineParallel,
    offload: offloadLayers > 0,
    backend: o.backend,
  });
  return { speed, engine, band, generation };
}

/** Host memory bandwidth for offloaded experts when not given: an assumed peak (dual-channel DDR4-3200 is
 *  51 GB/s, DDR5-4800 77 GB/s); the profile's host efficiency is applied on top. */
export const DEFAULT_HOST_BANDWIDTH = 60e9;

// BEGIN FITTED (scripts/fit-speed.mjs --write; do not edit by hand)
// Fitted by scripts/fit-speed.mjs to the 128 measurements of test/fixtures/decode-measurements.ts (41 sources):
// coordinate descent in log space on a pseudo-Huber loss of log(estimate / measured), each row weighted 1 / sqrt(rows
// of its source), with weak priors (0.02 per squared e-fold) that only matter in cross-validation folds that lose a
// profile's rows. Bands: 10th-90th percentile of the leave-one-source-out errors, each source weighing 1, at the
// conformal level 0.9 (S + 1) / S for S sources (few sources: the extreme sources).
// Early-2025 serving engines (vLLM <= 0.7, SGLang <= 0.4.3) paid x3.37 the step, layer, TP and sequence latencies of
// current ones: fitted on 22 rows, SGL2643 (3), S03 (16), S04 (3).
export const EARLY_2025_FACTOR = 3.37;
// Shared by the llama.cpp-family profiles (and borrowed by vLLM / SGLang, which have no such rows): hop latency (294
// us; its prior 300 us: the rows barely pin it) and split layer latency fitted on the 8 layer-split rows
// (s22-q235b-q4km-2xpro6000-ik, s23-q235b-iq3k-5090-4090-offload, s23-q235b-q8-5090-4090-offload,
// s27-glm47flash-q8-4090-5070ti-split, s27-gptoss120b-4090-5070ti-cpu, s27-qwen3codernext-q5kxl-4090-5070ti-cpu,
// s28-glm52-iq2m-4x3090-ddr5, s32-dsv3-0324-iq3xxs-5gpu-ddr5); host efficiency and host layer latency on the 16
// expert-offload rows (s08-maverick-iq4xs-8480-3090, s09-q30b-iq4xs-4080-hybrid-llamacpp,
// s18-qwen35-35b-5080-q4km-allexp, s18-qwen35-35b-5080-q4km-ncmoe24, s18-qwen35-35b-5080-q8-allexp,
// s19-gptoss120b-6900xt-rocm-offload, s20-gptoss20b-7900xt-rocm-cmoe, s22-dsr1-0528-udq4kxl-pro6000-8480-ik,
// s23-q235b-iq3k-5090-4090-offload, s23-q235b-q8-5090-4090-offload, s27-gptoss120b-4090-5070ti-cpu,
// s27-qwen3codernext-q5kxl-4090-5070ti-cpu, s28-glm52-iq2m-4x3090-ddr5, s32-dsv3-0324-iq3xxs-5gpu-ddr5,
// s33-q30b2507-q4km-2080-ncmoe36, s33-gptoss20b-2080-ncmoe12). Compute efficiency 0.5 everywhere: assumed, no row is
// compute-bound.
export const SPEED_PROFILES: Record<SpeedProfileId, EngineProfile> = {
  // CUDA llama.cpp: 27 rows from L17621 (4), SPARK (3), S06 (2), S08 (1), S09 (1), S18 (3), S22 (2), S23 (2), S27
  // (4), S28 (1), S29 (1), S32 (1), S33 (2).
  'llama.cpp': {
    ...PROFILE_INFO['llama.cpp'],
    bandwidthEfficiency: 0.813,
    computeEfficiency: 0.5,
    hostEfficiency: 0.575,
    stepLatency: 0,
    layerLatency: 0.0000319,
    tpLatency: 0,
    sequenceLatency: 0,
    hopLatency: 0.000294,
    splitLayerLatency: 0.0000825,
    hostLayerLatency: 0.000231,
    band: [-0.302, 0.6],
    calibrated: true,
    rows: 27,
    sources: 13,
  },
  // ROCm llama.cpp: 11 rows from S01 (4), S21 (2), S19 (1), S20 (2), S24 (1), S25 (1).
  'llama.cpp-rocm': {
    ...PROFILE_INFO['llama.cpp-rocm'],
    bandwidthEfficiency: 0.873,
    computeEfficiency: 0.5,
    hostEfficiency: 0.575,
    stepLatency: 0,
    layerLatency: 0.000265,
    tpLatency: 0,
    sequenceLatency: 0,
    hopLatency: 0.000294,
    splitLayerLatency: 0.0000825,
    hostLayerLatency: 0.000231,
    band: [-0.293, 0.137],
    calibrated: true,
    rows: 11,
    sources: 6,
  },
  // Vulkan llama.cpp: 13 rows from S01 (5), S02 (1), S36 (1), GEERLING (5), S25 (1).
  'llama.cpp-vulkan': {
    ...PROFILE_INFO['llama.cpp-vulkan'],
    bandwidthEfficiency: 0.644,
    computeEfficiency: 0.5,
    hostEfficiency: 0.575,
    stepLatency: 0,
    layerLatency: 0.0000257,
    tpLatency: 0,
    sequenceLatency: 0,
    hopLatency: 0.000294,
    splitLayerLatency: 0.0000825,
    hostLayerLatency: 0.000231,
    band: [-0.299, 1.31],
    calibrated: true,
    rows: 13,
    sources: 5,
  },
  // Metal llama.cpp: 6 rows from L15616 (1), BEOWULF (1), GEERLING (2), S31 (2).
  'llama.cpp-metal': {
    ...PROFILE_INFO['llama.cpp-metal'],
    bandwidthEfficiency: 0.729,
    computeEfficiency: 0.5,
    hostEfficiency: 0.575,
    stepLatency: 0,
    layerLatency: 0.000202,
    tpLatency: 0,
    sequenceLatency: 0,
    hopLatency: 0.000294,
    splitLayerLatency: 0.0000825,
    hostLayerLatency: 0.000231,
    band: [-0.292, 1.56],
    calibrated: true,
    rows: 6,
    sources: 4,
  },
  // MLX: 9 rows from S05 (3), S31 (1), RAPIDMLX (5).
  mlx: {
    ...PROFILE_INFO.mlx,
    bandwidthEfficiency: 0.554,
    computeEfficiency: 0.5,
    hostEfficiency: 0.575,
    stepLatency: 0,
    layerLatency: 0.0000461,
    tpLatency: 0,
    sequenceLatency: 0,
    hopLatency: 0.000294,
    splitLayerLatency: 0.0000825,
    hostLayerLatency: 0.000231,
    band: [-0.238, 0.532],
    calibrated: true,
    rows: 9,
    sources: 3,
  },
  // CUDA vLLM: 12 rows from V22331 (1), TT (1), S03 (4), S04 (3), S30 (2), RECIPES112 (1).
  vllm: {
    ...PROFILE_INFO.vllm,
    bandwidthEfficiency: 1,
    computeEfficiency: 0.5,
    hostEfficiency: 0.575,
    stepLatency: 0.00428,
    layerLatency: 0.0000525,
    tpLatency: 0.0000185,
    sequenceLatency: 0.00000145,
    hopLatency: 0.000294,
    splitLayerLatency: 0.0000825,
    hostLayerLatency: 0.000231,
    band: [-0.344, 1.62],
    calibrated: true,
    rows: 12,
    sources: 6,
  },
  // ROCm vLLM: 14 rows from S03 (4), S11 (4), S26 (3), S30 (3).
  // (its latencies and bandwidth are the CUDA profile x two fitted ROCm factors)
  'vllm-rocm': {
    ...PROFILE_INFO['vllm-rocm'],
    bandwidthEfficiency: 0.484,
    computeEfficiency: 0.5,
    hostEfficiency: 0.575,
    stepLatency: 0.00469,
    layerLatency: 0.0000575,
    tpLatency: 0.0000203,
    sequenceLatency: 0.00000159,
    hopLatency: 0.000294,
    splitLayerLatency: 0.0000825,
    hostLayerLatency: 0.000231,
    band: [-0.571, 0.452],
    calibrated: true,
    rows: 14,
    sources: 4,
  },
  // CUDA SGLang: 23 rows from SGL2643 (3), S03 (4), S10 (8), S13 (6), S16 (2).
  sglang: {
    ...PROFILE_INFO.sglang,
    bandwidthEfficiency: 0.945,
    computeEfficiency: 0.5,
    hostEfficiency: 0.575,
    stepLatency: 0.0017,
    layerLatency: 0.0000649,
    tpLatency: 0.0000593,
    sequenceLatency: 0.00000193,
    hopLatency: 0.000294,
    splitLayerLatency: 0.0000825,
    hostLayerLatency: 0.000231,
    band: [-0.44, 0.85],
    calibrated: true,
    rows: 23,
    sources: 5,
  },
  // ROCm SGLang: 13 rows from S03 (4), S15 (5), AITER1930 (4).
  // (its latencies and bandwidth are the CUDA profile x two fitted ROCm factors)
  'sglang-rocm': {
    ...PROFILE_INFO['sglang-rocm'],
    bandwidthEfficiency: 0.457,
    computeEfficiency: 0.5,
    hostEfficiency: 0.575,
    stepLatency: 0.00187,
    layerLatency: 0.0000712,
    tpLatency: 0.000065,
    sequenceLatency: 0.00000211,
    hopLatency: 0.000294,
    splitLayerLatency: 0.0000825,
    hostLayerLatency: 0.000231,
    band: [-0.314, 1.76],
    calibrated: true,
    rows: 13,
    sources: 3,
  },
};
/** Held-out bands by profile, topology and batch range (speedBand picks one). */
export const SPEED_BANDS: BandEntry[] = [
  { profile: 'llama.cpp', topology: '*', batch: '*', band: [-0.302, 0.6], rows: 27, sources: 13 },
  { profile: 'llama.cpp', topology: '*', batch: '1', band: [-0.302, 0.6], rows: 27, sources: 13 },
  { profile: 'llama.cpp', topology: 'layer-split', batch: '*', band: [-0.118, -0.0521], rows: 2, sources: 2 },
  { profile: 'llama.cpp', topology: 'layer-split', batch: '1', band: [-0.118, -0.0521], rows: 2, sources: 2 },
  { profile: 'llama.cpp', topology: 'offload', batch: '*', band: [-0.331, 0.6], rows: 14, sources: 9 },
  { profile: 'llama.cpp', topology: 'offload', batch: '1', band: [-0.331, 0.6], rows: 14, sources: 9 },
  { profile: 'llama.cpp', topology: 'single', batch: '*', band: [-0.165, 0.691], rows: 11, sources: 5 },
  { profile: 'llama.cpp', topology: 'single', batch: '1', band: [-0.165, 0.691], rows: 11, sources: 5 },
  { profile: 'llama.cpp-rocm', topology: '*', batch: '*', band: [-0.293, 0.137], rows: 11, sources: 6 },
  { profile: 'llama.cpp-rocm', topology: '*', batch: '1', band: [-0.293, 0.137], rows: 11, sources: 6 },
  { profile: 'llama.cpp-rocm', topology: 'offload', batch: '*', band: [-0.179, 0.0896], rows: 2, sources: 2 },
  { profile: 'llama.cpp-rocm', topology: 'offload', batch: '1', band: [-0.179, 0.0896], rows: 2, sources: 2 },
  { profile: 'llama.cpp-rocm', topology: 'single', batch: '*', band: [-0.293, 0.137], rows: 9, sources: 5 },
  { profile: 'llama.cpp-rocm', topology: 'single', batch: '1', band: [-0.293, 0.137], rows: 9, sources: 5 },
  { profile: 'llama.cpp-vulkan', topology: '*', batch: '*', band: [-0.299, 1.31], rows: 13, sources: 5 },
  { profile: 'llama.cpp-vulkan', topology: '*', batch: '1', band: [-0.299, 1.31], rows: 13, sources: 5 },
  { profile: 'llama.cpp-vulkan', topology: 'single', batch: '*', band: [-0.299, 1.31], rows: 13, sources: 5 },
  { profile: 'llama.cpp-vulkan', topology: 'single', batch: '1', band: [-0.299, 1.31], rows: 13, sources: 5 },
  { profile: 'llama.cpp-metal', topology: '*', batch: '*', band: [-0.292, 1.56], rows: 6, sources: 4 },
  { profile: 'llama.cpp-metal', topology: '*', batch: '1', band: [-0.292, 1.56], rows: 6, sources: 4 },
  { profile: 'llama.cpp-metal', topology: 'single', batch: '*', band: [-0.292, 1.56], rows: 6, sources: 4 },
  { profile: 'llama.cpp-metal', topology: 'single', batch: '1', band: [-0.292, 1.56], rows: 6, sources: 4 },
  { profile: 'mlx', topology: '*', batch: '*', band: [-0.238, 0.532], rows: 9, sources: 3 },
  { profile: 'mlx', topology: '*', batch: '1', band: [-0.238, 0.532], rows: 9, sources: 3 },
  { profile: 'mlx', topology: 'single', batch: '*', band: [-0.238, 0.532], rows: 9, sources: 3 },
  { profile: 'mlx', topology: 'single', batch: '1', band: [-0.238, 0.532], rows: 9, sources: 3 },
  { profile: 'vllm', topology: '*', batch: '*', band: [-0.344, 1.62], rows: 12, sources: 6 },
  { profile: 'vllm', topology: '*', batch: '1', band: [-0.25, 0.331], rows: 4, sources: 4 },
  { profile: 'vllm', topology: '*', batch: '17-64', band: [-0.142, -0.0926], rows: 2, sources: 1 },
  { profile: 'vllm', topology: '*', batch: '2-16', band: [-0.181, 0.82], rows: 4, sources: 4 },
  { profile: 'vllm', topology: '*', batch: '65-256', band: [-0.344, 1.62], rows: 2, sources: 2 },
  { profile: 'vllm', topology: 'single', batch: '*', band: [-0.25, 0.331], rows: 4, sources: 3 },
  { profile: 'vllm', topology: 'single', batch: '1', band: [-0.25, 0.331], rows: 3, sources: 3 },
  { profile: 'vllm', topology: 'single', batch: '2-16', band: [0.0157, 0.0157], rows: 1, sources: 1 },
  { profile: 'vllm', topology: 'tensor-parallel', batch: '*', band: [-0.344, 1.62], rows: 8, sources: 3 },
  { profile: 'vllm', topology: 'tensor-parallel', batch: '1', band: [0.256, 0.256], rows: 1, sources: 1 },
  { profile: 'vllm', topology: 'tensor-parallel', batch: '17-64', band: [-0.142, -0.0926], rows: 2, sources: 1 },
  { profile: 'vllm', topology: 'tensor-parallel', batch: '2-16', band: [-0.181, 0.82], rows: 3, sources: 3 },
  { profile: 'vllm', topology: 'tensor-parallel', batch: '65-256', band: [-0.344, 1.62], rows: 2, sources: 2 },
  { profile: 'vllm-rocm', topology: '*', batch: '*', band: [-0.571, 0.452], rows: 14, sources: 4 },
  { profile: 'vllm-rocm', topology: '*', batch: '1', band: [0.0039, 0.0039], rows: 1, sources: 1 },
  { profile: 'vllm-rocm', topology: '*', batch: '17-64', band: [-0.471, 0.452], rows: 6, sources: 4 },
  { profile: 'vllm-rocm', topology: '*', batch: '2-16', band: [-0.571, 0.21], rows: 4, sources: 4 },
  { profile: 'vllm-rocm', topology: '*', batch: '65-256', band: [-0.304, 0.181], rows: 3, sources: 2 },
  { profile: 'vllm-rocm', topology: 'single', batch: '*', band: [-0.0202, 0.452], rows: 6, sources: 2 },
  { profile: 'vllm-rocm', topology: 'single', batch: '1', band: [0.0039, 0.0039], rows: 1, sources: 1 },
  { profile: 'vllm-rocm', topology: 'single', batch: '17-64', band: [-0.0202, 0.452], rows: 2, sources: 2 },
  { profile: 'vllm-rocm', topology: 'single', batch: '2-16', band: [0.21, 0.21], rows: 1, sources: 1 },
  { profile: 'vllm-rocm', topology: 'single', batch: '65-256', band: [0.0514, 0.181], rows: 2, sources: 1 },
  { profile: 'vllm-rocm', topology: 'tensor-parallel', batch: '*', band: [-0.571, -0.0605], rows: 8, sources: 3 },
  { profile: 'vllm-rocm', topology: 'tensor-parallel', batch: '17-64', band: [-0.471, -0.24], rows: 4, sources: 2 },
  { profile: 'vllm-rocm', topology: 'tensor-parallel', batch: '2-16', band: [-0.571, -0.0605], rows: 3, sources: 3 },
  { profile: 'vllm-rocm', topology: 'tensor-parallel', batch: '65-256', band: [-0.304, -0.304], rows: 1, sources: 1 },
  { profile: 'sglang', topology: '*', batch: '*', band: [-0.44, 0.85], rows: 23, sources: 5 },
  { profile: 'sglang', topology: '*', batch: '1', band: [-0.44, -0.0896], rows: 2, sources: 2 },
  { profile: 'sglang', topology: '*', batch: '17-64', band: [-0.308, 0.462], rows: 10, sources: 5 },
  { profile: 'sglang', topology: '*', batch: '2-16', band: [-0.337, 0.85], rows: 8, sources: 5 },
  { profile: 'sglang', topology: '*', batch: '65-256', band: [-0.267, 0.0328], rows: 3, sources: 2 },
  { profile: 'sglang', topology: 'single', batch: '*', band: [-0.44, 0.85], rows: 8, sources: 2 },
  { profile: 'sglang', topology: 'single', batch: '1', band: [-0.44, -0.44], rows: 1, sources: 1 },
  { profile: 'sglang', topology: 'single', batch: '17-64', band: [-0.268, 0.462], rows: 3, sources: 2 },
  { profile: 'sglang', topology: 'single', batch: '2-16', band: [-0.314, 0.85], rows: 2, sources: 2 },
  { profile: 'sglang', topology: 'single', batch: '65-256', band: [-0.267, -0.259], rows: 2, sources: 1 },
  { profile: 'sglang', topology: 'tensor-parallel', batch: '*', band: [-0.337, 0.1], rows: 15, sources: 3 },
  { profile: 'sglang', topology: 'tensor-parallel', batch: '1', band: [-0.0896, -0.0896], rows: 1, sources: 1 },
  { profile: 'sglang', topology: 'tensor-parallel', batch: '17-64', band: [-0.308, 0.0934], rows: 7, sources: 3 },
  { profile: 'sglang', topology: 'tensor-parallel', batch: '2-16', band: [-0.337, 0.1], rows: 6, sources: 3 },
  { profile: 'sglang', topology: 'tensor-parallel', batch: '65-256', band: [0.0328, 0.0328], rows: 1, sources: 1 },
  { profile: 'sglang-rocm', topology: '*', batch: '*', band: [-0.314, 1.76], rows: 13, sources: 3 },
  { profile: 'sglang-rocm', topology: '*', batch: '1', band: [0.576, 0.576], rows: 1, sources: 1 },
  { profile: 'sglang-rocm', topology: '*', batch: '17-64', band: [-0.285, 0.368], rows: 4, sources: 3 },
  { profile: 'sglang-rocm', topology: '*', batch: '2-16', band: [-0.314, 1.11], rows: 5, sources: 3 },
  { profile: 'sglang-rocm', topology: '*', batch: '257+', band: [1.76, 1.76], rows: 1, sources: 1 },
  { profile: 'sglang-rocm', topology: '*', batch: '65-256', band: [-0.117, 0.131], rows: 2, sources: 2 },
  { profile: 'sglang-rocm', topology: 'tensor-parallel', batch: '*', band: [-0.314, 1.76], rows: 13, sources: 3 },
  { profile: 'sglang-rocm', topology: 'tensor-parallel', batch: '1', band: [0.576, 0.576], rows: 1, sources: 1 },
  { profile: 'sglang-rocm', topology: 'tensor-parallel', batch: '17-64', band: [-0.285, 0.368], rows: 4, sources: 3 },
  { profile: 'sglang-rocm', topology: 'tensor-parallel', batch: '2-16', band: [-0.314, 1.11], rows: 5, sources: 3 },
  { profile: 'sglang-rocm', topology: 'tensor-parallel', batch: '257+', band: [1.76, 1.76], rows: 1, sources: 1 },
  { profile: 'sglang-rocm', topology: 'tensor-parallel', batch: '65-256', band: [-0.117, 0.131], rows: 2, sources: 2 },
];
// END FITTED
