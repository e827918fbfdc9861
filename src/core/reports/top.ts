// The top report (moe-calc top): every model ranked for one rig. For each card the precisions are tried
// from the most bits per weight down and the first that fits on exactly the rig's GPUs (with expert offload
// when host memory is given) is its row: weights, layout, the longest context, decode speed. Pure: the
// caller resolves cards, the rig and every setup.
import { fitPlan, layerBytes, totalWeightBytes } from '../fit.js';
import { deriveParams } from '../params.js';
import type { Precision } from '../precision.js';
import { layoutName, SCHEMA_VERSION, type FitSetup } from './common.js';
import { type RigReport, speedOf } from './fit.js';

/** What top tries when no --precision is given: the GGUF files llama.cpp runs on consumer rigs, from
 *  8 bits down to 2 (llama.cpp's quantisation types; a card at bf16 or fp8 is an engine row: --precision). */
export const TOP_PRECISIONS = ['q8_0', 'q6_k', 'q5_k_m', 'q4_k_m', 'q3_k_m', 'q2_k', 'iq2_xxs'];

export const TOP_SORTS = ['params', 'speed', 'context', 'name'] as const;
export type TopSort = (typeof TOP_SORTS)[number];

export interface TopRow {
  rank: number;
  model: { id: string; name: string; totalParams: number; activeParams: number; moe: boolean };
  fits: boolean;
  /** the precision with the most bits per weight that fits (null: none fits) */
  precision: string | null;
  bitsPerWeight: number | null;
  weightsTotalBytes: number | null;
  layout: string | null;
  gpuCount: number | null;
  /** the context planned (--context, capped at the model's maximum) */
  context: number;
  maxContext: number | null;
  maxContextIsModelLimit: boolean;
  /** the worst GPU: used of its budget */
  usedBytes: number | null;
  budgetBytes: number | null;
  decodeTokensPerSecond: number | null;
  /** routed experts kept in host memory (with --cpu-memory) */
  offload: { layers: number; hostBytes: number } | null;
  /** when nothing fits: the least a GPU is short by, at the smallest precision tried */
  shortfallBytes: number | null;
  /** why a card was left unplanned (a setup error), else null */
  reason: string | null;
}

export interface TopReport {
  schemaVersion: 1;
  rig: RigReport | null;
  gpu: { id: string; name: string; memoryBytes: number; count: number };
  request: {
    context: number;
    batch: number;
    kvPrecision: string;
    hostMemoryBytes: number | null;
    precisions: string[];
    sort: TopSort;
  };
  fitting: number;
  rows: TopRow[];
  notes: string[];
}

/** One card's row: its precisions from the most bits down, the first plan that fits. */
export function topRow(s: FitSetup): Omit<TopRow, 'rank'> {
  const d = deriveParams(s.card);
  const a = s.card.architecture;
  const sized = s.precisions
    .map((p) => ({ p, bytes: totalWeightBytes(layerBytes(d, a, p)) }))
    .sort((x, y) => y.bytes - x.bytes || x.p.id.localeCompare(y.p.id));
  const base = {
    model: { id: s.card.id, name: s.card.name, totalParams: d.total, activeParams: d.active, moe: !!a.moe },
    context: s.options.context,
    reason: null,
  };
  let smallest: { p: Precision; short: number } | undefined;
  for (const { p, bytes } of sized) {
    const plan = fitPlan(s.card, d, s.gpu, { ...s.options, precision: p });
    if (!plan) continue;
    if (!plan.fits) {
      smallest = { p, short: plan.shortfallBytes };
      continue;
    }
    const sp = speedOf(s, d, p, plan);
    return {
      ...base,
      fits: true,
      precision: p.id,
      bitsPerWeight: Math.round(((bytes * 8) / d.total) * 100) / 100,
      weightsTotalBytes: bytes,
      layout: layoutName(plan),
      gpuCount: plan.gpuCount,
      maxContext: plan.maxContext,
      maxContextIsModelLimit: plan.maxContextIsModelLimit,
      usedBytes: plan.perGpu.totalBytes,
      budgetBytes: plan.perGpu.budgetBytes,
      decodeTokensPerSecond: Math.round(sp.speed.tokensPerSecondPerSequence * 10) / 10,
      offload: plan.offload ? { layers: plan.offload.layers, hostBytes: plan.offload.hostBytes } : null,
      shortfallBytes: null,
    };
  }
  return {
    ...base,
    fits: false,
    precision: null,
    bitsPerWeight: null,
    weightsTotalBytes: null,
    layout: null,
    gpuCount: null,
    maxContext: null,
    maxContextIsModelLimit: false,
    usedBytes: null,
    budgetBytes: null,
    decodeTokensPerSecond: null,
    offload: null,
    shortfallBytes: smallest ? smallest.short : null,
  };
}

/** Rows that fit first; among them by the sort asked for (params: the largest model first, the usual proxy
 *  for what a rig can do best; speed; context), ties by bits per weight then id; rows that do not fit by
 *  shortfall. */
export function rankRows(rows: Omit<TopRow, 'rank'>[], sort: TopSort): TopRow[] {
  const key = (r: Omit<TopRow, 'rank'>): number =>
    sort === 'speed'
      ? (r.decodeTokensPerSecond ?? 0)
      : sort === 'context'
        ? (r.maxContext ?? 0)
        : sort === 'params'
          ? r.model.totalParams
          : 0;
  const sorted = [...rows].sort((x, y) => {
    if (x.fits !== y.fits) return x.fits ? -1 : 1;
    if (!x.fits)
      return (x.shortfallBytes ?? Infinity) - (y.shortfallBytes ?? Infinity) || x.model.id.localeCompare(y.model.id);
    if (sort === 'name') return x.model.id.localeCompare(y.model.id);
    return key(y) - key(x) || (y.bitsPerWeight ?? 0) - (x.bitsPerWeight ?? 0) || x.model.id.localeCompare(y.model.id);
  });
  return sorted.map((r, i) => ({ rank: i + 1, ...r }));
}

export function buildTopReport(
  setups: FitSetup[],
  failed: { id: string; name: string; reason: string }[],
  o: TopReport['request'] & Pick<TopReport, 'gpu' | 'rig' | 'notes'>,
): TopReport {
  const rows = setups.map(topRow);
  const ranked = rankRows(
    [
      ...rows,
      ...failed.map(
        (f): Omit<TopRow, 'rank'> => ({
          model: { id: f.id, name: f.name, totalParams: 0, activeParams: 0, moe: false },
          fits: false,
          precision: null,
          bitsPerWeight: null,
          weightsTotalBytes: null,
          layout: null,
          gpuCount: null,
          context: o.context,
          maxContext: null,
          maxContextIsModelLimit: false,
          usedBytes: null,
          budgetBytes: null,
          decodeTokensPerSecond: null,
          offload: null,
          shortfallBytes: null,
          reason: f.reason,
        }),
      ),
    ],
    o.sort,
  );
  return {
    schemaVersion: SCHEMA_VERSION,
    rig: o.rig,
    gpu: o.gpu,
    request: {
      context: o.context,
      batch: o.batch,
      kvPrecision: o.kvPrecision,
      hostMemoryBytes: o.hostMemoryBytes,
      precisions: o.precisions,
      sort: o.sort,
    },
    fitting: ranked.filter((r) => r.fits).length,
    rows: ranked,
    notes: o.notes,
  };
}
