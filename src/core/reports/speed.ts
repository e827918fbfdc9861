// The speed report: decode and prefill estimates for one plan, with every term of the roofline and
// the engine profile's expected error. Pure.
import type { Plan } from '../fit.js';
import { deriveParams } from '../params.js';
import {
  DEFAULT_HOST_BANDWIDTH,
  estimateSpeed,
  SPEED_PROFILES,
  type SpeedEstimate,
  type SpeedProfileId,
  speedProfileFor,
} from '../speed.js';
import { type FitSetup, SCHEMA_VERSION, speedEngineFor } from './fit.js';
import { fitPlan } from '../fit.js';

/** Overrides of the engine profile (speed's flags). */
export interface SpeedTuning {
  bandwidthEfficiency?: number | undefined;
  computeEfficiency?: number | undefined;
  /** seconds per layer per step */
  layerLatency?: number | undefined;
  /** host memory bandwidth for offloaded experts, bytes/s */
  hostBandwidth?: number | undefined;
  promptTokens?: number | undefined;
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
    offload: Plan['offload'] | null;
  };
  decode: SpeedEstimate & { errorBand: [number, number] };
  assumptions: {
    engine: SpeedProfileId;
    precision: string;
    kvBytes: number;
    context: number;
    batch: number;
    tensorParallel: number;
    bandwidthEfficiency: number;
    computeEfficiency: number;
    layerLatency: number;
    tpLatency: number;
    offloadLayers: number;
    hostBandwidth: number;
    promptTokens: number;
    calibratedOn: number;
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
  const engine = speedProfileFor(speedEngineFor(precision, s.engine), s.gpu);
  const prof = SPEED_PROFILES[engine];
  const opts = {
    precision,
    kvBytes: s.options.kvBytes,
    context: s.options.context,
    batch: s.options.batch,
    tensorParallel: plan.tensorParallel,
    bandwidthEfficiency: t.bandwidthEfficiency ?? prof.bandwidthEfficiency,
    computeEfficiency: t.computeEfficiency ?? prof.computeEfficiency,
    layerLatency: t.layerLatency ?? prof.layerLatency,
    tpLatency: prof.tpLatency,
    offloadLayers: plan.offload?.layers ?? 0,
    hostBandwidth: t.hostBandwidth ?? DEFAULT_HOST_BANDWIDTH,
    promptTokens: t.promptTokens ?? 1024,
  };
  const e = estimateSpeed(s.card, d, s.gpu, opts);
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
      offload: plan.offload ?? null,
    },
    decode: { ...e, errorBand: prof.band },
    assumptions: { engine, ...opts, precision: precision.id, calibratedOn: prof.rows },
  };
}
