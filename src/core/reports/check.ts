// The check report: for each deployment of a manifest, whether every requirement holds on the GPUs it
// names, with the headroom or the shortfall per GPU. Built from one fit report per deployment (fit of
// the deployment's model, one precision, --count = the deployment's GPUs). Pure: no I/O, no text.
import type { FitPlanRow, FitReport } from './fit.js';

/** What a deployment asks for, as the manifest states it (defaults merged). */
export interface CheckTarget {
  name: string;
  /** the model as written in the manifest (card id, card file, config path or hub id) */
  model: string;
  gpu: string;
  count: number;
  precision: string;
  minKvCacheTokens?: number | undefined;
  minDecodeTokensPerSecond?: number | undefined;
  /** vLLM release whose memory accounting applies */
  release?: string | undefined;
}

/** The requirements a deployment is judged on, in the order they are checked. */
export const REQUIREMENTS = ['layout', 'memory', 'min_kv_cache_tokens', 'min_decode_tokens_per_second'] as const;
export type RequirementId = (typeof REQUIREMENTS)[number];

export interface RequirementResult {
  requirement: RequirementId;
  /** null: not evaluated (no plan, or no decode estimate because the plan does not fit) */
  holds: boolean | null;
  /** memory: budget bytes per GPU; the minimums: the number asked for; layout: the GPU count */
  required: number;
  /** memory: bytes used on the most loaded GPU; KV pool tokens; decode tokens/s per sequence */
  actual: number | null;
}

export interface CheckDeployment {
  name: string;
  model: { spec: string; id: string; name: string; file: string };
  gpu: { id: string; name: string; memoryBytes: number };
  count: number;
  precision: string;
  context: number;
  sequences: number;
  kvPrecision: string;
  utilization: number;
  engine: string | null;
  release: string | null;
  /** every requirement holds */
  holds: boolean;
  /** the requirements that do not hold */
  failed: RequirementId[];
  requirements: RequirementResult[];
  layout: { tensorParallel: number; pipelineParallel: number } | null;
  /** the most loaded GPU; headroom = budget - used (negative when short), shortfall = max(0, -headroom) */
  perGpu: { usedBytes: number; budgetBytes: number; headroomBytes: number; shortfallBytes: number } | null;
  /** longest context for `sequences` sequences, and most sequences of `context` tokens, on these GPUs */
  maxContext: number | null;
  maxSequences: number | null;
  kvCacheTokens: number | null;
  decodeTokensPerSecond: number | null;
  /** why there is no plan (no allowed layout of `count` GPUs) */
  reason: string | null;
  warnings: string[];
}

export interface CheckReport {
  schemaVersion: 1;
  manifest: string;
  /** every deployment holds (exit 0) */
  ok: boolean;
  summary: { deployments: number; holding: number; failing: number };
  deployments: CheckDeployment[];
}

type PlanRow = Extract<FitPlanRow, { tensorParallel: number }>;

const isPlan = (r: FitPlanRow | undefined): r is PlanRow => r !== undefined && r.gpuCount !== null;

/** One deployment judged from the fit report of its model at its precision on its `count` GPUs. */
export function checkDeployment(t: CheckTarget, fit: FitReport): CheckDeployment {
  const row = fit.plans.find((p) => p.precision === t.precision) ?? fit.plans[0];
  const plan = isPlan(row) ? row : undefined;
  const requirements: RequirementResult[] = [
    { requirement: 'layout', holds: plan !== undefined, required: t.count, actual: plan ? plan.gpuCount : null },
  ];
  if (plan) {
    requirements.push({
      requirement: 'memory',
      holds: plan.fits,
      required: plan.perGpu.budgetBytes,
      actual: plan.perGpu.totalBytes,
    });
  }
  if (t.minKvCacheTokens !== undefined) {
    requirements.push({
      requirement: 'min_kv_cache_tokens',
      holds: plan ? plan.kvCacheTokens >= t.minKvCacheTokens : null,
      required: t.minKvCacheTokens,
      actual: plan ? plan.kvCacheTokens : null,
    });
  }
  if (t.minDecodeTokensPerSecond !== undefined) {
    const tps = plan?.decode?.tokensPerSecondPerSequence;
    requirements.push({
      requirement: 'min_decode_tokens_per_second',
      holds: tps === undefined ? null : tps >= t.minDecodeTokensPerSecond,
      required: t.minDecodeTokensPerSecond,
      actual: tps ?? null,
    });
  }
  // not evaluated (null) only follows a requirement that failed before it, which is the one to name
  const failed = requirements.filter((r) => r.holds === false).map((r) => r.requirement);
  const holds = requirements.every((r) => r.holds === true);
  return {
    name: t.name,
    model: { spec: t.model, id: fit.model.id, name: fit.model.name, file: fit.model.file },
    gpu: { id: fit.gpu.id, name: fit.gpu.name, memoryBytes: fit.gpu.memoryBytes },
    count: t.count,
    precision: row?.precision ?? t.precision,
    context: fit.request.context,
    sequences: fit.request.batch,
    kvPrecision: fit.request.kvPrecision,
    utilization: fit.request.utilization,
    engine: fit.request.engine,
    release: t.release ?? null,
    holds,
    failed: holds || failed.length ? failed : requirements.filter((r) => !r.holds).map((r) => r.requirement),
    requirements,
    layout: plan ? { tensorParallel: plan.tensorParallel, pipelineParallel: plan.pipelineParallel } : null,
    perGpu: plan
      ? {
          usedBytes: plan.perGpu.totalBytes,
          budgetBytes: plan.perGpu.budgetBytes,
          headroomBytes: plan.perGpu.budgetBytes - plan.perGpu.totalBytes,
          shortfallBytes: plan.shortfallBytes,
        }
      : null,
    maxContext: plan ? plan.maxContext : null,
    maxSequences: plan ? plan.maxConcurrency : null,
    kvCacheTokens: plan ? plan.kvCacheTokens : null,
    decodeTokensPerSecond: plan?.decode?.tokensPerSecondPerSequence ?? null,
    reason: row && !isPlan(row) ? row.reason : null,
    warnings: fit.warnings,
  };
}

/** The report of a whole manifest: its deployments in manifest order. */
export function buildCheckReport(
  manifest: string,
  entries: readonly { target: CheckTarget; fit: FitReport }[],
): CheckReport {
  const deployments = entries.map((e) => checkDeployment(e.target, e.fit));
  const holding = deployments.filter((d) => d.holds).length;
  return {
    schemaVersion: 1,
    manifest,
    ok: holding === deployments.length,
    summary: { deployments: deployments.length, holding, failing: deployments.length - holding },
    deployments,
  };
}
