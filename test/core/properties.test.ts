// Property tests over generated valid cards: the laws every derivation and plan must obey.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { CardSchema } from '../../src/cards/schema.js';
import type { Card } from '../../src/core/types.js';
import { deriveParams } from '../../src/core/params.js';
import { getPrecision, weightBytes } from '../../src/core/precision.js';
import { evaluateLayout, tpRejection, type FitOptions } from '../../src/core/fit.js';
import { FitOutput, ShowOutput } from '../../src/cards/output-schema.js';
import { jsonSchemas } from '../../src/cards/json-schemas.js';
import { cliAsync, gpu, ROOT } from '../helpers.js';

const pow2 = (lo: number, hi: number) => fc.integer({ min: lo, max: hi }).map((k) => 2 ** k);

/** A valid card: GQA or MLA attention, dense or MoE (all layers, every n-th, first-k dense), options on. */
const cardArb: fc.Arbitrary<Card> = fc
  .record({
    hiddenK: fc.integer({ min: 1, max: 64 }),
    layers: fc.integer({ min: 1, max: 64 }),
    vocab: fc.integer({ min: 100, max: 260_000 }),
    heads: pow2(0, 7),
    kvDiv: pow2(0, 7),
    headDim: fc.constantFrom(32, 64, 128, 256),
    mla: fc.boolean(),
    qLora: fc.option(fc.integer({ min: 16, max: 2048 }), { nil: null }),
    tie: fc.boolean(),
    moe: fc.option(
      fc.record({
        experts: fc.integer({ min: 1, max: 384 }),
        topFrac: fc.double({ min: 0, max: 1, noNaN: true }),
        ffn: fc.integer({ min: 1, max: 8192 }),
        period: fc.integer({ min: 1, max: 4 }),
        from: fc.integer({ min: 0, max: 3 }),
        shared: fc.boolean(),
        bias: fc.boolean(),
      }),
      { nil: undefined },
    ),
    denseFfn: fc.integer({ min: 1, max: 30_000 }),
    qkNorm: fc.constantFrom('none', 'per_head', 'full'),
    layernorm: fc.boolean(),
    sliding: fc.option(fc.integer({ min: 1, max: 8192 }), { nil: undefined }),
  })
  .map((r) => {
    const hidden = r.hiddenK * 64;
    const heads = r.heads;
    const kv = Math.max(1, heads / Math.min(r.kvDiv, heads));
    const moe = r.moe
      ? {
          experts: r.moe.experts,
          top_k: Math.max(1, Math.ceil(r.moe.topFrac * r.moe.experts)),
          expert_ffn: r.moe.ffn,
          layers: { period: r.moe.period, offsets: [r.moe.period - 1], from: Math.min(r.moe.from, r.layers - 1) },
          ...(r.moe.shared ? { shared_experts: { count: 1, ffn: r.moe.ffn } } : {}),
          router_bias: r.moe.bias,
          expert_bias: r.moe.bias,
        }
      : undefined;
    const attention = r.mla
      ? {
          type: 'mla',
          heads,
          q_lora_rank: r.qLora,
          kv_lora_rank: 512,
          qk_nope_head_dim: 128,
          qk_rope_head_dim: 64,
          v_head_dim: 128,
        }
      : { type: 'gqa', heads, kv_heads: kv, head_dim: r.headDim, qk_norm: r.qkNorm };
    return CardSchema.parse({
      id: 'generated',
      name: 'generated',
      organisation: 'tests',
      sources: [{ url: 'fast-check', supports: 'generated' }],
      architecture: {
        vocab_size: r.vocab,
        hidden_size: hidden,
        num_layers: r.layers,
        tie_embeddings: r.tie,
        max_context: 32768,
        native_precision: 'bf16',
        attention,
        // a dense width only when some layer is dense (an unused width is refused)
        mlp: { gated: true, ...(moe && r.moe!.period === 1 && moe.layers.from === 0 ? {} : { dense_ffn: r.denseFfn }) },
        ...(moe ? { moe } : {}),
        ...(r.sliding ? { sliding_window: { window: r.sliding, layers: { period: 2, offsets: [0] } } } : {}),
        norms: { kind: r.layernorm ? 'layernorm' : 'rmsnorm', bias: r.layernorm },
      },
    });
  })
  .filter((c) => {
    const m = c.architecture.moe;
    if (!m) return true;
    // at least one MoE layer under the generated rule
    const rule = m.layers as { period: number; from?: number };
    for (let i = 0; i < c.architecture.num_layers; i++)
      if (i >= (rule.from ?? 0) && i % rule.period === rule.period - 1) return true;
    return false;
  });

// Orders within a family: engine recipes keep 1-D tensors in bf16, GGUF files keep them in f32, so
// for a toy model whose norms outweigh its matrices a GGUF file can exceed an all-bf16 checkpoint.
const ORDERS = [
  ['fp32', 'bf16', 'int8', 'fp8', 'nvfp4', 'int4'],
  ['fp32', 'q8_0', 'q6_k', 'q5_k_m', 'q4_k_m', 'q3_k_m', 'q2_k', 'iq2_xxs', 'iq1_s'],
];
const opts = (p: string, extra: Partial<FitOptions> = {}): FitOptions => ({
  precision: getPrecision(p),
  kvBytes: 2,
  context: 4096,
  batch: 1,
  utilization: 0.9,
  gpusPerNode: 8,
  ...extra,
});

describe('properties of the derivation', () => {
  it('totals are positive integers equal to the sum of the breakdown; 0 < active <= total', () => {
    fc.assert(
      fc.property(cardArb, (card) => {
        const d = deriveParams(card);
        expect(Number.isSafeInteger(d.total)).toBe(true);
        expect(d.total).toBeGreaterThan(0);
        expect(Object.values(d.breakdown).reduce((a, b) => a + b, 0)).toBe(d.total);
        expect(d.active).toBeGreaterThan(0);
        expect(d.active).toBeLessThanOrEqual(d.total);
        expect(Number.isInteger(d.active)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
  it('a lower precision never needs more memory', () => {
    fc.assert(
      fc.property(cardArb, (card) => {
        const d = deriveParams(card);
        const a = card.architecture;
        // llama.cpp falls back to a wider legacy type (IQ2_XXS -> IQ4_NL, Q2_K -> Q4_0...) for rows that its
        // 256-value K-quant blocks do not divide (llama-quant.cpp), so the GGUF order only holds for such widths
        const widths = [
          a.hidden_size,
          a.moe?.expert_ffn,
          a.moe?.shared_experts?.ffn,
          a.mlp.dense_ffn,
          a.moe?.dense_residual_ffn,
        ];
        const at = a.attention;
        if (at.type === 'mla') widths.push(at.heads * at.v_head_dim, at.kv_lora_rank, at.q_lora_rank ?? 0);
        else if (at.type === 'gqa') widths.push(at.heads * at.head_dim);
        const kBlocks = widths.every((w) => (w ?? 0) % 256 === 0);
        for (const order of kBlocks ? ORDERS : ORDERS.slice(0, 1)) {
          const sizes = order.map(
            (p) => weightBytes(d.tensors, getPrecision(p), a.num_layers, a.moe?.experts ?? 0).total,
          );
          for (let i = 1; i < sizes.length; i++) expect(sizes[i]!, order[i]).toBeLessThanOrEqual(sizes[i - 1]!);
        }
      }),
      { numRuns: 100 },
    );
  });
  it('more GPUs never need more memory per GPU; longer context or larger batch never needs less', () => {
    const g = gpu('h100-sxm');
    fc.assert(
      fc.property(
        cardArb,
        fc.integer({ min: 0, max: 3 }),
        fc.integer({ min: 1, max: 5000 }),
        fc.integer({ min: 1, max: 8 }),
        (card, k, ctx, batch) => {
          const d = deriveParams(card);
          const tp = 2 ** k;
          const o = opts('bf16', { context: ctx, batch });
          if (tpRejection(card, tp, o.precision) === null && tpRejection(card, tp * 2, o.precision) === null) {
            const a = evaluateLayout(card, d, g, o, tp, 1);
            const b = evaluateLayout(card, d, g, o, tp * 2, 1);
            expect(b.perGpu.weightsBytes).toBeLessThanOrEqual(a.perGpu.weightsBytes);
            expect(b.perGpu.kvBytes).toBeLessThanOrEqual(a.perGpu.kvBytes);
          }
          if (card.architecture.num_layers >= 2) {
            const one = evaluateLayout(card, d, g, o, 1, 1);
            const two = evaluateLayout(card, d, g, o, 1, 2);
            expect(two.perGpu.weightsBytes).toBeLessThanOrEqual(one.perGpu.weightsBytes);
          }
          const base = evaluateLayout(card, d, g, o, 1, 1).perGpu.kvBytes;
          expect(
            evaluateLayout(card, d, g, opts('bf16', { context: ctx + 100, batch }), 1, 1).perGpu.kvBytes,
          ).toBeGreaterThanOrEqual(base);
          expect(
            evaluateLayout(card, d, g, opts('bf16', { context: ctx, batch: batch + 1 }), 1, 1).perGpu.kvBytes,
          ).toBeGreaterThanOrEqual(base);
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('published JSON Schemas', () => {
  it('schema/ holds exactly what the zod schemas generate', () => {
    for (const [name, schema] of Object.entries(jsonSchemas())) {
      expect(JSON.parse(readFileSync(join(ROOT, 'schema', name), 'utf8'))).toEqual(JSON.parse(JSON.stringify(schema)));
    }
  });
  it('show and fit --json on generated cards always validate against the output schemas', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'moe-calc-prop-'));
    const samples = fc.sample(cardArb, { numRuns: 6, seed: 42 });
    await Promise.all(
      samples.map(async (card, i) => {
        const file = join(dir, `c${i}.yaml`);
        writeFileSync(file, stringify({ ...card, id: `generated-${i}` }));
        const show = await cliAsync(['show', file, '--json']);
        expect(show.code, show.stderr).toBe(0);
        ShowOutput.parse(JSON.parse(show.stdout));
        const fit = await cliAsync(['fit', file, '--gpu', 'h100', '--json', '--context', '1024']);
        expect(fit.code, fit.stderr).toBe(0);
        FitOutput.parse(JSON.parse(fit.stdout));
      }),
    );
  });
});

describe('no Infinity or NaN in any output (issue 16)', () => {
  // random generated cards x random GPU counts (primes and counts past any layout included), precisions,
  // contexts and batches; text and JSON of fit, and text of show, never print a non-finite number
  const flagsArb = fc.record({
    count: fc.option(fc.constantFrom(1, 2, 3, 7, 8, 16, 257, 1000, 4099), { nil: undefined }),
    gpu: fc.constantFrom('h100', 'rtx-3060', 'a100-40g', 'apple-m2-ultra-192'),
    precision: fc.constantFrom('bf16', 'fp8', 'int4', 'q4_k_m', 'all'),
    context: fc.constantFrom('1', '1024', '32k'),
    batch: fc.constantFrom('1', '64', '100000'),
  });
  it('fit and show text and --json never contain Infinity or NaN', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'moe-calc-finite-'));
    const samples = fc.sample(fc.tuple(cardArb, flagsArb), { numRuns: 6, seed: 16 });
    await Promise.all(
      samples.map(async ([card, f], i) => {
        const file = join(dir, `c${i}.yaml`);
        writeFileSync(file, stringify({ ...card, id: `finite-${i}` }));
        const args = ['fit', file, '--gpu', f.gpu, '--precision', f.precision, '--context', f.context];
        args.push('--batch', f.batch, ...(f.count ? ['--count', String(f.count)] : []));
        for (const run of [args, [...args, '--json'], ['show', file]]) {
          const r = await cliAsync(run);
          // 0 fits, 1 does not fit; 2 only for a context past the card's maximum
          expect([0, 1, 2], `${run.join(' ')}: ${r.stderr}`).toContain(r.code);
          expect(r.stdout + r.stderr, run.join(' ')).not.toMatch(/Infinity|NaN/);
        }
      }),
    );
  });
  it('mixtral-8x7b on 257 H100s: no allowed layout, exit 1, no Infinity', async () => {
    // 257 is prime: TP must divide the 32 heads, PP can not exceed the 32 layers, EP 257 the 8 experts, and DP257
    // would split each 14,336-wide expert FFN (Mixtral config.json intermediate_size) into 257 parts
    const r = await cliAsync([
      'fit',
      'mixtral-8x7b',
      '--gpu',
      'h100',
      '--precision',
      'bf16',
      '--count',
      '257',
      '--dp',
      '1',
    ]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/No allowed layout of 257 x H100/);
    expect(r.stdout).not.toMatch(/Infinity|NaN/);
  });
});
