// The compare report: models side by side (total, active, weights at each precision, KV per 1K
// tokens) and, with a GPU, how many each needs and its decode speed. Pure.
import { fitPlan } from '../fit.js';
import { kvPerToken } from '../kv.js';
import { DEFAULT_UTILIZATION } from '../overhead.js';
import { deriveParams } from '../params.js';
import { type Precision, weightBytes } from '../precision.js';
import { decodeEstimate } from '../speed.js';
import type { Card, Gpu } from '../types.js';
import { DEFAULT_CONTEXT, SCHEMA_VERSION } from './fit.js';

export const COMPARE_PRECISIONS = ['bf16', 'fp8', 'int4', 'q4_k_m'];

export interface CompareReport {
  schemaVersion: 1;
  gpu: { id: string; memoryBytes: number } | null;
  precisions: string[];
  /** the context each GPU count holds (capped at each model's maximum) */
  context: number;
  models: {
    id: string;
    name: string;
    params: { total: number; active: number };
    weightsBytes: Record<string, number>;
    kvBytesPer1kTokens: number;
    gpusNeeded: Record<string, number | null> | null;
    decodeTokensPerSecond: Record<string, number | null> | null;
  }[];
}

export function buildCompareReport(
  cards: readonly Card[],
  precisions: readonly Precision[],
  gpu: Gpu | undefined,
  context = DEFAULT_CONTEXT,
): CompareReport {
  return {
    schemaVersion: SCHEMA_VERSION,
    gpu: gpu ? { id: gpu.id, memoryBytes: gpu.memory_bytes } : null,
    precisions: precisions.map((p) => p.id),
    context,
    models: cards.map((card) => {
      const a = card.architecture;
      const d = deriveParams(card);
      const kv = kvPerToken(a, 2);
      const weights = Object.fromEntries(
        precisions.map((p) => [p.id, weightBytes(d.tensors, p, a.num_layers, a.moe?.experts ?? 0, a).total]),
      );
      const ctx = Math.min(context, a.max_context);
      let gpus: Record<string, number | null> | null = null;
      let decode: Record<string, number | null> | null = null;
      if (gpu) {
        gpus = {};
        decode = {};
        for (const p of precisions) {
          const o = {
            precision: p,
            kvBytes: 2,
            context: ctx,
            batch: 1,
            utilization: DEFAULT_UTILIZATION,
            gpusPerNode: gpu.gpus_per_node,
          };
          const plan = fitPlan(card, d, gpu, o);
          gpus[p.id] = plan ? plan.gpuCount : null;
          // decode estimate as `moe-calc speed` makes it (llama.cpp for GGUF rows, else vLLM)
          decode[p.id] = plan?.fits
            ? decodeEstimate(card, d, gpu, p, plan, {
                kvBytes: 2,
                context: ctx,
                batch: 1,
                engine: p.gguf ? 'llama.cpp' : 'vllm',
              }).speed.tokensPerSecondPerSequence
            : null;
        }
      }
      return {
        id: card.id,
        name: card.name,
        params: { total: d.total, active: d.active },
        weightsBytes: weights,
        kvBytesPer1kTokens: (kv.full + kv.sliding) * 1000,
        gpusNeeded: gpus,
        decodeTokensPerSecond: decode,
      };
    }),
  };
}
