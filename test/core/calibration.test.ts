// moe-calc's plan against what vLLM logged at start-up (test/fixtures/vllm-startup-logs.ts):
// weights per GPU and memory left for the KV cache. Fails when an error grows past its bound.
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { STARTUP_ROWS, type StartupRow } from '../fixtures/vllm-startup-logs.js';
import { deriveParams } from '../../src/core/params.js';
import { getPrecision } from '../../src/core/precision.js';
import { evaluateLayout } from '../../src/core/fit.js';
import { importConfigFile } from '../../src/cards/import-hf.js';
import { card, gpu, ROOT } from '../helpers.js';

const GiB = 2 ** 30;

/** Rows whose error is known to exceed the bound, per figure, and why (the report prints them). */
export const OUTLIERS: Record<string, { weights?: string; kv?: string }> = {
  'gpt-oss-120b-h100-tp2': {
    weights: 'logs 4.2 GiB more per GPU than half the TP1 load (64.38 GiB): something is replicated under TP2 in that MXFP4 path, not modelled; the model name is inferred',
    kv: 'follows from the weights gap',
  },
  'deepseek-r1-awq-tp16': { kv: 'V0 engine: activation peak 0.37 GiB and non-torch 0.20 GiB logged at 2048 tokens, where the V1 activation model predicts 1.1 GiB' },
  'llama31-8b-3090': { kv: 'V0 engine: profiled max_model_len 20000 tokens (peak 2.07 GiB) with 0.35 GiB non-torch, unlike the V1 defaults modelled' },
  'r1-distill-14b-4090-tp2': { kv: 'V0 engine: profiling peak 0.19 GiB logged, far below the V1 activation model' },
};

function plan(r: StartupRow) {
  const c = r.model.endsWith('.json') ? importConfigFile(join(ROOT, 'test/fixtures/configs', r.model)).card : card(r.model);
  const g = { ...gpu(r.gpu), memory_bytes: Math.round(r.gpuGiB * GiB), usable_fraction: 1 };
  const d = deriveParams(c);
  return evaluateLayout(c, d, g, { precision: getPrecision(r.precision), kvBytes: 2, context: 1, batch: 1, utilization: r.utilization, gpusPerNode: 8, ...(r.batchTokens ? { batchTokens: r.batchTokens } : {}) }, r.tp, r.pp);
}

export function calibrationRows() {
  return STARTUP_ROWS.map((r) => {
    const p = plan(r);
    const w = p.perGpu.weightsBytes / GiB;
    const kv = (p.perGpu.budgetBytes - p.perGpu.weightsBytes - p.perGpu.overheadBytes) / GiB;
    return {
      row: r,
      weights: w,
      weightsError: r.weightsGiB !== undefined ? w / r.weightsGiB - 1 : undefined,
      kv,
      kvError: r.kvGiB !== undefined ? kv / r.kvGiB - 1 : undefined,
      outlier: OUTLIERS[r.id],
    };
  });
}

describe('calibration against vLLM start-up logs', () => {
  const rows = calibrationRows();
  const weightRows = rows.filter((x) => x.weightsError !== undefined);
  const kvRows = rows.filter((x) => x.kvError !== undefined);
  it('has 15 logged rows, 8 of them MoE models', () => {
    expect(STARTUP_ROWS.length).toBeGreaterThanOrEqual(15);
    expect(STARTUP_ROWS.filter((r) => !/llama|qwen2\.5|qwen3-32b/.test(r.model)).length).toBeGreaterThanOrEqual(8);
  });
  it('weights per GPU: within 2% on every row but the listed outliers, and on at least 85% of all rows', () => {
    for (const x of weightRows.filter((x) => !x.outlier?.weights)) expect(Math.abs(x.weightsError!), x.row.id).toBeLessThan(0.02);
    expect(weightRows.filter((x) => Math.abs(x.weightsError!) < 0.02).length / weightRows.length).toBeGreaterThanOrEqual(0.85);
  });
  it('memory left for the KV cache: within 10% on every row but the listed outliers (all V1 rows)', () => {
    for (const x of kvRows.filter((x) => !x.outlier?.kv)) expect(Math.abs(x.kvError!), x.row.id).toBeLessThan(0.1);
  });
  it('prints the report', () => {
    const pct = (e: number | undefined) => (e === undefined ? '   -' : `${(e * 100).toFixed(1).padStart(5)}%`);
    const lines = rows.map((x) => `${x.row.id.padEnd(28)} weights ${x.row.weightsGiB?.toFixed(2).padStart(6) ?? '     -'} vs ${x.weights.toFixed(2).padStart(6)} ${pct(x.weightsError)}   KV ${x.row.kvGiB?.toFixed(2).padStart(6) ?? '     -'} vs ${x.kv.toFixed(2).padStart(6)} ${pct(x.kvError)}${x.outlier ? `   outlier: ${[x.outlier.weights, x.outlier.kv].filter(Boolean).join('; ')}` : ''}`);
    const med = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const we = weightRows.map((x) => Math.abs(x.weightsError!));
    const ke = kvRows.map((x) => Math.abs(x.kvError!));
    console.log(`vLLM start-up calibration: weights median ${(med([...we]) * 100).toFixed(1)}%, worst ${(Math.max(...we) * 100).toFixed(1)}% (${we.length} rows); KV median ${(med([...ke]) * 100).toFixed(1)}%, worst ${(Math.max(...ke) * 100).toFixed(1)}% (${ke.length} rows)\n${lines.join('\n')}`);
    expect(lines.length).toBe(STARTUP_ROWS.length);
  });
});
