// The decode-speed calibration: recompute every published measurement of test/fixtures/decode-measurements.ts
// with estimateSpeed, fit the engine profiles' efficiencies and latencies, cross-validate by leaving one
// source (publication) out at a time, and derive the error bands from the held-out errors. Used by
// scripts/fit-speed.mjs (which writes the fitted block of src/core/speed.ts) and test/core/speed.test.ts
// (which recomputes it and checks the constants, the held-out median and the band coverage).
import { loadBuiltinFromYaml } from '../src/cards/builtin-yaml.js';
import { validateCard } from '../src/cards/load.js';
import { deriveParams } from '../src/core/params.js';
import { getPrecision } from '../src/core/precision.js';
import {
  type BandEntry,
  type BatchRange,
  batchRange,
  estimateSpeed,
  MIN_SOURCES,
  PROFILE_INFO,
  SPEED_BANDS,
  SPEED_PROFILES,
  speedBand,
  type SpeedProfileId,
  speedProfileFor,
  type SpeedTopology,
  type StepParams,
  type StepTerms,
  stepTime,
  topologyOf,
} from '../src/core/speed.js';
import type { Card, Gpu } from '../src/core/types.js';
import { DECODE_ROWS, type DecodeRow, FALLBACK_CARDS } from '../test/fixtures/decode-measurements.js';

export const PROFILE_IDS: readonly SpeedProfileId[] = [
  'llama.cpp',
  'llama.cpp-rocm',
  'llama.cpp-vulkan',
  'llama.cpp-metal',
  'mlx',
  'vllm',
  'vllm-rocm',
  'sglang',
  'sglang-rocm',
];

/** One measurement ready to be estimated: the step's terms under unit efficiencies and latencies. */
export interface Prepared {
  row: DecodeRow;
  profile: SpeedProfileId;
  terms: StepTerms;
  early: boolean;
  topology: SpeedTopology;
  batch: BatchRange;
  /** weight in the fit: 1 / sqrt(rows of its source), so no publication outweighs the others */
  weight: number;
}

/** A GPU standing in for a mixed layer split: bandwidth and FLOPs are the layer-weighted harmonic means
 *  (one token passes every GPU in turn, reading each GPU's share at that GPU's speed). */
function mixedGpu(parts: { gpu: Gpu; layers: number }[]): Gpu {
  const n = parts.reduce((s, p) => s + p.layers, 0);
  const harmonic = (f: (g: Gpu) => number) => n / parts.reduce((s, p) => s + p.layers / f(p.gpu), 0);
  const first = parts[0]!.gpu;
  return {
    ...first,
    id: parts.map((p) => p.gpu.id).join('+'),
    bandwidth_gbps: harmonic((g) => g.bandwidth_gbps),
    bf16_tflops: harmonic((g) => g.bf16_tflops),
    fp8_tflops: undefined,
    fp4_tflops: undefined,
    native_fp8: false,
    native_fp4: false,
  };
}

export function prepareRows(modelsDir: string, rows: readonly DecodeRow[] = DECODE_ROWS): Prepared[] {
  const data = loadBuiltinFromYaml(modelsDir);
  const cards = new Map<string, Card>(data.cards.map((c) => [c.card.id, c.card]));
  const cardFor = (id: string): Card => {
    const fallback = FALLBACK_CARDS[id];
    const c = cards.get(id) ?? (fallback ? validateCard(fallback, `fallback card ${id}`) : undefined);
    if (!c) throw new Error(`no card ${id}`);
    cards.set(id, c);
    return c;
  };
  const gpuFor = (id: string): Gpu => {
    const g = data.gpus.find((x) => x.id === id);
    if (!g) throw new Error(`no GPU ${id} in models/gpus.yaml`);
    return g;
  };
  const perSource = new Map<string, number>();
  for (const r of rows) if (!r.excluded) perSource.set(r.source, (perSource.get(r.source) ?? 0) + 1);
  return rows.map((row) => {
    const card = cardFor(row.model);
    const gpu = row.gpus ? mixedGpu(row.gpus.map((p) => ({ gpu: gpuFor(p.id), layers: p.layers }))) : gpuFor(row.gpu);
    const profile = speedProfileFor(row.engine, gpu, { backend: row.backend });
    const e = estimateSpeed(card, deriveParams(card), gpu, {
      precision: getPrecision(row.precision),
      kvBytes: row.kvBytes ?? 2,
      context: row.context,
      batch: row.batch,
      tensorParallel: row.tp ?? 1,
      pipelineStages: row.stages ?? 1,
      offloadLayers: row.offload?.layers ?? 0,
      hostBandwidth: (row.offload?.hostGBps ?? 60) * 1e9,
      bandwidthEfficiency: 1,
      computeEfficiency: 1,
    });
    return {
      row,
      profile,
      terms: e.terms,
      early: row.generation === 'early-2025',
      topology: topologyOf({ tensorParallel: row.tp, pipelineStages: row.stages, offload: !!row.offload }),
      batch: batchRange(row.batch),
      weight: 1 / Math.sqrt(perSource.get(row.source) ?? 1),
    };
  });
}

// --- Parameters --------------------------------------------------------------------------------------

interface ParamSpec {
  name: string;
  /** starting value and the centre of the weak log-normal prior */
  prior: number;
  min: number;
  max: number;
}

const LOCAL: SpeedProfileId[] = ['llama.cpp', 'llama.cpp-rocm', 'llama.cpp-vulkan', 'llama.cpp-metal', 'mlx'];
const SERVING = ['vllm', 'sglang'] as const;

/** Every fitted constant with its prior centre and range (seconds for latencies). The priors only keep a
 *  fold that loses most of a profile's rows from running off: their weight is PRIOR_WEIGHT per e-fold. */
export const PARAMS: readonly ParamSpec[] = [
  ...LOCAL.flatMap((p) => [
    { name: `${p}.bw`, prior: 0.7, min: 0.05, max: 1 },
    { name: `${p}.layer`, prior: 30e-6, min: 1e-7, max: 3e-3 },
  ]),
  { name: 'local.hop', prior: 300e-6, min: 1e-6, max: 0.05 },
  { name: 'local.splitLayer', prior: 30e-6, min: 1e-8, max: 1e-3 },
  { name: 'local.hostEff', prior: 0.5, min: 0.05, max: 1 },
  { name: 'local.hostLayer', prior: 50e-6, min: 1e-7, max: 0.01 },
  ...SERVING.flatMap((e) => [
    { name: `${e}.bw`, prior: 0.7, min: 0.05, max: 1 },
    { name: `${e}.step`, prior: 1e-3, min: 1e-6, max: 0.05 },
    { name: `${e}.layer`, prior: 30e-6, min: 1e-7, max: 3e-3 },
    { name: `${e}.tp`, prior: 30e-6, min: 1e-7, max: 3e-3 },
    { name: `${e}.seq`, prior: 2e-6, min: 1e-9, max: 2e-4 },
  ]),
  { name: 'serving.rocm.bw', prior: 1, min: 0.2, max: 2 },
  { name: 'serving.rocm.lat', prior: 1, min: 0.2, max: 5 },
  { name: 'serving.early2025', prior: 1.5, min: 0.3, max: 10 },
];
export const PRIOR_WEIGHT = 0.02;
/** Compute efficiency of every profile: assumed, not fitted. No measurement is compute-bound under it (the
 *  growth of the step with the batch is the per-sequence latency), so the data cannot pin it. */
export const COMPUTE_EFFICIENCY = 0.5;

export type Vector = Record<string, number>;

export function initialVector(): Vector {
  return Object.fromEntries(PARAMS.map((p) => [p.name, p.prior]));
}

export interface FittedProfiles {
  profiles: Record<SpeedProfileId, Required<StepParams>>;
  early2025: number;
}

export function profilesOf(v: Vector): FittedProfiles {
  const local = (p: SpeedProfileId): Required<StepParams> => ({
    bandwidthEfficiency: v[`${p}.bw`]!,
    computeEfficiency: COMPUTE_EFFICIENCY,
    hostEfficiency: v['local.hostEff']!,
    stepLatency: 0,
    layerLatency: v[`${p}.layer`]!,
    tpLatency: 0,
    sequenceLatency: 0,
    hopLatency: v['local.hop']!,
    splitLayerLatency: v['local.splitLayer']!,
    hostLayerLatency: v['local.hostLayer']!,
  });
  const serving = (e: 'vllm' | 'sglang', rocm: boolean): Required<StepParams> => {
    const f = rocm ? v['serving.rocm.lat']! : 1;
    return {
      bandwidthEfficiency: Math.min(1, v[`${e}.bw`]! * (rocm ? v['serving.rocm.bw']! : 1)),
      computeEfficiency: COMPUTE_EFFICIENCY,
      hostEfficiency: v['local.hostEff']!,
      stepLatency: v[`${e}.step`]! * f,
      layerLatency: v[`${e}.layer`]! * f,
      tpLatency: v[`${e}.tp`]! * f,
      sequenceLatency: v[`${e}.seq`]! * f,
      hopLatency: v['local.hop']!,
      splitLayerLatency: v['local.splitLayer']!,
      hostLayerLatency: v['local.hostLayer']!,
    };
  };
  return {
    profiles: {
      'llama.cpp': local('llama.cpp'),
      'llama.cpp-rocm': local('llama.cpp-rocm'),
      'llama.cpp-vulkan': local('llama.cpp-vulkan'),
      'llama.cpp-metal': local('llama.cpp-metal'),
      mlx: local('mlx'),
      vllm: serving('vllm', false),
      'vllm-rocm': serving('vllm', true),
      sglang: serving('sglang', false),
      'sglang-rocm': serving('sglang', true),
    },
    early2025: v['serving.early2025']!,
  };
}

/** Estimated tokens/s of a prepared row (per sequence at batch 1, total above: as the row measures). */
export function predict(p: Prepared, f: FittedProfiles): number {
  const base = f.profiles[p.profile];
  const g = p.early ? f.early2025 : 1;
  const params: StepParams =
    g === 1
      ? base
      : {
          ...base,
          stepLatency: base.stepLatency * g,
          layerLatency: base.layerLatency * g,
          tpLatency: base.tpLatency * g,
          sequenceLatency: base.sequenceLatency * g,
        };
  return p.terms.batch / stepTime(p.terms, params).stepSeconds;
}

/** log(estimate / measured) */
export function logError(p: Prepared, f: FittedProfiles): number {
  return Math.log(predict(p, f) / p.row.tokensPerSecond);
}

const HUBER = 0.05;

function objective(v: Vector, rows: readonly Prepared[]): number {
  const f = profilesOf(v);
  let s = 0;
  for (const p of rows) {
    const e = logError(p, f);
    s += p.weight * (Math.sqrt(e * e + HUBER * HUBER) - HUBER);
  }
  for (const spec of PARAMS) s += PRIOR_WEIGHT * Math.log(v[spec.name]! / spec.prior) ** 2;
  return s;
}

/** Coordinate descent in log space on a pseudo-Huber loss of the log errors (robust to a stray row),
 *  with source weights and the weak priors. Deterministic. */
export function fit(rows: readonly Prepared[], start: Vector = initialVector()): Vector {
  const used = rows.filter((p) => !p.row.excluded);
  const v = { ...start };
  let best = objective(v, used);
  for (const step of [1, 0.5, 0.25, 0.12, 0.06, 0.03, 0.015, 0.008, 0.004]) {
    for (let sweep = 0; sweep < 60; sweep++) {
      let improved = false;
      for (const spec of PARAMS) {
        const x = v[spec.name]!;
        for (const dir of [1, -1]) {
          const y = Math.min(spec.max, Math.max(spec.min, x * Math.exp(dir * step)));
          if (y === x) continue;
          v[spec.name] = y;
          const o = objective(v, used);
          if (o < best - 1e-12) {
            best = o;
            improved = true;
            break;
          }
          v[spec.name] = x;
        }
      }
      if (!improved) break;
    }
  }
  return v;
}

// --- Cross-validation and bands ------------------------------------------------------------------------

export interface Calibration {
  rows: Prepared[];
  /** the fit on every row */
  vector: Vector;
  fitted: FittedProfiles;
  /** log error of every row under the full fit */
  inSample: Map<string, number>;
  /** log error of every row under the fit without its source */
  heldOut: Map<string, number>;
  /** bands from the held-out errors (what the tool prints) */
  bands: BandEntry[];
  /** bands from the in-sample errors (for the side-by-side report only) */
  inSampleBands: BandEntry[];
}

export function used(rows: readonly Prepared[]): Prepared[] {
  return rows.filter((p) => !p.row.excluded);
}

/** 10th and 90th percentile of log errors, each source (publication) weighing 1 however many rows it has
 *  (one source's rows share a setup and err together), at the conformal level 0.9 (S + 1) / S for S sources:
 *  with few sources the band reaches the extreme sources' errors. */
export function percentileBand(errors: readonly { e: number; source: string }[]): [number, number] {
  const s = [...errors].sort((a, b) => a.e - b.e);
  const count = new Map<string, number>();
  for (const x of s) count.set(x.source, (count.get(x.source) ?? 0) + 1);
  const S = count.size;
  const tail = (1 - Math.min(1, (0.9 * (S + 1)) / S)) * S;
  const w = s.map((x) => 1 / count.get(x.source)!);
  // the first error (from either end) where the cumulative source weight passes the tail mass
  const pick = (order: number[]) => {
    let acc = 0;
    for (const i of order) {
      acc += w[i]!;
      if (acc > tail + 1e-9) return s[i]!.e;
    }
    return s[order.at(-1)!]!.e;
  };
  const idx = [...s.keys()];
  return [Math.expm1(pick(idx)), Math.expm1(pick([...idx].reverse()))];
}

export function bandTable(rows: readonly Prepared[], errors: Map<string, number>): BandEntry[] {
  const groups = new Map<string, { profile: SpeedProfileId; topology: string; batch: string; rows: Prepared[] }>();
  for (const p of rows) {
    if (!errors.has(p.row.id)) continue;
    for (const [topology, batch] of [
      [p.topology, p.batch],
      [p.topology, '*'],
      ['*', p.batch],
      ['*', '*'],
    ] as const) {
      const key = `${p.profile}|${topology}|${batch}`;
      let g = groups.get(key);
      if (!g) {
        g = { profile: p.profile, topology, batch, rows: [] };
        groups.set(key, g);
      }
      g.rows.push(p);
    }
  }
  const out: BandEntry[] = [];
  for (const g of groups.values()) {
    out.push({
      profile: g.profile,
      topology: g.topology as BandEntry['topology'],
      batch: g.batch as BandEntry['batch'],
      band: percentileBand(g.rows.map((p) => ({ e: errors.get(p.row.id)!, source: p.row.source }))),
      rows: g.rows.length,
      sources: new Set(g.rows.map((p) => p.row.source)).size,
    });
  }
  const order = (e: BandEntry) => `${PROFILE_IDS.indexOf(e.profile)}|${e.topology}|${e.batch}`;
  return out.sort((a, b) => (order(a) < order(b) ? -1 : order(a) > order(b) ? 1 : 0));
}

export function calibrate(modelsDir: string): Calibration {
  const rows = prepareRows(modelsDir);
  const vector = fit(rows);
  const fitted = profilesOf(vector);
  const inSample = new Map(used(rows).map((p) => [p.row.id, logError(p, fitted)]));
  const heldOut = new Map<string, number>();
  const sources = [...new Set(used(rows).map((p) => p.row.source))];
  for (const s of sources) {
    const v = fit(
      rows.filter((p) => p.row.source !== s),
      vector,
    );
    const f = profilesOf(v);
    for (const p of used(rows)) if (p.row.source === s) heldOut.set(p.row.id, logError(p, f));
  }
  return {
    rows,
    vector,
    fitted,
    inSample,
    heldOut,
    bands: bandTable(used(rows), heldOut),
    inSampleBands: bandTable(used(rows), inSample),
  };
}

export function queryOf(p: Prepared) {
  return {
    batch: p.row.batch,
    tensorParallel: p.row.tp ?? 1,
    pipelineStages: p.row.stages ?? 1,
    offload: !!p.row.offload,
  };
}

export interface Coverage {
  rows: number;
  inside: number;
  /** rows whose profile printed no band ("no calibration for ...") */
  uncalibrated: number;
}

/** Coverage of the printed band, held out twice: each source's held-out errors against the band the tool
 *  would print from every other source's held-out errors. */
export function nestedCoverage(c: Calibration, filter: (p: Prepared) => boolean = () => true): Coverage {
  const cov: Coverage = { rows: 0, inside: 0, uncalibrated: 0 };
  const rows = used(c.rows).filter(filter);
  for (const s of new Set(rows.map((p) => p.row.source))) {
    const others = used(c.rows).filter((p) => p.row.source !== s);
    const table = bandTable(others, c.heldOut);
    for (const p of rows.filter((x) => x.row.source === s)) {
      cov.rows++;
      const b = speedBand(p.profile, queryOf(p), table).band;
      if (!b) {
        cov.uncalibrated++;
        continue;
      }
      const e = Math.expm1(c.heldOut.get(p.row.id)!);
      if (e >= b[0] - 1e-9 && e <= b[1] + 1e-9) cov.inside++;
    }
  }
  return cov;
}

/** Coverage of a band table on a set of errors (the rows in `ids`, default all). */
export function coverageOf(
  c: Calibration,
  errors: Map<string, number>,
  table: BandEntry[],
  ids?: Set<string>,
): Coverage {
  const cov: Coverage = { rows: 0, inside: 0, uncalibrated: 0 };
  for (const p of used(c.rows)) {
    if (ids && !ids.has(p.row.id)) continue;
    cov.rows++;
    const b = speedBand(p.profile, queryOf(p), table).band;
    if (!b) {
      cov.uncalibrated++;
      continue;
    }
    const e = Math.expm1(errors.get(p.row.id)!);
    if (e >= b[0] - 1e-9 && e <= b[1] + 1e-9) cov.inside++;
  }
  return cov;
}

export function medianAbs(errors: Iterable<number>): number {
  const a = [...errors].map((e) => Math.abs(Math.expm1(e))).sort((x, y) => x - y);
  if (a.length === 0) return Number.NaN;
  const m = a.length >> 1;
  return a.length % 2 ? a[m]! : (a[m - 1]! + a[m]!) / 2;
}

// --- Reports -------------------------------------------------------------------------------------------

const pct = (x: number) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(0)}%`;
const bandText = (b: [number, number] | null | undefined) => (b ? `${pct(b[0])}/${pct(b[1])}` : 'none');

/** The side-by-side table: per profile, in-sample and held-out median |error|, the band each gives, and the
 *  share of rows inside the band printed for them (held-out: the printed band, then the strict nested check
 *  where the band comes from the other sources only). */
export function summaryTable(c: Calibration): string {
  const lines = [
    '                          | in-sample               | held-out (leave one source out)',
    'profile         rows  src | median  band       cover | median  band        cover   nested',
  ];
  const frac = (x: Coverage) => `${x.inside}/${x.rows - x.uncalibrated}`;
  const line = (name: string, ps: Prepared[], prof: SpeedProfileId | null) => {
    const ids = new Set(ps.map((p) => p.row.id));
    const inS = medianAbs(ps.map((p) => c.inSample.get(p.row.id)!));
    const out = medianAbs(ps.map((p) => c.heldOut.get(p.row.id)!));
    const whole = (t: BandEntry[]) =>
      prof ? t.find((e) => e.profile === prof && e.topology === '*' && e.batch === '*')?.band : undefined;
    const cin = coverageOf(c, c.inSample, c.inSampleBands, ids);
    const cout = coverageOf(c, c.heldOut, c.bands, ids);
    const nested = nestedCoverage(c, (p) => ids.has(p.row.id));
    const src = new Set(ps.map((p) => p.row.source)).size;
    lines.push(
      `${name.padEnd(15)} ${String(ps.length).padStart(4)} ${String(src).padStart(4)} | ` +
        `${`${(inS * 100).toFixed(0)}%`.padStart(6)}  ${bandText(whole(c.inSampleBands)).padEnd(10)} ` +
        `${frac(cin).padStart(7)} | ${`${(out * 100).toFixed(0)}%`.padStart(6)}  ` +
        `${bandText(whole(c.bands)).padEnd(11)} ${frac(cout).padStart(7)}  ${frac(nested).padStart(7)}` +
        (nested.uncalibrated ? ` (+${nested.uncalibrated} none)` : ''),
    );
  };
  for (const id of PROFILE_IDS) {
    const ps = used(c.rows).filter((p) => p.profile === id);
    if (ps.length) line(id, ps, id);
  }
  line('all', used(c.rows), null);
  line('all but overlap', used(c.rows).filter((p) => !p.row.overlap), null);
  return lines.join('\n');
}

/** Every row: measured, estimate, in-sample and held-out error, inside its printed band or not. */
export function rowTable(c: Calibration): string {
  const lines: string[] = [];
  for (const p of c.rows) {
    const r = p.row;
    if (r.excluded) {
      lines.push(`${r.id.padEnd(44)} excluded: ${r.excluded}`);
      continue;
    }
    const est = predict(p, c.fitted);
    const ho = Math.expm1(c.heldOut.get(r.id)!);
    const b = speedBand(p.profile, queryOf(p), c.bands).band;
    const inside = b ? (ho >= b[0] && ho <= b[1] ? 'in ' : 'OUT') : '-- ';
    lines.push(
      `${r.id.padEnd(44)} ${p.profile.padEnd(16)} measured ${r.tokensPerSecond.toFixed(1).padStart(8)}  ` +
        `estimate ${est.toFixed(1).padStart(8)}  in-sample ${pct(Math.expm1(c.inSample.get(r.id)!)).padStart(5)}  ` +
        `held-out ${pct(ho).padStart(5)} ${inside}`,
    );
  }
  return lines.join('\n');
}

// --- The fitted block of src/core/speed.ts -------------------------------------------------------------

const sig = (x: number, n = 3) => Number(x.toPrecision(n));

function sourcesOf(ps: Prepared[]): string {
  const count = new Map<string, number>();
  for (const p of ps) count.set(p.row.source, (count.get(p.row.source) ?? 0) + 1);
  return [...count].map(([s, n]) => `${s} (${n})`).join(', ');
}

function wrapComment(text: string, indent: string): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (`${indent}// ${line} ${word}`.length > 118 && line) {
      out.push(`${indent}// ${line}`);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) out.push(`${indent}// ${line}`);
  return out;
}

/** The TypeScript between the BEGIN FITTED and END FITTED markers of src/core/speed.ts. */
export function fittedBlock(c: Calibration): string {
  const f = c.fitted;
  const u = used(c.rows);
  const L: string[] = [];
  L.push('// BEGIN FITTED (scripts/fit-speed.mjs --write; do not edit by hand)');
  L.push(
    ...wrapComment(
      `Fitted by scripts/fit-speed.mjs to the ${u.length} measurements of test/fixtures/decode-measurements.ts ` +
        `(${new Set(u.map((p) => p.row.source)).size} sources): coordinate descent in log space on a pseudo-Huber ` +
        'loss of ' +
        'log(estimate / measured), each row weighted 1 / sqrt(rows of its source), with weak priors ' +
        `(${PRIOR_WEIGHT} per squared e-fold) that only matter in cross-validation folds that lose a profile's rows. ` +
        'Bands: 10th-90th percentile of the leave-one-source-out errors, each source weighing 1, at the conformal ' +
        'level 0.9 (S + 1) / S for S sources (few sources: the extreme sources).',
      '',
    ),
  );
  const early = u.filter((p) => p.early);
  L.push(
    ...wrapComment(
      `Early-2025 serving engines (vLLM <= 0.7, SGLang <= 0.4.3) paid x${sig(f.early2025)} the step, layer, TP and ` +
        `sequence latencies of current ones: fitted on ${early.length} rows, ${sourcesOf(early)}.`,
      '',
    ),
  );
  L.push(`export const EARLY_2025_FACTOR = ${sig(f.early2025)};`);
  const hop = u.filter((p) => p.terms.pipelineStages > 1);
  const host = u.filter((p) => p.terms.hostSecondsAtPeak > 0);
  const hopUs = sig(f.profiles['llama.cpp'].hopLatency * 1e6);
  const hopPriorUs = sig(PARAMS.find((x) => x.name === 'local.hop')!.prior * 1e6);
  L.push(
    ...wrapComment(
      `Shared by the llama.cpp-family profiles (and borrowed by vLLM / SGLang, which have no such rows): hop ` +
        `latency (${hopUs} us; its prior ${hopPriorUs} us: the rows barely pin it) and split layer latency fitted ` +
        `on the ${hop.length} layer-split rows (${hop.map((p) => p.row.id).join(', ')}); host efficiency ` +
        `and host layer latency on the ${host.length} expert-offload rows (${host.map((p) => p.row.id).join(', ')}). ` +
        `Compute efficiency ${COMPUTE_EFFICIENCY} everywhere: assumed, no row is compute-bound.`,
      '',
    ),
  );
  L.push('export const SPEED_PROFILES: Record<SpeedProfileId, EngineProfile> = {');
  for (const id of PROFILE_IDS) {
    const ps = u.filter((p) => p.profile === id);
    const p = f.profiles[id];
    const all = c.bands.find((e) => e.profile === id && e.topology === '*' && e.batch === '*');
    const sources = all?.sources ?? 0;
    const meta = PROFILE_INFO[id];
    L.push(...wrapComment(`${meta.label}: ${ps.length} rows from ${sourcesOf(ps) || 'none'}.`, '  '));
    if (id === 'vllm-rocm' || id === 'sglang-rocm')
      L.push('  // (its latencies and bandwidth are the CUDA profile x two fitted ROCm factors)');
    L.push(`  ${/^[a-z]+$/.test(id) ? id : `'${id}'`}: {`);
    L.push(`    ...PROFILE_INFO${/^[a-z]+$/.test(id) ? `.${id}` : `['${id}']`},`);
    L.push(`    bandwidthEfficiency: ${sig(p.bandwidthEfficiency)},`);
    L.push(`    computeEfficiency: ${sig(p.computeEfficiency)},`);
    L.push(`    hostEfficiency: ${sig(p.hostEfficiency)},`);
    L.push(`    stepLatency: ${sig(p.stepLatency)},`);
    L.push(`    layerLatency: ${sig(p.layerLatency)},`);
    L.push(`    tpLatency: ${sig(p.tpLatency)},`);
    L.push(`    sequenceLatency: ${sig(p.sequenceLatency)},`);
    L.push(`    hopLatency: ${sig(p.hopLatency)},`);
    L.push(`    splitLayerLatency: ${sig(p.splitLayerLatency)},`);
    L.push(`    hostLayerLatency: ${sig(p.hostLayerLatency)},`);
    L.push(`    band: ${all ? `[${sig(all.band[0])}, ${sig(all.band[1])}]` : '[0, 0]'},`);
    L.push(`    calibrated: ${sources >= MIN_SOURCES},`);
    L.push(`    rows: ${ps.length},`);
    L.push(`    sources: ${sources},`);
    L.push('  },');
  }
  L.push('};');
  L.push('/** Held-out bands by profile, topology and batch range (speedBand picks one). */');
  L.push('export const SPEED_BANDS: BandEntry[] = [');
  for (const e of c.bands) {
    L.push(
      `  { profile: '${e.profile}', topology: '${e.topology}', batch: '${e.batch}', ` +
        `band: [${sig(e.band[0])}, ${sig(e.band[1])}], rows: ${e.rows}, sources: ${e.sources} },`,
    );
  }
  L.push('];');
  L.push('// END FITTED');
  return L.join('\n');
}

/** Largest relative difference between the constants in src/core/speed.ts and a fresh fit, and the
 *  largest band difference (in fractions): how stale the fitted block is. */
export function staleness(c: Calibration): { params: number; bands: number; worst: string } {
  let params = 0;
  let worst = '';
  for (const id of PROFILE_IDS) {
    const have = SPEED_PROFILES[id];
    const want = c.fitted.profiles[id];
    if (!have) return { params: Number.POSITIVE_INFINITY, bands: Number.POSITIVE_INFINITY, worst: `${id} missing` };
    for (const k of Object.keys(want) as (keyof StepParams)[]) {
      const a = have[k] as number;
      const b = want[k] as number;
      const d = Math.abs(a - b) / Math.max(Math.abs(b), 1e-12);
      if (d > params) {
        params = d;
        worst = `${id}.${k}: ${a} vs ${sig(b)}`;
      }
    }
  }
  let bands = 0;
  for (const e of c.bands) {
    const have = SPEED_BANDS.find(
      (x) => x.profile === e.profile && x.topology === e.topology && x.batch === e.batch,
    );
    if (!have) return { params, bands: Number.POSITIVE_INFINITY, worst: `band ${e.profile}/${e.topology}/${e.batch}` };
    bands = Math.max(bands, Math.abs(have.band[0] - e.band[0]), Math.abs(have.band[1] - e.band[1]));
  }
  return { params, bands, worst };
}
