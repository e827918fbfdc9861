// moe-calc's data-parallel-attention / expert-parallel plans against what SGLang / vLLM logged at start-up
// (test/fixtures/ep-logs.ts): weights per rank, the KV cache's bytes per token on one rank, and the KV pool
// in tokens that the logged pool size holds. Each row is planned with the engine's accounting and the
// layout, redundant experts and LM-head placement of the run. Rows whose inferred settings were chosen
// with the logged figure in view are in-sample; the others are held out. The test fails when an error
// grows past its bound; the report prints every row.
import { describe, expect, it } from 'vitest';
import { EP_LOG_ROWS, type EpLogRow } from '../fixtures/ep-logs.js';
import { deriveParams } from '../../src/core/params.js';
import { getPrecision } from '../../src/core/precision.js';
import { evaluateLayout, type FitOptions } from '../../src/core/fit.js';
import { card, gpu } from '../helpers.js';

const GiB = 2 ** 30;
/** the bounds of the vLLM calibration (src/core/overhead.ts MEMORY_ERROR_BAND): weights 2%; the KV
 *  layout is exact arithmetic, so bytes per token and the tokens a logged pool holds get 1% */
const BOUND = { weights: 0.02, kvPerToken: 0.01, tokens: 0.01 };

/** Rows whose error exceeds the bound, per figure, and why. */
const OUTLIERS: Record<string, { weights?: string }> = {
  'sglang-17392-qwen3-30b-dp4-ep4': {
    weights:
      "planned with SGLang's default LM head, split over all 4 ranks (0.15 of its 0.58 GiB on each); the logged " +
      '16.39 GiB matches a replicated head (16.37 GiB, -0.1%), as --enable-dp-lm-head (which DeepEP recipes ' +
      'set) keeps it',
  },
};

function plan(r: EpLogRow) {
  const c = card(r.model);
  const o: FitOptions = {
    precision: getPrecision(r.precision),
    kvBytes: 2,
    context: 1,
    batch: 1,
    utilization: 0.9,
    gpusPerNode: 8,
    accounting: r.engine === 'sglang' ? 'sglang' : 'vllm',
    redundantExperts: r.redundantExperts,
    ...(r.dpLmHead ? { dpLmHead: true } : {}),
  };
  const d = deriveParams(c);
  const at = (context: number) => evaluateLayout(c, d, gpu('h200'), { ...o, context }, r.tp, 1, 0, true, r.dp, r.ep);
  const p = at(1);
  // one token's KV on one rank: one sequence of 2 tokens less one of 1 (a hybrid model's recurrent state,
  // per sequence, cancels)
  return { p, perToken: at(2).stages[0]!.kvBytes - p.stages[0]!.kvBytes };
}

const err = (ours: number, logged: number) => ours / logged - 1;

function rows() {
  return EP_LOG_ROWS.map((r) => {
    const { p, perToken } = plan(r);
    const weights = p.perGpu.weightsBytes / GiB;
    const loggedPerToken = r.kvTokens && r.kvPoolGiB ? (r.kvPoolGiB * GiB) / r.kvTokens : undefined;
    const tokens = r.kvPoolGiB ? Math.floor((r.kvPoolGiB * GiB) / perToken) : undefined;
    return {
      row: r,
      weights,
      weightsError: r.weightsGiB === undefined ? undefined : err(weights, r.weightsGiB),
      perToken,
      perTokenError: loggedPerToken === undefined ? undefined : err(perToken, loggedPerToken),
      tokens,
      tokensError: tokens === undefined || r.kvTokens === undefined ? undefined : err(tokens, r.kvTokens),
      outlier: OUTLIERS[r.id],
    };
  });
}

type Row = ReturnType<typeof rows>[number];

function report(xs: Row[]): string {
  const pct = (e: number | undefined) => (e === undefined ? '     -' : `${(e * 100).toFixed(2).padStart(6)}%`);
  const summary = (name: string, sel: Row[], f: (x: Row) => number | undefined) => {
    const es = sel.map(f).filter((e): e is number => e !== undefined);
    if (es.length === 0) return `${name}: no rows`;
    const abs = es.map(Math.abs).sort((a, b) => a - b);
    const median = abs[Math.floor((abs.length - 1) / 2)]!;
    const worst = abs[abs.length - 1]!;
    const pc = (e: number) => `${(e * 100).toFixed(2)}%`;
    return `${name}: ${es.length} rows, median |error| ${pc(median)}, worst ${pc(worst)}`;
  };
  const inS = xs.filter((x) => x.row.inSample);
  const held = xs.filter((x) => !x.row.inSample);
  const gib = (v: number | undefined) => (v === undefined ? '-' : v.toFixed(2));
  const lines = xs.map((x) => {
    const r = x.row;
    return (
      `${r.id.padEnd(32)} ${r.engine} TP${r.tp} x DP${r.dp}, EP${r.ep}` +
      (r.redundantExperts ? ` +${r.redundantExperts}` : '') +
      `  weights ${gib(r.weightsGiB)} vs ${gib(x.weights)} GiB ${pct(x.weightsError)}` +
      `  KV/token ${x.perToken} B ${pct(x.perTokenError)}` +
      `  tokens ${r.kvTokens ?? '-'} vs ${x.tokens ?? '-'} ${pct(x.tokensError)}` +
      (r.inSample ? '  (in-sample)' : '  (held out)') +
      (x.outlier?.weights ? `\n    outlier: ${x.outlier.weights}` : '') +
      (r.inferred ? `\n    inferred: ${r.inferred}` : '')
    );
  });
  return [
    `DP-attention / EP start-up calibration (${xs.length} logs)`,
    summary('weights per rank, in-sample', inS, (x) => x.weightsError),
    summary('weights per rank, held out', held, (x) => x.weightsError),
    summary('KV bytes per token per rank, all', xs, (x) => x.perTokenError),
    summary('KV tokens per rank from the logged pool, all', xs, (x) => x.tokensError),
    ...lines,
  ].join('\n');
}

describe('calibration against DP-attention / expert-parallel start-up logs', () => {
  const xs = rows();
  it('cites a public source for every row, ids unique', () => {
    expect(EP_LOG_ROWS.length).toBeGreaterThanOrEqual(2);
    for (const r of EP_LOG_ROWS) expect(r.source, r.id).toMatch(/^https:\/\//);
    expect(new Set(EP_LOG_ROWS.map((r) => r.id)).size).toBe(EP_LOG_ROWS.length);
  });
  it(`weights per rank within ${BOUND.weights * 100}% on every row but the listed outliers`, () => {
    const logged = xs.filter((x) => x.weightsError !== undefined);
    expect(logged.length).toBeGreaterThanOrEqual(2);
    for (const x of logged) {
      const e = Math.abs(x.weightsError!);
      // an outlier that came back within the bound must leave the list
      if (x.outlier?.weights) expect(e, `${x.row.id} listed as an outlier`).toBeGreaterThanOrEqual(BOUND.weights);
      else expect(e, x.row.id).toBeLessThan(BOUND.weights);
    }
  });
  it(`KV bytes per token on a DP-attention rank within ${BOUND.kvPerToken * 100}% (own pool, MLA latent whole)`, () => {
    const logged = xs.filter((x) => x.perTokenError !== undefined);
    expect(logged.length).toBeGreaterThan(0);
    for (const x of logged) expect(Math.abs(x.perTokenError!), x.row.id).toBeLessThan(BOUND.kvPerToken);
    for (const x of logged) expect(Math.abs(x.tokensError!), x.row.id).toBeLessThan(BOUND.tokens);
  });
  it('DeepSeek-V3 MLA: a rank keeps the whole 576-wide latent of all 61 layers, bf16 (by hand: 70,272 B)', () => {
    const x = xs.find((y) => y.row.model === 'deepseek-v3')!;
    // kv_lora_rank 512 + qk_rope_head_dim 64 (DeepSeek-V3 config.json), 2 bytes, 61 layers
    expect(x.perToken).toBe((512 + 64) * 2 * 61);
  });
  it('prints the report', () => {
    const text = report(xs);
    console.log(text);
    expect(text.split('\n').length).toBeGreaterThanOrEqual(EP_LOG_ROWS.length + 5);
  });
});
