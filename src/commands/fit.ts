// moe-calc fit <model> --gpu <id>: how many GPUs, at which precision, with the per-GPU plan.
import { resolveModel, gpuCatalog, findGpu } from '../cards/registry.js';
import { countLayers, deriveParams, type ParamDerivation } from '../core/params.js';
import {
  estimateSpeed,
  speedProfileFor,
  SPEED_PROFILES,
  DEFAULT_HOST_BANDWIDTH,
  type SpeedEstimate,
  type SpeedProfileId,
} from '../core/speed.js';
import { PRECISIONS, getPrecision, type Precision } from '../core/precision.js';
import {
  expertLayoutFor,
  fitPlan,
  layerBytes,
  runtimeOverheads,
  totalWeightBytes,
  tpRejection,
  type FitOptions,
  type Plan,
} from '../core/fit.js';
import { kvDtypeBytes } from '../core/kv.js';
import {
  CURRENT_GENERATION,
  DEFAULT_UTILIZATION,
  LLAMA_CPP_ERROR_BAND,
  LLAMA_CPP_UBATCH,
  MEMORY_ERROR_BAND,
  SAMPLER_BYTES,
  defaultNonTorchBytes,
  vllmGeneration,
} from '../core/overhead.js';
import type { Card, Gpu } from '../core/types.js';
import { UserError, didYouMean } from '../errors.js';
import { ENGINES, launchCommand, shellQuote, type Engine, type LaunchCommand } from '../core/engines.js';
import { terminalTable, bar } from '../render/table.js';
import { bytes, int, tokens } from '../render/format.js';
import { c } from '../render/color.js';
import {
  SCHEMA_VERSION,
  intFlag,
  numFlag,
  print,
  printJson,
  registryOptions,
  unitOf,
  type GlobalOptions,
} from './common.js';

export interface FitFlags extends GlobalOptions {
  gpu?: string;
  precision?: string;
  count?: string;
  context?: string;
  batch?: string;
  kvPrecision?: string;
  utilization?: string;
  gpusPerNode?: string;
  batchTokens?: string;
  maxNumSeqs?: string;
  tp?: string;
  usableFraction?: string;
  vllm?: string;
  enforceEager?: boolean;
  activationGb?: string;
  nonTorchGb?: string;
  engine?: string;
  cpuMemory?: string;
  offloadExperts?: string;
}

/** Precisions `fit` shows when --precision is not given (the native one is added first). */
export const DEFAULT_FIT_PRECISIONS = ['bf16', 'fp8', 'int4', 'q8_0', 'q4_k_m'];
export const DEFAULT_CONTEXT = 8192;

export interface FitSetup {
  card: Card;
  file: string;
  gpu: Gpu;
  precisions: Precision[];
  options: Omit<FitOptions, 'precision'>;
  kvPrecision: string;
  explicitContext: boolean;
  engine?: Engine;
}

export function selectPrecisions(card: Card, flag: string | undefined): Precision[] {
  if (flag === undefined) {
    const ids = [card.architecture.native_precision, ...DEFAULT_FIT_PRECISIONS];
    return [...new Set(ids.map((i) => getPrecision(i).id))].map((i) => getPrecision(i));
  }
  if (flag.trim().toLowerCase() === 'all') return [...PRECISIONS];
  return [...new Set(flag.split(',').map((p) => getPrecision(p.trim()).id))].map((i) => getPrecision(i));
}

/** Parse and check every fit flag against the model and GPU. */
export async function fitSetup(model: string, f: FitFlags): Promise<FitSetup> {
  if (f.gpu === undefined)
    throw new UserError('--gpu: required (for example --gpu h100); "moe-calc gpus" lists the catalog');
  const [{ card, file }, catalog] = await Promise.all([resolveModel(model, registryOptions(f)), gpuCatalog(f.gpus)]);
  let gpu = findGpu(catalog, f.gpu);
  const usable = numFlag('--usable-fraction', f.usableFraction, 0, 1);
  if (usable !== undefined) {
    if (gpu.usable_fraction >= 1)
      throw new UserError(
        `--usable-fraction: ${gpu.id} has memory of its own, all of it the GPU's; --utilization sets the engine's share`,
      );
    gpu = { ...gpu, usable_fraction: usable };
  }
  const a = card.architecture;
  const context = intFlag('--context', f.context, 1, 100_000_000, true);
  if (context !== undefined && context > a.max_context) {
    throw new UserError(
      `--context: ${int(context)} tokens exceeds ${card.id}'s maximum context of ${int(a.max_context)} tokens`,
    );
  }
  const kvPrecision = (f.kvPrecision ?? 'bf16').toLowerCase();
  const kvBytes = kvDtypeBytes(kvPrecision);
  const count = intFlag('--count', f.count, 1, 100_000);
  const tp = intFlag('--tp', f.tp, 1, 1024);
  const gpusPerNode = intFlag('--gpus-per-node', f.gpusPerNode, 1, 1024);
  if (tp !== undefined && gpusPerNode !== undefined && tp > gpusPerNode)
    throw new UserError(
      `--tp: ${tp} exceeds --gpus-per-node ${gpusPerNode} (a tensor-parallel group stays within one node)`,
    );
  if (tp !== undefined) {
    // --tp sets the engines' tensor-parallel size; GGUF rows keep llama.cpp's layer split (TP 1)
    const ps = selectPrecisions(card, f.precision);
    const engines = ps.filter((x) => !x.gguf);
    const p = (engines.length ? engines : ps).map((x) => tpRejection(card, tp, x)).find((r) => r);
    if (p) throw new UserError(`--tp: ${p}`);
    if (count !== undefined && count % tp !== 0)
      throw new UserError(`--tp: ${tp} does not divide --count ${count} (the GPUs are TP x pipeline stages)`);
  }
  const act = numFlag('--activation-gb', f.activationGb, 0, 10_000, true);
  const nonTorch = numFlag('--non-torch-gb', f.nonTorchGb, 0, 10_000, true);
  const cpu = numFlag('--cpu-memory', f.cpuMemory, 0, 1_000_000);
  let offload: FitOptions['offload'];
  if (f.offloadExperts !== undefined) {
    if (cpu === undefined)
      throw new UserError('--offload-experts: needs --cpu-memory <GB> (the host memory the experts may use)');
    if (!a.moe) throw new UserError(`--offload-experts: ${card.id} is dense: it has no routed experts to offload`);
    if (gpu.usable_fraction < 1)
      throw new UserError(
        `--offload-experts: ${gpu.id} has unified memory: host and GPU memory are one pool, so offloading experts frees nothing`,
      );
    const v = f.offloadExperts.trim().toLowerCase();
    const moeLayers = countLayers(a.moe.layers, a.num_layers);
    offload = {
      layers: v === 'auto' ? 'auto' : intFlag('--offload-experts', v, 0, moeLayers)!,
      hostBytes: Math.round(cpu * 1e9),
    };
  } else if (cpu !== undefined) {
    offload = { layers: 'auto', hostBytes: Math.round(cpu * 1e9) };
  }
  const options: Omit<FitOptions, 'precision'> = {
    kvBytes,
    context: context ?? Math.min(DEFAULT_CONTEXT, a.max_context),
    batch: intFlag('--batch', f.batch, 1, 1_000_000) ?? 1,
    utilization: numFlag('--utilization', f.utilization, 0, 1) ?? DEFAULT_UTILIZATION,
    gpusPerNode: Math.max(gpusPerNode ?? gpu.gpus_per_node, tp ?? 1),
    ...(tp !== undefined ? { tp } : {}),
    batchTokens: intFlag('--batch-tokens', f.batchTokens, 1, 10_000_000),
    maxNumSeqs: intFlag('--max-num-seqs', f.maxNumSeqs, 1, 1_000_000),
    generation: f.vllm === undefined ? CURRENT_GENERATION : vllmGeneration(f.vllm),
    ...(f.enforceEager ? { cudaGraphBytes: 0 } : {}),
    activationBytes: act === undefined ? undefined : Math.round(act * 1e9),
    nonTorchBytes: nonTorch === undefined ? undefined : Math.round(nonTorch * 1e9),
    count,
    ...(offload ? { offload } : {}),
  };
  let engine: Engine | undefined;
  if (f.engine !== undefined) {
    const e = f.engine.toLowerCase().replace(/^llamacpp$|^llama-cpp$/, 'llama.cpp');
    if (!(ENGINES as readonly string[]).includes(e))
      throw new UserError(
        `--engine: unknown engine "${f.engine}" (expected ${ENGINES.join(', ')})${didYouMean(e, ENGINES)}`,
      );
    engine = e as Engine;
  }
  return {
    card,
    file,
    gpu,
    precisions: selectPrecisions(card, f.precision),
    options,
    kvPrecision,
    explicitContext: context !== undefined,
    engine,
  };
}

export interface PrecisionResult {
  precision: Precision;
  plan: Plan | undefined;
  /** all weights at this precision */
  weightsBytes: number;
  /** decode estimate for the plan (engine profile by precision: llama.cpp for GGUF, else vLLM; Metal on Apple) */
  speed?: SpeedEstimate;
  speedEngine?: SpeedProfileId;
}

/** The speed profile a plan is estimated with: the --engine given, else llama.cpp for GGUF files and vLLM otherwise. */
export function speedEngineFor(p: Precision, engine?: string): 'llama.cpp' | 'vllm' | 'sglang' {
  if (engine === 'llama.cpp' || engine === 'vllm' || engine === 'sglang') return engine;
  return p.gguf ? 'llama.cpp' : 'vllm';
}

export function speedOf(
  s: FitSetup,
  d: ParamDerivation,
  precision: Precision,
  plan: Plan,
  hostBandwidth = DEFAULT_HOST_BANDWIDTH,
): { speed: SpeedEstimate; engine: SpeedProfileId } {
  const engine = speedProfileFor(speedEngineFor(precision, s.engine), s.gpu);
  const prof = SPEED_PROFILES[engine];
  const speed = estimateSpeed(s.card, d, s.gpu, {
    precision,
    kvBytes: s.options.kvBytes,
    context: s.options.context,
    batch: s.options.batch,
    tensorParallel: plan.tensorParallel,
    bandwidthEfficiency: prof.bandwidthEfficiency,
    computeEfficiency: prof.computeEfficiency,
    layerLatency: prof.layerLatency,
    tpLatency: prof.tpLatency,
    offloadLayers: plan.offload?.layers ?? 0,
    hostBandwidth,
  });
  return { speed, engine };
}

export function planAll(s: FitSetup, d: ParamDerivation = deriveParams(s.card)): PrecisionResult[] {
  const a = s.card.architecture;
  return s.precisions.map((precision) => {
    const plan = fitPlan(s.card, d, s.gpu, { ...s.options, precision });
    const sp = plan?.fits ? speedOf(s, d, precision, plan) : undefined;
    return {
      precision,
      plan,
      weightsBytes: totalWeightBytes(layerBytes(d, a, precision)),
      ...(sp ? { speed: sp.speed, speedEngine: sp.engine } : {}),
    };
  });
}

function planJson(p: Plan) {
  return {
    precision: p.precision,
    gpuCount: p.gpuCount,
    tensorParallel: p.tensorParallel,
    pipelineParallel: p.pipelineParallel,
    fits: p.fits,
    perGpu: p.perGpu,
    stages: p.stages,
    maxContext: p.maxContext,
    maxContextIsModelLimit: p.maxContextIsModelLimit,
    maxConcurrency: p.maxConcurrency,
    kvCacheTokens: p.kvCacheTokens,
    shortfallBytes: p.shortfallBytes,
  };
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
      lastStageSampler: `2 x batchTokens x hidden + min(maxNumSeqs, batchTokens) x vocab x ${SAMPLER_BYTES[o.sampler ?? g.sampler]} B (+2/TP)`,
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
              'output GPU: n_vocab x ubatch x 4 B (logits) + 16 x ubatch x hidden B; other GPUs the second term; with experts in host memory the main GPU reserves one expert tensor + 0.2 GiB',
            inputEmbedding: 'host memory',
          },
        }
      : {}),
    usableFraction: s.gpu.usable_fraction,
    expectedError: MEMORY_ERROR_BAND,
  };
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
        `${s.gpu.id} has no native fp8: engines run ${precision.id} weights weight-only (vLLM's fp8 Marlin kernel), same weight memory, slower matmuls; choose int8 or a GPU with fp8 (H100, L40S, MI300X) for fp8 compute`,
      );
    if (precision.needs === 'fp4' && !s.gpu.native_fp4) {
      const l = expertLayoutFor(precision, s.gpu, s.options.generation ?? CURRENT_GENERATION);
      w.push(
        `${s.gpu.id} has no native fp4: ${precision.id} weights run weight-only${l ? ` through vLLM's ${l.id} kernel (its padded layout is what the plan counts)` : ' through a fallback kernel'}; fp4 compute needs a Blackwell GPU`,
      );
    }
  }
  for (const { plan } of results) {
    if (plan && !plan.fits && plan.perGpu.weightsBytes + plan.perGpu.overheadBytes <= plan.perGpu.budgetBytes) {
      w.push(
        `at ${plan.precision} on ${plan.gpuCount} GPUs the weights fit but the KV cache for ${s.options.batch} x ${s.options.context} tokens does not: up to ${plan.maxContext} tokens fit; lower --context or add GPUs`,
      );
    }
  }
  if (chosen) {
    const nodes = Math.ceil(chosen.gpuCount / s.options.gpusPerNode);
    if (nodes > 1)
      w.push(
        `the ${chosen.precision} plan spans ${nodes} nodes (TP${chosen.tensorParallel} x PP${chosen.pipelineParallel}): pipeline stages cross the network, so a fast interconnect (InfiniBand/RoCE) is needed; --gpus-per-node states the node size`,
      );
    if (s.gpu.vendor === 'nvidia' && !s.gpu.native_fp8 && s.gpu.gpus_per_node < 8 && chosen.tensorParallel > 1)
      w.push(
        `${s.gpu.id} has no NVLink: TP${chosen.tensorParallel} all-reduces over PCIe; pipeline parallel (--gpus-per-node 1) may be faster`,
      );
  }
  return w;
}

/** The plan drawn per GPU: the --precision given, else the fewest GPUs at the native precision or
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

function layout(p: Plan): string {
  return p.pipelineParallel > 1 ? `TP${p.tensorParallel} x PP${p.pipelineParallel}` : `TP${p.tensorParallel}`;
}

export async function fitCommand(model: string, f: FitFlags): Promise<number> {
  const s = await fitSetup(model, f);
  const d = deriveParams(s.card);
  const results = planAll(s, d);
  const fits = results.some((r) => r.plan?.fits);
  const a = s.card.architecture;
  const chosen = chosenPlan(results, a.native_precision, f.precision !== undefined, d.total);
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
        })
      : undefined;
  const warnings = preflight(s, results, chosen);
  if (f.json) {
    printJson({
      schemaVersion: SCHEMA_VERSION,
      model: { id: s.card.id, name: s.card.name, file: s.file, totalParams: d.total, activeParams: d.active },
      gpu: { id: s.gpu.id, name: s.gpu.name, memoryBytes: s.gpu.memory_bytes, usableFraction: s.gpu.usable_fraction },
      fits,
      count: s.options.count ?? null,
      plans: results.map(({ precision, plan, weightsBytes, speed, speedEngine }) =>
        plan
          ? {
              ...planJson(plan),
              weightsTotalBytes: weightsBytes,
              ...(plan.offload ? { offload: plan.offload } : {}),
              decode: speed
                ? {
                    engine: speedEngine,
                    tokensPerSecondPerSequence: speed.tokensPerSecondPerSequence,
                    tokensPerSecondTotal: speed.tokensPerSecondTotal,
                    errorBand: SPEED_PROFILES[speedEngine!].band,
                  }
                : null,
            }
          : {
              precision: precision.id,
              fits: false,
              gpuCount: null,
              reason: s.options.count
                ? `no allowed layout of ${s.options.count} GPUs`
                : 'does not fit within the search limit',
            },
      ),
      assumptions: assumptionsOf(s),
      chosen: chosen ? { precision: chosen.precision, gpuCount: chosen.gpuCount } : null,
      launch: launch ? { engine: launch.engine, argv: launch.argv, notes: launch.notes } : null,
      warnings,
    });
    return s.options.count !== undefined && !fits ? 1 : 0;
  }
  const u = unitOf(f);
  const k = c();
  const o = s.options;
  print(
    k.bold(`${s.card.name} on ${s.gpu.name}`) +
      ` (${bytes(s.gpu.memory_bytes, u)} each${s.gpu.usable_fraction < 1 ? `, ${Math.round(s.gpu.usable_fraction * 100)}% usable by the GPU` : ''})`,
  );
  print(
    `context ${int(o.context)} tokens x batch ${o.batch}${s.explicitContext ? '' : ' (default; --context to change)'}, KV ${s.kvPrecision}, utilization ${o.utilization}, ` +
      `up to ${o.gpusPerNode} GPUs per TP group` +
      (o.count ? `; checking exactly ${o.count} GPUs` : ''),
  );
  print('');
  const offloading = o.offload !== undefined;
  const rows = results.map(({ precision, plan, weightsBytes: w, speed }) => {
    if (!plan)
      return [
        precision.id,
        bytes(w, u),
        o.count ? `${o.count}` : '-',
        o.count ? 'no layout' : 'no fit',
        '-',
        '-',
        '-',
        '-',
        '-',
        '-',
        '-',
        ...(offloading ? ['-'] : []),
      ];
    const pg = plan.perGpu;
    const status = plan.fits ? k.green('fits') : k.red(`short ${bytes(plan.shortfallBytes, u)}`);
    return [
      precision.id,
      bytes(w, u),
      String(plan.gpuCount),
      layout(plan),
      bytes(pg.weightsBytes, u),
      bytes(pg.kvBytes, u),
      bytes(pg.overheadBytes, u),
      `${bytes(pg.totalBytes, u)} / ${bytes(pg.budgetBytes, u)}`,
      plan.fits ? tokens(plan.maxContext) + (plan.maxContextIsModelLimit ? '*' : '') : '-',
      plan.fits ? `${tokens(plan.maxConcurrency)}  ${status}` : status,
      speed ? speed.tokensPerSecondPerSequence.toFixed(speed.tokensPerSecondPerSequence < 10 ? 1 : 0) : '-',
      ...(offloading
        ? [plan.offload ? `${plan.offload.layers} layers, ${bytes(plan.offload.hostBytes, u)}` : '-']
        : []),
    ];
  });
  print(
    terminalTable({
      head: [
        'precision',
        'weights (all)',
        'GPUs',
        'layout',
        'weights/GPU',
        'KV/GPU',
        'overhead/GPU',
        'used / budget per GPU',
        'max context',
        `max seqs @${int(o.context)}`,
        'decode t/s*',
        ...(offloading ? ['experts in host memory'] : []),
      ],
      rows,
      right: [1, 2, 4, 5, 6, 7, 8, 10],
    }),
  );
  const engine = s.precisions.find((p) => !p.gguf);
  const gguf = s.precisions.find((p) => p.gguf);
  const r = engine ? runtimeOverheads(a, s.gpu, { ...o, precision: engine }, 1, 1) : undefined;
  const g = o.generation ?? CURRENT_GENERATION;
  print(
    `* max context: the model's own maximum. Budget = memory x utilization; overhead = ` +
      [
        r ? `activation peak + non-torch memory (NCCL, kernels)${r.cudaGraphs ? ' + CUDA graphs' : ''}` : '',
        gguf ? `${r ? 'for GGUF rows ' : ''}llama.cpp's compute buffer` : '',
      ]
        .filter(Boolean)
        .join('; ') +
      '.',
  );
  if (r) {
    print(
      `Overheads as vLLM ${g.releases} measures them (--vllm to change): profiling pass of ${int(r.batchTokens)} tokens and ${int(r.maxNumSeqs)} sequences ` +
        `(activation peak ${bytes(r.lastStageActivation, u)} on one GPU), non-torch ${bytes(r.nonTorch, u)} alone / ${bytes(defaultNonTorchBytes(2, g), u)} with TP or PP, ` +
        `CUDA graphs ${r.cudaGraphs ? bytes(r.cudaGraphs, u) + ' (--enforce-eager: none)' : 'none' + (g.cudaGraphsBudgeted ? ' (--enforce-eager)' : ' (not budgeted before vLLM 0.21)')}.`,
    );
  }
  if (gguf) {
    const lr = runtimeOverheads(a, s.gpu, { ...o, precision: gguf }, 1, 1);
    print(
      `GGUF rows as llama.cpp runs them: layers split across GPUs (TP 1, --split-mode layer), a compute buffer for a ${LLAMA_CPP_UBATCH}-token batch ` +
        `(${bytes(lr.lastStageActivation, u)} on the GPU with the output layer, mostly its logits${o.offload ? '; the first GPU also makes room for one expert tensor of the host-memory layers' : ''}), the input embedding in host memory; no vLLM sampler, non-torch or CUDA-graph reserve.`,
    );
  }
  for (const p of s.precisions) {
    const l = expertLayoutFor(p, s.gpu, g);
    if (l)
      print(
        `${p.id} experts held in vLLM's ${l.id} kernel layout on ${s.gpu.id}: expert width per GPU rounded up to ${l.ffnMultiple}${l.hiddenMultiple > 1 ? `, hidden width to ${l.hiddenMultiple}` : ''}${l.extraBpw ? `, scales kept twice (+${l.extraBpw} bits per weight)` : ''}.`,
      );
  }
  const bands = [...new Set(results.filter((r) => r.speedEngine).map((r) => r.speedEngine!))].map(
    (e) => `${e} ${Math.round(SPEED_PROFILES[e].band[0] * 100)}%/+${Math.round(SPEED_PROFILES[e].band[1] * 100)}%`,
  );
  if (bands.length)
    print(
      `* decode t/s: roofline estimate per sequence at batch ${o.batch} ("moe-calc speed" for the assumptions); expected error ${bands.join(', ')}.`,
    );
  const logs = MEMORY_ERROR_BAND.rows;
  if (engine)
    print(
      `Expected error against vLLM's own start-up logs: weights per GPU +-${MEMORY_ERROR_BAND.weightsPerGpu * 100}% (${logs.weights.within} of ${logs.weights.of} logs), memory left for KV cache +-${MEMORY_ERROR_BAND.kvMemory * 100}% (${logs.kvMemory.within} of ${logs.kvMemory.of}) (README "Calibration").`,
    );
  if (gguf)
    print(
      `Expected error against llama.cpp's load logs: GPU model buffer +-${LLAMA_CPP_ERROR_BAND.model * 100}%, KV buffer +-${LLAMA_CPP_ERROR_BAND.kv * 100}%, compute buffer +-${LLAMA_CPP_ERROR_BAND.compute * 100}% (${LLAMA_CPP_ERROR_BAND.logs} logs; README "How the numbers are computed").`,
    );
  if (offloading)
    print(
      `Expert offload: routed experts of the first N MoE layers in host memory (llama.cpp --n-cpu-moe N), ${bytes(o.offload!.hostBytes, u)} of host memory available; host reads at ${DEFAULT_HOST_BANDWIDTH / 1e9} GB/s (assumed).`,
    );
  if (chosen) {
    print('');
    print(
      k.bold(`Per-GPU plan at ${chosen.precision}: ${chosen.gpuCount} x ${s.gpu.id}, ${layout(chosen)}`) +
        '   (# weights, k KV cache, o overhead, . free)',
    );
    const gpusPerStage = chosen.tensorParallel;
    const lines: string[] = [];
    chosen.stages.forEach((st, si) => {
      const label = (g: number) => `GPU ${String(g).padStart(2)}`;
      const b = bar(
        [
          { value: st.weightsBytes, char: '#' },
          { value: st.kvBytes, char: 'k' },
          { value: st.overheadBytes, char: 'o' },
        ],
        st.budgetBytes,
      );
      const text = `${b}  ${bytes(st.totalBytes, u)} of ${bytes(st.budgetBytes, u)} (weights ${bytes(st.weightsBytes, u)}, KV ${bytes(st.kvBytes, u)}, overhead ${bytes(st.overheadBytes, u)}, free ${bytes(st.freeBytes, u)})`;
      const first = si * gpusPerStage;
      if (chosen.gpuCount <= 16) for (let g = 0; g < gpusPerStage; g++) lines.push(`${label(first + g)} ${text}`);
      else lines.push(`GPUs ${first}-${first + gpusPerStage - 1} (stage ${si + 1}) ${text}`);
    });
    for (const l of lines) print(chosen.fits ? l : k.red(l));
    if (chosen.offload) {
      print(
        `host  routed experts of MoE layers 1-${chosen.offload.layers}: ${bytes(chosen.offload.hostBytes, u)} of ${bytes(chosen.offload.hostCapacityBytes, u)} host memory (llama.cpp: --n-cpu-moe ${chosen.offload.layers})`,
      );
    }
  }
  print('');
  const fitting = results.filter((r) => r.plan?.fits).map((r) => `${r.precision.id}: ${r.plan!.gpuCount}`);
  if (o.count) {
    const ok = results.filter((r) => r.plan?.fits).map((r) => r.precision.id);
    print(
      ok.length
        ? k.green(`Fits on ${o.count} x ${s.gpu.id} at ${ok.join(', ')}.`)
        : k.red(
            `Does not fit on ${o.count} x ${s.gpu.id} at ${results.map((r) => r.precision.id).join(', ')}: short ${bytes(Math.min(...results.map((r) => r.plan?.shortfallBytes ?? Infinity)), u)} per GPU at best.`,
          ),
    );
  } else {
    print(
      fitting.length
        ? `Fewest GPUs per precision: ${fitting.join(', ')}.`
        : k.red('No plan fits within the search limit.'),
    );
  }
  for (const w of warnings) print(k.yellow(`warning: ${w}`));
  if (s.engine) {
    print('');
    if (launch) {
      print(k.bold(`Launch with ${launch.engine} (plan at ${chosen!.precision}, ${chosen!.gpuCount} x ${s.gpu.id}):`));
      print('  ' + launch.argv.map(shellQuote).join(' '));
      for (const n of launch.notes) print(`  note: ${n}`);
    } else print(k.red(`No launch command: no plan fits.`));
  }
  return o.count !== undefined && !fits ? 1 : 0;
}
