// Roofline estimates of decode and prefill speed. Pure: no I/O.
//
// Decode: one step reads every weight that the step touches plus the KV cache, and does
// 2 x active-parameter FLOPs per sequence (plus attention over the context):
//   bytes = non-routed weights (the input embedding is a row lookup and left out)
//         + in each MoE layer the expected distinct routed experts of the batch, E x (1 - (1 - k/E)^B)
//           (uniform routing), times one expert's bytes
//         + the KV cache of every sequence
//   time  = max(GPU bytes / (bandwidth x TP x efficiency) + host bytes / (host bandwidth x efficiency),
//               FLOPs / (peak x TP x efficiency))
// Tensor parallelism splits the reads of one step across TP GPUs; pipeline stages run one after
// another for a single token, so they add no bandwidth to one sequence's step.
// Prefill: 2 x active x prompt tokens + attention (4 x layers x heads x head width x tokens^2 / 2)
// FLOPs at peak x efficiency: the time to first token.
import { layerPlan } from './layers.js';
import type { Architecture, Attention, Card, Gpu } from './types.js';
import type { ParamDerivation } from './params.js';
import type { Precision } from './precision.js';
import { layerBytes, offloadCutoff } from './fit.js';
import { kvBytesFor, kvLayout } from './kv.js';

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

export interface SpeedOptions {
  precision: Precision;
  kvBytes: number;
  /** tokens already in context for each sequence during decode */
  context: number;
  batch: number;
  tensorParallel: number;
  /** fraction of memory bandwidth achieved (default from the calibration table) */
  bandwidthEfficiency: number;
  /** fraction of peak FLOPs achieved */
  computeEfficiency: number;
  /** MoE layers whose routed experts are read from host memory */
  offloadLayers?: number;
  /** host memory bandwidth for offloaded experts, bytes/s */
  hostBandwidth?: number;
  /** prompt length for the time to first token */
  promptTokens?: number;
  /** fixed time per decoder layer per step (kernel launches, synchronisation), seconds */
  layerLatency?: number;
  /** extra time per layer per step when TP > 1 (two all-reduces), seconds */
  tpLatency?: number;
}

export interface SpeedEstimate {
  gpuBytesPerStep: number;
  hostBytesPerStep: number;
  kvBytesPerStep: number;
  flopsPerStep: number;
  memorySeconds: number;
  computeSeconds: number;
  /** per-layer latency (and TP communication) added to the roofline */
  fixedSeconds: number;
  stepSeconds: number;
  bound: 'memory' | 'compute';
  tokensPerSecondPerSequence: number;
  tokensPerSecondTotal: number;
  /** expected distinct routed experts per MoE layer for the batch */
  expertsTouched: number;
  prefillSeconds: number;
  prefillTokensPerSecond: number;
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
  const cut = offloadCutoff(a, o.offloadLayers ?? 0);
  let gpuBytes = lb.head; // LM head + final norm; the input embedding is a row lookup
  let hostBytes = 0;
  for (let i = 0; i < L; i++) {
    const routed = lb.routed[i]!;
    const rest = lb.sharded[i]! + lb.replicated[i]! - routed;
    gpuBytes += rest;
    if (i < cut) hostBytes += routed * frac;
    else gpuBytes += routed * frac;
  }
  const kv = kvLayout(a, o.kvBytes, 1);
  const kvRead = kvBytesFor(kv, o.context, o.batch);
  gpuBytes += kvRead;

  // FLOPs: 2 per active weight per token, the embedding lookup excluded; attention reads the context
  // (a sliding layer at most its window)
  const attnFlops = (ctx: number) => attentionFlopsPerToken(a, ctx);
  const flops = o.batch * (2 * d.activeNonEmbedding + attnFlops(o.context));

  const tp = o.tensorParallel;
  const bw = gpu.bandwidth_gbps * 1e9 * tp * o.bandwidthEfficiency;
  const hostBw = (o.hostBandwidth ?? 0) * o.bandwidthEfficiency;
  const memorySeconds = gpuBytes / bw + (hostBytes > 0 ? hostBytes / hostBw : 0);
  const peak = peakFlops(gpu, o.precision) * tp * o.computeEfficiency;
  const computeSeconds = flops / peak;
  const fixed = L * ((o.layerLatency ?? 0) + (tp > 1 ? (o.tpLatency ?? 0) : 0));
  const step = Math.max(memorySeconds, computeSeconds) + fixed;

  const prompt = o.promptTokens ?? 1024;
  const prefillFlops = 2 * d.activeNonEmbedding * prompt + attnFlops(prompt) * prompt * 0.5;
  const prefillSeconds = prefillFlops / peak + (hostBytes > 0 ? lb.routedPrefix[cut]! / hostBw : 0);
  return {
    gpuBytesPerStep: gpuBytes,
    hostBytesPerStep: hostBytes,
    kvBytesPerStep: kvRead,
    flopsPerStep: flops,
    memorySeconds,
    computeSeconds,
    fixedSeconds: fixed,
    stepSeconds: step,
    bound: memorySeconds >= computeSeconds ? 'memory' : 'compute',
    tokensPerSecondPerSequence: 1 / step,
    tokensPerSecondTotal: o.batch / step,
    expertsTouched: touched,
    prefillSeconds,
    prefillTokensPerSecond: prompt / prefillSeconds,
  };
}

/** Engine profiles, fitted to the published measurements in test/fixtures/decode-measurements.ts
 *  (grid search on median |log error|; test/core/speed.test.ts recomputes every row). The band is
 *  the range of errors over the rows each profile was fitted to; rows outside it are listed there
 *  as outliers with their reason (Dec-2023 llama.cpp builds). */
export interface EngineProfile {
  bandwidthEfficiency: number;
  computeEfficiency: number;
  /** seconds per decoder layer per step */
  layerLatency: number;
  /** extra seconds per layer per step under tensor parallelism */
  tpLatency: number;
  /** expected error of the estimate: [low, high] as fractions (-0.2 = 20% below the measurement) */
  band: [number, number];
  /** how many measurements the profile was fitted to */
  rows: number;
}

export type SpeedProfileId = 'llama.cpp' | 'llama.cpp-metal' | 'vllm' | 'sglang';

export const SPEED_PROFILES: Record<SpeedProfileId, EngineProfile> = {
  // 7 CUDA rows (RTX 4090/5090, DGX Spark): Qwen3-30B-A3B Q4_K_M/Q8_0, gpt-oss-20b/120b MXFP4
  'llama.cpp': {
    bandwidthEfficiency: 0.85,
    computeEfficiency: 0.5,
    layerLatency: 30e-6,
    tpLatency: 500e-6,
    band: [-0.02, 0.07],
    rows: 7,
  },
  // 4 Apple rows (M1/M2/M3 Ultra): Qwen3-30B-A3B Q8_0, DeepSeek-R1 Q4_K_M, gpt-oss-20b MXFP4. The Metal
  // backend reads a smaller share of the advertised bandwidth and pays more per layer than CUDA with graphs
  'llama.cpp-metal': {
    bandwidthEfficiency: 0.65,
    computeEfficiency: 0.5,
    layerLatency: 150e-6,
    tpLatency: 500e-6,
    band: [-0.04, 0.17],
    rows: 4,
  },
  // 2 single-stream A100 rows (Qwen3-30B-A3B bf16, gpt-oss-120b MXFP4); TP latency taken from SGLang
  vllm: {
    bandwidthEfficiency: 0.8,
    computeEfficiency: 0.5,
    layerLatency: 160e-6,
    tpLatency: 500e-6,
    band: [-0.16, 0.26],
    rows: 2,
  },
  // 3 DeepSeek-V3 fp8 rows on 8 GPUs (batch 1, 8, 32)
  sglang: {
    bandwidthEfficiency: 0.95,
    computeEfficiency: 0.5,
    layerLatency: 40e-6,
    tpLatency: 500e-6,
    band: [-0.06, 0.04],
    rows: 3,
  },
};

/** The profile for an engine on a GPU: llama.cpp on Apple GPUs runs its Metal backend. */
export function speedProfileFor(engine: 'llama.cpp' | 'vllm' | 'sglang', gpu: Pick<Gpu, 'vendor'>): SpeedProfileId {
  return engine === 'llama.cpp' && gpu.vendor === 'apple' ? 'llama.cpp-metal' : engine;
}

/** Host memory bandwidth for offloaded experts when not given: dual-channel DDR5-4800 is 76.8 GB/s
 *  peak; 60 GB/s is an assumption (no calibration row states its RAM bandwidth cleanly). */
export const DEFAULT_HOST_BANDWIDTH = 60e9;
