// The fit report: for each precision the fewest GPUs (or the check of a given count), the chosen plan,
// its launch command, pre-flight warnings and every assumption. What `fit --json` prints and what the
// text renderer lays out. Pure: the caller resolves the model and the GPU.
import type { Engine, LaunchCommand } from '../engines.js';
import { launchCommand } from '../engines.js';
import {
  expertLayoutFor,
  fitPlan,
  layerBytes,
  type Plan,
  type Rig,
  rigIsMixed,
  runtimeOverheads,
  totalWeightBytes,
} from '../fit.js';
import {
  CURRENT_GENERATION,
  defaultNonTorchBytes,
  LLAMA_CPP_ERROR_BAND,
  LLAMA_CPP_UBATCH,
  MEMORY_ERROR_BAND,
  SAMPLER_BYTES,
  SGLANG_STARTUP_BYTES,
} from '../overhead.js';
import { hybridBlockTokens, kvPerToken } from '../kv.js';
import { deriveParams, type ParamDerivation } from '../params.js';
import { getPrecision, PRECISIONS, type Precision } from '../precision.js';
import {
  DEFAULT_HOST_BANDWIDTH,
  decodeEstimate,
  type SpeedBand,
  type SpeedEstimate,
  type SpeedProfileId,
  speedGenerationOf,
} from '../speed.js';
import type { CheckpointCheck } from '../checkpoint.js';
import type { Card } from '../types.js';
import { buildLayoutsReport, type LayoutsReport } from './layouts.js';

export { SCHEMA_VERSION, layoutName, speedEngineFor, type FitSetup } from './common.js';
import { SCHEMA_VERSION, layoutName, speedEngineFor, type FitSetup } from './common.js';

/** Precisions `fit` shows when none are asked for (the native one is added first). */
export const DEFAULT_FIT_PRECISIONS = ['bf16', 'fp8', 'int4', 'q8_0', 'q4_k_m'];
export const DEFAULT_CONTEXT = 8192;

export function selectPrecisions(card: Card, ids: readonly string[] | 'all' | undefined): Precision[] {
  if (ids === 'all') return [...PRECISIONS];
  const list = ids ?? [card.architecture.native_precision, ...DEFAULT_FIT_PRECISIONS];
  return [...new Set(list.map((p) => getPrecision(p.trim()).id))].map((i) => getPrecision(i));
}

export interface PrecisionResult {
  precision: Precision;
  plan: Plan | undefined;
  /** all weights at this precision */
  weightsBytes: number;
  /** decode estimate for the plan (engine profile by precision: llama.cpp for GGUF, else vLLM; Metal on Apple) */
  speed?: SpeedEstimate;
  speedEngine?: SpeedProfileId;
  /** the held-out error band of that estimate's regime */
  speedBand?: SpeedBand;
}

/** fit's decode column: the same estimate and held-out band `moe-calc speed` prints (src/core/speed.ts). */
export function speedOf(
  s: FitSetup,
  d: ParamDerivation,
  precision: Precision,
  plan: Plan,
  hostBandwidth = DEFAULT_HOST_BANDWIDTH,
): { speed: SpeedEstimate; engine: SpeedProfileId; band: SpeedBand } {
  const r = decodeEstimate(s.card, d, s.gpu, precision, plan, {
    kvBytes: s.options.kvBytes,
    context: s.options.context,
    batch: s.options.batch,
    engine: speedEngineFor(precision, s.engine),
    generation: speedGenerationOf(s.options.generation),
    hostBandwidth,
  });
  return { speed: r.speed, engine: r.engine, band: r.band };
}

export function planAll(s: FitSetup, d: ParamDerivation = deriveParams(s.card)): PrecisionResult[] {
  const a = s.card.architecture;
  return s.precisions.map((precision) => {
    const plan = fitPlan(s.card, d, s.gpu, { ...s.options, precision });
    const sp = plan?.fits ? speedOf(s, d, precision, plan) : undefined;
    return {
      precision,
      plan,
      // towers come beside the decoder's weights on engine rows (llama.cpp loads them only from an mmproj)
      weightsBytes: totalWeightBytes(layerBytes(d, a, precision)) + (precision.gguf ? 0 : (s.options.towerBytes ?? 0)),
      ...(sp ? { speed: sp.speed, speedEngine: sp.engine, speedBand: sp.band } : {}),
    };
  });
}

/** The plan drawn per GPU: the precision asked for, else the fewest GPUs at the native precision or
 *  at 8 bits or more (ties go to the higher precision, the table order). */
export function chosenPlan(
  results: PrecisionResult[],
  native: string,
  explicit: boolean,
  totalParams: number,
): Plan | undefined {
  if (explicit) return results[0]?.plan;
  const nativeId = getPrecision(native).id;
  const eligible = results.filter(
    (r) => r.plan?.fits && (r.precision.id === nativeId || (r.weightsBytes * 8) / totalParams >= 7.9),
  );
  let best: PrecisionResult | undefined;
  for (const r of eligible) if (!best || r.plan!.gpuCount < best.plan!.gpuCount) best = r;
  return best?.plan ?? results.find((r) => r.plan)?.plan;
}

/** The context to serve: what fits, rounded down to a multiple of 1024 tokens past 4096. */
function servedContext(fits: number, modelMax: number): number {
  const c = Math.min(fits, modelMax);
  return c > 4096 && c < modelMax ? Math.floor(c / 1024) * 1024 : c;
}

/** Pre-flight: what would stop the plan from starting or disappoint, each with its fix. */
export function preflight(s: FitSetup, results: PrecisionResult[], chosen: Plan | undefined): string[] {
  const w: string[] = [];
  for (const { precision } of results) {
    if (precision.needs === 'fp8' && !s.gpu.native_fp8)
      w.push(
        `${s.gpu.id} has no native fp8: engines run ${precision.id} weights weight-only (vLLM's fp8 Marlin kernel), ` +
          'same memory, slower matmuls; int8 or a GPU with fp8 (H100, L40S, MI300X) computes faster',
      );
    if (precision.needs === 'fp4' && !s.gpu.native_fp4) {
      const l = expertLayoutFor(precision, s.gpu, s.options.generation ?? CURRENT_GENERATION);
      w.push(
        `${s.gpu.id} has no native fp4: ${precision.id} weights run weight-only` +
          (l
            ? ` through vLLM's ${l.id} kernel (its padded layout is what the plan counts)`
            : ' through a fallback kernel') +
          '; fp4 compute needs a Blackwell GPU',
      );
    }
  }
  for (const { plan } of results) {
    if (plan && !plan.fits && plan.perGpu.weightsBytes + plan.perGpu.overheadBytes <= plan.perGpu.budgetBytes) {
      w.push(
        `at ${plan.precision} on ${plan.gpuCount} GPUs the weights fit but the KV cache for ${s.options.batch} x ` +
          `${s.options.context} tokens does not: up to ${plan.maxContext} tokens fit; lower --context or add GPUs`,
      );
    }
  }
  if (chosen && chosen.expertParallel > 0) {
    const E = s.card.architecture.moe?.experts ?? 0;
    if (chosen.expertParallel > s.options.gpusPerNode) {
      w.push(
        `the EP${chosen.expertParallel} group spans ` +
          `${Math.ceil(chosen.expertParallel / s.options.gpusPerNode)} nodes: ` +
          'every MoE layer sends tokens over the network (all-to-all); DeepEP needs RDMA (InfiniBand or RoCE) where ' +
          'every NIC reaches every other',
      );
    }
    if (E % chosen.expertParallel !== 0) {
      w.push(
        `${E} experts do not divide EP ${chosen.expertParallel}: vLLM gives the first ${E % chosen.expertParallel} ` +
          'ranks one more expert (the plan counts the fullest rank); SGLang refuses this layout',
      );
    }
  }
  if (chosen) {
    const nodes = Math.ceil(chosen.gpuCount / s.options.gpusPerNode);
    if (nodes > 1) {
      // what crosses the node boundary: pipeline stages' activations, expert all-to-all (warned above when
      // the EP group itself spans nodes), or only data-parallel replicas' control traffic
      const what =
        chosen.pipelineParallel > 1
          ? 'pipeline stages cross the network'
          : chosen.expertParallel > 0
            ? 'the expert-parallel all-to-all crosses the network'
            : 'the data-parallel replicas run on separate nodes';
      w.push(
        `the ${chosen.precision} plan spans ${nodes} nodes (${layoutName(chosen)}): ${what}, so a fast ` +
          'interconnect (InfiniBand/RoCE) is needed; --gpus-per-node states the node size',
      );
    }
    if (s.gpu.vendor === 'nvidia' && !s.gpu.native_fp8 && s.gpu.gpus_per_node < 8 && chosen.tensorParallel > 1)
      w.push(
        `${s.gpu.id} has no NVLink: TP${chosen.tensorParallel} all-reduces over PCIe; ` +
          'pipeline parallel (--gpus-per-node 1) may be faster',
      );
  }
  return w;
}

export function assumptionsOf(s: FitSetup) {
  const o = s.options;
  const g = o.generation ?? CURRENT_GENERATION;
  // the vLLM figures for the engine precisions (GGUF rows have their own block below)
  const r = runtimeOverheads(
    s.card.architecture,
    s.gpu,
    { ...o, precision: s.precisions.find((p) => !p.gguf) ?? getPrecision('bf16') },
    1,
    1,
  );
  const layouts = s.precisions.map((p) => [p.id, expertLayoutFor(p, s.gpu, g)] as const).filter(([, l]) => l);
  return {
    context: o.context,
    batch: o.batch,
    kvPrecision: s.kvPrecision,
    utilization: o.utilization,
    gpusPerNode: o.gpusPerNode,
    engineMemoryModel: `vLLM ${g.releases}`,
    batchTokens: r.batchTokens,
    maxNumSeqs: r.maxNumSeqs,
    activationBytes: o.activationBytes ?? {
      forward: 'batchTokens x 2 x (4 x hidden + max(3 x dense ffn / TP, top_k x (3 x expert ffn / TP + hidden)))',
      lastStageSampler:
        `2 x batchTokens x hidden + min(maxNumSeqs, batchTokens) x vocab x ` +
        `${SAMPLER_BYTES[o.sampler ?? g.sampler]} B (+2/TP)`,
      singleGpuBytes: r.lastStageActivation,
    },
    nonTorchBytes: o.nonTorchBytes ?? { singleGpu: defaultNonTorchBytes(1, g), multiGpu: defaultNonTorchBytes(2, g) },
    cudaGraphBytes: r.cudaGraphs,
    ...(layouts.length ? { expertLayouts: Object.fromEntries(layouts.map(([id, l]) => [id, l!.source])) } : {}),
    ...(s.precisions.some((p) => p.gguf)
      ? {
          gguf: {
            engine: 'llama.cpp',
            tensorParallel: 1,
            ubatch: LLAMA_CPP_UBATCH,
            computeBuffer:
              'output GPU: n_vocab x ubatch x 4 B (logits) + 16 x ubatch x hidden B; other GPUs the second term; ' +
              'with experts in host memory the main GPU reserves one expert tensor + 0.2 GiB',
            inputEmbedding: 'host memory',
          },
        }
      : {}),
    usableFraction: s.gpu.usable_fraction,
    expectedError: MEMORY_ERROR_BAND,
  };
}

/** One precision's row of the report. */
export type FitPlanRow =
  | (Omit<Plan, 'offload'> & {
      weightsTotalBytes: number;
      offload?: NonNullable<Plan['offload']>;
      decode: {
        engine: SpeedProfileId;
        tokensPerSecondPerSequence: number;
        tokensPerSecondTotal: number;
        /** held-out band of the estimate's regime; null when the profile has no calibration for it */
        errorBand: [number, number] | null;
        band: SpeedBand;
      } | null;
    })
  | { precision: string; fits: false; gpuCount: null; reason: string; weightsTotalBytes: number };

/** The overheads each kind of row was planned with, resolved (what the notes under the table state). */
export interface FitOverheads {
  vllm: {
    releases: string;
    batchTokens: number;
    maxNumSeqs: number;
    /** activation peak of the last (sampling) stage on one GPU */
    activationBytes: number;
    nonTorchSingleBytes: number;
    nonTorchMultiBytes: number;
    cudaGraphBytes: number;
    cudaGraphsBudgeted: boolean;
  } | null;
  llamaCpp: { ubatch: number; outputGpuComputeBytes: number } | null;
  /** --engine sglang: SGLang's own accounting replaces vLLM's for engine precisions */
  sglang: { startupBytes: number; memFractionStatic: number | null } | null;
  expertLayouts: { precision: string; layout: string; ffnMultiple: number; hiddenMultiple: number; extraBpw: number }[];
  /** hybrid (SSM / linear-attention) models under vLLM: the raised attention block and state slots */
  hybridState: { blockTokens: number; slots: number } | null;
}

export interface FitReport {
  schemaVersion: 1;
  model: { id: string; name: string; file: string; totalParams: number; activeParams: number };
  gpu: { id: string; name: string; memoryBytes: number; usableFraction: number; gpusPerNode: number };
  fits: boolean;
  count: number | null;
  plans: FitPlanRow[];
  assumptions: ReturnType<typeof assumptionsOf>;
  /** what the text says about the request: was the context asked for, is expert offload on */
  request: {
    context: number;
    explicitContext: boolean;
    batch: number;
    kvPrecision: string;
    utilization: number;
    gpusPerNode: number;
    hostMemoryBytes: number | null;
    explicitPrecision: boolean;
    /** --engine: the engine whose launch command was asked for */
    engine: Engine | null;
    /** bytes of vision / audio towers planned beside the decoder (0 with --text-only) */
    towerBytes: number;
    textOnly: boolean;
    /** KV cache per token at the KV precision and recurrent state per sequence, for the whole model */
    kvBytesPerToken: number;
    stateBytesPerSequence: number;
  };
  overheads: FitOverheads;
  errorBands: {
    memory: typeof MEMORY_ERROR_BAND | null;
    llamaCpp: typeof LLAMA_CPP_ERROR_BAND | null;
    /** one entry per engine profile and regime among the rows' decode estimates */
    decode: (SpeedBand & { engine: SpeedProfileId })[];
  };
  chosen: { precision: string; gpuCount: number } | null;
  launch: { engine: Engine; argv: string[]; notes: string[] } | null;
  warnings: string[];
  /** --layouts: every allowed layout of the GPU count, side by side */
  layouts?: LayoutsReport;
  /** hub models, model folders and GGUF files: the checkpoint's headers against the derivation */
  checkpoint: CheckpointCheck | null;
  /** a rig (--gpu auto, --gpu a+b): exactly these GPUs, in device order; `gpu` above is the card engine
   *  ranks are sized to (the smallest) */
  rig: RigReport | null;
}

export interface RigReport {
  /** "2 x rtx-4090", "rtx-5090 + rtx-3090" */
  label: string;
  /** 'catalog' for a --gpu spec, else the tool that read them */
  source: string;
  mixed: boolean;
  gpus: {
    id: string;
    name: string;
    reportedName: string | null;
    memoryBytes: number;
    usableFraction: number;
    /** memory other processes held when read (null: not read) */
    usedBytes: number | null;
    /** llama.cpp's default split weight: memory free when read */
    freeBytes: number;
  }[];
  notes: string[];
}

/** "2 x rtx-4090" or "rtx-5090 + 2 x rtx-3090": runs of the same card, in device order. */
export function rigLabel(r: Rig): string {
  const runs: { id: string; n: number }[] = [];
  for (const s of r.slots) {
    const last = runs.at(-1);
    if (last && last.id === s.gpu.id) last.n++;
    else runs.push({ id: s.gpu.id, n: 1 });
  }
  return runs.map((x) => (x.n > 1 ? `${x.n} x ${x.id}` : x.id)).join(' + ');
}

export function rigReport(r: Rig, gpuId: string, precisions: readonly Precision[]): RigReport {
  const mixed = rigIsMixed(r);
  const notes = [...r.notes];
  if (mixed && precisions.some((p) => !p.gguf))
    notes.push(
      `engine rows (vLLM / SGLang) shard every tensor-parallel rank alike, so each of the ${r.slots.length} GPUs ` +
        `is planned as the smallest, ${gpuId}: the larger cards' extra memory stays unused (vLLM gives every worker ` +
        "the smallest worker's KV block count; its pipeline split is by layer count, VLLM_PP_LAYER_PARTITION moves " +
        'layers by hand)',
    );
  if (r.slots.length > 1 && precisions.some((p) => p.gguf))
    notes.push(
      "GGUF rows split the layers as llama.cpp does (--split-mode layer): in proportion to each GPU's free " +
        'memory unless --tensor-split is given, the output layer on the last GPU; the launch command pins the ' +
        'split with --tensor-split',
    );
  return {
    label: rigLabel(r),
    source: r.source,
    mixed,
    gpus: r.slots.map((x) => ({
      id: x.gpu.id,
      name: x.gpu.name,
      reportedName: x.reportedName,
      memoryBytes: x.gpu.memory_bytes,
      usableFraction: x.gpu.usable_fraction,
      usedBytes: x.usedBytes,
      freeBytes: Math.round(x.freeBytes),
    })),
    notes,
  };
}

function overheadsOf(s: FitSetup): FitOverheads {
  const a = s.card.architecture;
  const o = s.options;
  const g = o.generation ?? CURRENT_GENERATION;
  const engine = s.precisions.find((p) => !p.gguf);
  const gguf = s.precisions.find((p) => p.gguf);
  const r = engine ? runtimeOverheads(a, s.gpu, { ...o, precision: engine }, 1, 1) : undefined;
  const lr = gguf ? runtimeOverheads(a, s.gpu, { ...o, precision: gguf }, 1, 1) : undefined;
  const sglang = o.accounting === 'sglang' && engine !== undefined;
  return {
    sglang: sglang
      ? { startupBytes: o.nonTorchBytes ?? SGLANG_STARTUP_BYTES, memFractionStatic: o.memFractionStatic ?? null }
      : null,
    vllm:
      r && !sglang
        ? {
            releases: g.releases,
            batchTokens: r.batchTokens,
            maxNumSeqs: r.maxNumSeqs,
            activationBytes: r.lastStageActivation,
            nonTorchSingleBytes: r.nonTorch,
            nonTorchMultiBytes: o.nonTorchBytes ?? defaultNonTorchBytes(2, g),
            cudaGraphBytes: r.cudaGraphs,
            cudaGraphsBudgeted: g.cudaGraphsBudgeted,
          }
        : null,
    llamaCpp: lr ? { ubatch: LLAMA_CPP_UBATCH, outputGpuComputeBytes: lr.lastStageActivation } : null,
    hybridState: a.ssm ? { blockTokens: hybridBlockTokens(a, o.kvBytes, 1), slots: g.mambaStateSlots } : null,
    expertLayouts: s.precisions.flatMap((p) => {
      const l = expertLayoutFor(p, s.gpu, g);
      return l
        ? [
            {
              precision: p.id,
              layout: l.id,
              ffnMultiple: l.ffnMultiple,
              hiddenMultiple: l.hiddenMultiple,
              extraBpw: l.extraBpw,
            },
          ]
        : [];
    }),
  };
}

export function buildFitReport(s: FitSetup, d: ParamDerivation = deriveParams(s.card), withLayouts = false): FitReport {
  const results = planAll(s, d);
  const fits = results.some((r) => r.plan?.fits);
  const a = s.card.architecture;
  const chosen = chosenPlan(results, a.native_precision, s.explicitPrecision, d.total);
  const launch: LaunchCommand | undefined =
    s.engine && chosen?.fits
      ? launchCommand(s.engine, {
          card: s.card,
          plan: chosen,
          precision: chosen.precision,
          utilization: s.options.utilization,
          kvPrecision: s.kvPrecision,
          maxModelLen: servedContext(chosen.maxContext, a.max_context),
          batchTokens: s.options.batchTokens,
          maxNumSeqs: s.options.maxNumSeqs,
          enforceEager: s.options.cudaGraphBytes === 0,
          languageModelOnly: s.textOnly,
          gpusPerNode: s.options.gpusPerNode,
          a2a: s.options.a2a,
          redundantExperts: s.options.redundantExperts,
          ...(s.precisions.some((p) => p.measured) ? { modelFile: s.file } : {}),
        })
      : undefined;
  const o = s.options;
  return {
    schemaVersion: SCHEMA_VERSION,
    model: { id: s.card.id, name: s.card.name, file: s.file, totalParams: d.total, activeParams: d.active },
    gpu: {
      id: s.gpu.id,
      name: s.gpu.name,
      memoryBytes: s.gpu.memory_bytes,
      usableFraction: s.gpu.usable_fraction,
      gpusPerNode: o.gpusPerNode,
    },
    fits,
    count: o.count ?? null,
    plans: results.map(({ precision, plan, weightsBytes, speed, speedEngine, speedBand: band }): FitPlanRow => {
      if (!plan) {
        return {
          precision: precision.id,
          fits: false,
          gpuCount: null,
          reason: o.count ? `no allowed layout of ${o.count} GPUs` : 'does not fit within the search limit',
          weightsTotalBytes: weightsBytes,
        };
      }
      const { offload, ...rest } = plan;
      return {
        ...rest,
        weightsTotalBytes: weightsBytes,
        ...(offload ? { offload } : {}),
        decode:
          speed && speedEngine && band
            ? {
                engine: speedEngine,
                tokensPerSecondPerSequence: speed.tokensPerSecondPerSequence,
                tokensPerSecondTotal: speed.tokensPerSecondTotal,
                errorBand: band.band,
                band,
              }
            : null,
      };
    }),
    assumptions: assumptionsOf(s),
    request: {
      context: o.context,
      explicitContext: s.explicitContext,
      batch: o.batch,
      kvPrecision: s.kvPrecision,
      utilization: o.utilization,
      gpusPerNode: o.gpusPerNode,
      hostMemoryBytes: o.offload?.hostBytes ?? null,
      explicitPrecision: s.explicitPrecision,
      engine: s.engine ?? null,
      towerBytes: o.towerBytes ?? 0,
      textOnly: s.textOnly,
      kvBytesPerToken: kvPerToken(a, o.kvBytes).full + kvPerToken(a, o.kvBytes).sliding,
      stateBytesPerSequence: kvPerToken(a, o.kvBytes).statePerSequence,
    },
    overheads: overheadsOf(s),
    errorBands: {
      memory: s.precisions.some((p) => !p.gguf) ? MEMORY_ERROR_BAND : null,
      llamaCpp: s.precisions.some((p) => p.gguf) ? LLAMA_CPP_ERROR_BAND : null,
      decode: decodeBands(results),
    },
    chosen: chosen ? { precision: chosen.precision, gpuCount: chosen.gpuCount } : null,
    launch: launch ? { engine: launch.engine, argv: launch.argv, notes: launch.notes } : null,
    warnings: preflight(s, results, chosen),
    checkpoint: s.checkpoint ?? null,
    ...(withLayouts && (o.count ?? chosen?.gpuCount)
      ? { layouts: buildLayoutsReport(s, (o.count ?? chosen?.gpuCount)!) }
      : {}),
    rig: o.rig ? rigReport(o.rig, s.gpu.id, s.precisions) : null,
  };
}

/** The distinct held-out bands behind the rows' decode column (one per profile and regime). */
function decodeBands(results: PrecisionResult[]): (SpeedBand & { engine: SpeedProfileId })[] {
  const seen = new Map<string, SpeedBand & { engine: SpeedProfileId }>();
  for (const r of results) {
    if (!r.speedBand || !r.speedEngine) continue;
    const key = `${r.speedEngine}|${r.speedBand.regime}`;
    if (!seen.has(key)) seen.set(key, { engine: r.speedEngine, ...r.speedBand });
  }
  return [...seen.values()];
}
