// moe-calc's llama.cpp accounting for GGUF plans against what llama.cpp logged at load
// (test/fixtures/llamacpp-load-logs.ts): GPU model buffer, KV buffer and compute buffer per GPU.
import { describe, expect, it } from 'vitest';
import { LLAMA_CPP_ROWS } from '../fixtures/llamacpp-load-logs.js';
import { deriveParams } from '../../src/core/params.js';
import { getPrecision } from '../../src/core/precision.js';
import { evaluateLayout } from '../../src/core/fit.js';
import { LLAMA_CPP_ERROR_BAND } from '../../src/core/overhead.js';
import { card, gpu } from '../helpers.js';

const MiB = 2 ** 20;
const BOUND = { model: LLAMA_CPP_ERROR_BAND.model, kv: LLAMA_CPP_ERROR_BAND.kv, compute: LLAMA_CPP_ERROR_BAND.compute };

function llamaCppRows() {
  return LLAMA_CPP_ROWS.map((r) => {
    const c = card(r.model);
    const big = { ...gpu('h200'), usable_fraction: 1 }; // buffers do not depend on the GPU's size
    const p = evaluateLayout(
      c,
      deriveParams(c),
      big,
      {
        precision: getPrecision(r.precision),
        kvBytes: 2,
        context: r.context,
        batch: 1,
        utilization: 0.9,
        gpusPerNode: 8,
      },
      1,
      r.gpus,
      r.offloadLayers,
    );
    const ours = {
      model: p.stages.map((s) => s.weightsBytes / MiB),
      kv: p.stages.map((s) => s.kvBytes / MiB),
      compute: p.stages.map((s) => s.activationBytes / MiB),
    };
    const err = (o: number[], l: number[] | undefined) => l?.map((x, i) => o[i]! / x - 1);
    return {
      row: r,
      ours,
      errors: {
        model: err(ours.model, r.modelMiB),
        kv: err(ours.kv, r.kvMiB),
        compute: err(ours.compute, r.computeMiB)!,
      },
    };
  });
}

describe('llama.cpp buffers against its load logs', () => {
  const rows = llamaCppRows();
  it('every row cites its source; fit prints the row count', () => {
    for (const r of LLAMA_CPP_ROWS) expect(r.source, r.id).toMatch(/^https:\/\//);
    expect(LLAMA_CPP_ERROR_BAND.logs).toBe(LLAMA_CPP_ROWS.length);
  });
  for (const figure of ['model', 'kv', 'compute'] as const) {
    it(`${figure} buffer per GPU within ${BOUND[figure] * 100}% on every row that logs it`, () => {
      const logged = rows.filter((x) => x.errors[figure] !== undefined);
      expect(logged.length).toBeGreaterThanOrEqual(2);
      for (const x of logged)
        for (const e of x.errors[figure]!) expect(Math.abs(e), `${x.row.id} ${figure}`).toBeLessThan(BOUND[figure]);
    });
  }
  it('prints the report', () => {
    const f = (o: number[], l: number[] | undefined, e: number[] | undefined) =>
      l ? l.map((x, i) => `${x.toFixed(2)} vs ${o[i]!.toFixed(2)} (${(e![i]! * 100).toFixed(1)}%)`).join(' / ') : '-';
    const lines = rows.map(
      (x) =>
        `${x.row.id.padEnd(26)} model ${f(x.ours.model, x.row.modelMiB, x.errors.model)}; KV ${f(x.ours.kv, x.row.kvMiB, x.errors.kv)}; compute ${f(x.ours.compute, x.row.computeMiB, x.errors.compute)}`,
    );
    console.log(`llama.cpp load buffers (MiB, logged vs moe-calc)\n${lines.join('\n')}`);
    expect(lines).toHaveLength(LLAMA_CPP_ROWS.length);
  });
});
