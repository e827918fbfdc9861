// The speed report: decode and prefill estimates for one plan, with every term of the step and the held-out
// error band of the engine profile in that regime. Pure.
import type { Plan } from '../fit.js';
import type { KvBytes } from '../kv.js';
import { deriveParams } from '../params.js';
import {
  DEFAULT_HOST_BANDWIDTH,
  estimateSpeed,
  SPEED_PROFILES,
  type SpeedBackend,
  type SpeedBand,
  speedBand,
  type SpeedEngine,
  type SpeedEstimate,
  type SpeedGeneration,
  speedGenerationOf,
  type SpeedProfileId,
  speedOptionsFor,
  speedProfileFor,
  replicaBatch,
  stepGpus,
} from '../speed.js';
import { type FitSetup, SCHEMA_VERSION, speedEngineFor } from './fit.js';
import { fitPlan } from '../fit.js';

/** Overrides of the engine profile (speed's flags). */
export interface SpeedTuning {
  bandwidthEfficiency?: number | undefined;
  computeEfficiency?: number | undefined;
  /** seconds per layer per step */
  layerLatency?: number | undefined;
  /** host memory (RAM) peak bandwidth for offloaded experts, bytes/s */
  hostBandwidth?: number | undefined;
  promptTokens?: number | undefined;
  /** the GPU backend (default: CUDA on NVIDIA, ROCm on AMD, Metal on Apple); llama.cpp also runs Vulkan */
  backend?: SpeedBackend | undefined;
  /** engine when it is not one fit knows (mlx, ik_llama.cpp) */
  engine?: SpeedEngine | undefined;
  /** serving-engine generation (default: the vLLM release fit was given, else current) */
  generation?: SpeedGeneration | undefined;
}

export interface SpeedReport {
  schemaVersion: 1;
  model: { id: string; name: string; layers: number; experts: number; topK: number };
  gpu: { id: string; name: string; bandwidthGBps: number };
  plan: {
    precision: string;
    gpuCount: number;
    tensorParallel: number;
    pipelineParallel: number;
    dataParallel: number;
    expertParallel: number;
    offload: Plan['offload'] | null;
  };
  /** errorBand: the held-out band (null when the profile has no calibration); band: how it was chosen */
  decode: SpeedEstimate & { errorBand: [number, number] | null; band: SpeedBand };
  assumptions: {
    engine: SpeedProfileId;
    /** what the text calls the profile: "ROCm llama.cpp" */
    engineLabel: string;
    generation: SpeedGeneration;
    precision: string;
    kvBytes: KvBytes;
    context: number;
    batch: number;
    tensorParallel: number;
    pipelineStages: number;
    bandwidthEfficiency: number;
    computeEfficiency: number;
    hostEfficiency: number;
    stepLatency: number;
    layerLatency: number;
    tpLatency: number;
    sequenceLatency: number;
    hopLatency: number;
    splitLayerLatency: number;
    hostLayerLatency: number;
    offloadLayers: number;
    hostBandwidth: number;
    hostBandwidthAssumed: boolean;
    promptTokens: number;
    /** measurements and sources behind the profile */
    calibratedOn: number;
    calibrationSources: number;
  };
}

/** The plan to time (the fit search's, for the first precision of the setup); undefined if none fits. */
export function speedPlan(s: FitSetup): Plan | undefined {
  const plan = fitPlan(s.card, deriveParams(s.card), s.gpu, { ...s.options, precision: s.precisions[0]! });
  return plan?.fits ? plan : undefined;
}

export function buildSpeedReport(s: FitSetup, plan: Plan, t: SpeedTuning = {}): SpeedReport {
  const precision = s.precisions[0]!;
  const d = deriveParams(s.card);
  const engineName: SpeedEngine = t.engine ?? speedEngineFor(precision, s.engine);
  const engine = speedProfileFor(engineName, s.gpu, { backend: t.backend });
  const prof = SPEED_PROFILES[engine];
  const generation = t.generation ?? speedGenerationOf(s.options.generation);
  const tp = stepGpus(plan);
  const base = speedOptionsFor(engine, generation);
  const opts = {
    precision,
    kvBytes: s.options.kvBytes,
    context: s.options.context,
    batch: replicaBatch(plan, s.options.batch),
    tensorParallel: tp,
    pipelineStages: plan.pipelineParallel,
    ...base,
    bandwidthEfficiency: t.bandwidthEfficiency ?? base.bandwidthEfficiency,
    computeEfficiency: t.computeEfficiency ?? base.computeEfficiency,
    layerLatency: t.layerLatency ?? base.layerLatency,
    offloadLayers: plan.offload?.layers ?? 0,
    hostBandwidth: t.hostBandwidth ?? DEFAULT_HOST_BANDWIDTH,
    promptTokens: t.promptTokens ?? 1024,
  };
  const one = estimateSpeed(s.card, d, s.gpu, opts);
  // data-parallel replicas run side by side: the total is every sequence's rate
  const e = { ...one, tokensPerSecondTotal: one.tokensPerSecondPerSequence * Math.max(s.options.batch, opts.batch) };
  const band = speedBand(engine, {
    batch: opts.batch,
    tensorParallel: tp,
    pipelineStages: plan.pipelineParallel,
    offload: opts.offloadLayers > 0,
    backend: t.backend,
  });
  const a = s.card.architecture;
  return {
    schemaVersion: SCHEMA_VERSION,
    model: {
      id: s.card.id,
      name: s.card.name,
      layers: a.num_layers,
      experts: a.moe?.experts ?? 0,
      topK: a.moe?.top_k ?? 0,
    },
    gpu: { id: s.gpu.id, name: s.gpu.name, bandwidthGBps: s.gpu.bandwidth_gbps },
    plan: {
      precision: precision.id,
      gpuCount: plan.gpuCount,
      tensorParallel: plan.tensorParallel,
      pipelineParallel: plan.pipelineParallel,
      dataParallel: plan.dataParallel ?? 1,
      expertParallel: plan.expertParallel ?? 0,
      offload: plan.offload ?? null,
    },
    decode: { ...e, errorBand: band.band, band },
    assumptions: {
      engine,
      engineLabel: prof.label,
      generation,
      precision: precision.id,
      kvBytes: opts.kvBytes,
      context: opts.context,
      batch: opts.batch,
      tensorParallel: tp,
      pipelineStages: opts.pipelineStages,
      bandwidthEfficiency: opts.bandwidthEfficiency,
      computeEfficiency: opts.computeEfficiency,
      hostEfficiency: opts.hostEfficiency,
      stepLatency: opts.stepLatency,
      layerLatency: opts.layerLatency,
      tpLatency: opts.tpLatency,
      sequenceLatency: opts.sequenceLatency,
      hopLatency: opts.hopLatency,
      splitLayerLatency: opts.splitLayerLatency,
      hostLayerLatency: opts.hostLayerLatency,
      offloadLayers: opts.offloadLayers,
      hostBandwidth: opts.hostBandwidth,
      hostBandwidthAssumed: t.hostBandwidth === undefined,
      promptTokens: opts.promptTokens,
      calibratedOn: prof.rows,
      calibrationSources: prof.sources,
    },
  };
}
