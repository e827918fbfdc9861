// fit --layouts: every allowed layout of one GPU count side by side (TP, DP attention, EP, PP): memory
// per GPU, the deployment's KV pool, how many sequences it holds, and decode speed at that concurrency.
// Pure.
import { allLayouts, type Plan } from '../fit.js';
import { deriveParams } from '../params.js';
import { decodeEstimate, speedGenerationOf } from '../speed.js';
import type { Card, Gpu } from '../types.js';
import { type FitSetup, layoutName, speedEngineFor } from './common.js';

export interface LayoutRow {
  layout: string;
  tensorParallel: number;
  dataParallel: number;
  expertParallel: number;
  pipelineParallel: number;
  fits: boolean;
  weightsPerGpuBytes: number;
  usedPerGpuBytes: number;
  budgetPerGpuBytes: number;
  commBufferBytes: number;
  /** KV pool of one replica and of the whole deployment, tokens */
  kvCacheTokens: number;
  kvCacheTokensTotal: number;
  /** sequences of the requested context the deployment holds at once */
  maxConcurrency: number;
  /** decode at that concurrency (capped at 256 per replica): per sequence and in total, and the
   *  all-to-all time per step included in it */
  decode: { concurrency: number; perSequence: number; total: number; allToAllMs: number } | null;
}

export interface LayoutsReport {
  precision: string;
  gpuCount: number;
  rows: LayoutRow[];
  /** the layout holding the most KV tokens among those that fit */
  best: string | null;
  notes: string[];
}

/** All-to-all time of one decode step: each GPU sends its tokens' hidden states to their top_k experts
 *  and receives the results (bf16 dispatch + combine), per MoE layer, at the link or network bandwidth. */
function allToAllSeconds(card: Card, gpu: Gpu, p: Plan, tokensPerGpu: number, gpusPerNode: number): number | null {
  const moe = card.architecture.moe;
  if (!moe || p.expertParallel === 0) return 0;
  const bw = p.expertParallel > gpusPerNode ? gpu.network_gbps : gpu.link_gbps;
  if (!bw) return null;
  const layers = deriveParams(card).layers.moe;
  const bytes = 2 * tokensPerGpu * moe.top_k * card.architecture.hidden_size * 2;
  return (layers * bytes) / (bw * 1e9);
}

export function buildLayoutsReport(s: FitSetup, n: number): LayoutsReport {
  const precision = s.precisions[0]!;
  const d = deriveParams(s.card);
  const o = { ...s.options, precision };
  const plans = allLayouts(s.card, d, s.gpu, o, n);
  const notes: string[] = [];
  let missingLink = false;
  const rows = plans.map((p): LayoutRow => {
    let decode: LayoutRow['decode'] = null;
    if (p.fits && p.maxConcurrency > 0) {
      const perReplica = Math.max(1, Math.min(256, Math.floor(p.maxConcurrency / p.dataParallel)));
      // the same estimate as fit's decode column; an EP layout spreads expert reads over TP x DP GPUs
      const e = decodeEstimate(s.card, d, s.gpu, precision, p, {
        kvBytes: o.kvBytes,
        context: o.context,
        batch: perReplica * p.dataParallel,
        engine: speedEngineFor(precision, s.engine),
        generation: speedGenerationOf(o.generation),
      }).speed;
      const a2a = allToAllSeconds(s.card, s.gpu, p, perReplica / p.tensorParallel, o.gpusPerNode);
      if (a2a === null) missingLink = true;
      const step = e.stepSeconds + (a2a ?? 0);
      decode = {
        concurrency: perReplica * p.dataParallel,
        perSequence: 1 / step,
        total: (perReplica * p.dataParallel) / step,
        allToAllMs: (a2a ?? 0) * 1000,
      };
    }
    return {
      layout: layoutName(p),
      tensorParallel: p.tensorParallel,
      dataParallel: p.dataParallel,
      expertParallel: p.expertParallel,
      pipelineParallel: p.pipelineParallel,
      fits: p.fits,
      weightsPerGpuBytes: p.perGpu.weightsBytes,
      usedPerGpuBytes: p.perGpu.totalBytes,
      budgetPerGpuBytes: p.perGpu.budgetBytes,
      commBufferBytes: p.perGpu.commBufferBytes,
      kvCacheTokens: p.kvCacheTokens,
      kvCacheTokensTotal: p.kvCacheTokensTotal,
      maxConcurrency: p.maxConcurrency,
      decode,
    };
  });
  if (missingLink) notes.push(`${s.gpu.id} has no interconnect figure in the catalog: all-to-all time left out`);
  notes.push(
    'decode: roofline estimate per replica at the concurrency its KV pool holds (at most 256 sequences per replica), ' +
      "plus the all-to-all time of expert parallelism at the catalog's link (in a node) or network bandwidth",
  );
  const fitting = rows.filter((r) => r.fits);
  const best = fitting.reduce<LayoutRow | undefined>(
    (a, b) => (!a || b.kvCacheTokensTotal > a.kvCacheTokensTotal ? b : a),
    undefined,
  );
  return { precision: precision.id, gpuCount: n, rows, best: best?.layout ?? null, notes };
}
