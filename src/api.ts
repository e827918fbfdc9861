// The library API: each function resolves names (built-in cards, card files, configs, GPUs) and
// returns the report object the CLI renders, so a program and the command line cannot disagree.
//   import { fit, show, compare } from 'moe-calc';
//   const r = await fit('grok-2', { gpu: 'a100-40g' });  // r.plans, r.chosen, r.warnings ...
import {
  allCards,
  findGpu,
  gpuCatalog,
  type RegistryOptions,
  resolveModel,
  resolveModelOrCheckpoint,
} from './cards/registry.js';
import type { HubAccess } from './cards/hub-access.js';
import type { Engine } from './core/engines.js';
import { ENGINES } from './core/engines.js';
import {
  type A2aBackend,
  A2A_BACKENDS,
  tpRejection,
  type FitOptions,
  type Rig,
  rigIsMixed,
  smallestGpu,
} from './core/fit.js';
import { detectRig, hostMemory } from './cards/detect.js';
import { type KvPrecision, parseKvPrecision } from './core/kv.js';
import { CURRENT_GENERATION, DEFAULT_UTILIZATION, vllmGeneration } from './core/overhead.js';
import { countLayers } from './core/params.js';
import { getPrecision, type Precision } from './core/precision.js';
import {
  buildFitReport,
  DEFAULT_CONTEXT,
  type FitReport,
  type FitSetup,
  selectPrecisions,
} from './core/reports/fit.js';
import { type AuditReport, buildAuditReport } from './core/reports/audit.js';
import { type RigReport, rigReport } from './core/reports/fit.js';
import { buildTopReport, TOP_PRECISIONS, TOP_SORTS, type TopReport, type TopSort } from './core/reports/top.js';
import { buildGpusReport, buildListReport, type GpusReport, type ListReport } from './core/reports/catalog.js';
import { buildCompareReport, COMPARE_PRECISIONS, type CompareReport } from './core/reports/compare.js';
import {
  buildCheckpointOnlyReport,
  buildShowReport,
  type CheckpointOnlyReport,
  type ShowReport,
} from './core/reports/show.js';
import { buildSpeedReport, type SpeedReport, type SpeedTuning, speedPlan } from './core/reports/speed.js';
import type { Card, Gpu } from './core/types.js';
import { didYouMean, UserError } from './errors.js';
import { int } from './render/format.js';

/** Where to find cards and GPUs besides the built-in ones. */
export interface Sources {
  /** folders of user cards (the CLI's --models and MOE_CALC_MODELS) */
  modelDirs?: readonly string[];
  /** a GPU catalog file whose entries add to or replace the built-in GPUs (--gpus) */
  gpusFile?: string;
  /** how Hugging Face hub ids are fetched (timeout, progress, debug lines) */
  hub?: HubAccess;
}

export interface FitRequest extends Sources {
  /** GPU id or alias from the catalog */
  gpu: string;
  /** precision ids, 'all', or undefined for the native one, bf16, fp8, int4, q8_0 and q4_k_m */
  precision?: readonly string[] | 'all';
  /** check exactly this many GPUs */
  count?: number;
  /** tokens per sequence (default 8192, capped at the model's maximum) */
  context?: number;
  /** concurrent sequences (default 1) */
  batch?: number;
  kvPrecision?: string;
  utilization?: number;
  /** unified memory: the share the GPU may use */
  usableFraction?: number;
  tp?: number;
  gpusPerNode?: number;
  batchTokens?: number;
  maxNumSeqs?: number;
  /** account memory as this vLLM release does */
  vllm?: string;
  enforceEager?: boolean;
  activationBytes?: number;
  nonTorchBytes?: number;
  engine?: string;
  /** host memory for offloaded experts, bytes; enables expert offload */
  cpuMemoryBytes?: number;
  /** MoE layers whose experts go to host memory, or 'auto' for the fewest that fit */
  offloadExperts?: number | 'auto';
  /** leave the vision / audio towers out (vLLM --language-model-only) */
  textOnly?: boolean;
  /** data-parallel attention replicas */
  dp?: number;
  /** routed experts whole over EP = TP x DP (true), sharded (false), or searched (undefined) */
  expertParallel?: boolean;
  /** expert-parallel size when it differs from TP x DP (SGLang --ep-size) */
  ep?: number;
  redundantExperts?: number;
  a2a?: A2aBackend;
  /** --gpu auto: plan only the memory the GPUs have free (what other processes hold is subtracted) */
  freeOnly?: boolean;
  /** llama.cpp --tensor-split: layer shares per GPU of a rig (default: by free memory, as llama.cpp) */
  tensorSplit?: readonly number[];
  /** --cpu-memory auto: read the host memory from the OS (overrides cpuMemoryBytes) */
  cpuMemoryAuto?: boolean;
}

function registry(s: Sources): RegistryOptions {
  return { modelDirs: s.modelDirs ?? [], ...(s.hub ? { hub: s.hub } : {}) };
}

export async function resolveGpu(name: string, s: Sources): Promise<Gpu> {
  return findGpu(await gpuCatalog(s.gpusFile), name);
}

/** A --gpu spec that names several GPUs: "auto" (this machine's), "a+b", "2xa+b", "2xa". Undefined for one
 *  catalog GPU (the plain --gpu <id>, searched over counts). */
export async function resolveRig(spec: string, s: Sources & { freeOnly?: boolean }): Promise<Rig | undefined> {
  const t = spec.trim().toLowerCase();
  if (t === 'auto') return detectRig(await gpuCatalog(s.gpusFile), { freeOnly: s.freeOnly ?? false });
  if (s.freeOnly) throw new UserError('--free-only: reads the memory in use, so it needs --gpu auto');
  const terms = t.split('+').map((x) => x.trim());
  if (terms.length === 1 && !/^\d+\s*[x×]\s*\S/.test(terms[0]!)) return undefined;
  const catalog = await gpuCatalog(s.gpusFile);
  const slots: Rig['slots'] = [];
  for (const term of terms) {
    const m = /^(\d+)\s*[x×]\s*(\S.*)$/.exec(term);
    const n = m ? Number(m[1]) : 1;
    const name = m ? m[2]! : term;
    if (!name || n < 1 || n > 64) {
      throw new UserError(
        `--gpu: "${spec}": expected GPU ids joined by "+", each optionally "<n>x" (e.g. 2xrtx-3090+rtx-5090)`,
      );
    }
    const gpu = findGpu(catalog, name);
    for (let i = 0; i < n; i++)
      slots.push({ gpu, freeBytes: gpu.memory_bytes * gpu.usable_fraction, usedBytes: null, reportedName: null });
  }
  return { slots, notes: [], source: 'catalog' };
}

export function parseEngine(name: string): Engine {
  const e = name.toLowerCase().replace(/^llamacpp$|^llama-cpp$/, 'llama.cpp');
  if (!(ENGINES as readonly string[]).includes(e)) {
    throw new UserError(`--engine: unknown engine "${name}" (expected ${ENGINES.join(', ')})${didYouMean(e, ENGINES)}`);
  }
  return e as Engine;
}

/** The rows a KV type can run on: llama.cpp's ggml types (q8_0 ... iq4_nl, K and V apart) only on GGUF
 *  precisions, the engines' fp8 dtypes only on engine precisions. Unasked-for rows of the other kind are left
 *  out; precisions named explicitly that cannot keep the KV type are refused. */
function kvRows(precisions: Precision[], kv: KvPrecision, asked: FitRequest['precision']): Precision[] {
  if (kv.runs === 'any') return precisions;
  const gguf = kv.runs === 'gguf';
  const kept = precisions.filter((p) => (p.gguf ?? false) === gguf);
  const off = precisions.filter((p) => (p.gguf ?? false) !== gguf);
  if (Array.isArray(asked) && off.length > 0) {
    const names = off.map((p) => p.id).join(', ');
    throw new UserError(
      gguf
        ? `--kv-precision: ${kv.id} is a llama.cpp KV cache type, but ${names} ${off.length > 1 ? 'run' : 'runs'} on ` +
            'vLLM / SGLang, whose KV ' +
            'dtypes are bf16, fp16, fp8, fp8_e4m3 and fp8_e5m2 (give --kv-precision fp8, or a GGUF precision such ' +
            'as --precision q4_k_m)'
        : `--kv-precision: llama.cpp (which runs ${names}) has no ${kv.id} KV cache: give --kv-precision ` +
            'q8_0 (34 bytes per 32 values) for GGUF rows',
    );
  }
  if (kept.length === 0) {
    throw new UserError(`--kv-precision: ${kv.id} suits none of the precisions asked for`);
  }
  return kept;
}

/** Check a fit request against the model and the GPU and fill in every default. `own`: the precision of a
 *  model file planned byte for byte (a GGUF), the only row it has. */
export function fitSetupFor(
  card: Card,
  file: string,
  gpuIn: Gpu,
  qIn: Omit<FitRequest, 'gpu'>,
  rig?: Rig,
  own?: Precision,
): FitSetup {
  let gpu = gpuIn;
  let q = qIn;
  if (rig) {
    // a rig is planned on exactly its GPUs; engine ranks are sized to its smallest card
    const n = rig.slots.length;
    if (q.count !== undefined && q.count !== n) {
      throw new UserError(
        `--count: the rig has ${n} GPU${n > 1 ? 's' : ''}; --gpu <spec> fixes the count, drop --count`,
      );
    }
    gpu = rigIsMixed(rig) ? smallestGpu(rig) : rig.slots[0]!.gpu;
    q = { ...q, count: n };
  }
  if (q.tensorSplit !== undefined) {
    const n = q.count ?? 1;
    if (n < 2 || q.tensorSplit.length !== n) {
      throw new UserError(
        `--tensor-split: ${q.tensorSplit.length} shares for ${n} GPU${n > 1 ? 's' : ''}: give one share per GPU ` +
          '(with --gpu a+b, --gpu auto or --count)',
      );
    }
  }
  if (q.usableFraction !== undefined) {
    if (gpu.usable_fraction >= 1) {
      throw new UserError(
        `--usable-fraction: ${gpu.id} has memory of its own, all of it the GPU's; --utilization sets ` +
          `the engine's share`,
      );
    }
    gpu = { ...gpu, usable_fraction: q.usableFraction };
  }
  const a = card.architecture;
  if (q.context !== undefined && q.context > a.max_context) {
    throw new UserError(
      `--context: ${int(q.context)} tokens exceeds ${card.id}'s maximum context of ${int(a.max_context)} tokens`,
    );
  }
  const kv = parseKvPrecision(q.kvPrecision ?? 'bf16');
  const kvPrecision = kv.id;
  const kvBytes = kv.bytes;
  const { tp, count, gpusPerNode } = q;
  if (tp !== undefined && gpusPerNode !== undefined && tp > gpusPerNode) {
    throw new UserError(
      `--tp: ${tp} exceeds --gpus-per-node ${gpusPerNode} (a tensor-parallel group stays within one node)`,
    );
  }
  if (own && q.precision !== undefined) {
    throw new UserError(
      `--precision: ${file} is a GGUF file: it is planned at its own tensors (${own.id}); ` +
        'leave --precision out, or name the card id to plan other precisions',
    );
  }
  const precisions = own ? kvRows([own], kv, [own.id]) : kvRows(selectPrecisions(card, q.precision), kv, q.precision);
  if (tp !== undefined) {
    // --tp sets the engines' tensor-parallel size; GGUF rows keep llama.cpp's layer split (TP 1)
    const engines = precisions.filter((x) => !x.gguf);
    const why = (engines.length ? engines : precisions).map((x) => tpRejection(card, tp, x)).find((r) => r);
    if (why) throw new UserError(`--tp: ${why}`);
    if (count !== undefined && count % tp !== 0) {
      throw new UserError(`--tp: ${tp} does not divide --count ${count} (the GPUs are TP x pipeline stages)`);
    }
  }
  let offload: FitOptions['offload'];
  if (q.offloadExperts !== undefined) {
    if (q.cpuMemoryBytes === undefined) {
      throw new UserError('--offload-experts: needs --cpu-memory <GB> (the host memory the experts may use)');
    }
    if (!a.moe) throw new UserError(`--offload-experts: ${card.id} is dense: it has no routed experts to offload`);
    const moeLayers = countLayers(a.moe.layers, a.num_layers);
    if (q.offloadExperts !== 'auto' && q.offloadExperts > moeLayers) {
      throw new UserError(
        `--offload-experts: expected an integer from 0 to ${moeLayers} (the MoE layers), got ${q.offloadExperts}`,
      );
    }
    offload = { layers: q.offloadExperts, hostBytes: q.cpuMemoryBytes };
  } else if (q.cpuMemoryBytes !== undefined) {
    offload = { layers: 'auto', hostBytes: q.cpuMemoryBytes };
  }
  if (offload && gpu.usable_fraction < 1) {
    throw new UserError(
      `--offload-experts: ${gpu.id} has unified memory: host and GPU memory are one pool, so offloading ` +
        `experts frees nothing`,
    );
  }
  // towers engines load beside the decoder, at 16 bits; --text-only drops the vision / audio ones
  const towers = card.extra_components.filter((e) => e.loaded && !(q.textOnly && e.kind !== 'other'));
  if (q.textOnly && !card.extra_components.some((e) => e.loaded && e.kind !== 'other')) {
    throw new UserError(`--text-only: ${card.id} has no vision or audio tower to leave out`);
  }
  if (q.dp !== undefined || q.expertParallel || q.ep !== undefined || q.redundantExperts) {
    if (!a.moe && (q.expertParallel || q.ep !== undefined || q.redundantExperts)) {
      throw new UserError(`--expert-parallel: ${card.id} is dense: it has no experts to place`);
    }
    if (precisions.every((p) => p.gguf)) {
      throw new UserError(
        '--dp / --expert-parallel: llama.cpp (GGUF precisions) runs neither; choose an engine precision',
      );
    }
    if (offload) throw new UserError('--dp / --expert-parallel: not with expert offload (llama.cpp only)');
  }
  if (q.a2a !== undefined && !(A2A_BACKENDS as readonly string[]).includes(q.a2a)) {
    throw new UserError(
      `--a2a-backend: expected ${A2A_BACKENDS.join(', ')}, got "${q.a2a}"${didYouMean(q.a2a, A2A_BACKENDS)}`,
    );
  }
  if (q.ep !== undefined && q.expertParallel === false)
    throw new UserError('--ep: conflicts with --no-expert-parallel');
  if (count !== undefined && q.dp !== undefined && count % q.dp !== 0) {
    throw new UserError(`--dp: ${q.dp} does not divide --count ${count} (the GPUs are TP x DP x pipeline stages)`);
  }
  const engine = q.engine === undefined ? undefined : parseEngine(q.engine);
  const options: Omit<FitOptions, 'precision'> = {
    // --engine sglang: SGLang's accounting; --utilization is then its mem_fraction_static
    ...(engine === 'sglang'
      ? { accounting: 'sglang' as const, ...(q.utilization !== undefined ? { memFractionStatic: q.utilization } : {}) }
      : {}),
    ...(q.dp !== undefined ? { dp: q.dp } : {}),
    ...(q.expertParallel !== undefined || q.ep !== undefined ? { expertParallel: q.expertParallel ?? true } : {}),
    ...(q.ep !== undefined ? { ep: q.ep } : {}),
    ...(q.redundantExperts ? { redundantExperts: q.redundantExperts } : {}),
    ...(q.a2a !== undefined ? { a2a: q.a2a } : {}),
    towerBytes: towers.reduce((n, e) => n + e.params * 2, 0),
    kvBytes,
    context: q.context ?? Math.min(DEFAULT_CONTEXT, a.max_context),
    batch: q.batch ?? 1,
    utilization: q.utilization ?? DEFAULT_UTILIZATION,
    gpusPerNode: Math.max(gpusPerNode ?? gpu.gpus_per_node, tp ?? 1),
    ...(tp !== undefined ? { tp } : {}),
    batchTokens: q.batchTokens,
    maxNumSeqs: q.maxNumSeqs,
    generation: q.vllm === undefined ? CURRENT_GENERATION : vllmGeneration(q.vllm),
    ...(q.enforceEager ? { cudaGraphBytes: 0 } : {}),
    activationBytes: q.activationBytes,
    nonTorchBytes: q.nonTorchBytes,
    count,
    ...(offload ? { offload } : {}),
    ...(rig ? { rig } : {}),
    ...(q.tensorSplit ? { tensorSplit: q.tensorSplit } : {}),
  };
  return {
    card,
    file,
    gpu,
    precisions,
    explicitPrecision: own !== undefined || q.precision !== undefined,
    options,
    kvPrecision,
    explicitContext: q.context !== undefined,
    textOnly: q.textOnly ?? false,
    engine,
  };
}

export async function fitSetup(model: string, qIn: FitRequest): Promise<FitSetup> {
  const q = withHostMemory(qIn);
  const rig = await resolveRig(q.gpu, q);
  const [r, gpu] = await Promise.all([
    resolveModel(model, registry(q)),
    rig ? rig.slots[0]!.gpu : resolveGpu(q.gpu, q),
  ]);
  return { ...fitSetupFor(r.card, r.file, gpu, q, rig, r.precision), checkpoint: r.checkpoint };
}

/** --cpu-memory auto: the host memory the OS reports (src/cards/detect.ts hostMemory). */
export function withHostMemory<T extends Omit<FitRequest, 'gpu'>>(q: T): T {
  return q.cpuMemoryAuto ? { ...q, cpuMemoryBytes: hostMemory().bytes } : q;
}

/** The fewest GPUs per precision (or the check of `count` GPUs), the chosen plan and its launch command. */
export async function fit(model: string, q: FitRequest & { layouts?: boolean }): Promise<FitReport> {
  const s = await fitSetup(model, q);
  if (q.layouts && s.precisions.length !== 1) {
    throw new UserError('--layouts: compares the layouts of one precision: give --precision');
  }
  return buildFitReport(s, undefined, q.layouts ?? false);
}

/** Decode and prefill speed of the plan `fit` would choose for the first (or native) precision. */
export async function speed(
  model: string,
  q: FitRequest,
  tuning: SpeedTuning = {},
): Promise<SpeedReport & { rig?: RigReport }> {
  if (Array.isArray(q.precision) && q.precision.length > 1)
    throw new UserError('--precision: speed takes one precision');
  if (q.precision === 'all') throw new UserError('--precision: speed takes one precision, not "all"');
  const s = await fitSetup(model, q);
  s.precisions = [s.precisions[0]!]; // the one asked for, else the native one
  const plan = speedPlan(s);
  if (!plan) {
    const o = s.options;
    throw new UserError(
      `${s.card.id} at ${s.precisions[0]!.id} does not fit ${o.count ? `${o.count} x ` : ''}${s.gpu.id}` +
        `${o.count ? '' : ' within the search limit'}: run "moe-calc fit" for the plan (exit 2: no plan to time)`,
    );
  }
  const rig = s.options.rig;
  if (rig && rigIsMixed(rig)) {
    // the roofline reads every stage at the card the plan was sized to (speed.ts times one GPU kind)
    const r = rigReport(rig, s.gpu.id, s.precisions);
    r.notes.push(
      `decode is timed at ${s.gpu.id}'s bandwidth on every GPU of ${r.label}: a lower bound where the ` +
        'other cards are faster',
    );
    return { ...buildSpeedReport(s, plan, tuning), rig: r };
  }
  return buildSpeedReport(s, plan, tuning);
}

/** The exact parameter breakdown of a model, its weights, KV per token and sources. */
export async function show(model: string, s: Sources = {}): Promise<ShowReport> {
  const { card, file, origin, crossCheck, checkpoint } = await resolveModel(model, registry(s));
  return buildShowReport(card, { file, origin, crossCheck, checkpoint });
}

/** As `show`, but a model type the importer does not know is described from its checkpoint's headers
 *  (exact totals, labelled estimates) instead of refused: what `moe-calc show` prints. */
export async function showOrCheckpoint(model: string, s: Sources = {}): Promise<ShowReport | CheckpointOnlyReport> {
  const r = await resolveModelOrCheckpoint(model, registry(s));
  if (!('card' in r)) return buildCheckpointOnlyReport(r);
  const { card, file, origin, crossCheck, checkpoint } = r;
  return buildShowReport(card, { file, origin, crossCheck, checkpoint });
}

/** Every card: the built-in ones, then those of the folders named. */
export async function list(s: Sources = {}): Promise<ListReport> {
  return buildListReport(await allCards(registry(s)));
}

/** The GPU catalog (built-in, plus the GPU file named). */
export async function gpus(s: Sources = {}): Promise<GpusReport> {
  return buildGpusReport(await gpuCatalog(s.gpusFile));
}

export interface CompareRequest extends Sources {
  /** card ids, files or configs; every card when empty */
  models?: readonly string[];
  precision?: readonly string[];
  gpu?: string;
  context?: number;
}

/** Models side by side; with a GPU, how many of it each needs. */
export async function compare(q: CompareRequest = {}): Promise<CompareReport> {
  const r = registry(q);
  const cards = q.models?.length ? await Promise.all(q.models.map((m) => resolveModel(m, r))) : await allCards(r);
  if (cards.length === 0) throw new UserError('compare: no models given');
  const precisions = (q.precision ?? COMPARE_PRECISIONS).map((p) => getPrecision(p.trim()));
  const gpu = q.gpu === undefined ? undefined : await resolveGpu(q.gpu, q);
  return buildCompareReport(
    cards.map((c) => c.card),
    precisions,
    gpu,
    q.context,
  );
}

/** The published claims of the cards named (every card when none), judged against the derivation. */
export async function audit(
  models: readonly string[] = [],
  s: Sources & { strict?: boolean } = {},
): Promise<AuditReport> {
  const r = registry(s);
  const cards = models.length ? await Promise.all(models.map((m) => resolveModel(m, r))) : await allCards(r);
  return buildAuditReport(cards, s.strict ?? false);
}

export interface TopRequest extends Sources {
  /** a GPU id, a rig ("rtx-5090+rtx-3090", "2xrtx-3090") or "auto" */
  gpu: string;
  /** GPUs of a single --gpu id (default 1); a rig fixes its own count */
  count?: number;
  /** tokens per sequence every model is planned at (default 8192, capped at each model's maximum) */
  context?: number;
  batch?: number;
  kvPrecision?: string;
  /** precisions to try (default TOP_PRECISIONS: GGUF q8_0 down to iq2_xxs) */
  precision?: readonly string[];
  utilization?: number;
  cpuMemoryBytes?: number;
  cpuMemoryAuto?: boolean;
  freeOnly?: boolean;
  tensorSplit?: readonly number[];
  engine?: string;
  sort?: TopSort;
  /** only these cards (ids, files); every card when empty */
  models?: readonly string[];
}

/** Every card (built-in and the folders named) ranked for one rig: the best precision that fits each. */
export async function top(qIn: TopRequest): Promise<TopReport> {
  const q = withHostMemory(qIn);
  const r = registry(q);
  const sort = q.sort ?? 'params';
  if (!(TOP_SORTS as readonly string[]).includes(sort)) {
    throw new UserError(`--sort: expected ${TOP_SORTS.join(', ')}, got "${sort}"${didYouMean(sort, TOP_SORTS)}`);
  }
  const [rig, cards] = await Promise.all([
    resolveRig(q.gpu, q),
    q.models?.length ? Promise.all(q.models.map((m) => resolveModel(m, r))) : allCards(r),
  ]);
  const gpu = rig ? rig.slots[0]!.gpu : await resolveGpu(q.gpu, q);
  const precisions = [...(q.precision ?? TOP_PRECISIONS)].map((p) => getPrecision(p.trim()).id);
  const setups: FitSetup[] = [];
  const failed: { id: string; name: string; reason: string }[] = [];
  let capped = 0;
  for (const { card, file } of cards) {
    const max = card.architecture.max_context;
    if (q.context !== undefined && q.context > max) capped++;
    try {
      setups.push(
        fitSetupFor(
          card,
          file,
          gpu,
          {
            ...q,
            precision: precisions,
            count: rig ? undefined : (q.count ?? 1),
            context: q.context === undefined ? undefined : Math.min(q.context, max),
          },
          rig,
        ),
      );
    } catch (e) {
      if (!(e instanceof UserError)) throw e;
      failed.push({ id: card.id, name: card.name, reason: e.message });
    }
  }
  if (!setups.length && failed.length) throw new UserError(failed[0]!.reason);
  const s0 = setups[0];
  const rigR = rig && s0 ? rigReport(rig, s0.gpu.id, s0.precisions) : null;
  const notes: string[] = [];
  if (capped) notes.push(`${capped} model(s) planned at their own maximum context, below --context`);
  if (rig && rigIsMixed(rig))
    notes.push(`decode speeds use ${smallestGpu(rig).id}'s bandwidth for every GPU of the rig (a lower bound)`);
  const count = rig ? rig.slots.length : (q.count ?? 1);
  return buildTopReport(setups, failed, {
    gpu: { id: s0?.gpu.id ?? gpu.id, name: s0?.gpu.name ?? gpu.name, memoryBytes: gpu.memory_bytes, count },
    rig: rigR,
    context: q.context ?? DEFAULT_CONTEXT,
    batch: q.batch ?? 1,
    kvPrecision: (q.kvPrecision ?? 'bf16').toLowerCase(),
    hostMemoryBytes: q.cpuMemoryBytes ?? null,
    precisions,
    sort,
    notes,
  });
}
