// Weights at each precision, KV cache and fit plans against published figures.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { deriveParams } from '../../src/core/params.js';
import { getPrecision, weightBytes, PRECISIONS, FORMATS } from '../../src/core/precision.js';
import { kvPerToken, kvLayout, kvBytesFor } from '../../src/core/kv.js';
import {
  fitPlan,
  planForCount,
  tpRejection,
  evaluateLayout,
  runtimeOverheads,
  stageStart,
  type FitOptions,
} from '../../src/core/fit.js';
import { forwardActivationBytes, vllmGeneration } from '../../src/core/overhead.js';
import { card, gpu } from '../helpers.js';
import type { ParamDerivation } from '../../src/core/params.js';

const derivations = new Map<string, ParamDerivation>();
const derived = (id: string) => derivations.get(id) ?? derivations.set(id, deriveParams(card(id))).get(id)!;

const GiB = 2 ** 30;
const w = (id: string, p: string) => {
  const c = card(id);
  const d = deriveParams(c);
  return weightBytes(d.tensors, getPrecision(p), c.architecture.num_layers, c.architecture.moe?.experts ?? 0).total;
};

describe('bits per weight table', () => {
  it('block formats match their ggml-common.h struct sizes', () => {
    // bytes per block x 8 / elements per block, from ggml-org/llama.cpp ggml/src/ggml-common.h
    expect(FORMATS.q8_0.bpw).toBe((34 * 8) / 32);
    expect(FORMATS.q4_k.bpw).toBe((144 * 8) / 256);
    expect(FORMATS.q6_k.bpw).toBe((210 * 8) / 256);
    expect(FORMATS.iq2_xxs.bpw).toBe((66 * 8) / 256);
    expect(FORMATS.mxfp4.bpw).toBe((17 * 8) / 32);
    expect(FORMATS.int4_g128.bpw).toBe(4.15625); // vllm awq.py layout
  });
});

describe('weights at a precision', () => {
  it('bf16 weights are 2 bytes per parameter: Mixtral 8x7B = index total_size 93,405,585,408', () => {
    expect(w('mixtral-8x7b', 'bf16')).toBe(93_405_585_408);
  });
  it('Grok-1 at bf16 is about 631 GB (articles quote 628 GB = 314B x 2)', () => {
    expect(w('grok-1', 'bf16') / 1e9).toBeCloseTo(631.37, 1);
  });
  it('gpt-oss native MXFP4 experts + bf16 rest = the released checkpoint bytes (65,248,815,744 and 13,761,264,768)', () => {
    expect(w('gpt-oss-120b', 'mxfp4')).toBe(65_248_815_744);
    expect(w('gpt-oss-20b', 'mxfp4')).toBe(13_761_264_768);
  });
  it('DeepSeek-V3 fp8-block main model is within 0.01% of the published byte mix (bf16 3.92B, fp8 680.6B + fp32 scales, MTP excluded)', () => {
    // README_WEIGHTS.md layout; HF dtype breakdown BF16 3,918,786,560 / F8 680,571,043,840 / F32 41,555,600 includes the MTP layer
    const main = w('deepseek-v3', 'fp8-block');
    expect(main / 1e9).toBeGreaterThan(670);
    expect(main / 1e9).toBeLessThan(676);
  });
  it('Mixtral 8x7B GGUF Q8_0 and Q6_K file sizes match llama.cpp PR #4406 (46.22 and 35.74 GiB)', () => {
    expect(w('mixtral-8x7b', 'q8_0') / GiB).toBeCloseTo(46.22, 1);
    expect(w('mixtral-8x7b', 'q6_k') / GiB).toBeCloseTo(35.74, 1);
  });
  it('GGUF sizes llama-bench prints: Qwen3-30B-A3B Q8_0 30.25 GiB (llama.cpp PR #15616), DeepSeek-R1 Q4_K_M 376.65 GiB (geerlingguy/beowulf-ai-cluster#17)', () => {
    expect(w('qwen3-30b-a3b', 'q8_0') / GiB).toBeCloseTo(30.25, 2);
    expect(Math.abs(w('deepseek-v3', 'q4_k_m') / GiB / 376.65 - 1)).toBeLessThan(0.001);
  });
  it('gpt-oss-20b MXFP4_MOE GGUF: "file size = 11.27 GiB (4.63 BPW)" as llama.cpp build 6699 prints it (ik_llama.cpp issue #822)', () => {
    const bytes = w('gpt-oss-20b', 'mxfp4_moe');
    expect(bytes / GiB).toBeCloseTo(11.27, 2);
    expect((bytes * 8) / deriveParams(card('gpt-oss-20b')).total).toBeCloseTo(4.63, 2);
  });
  it('lower precision never needs more bytes (property over every card and format order)', () => {
    const order = [
      'fp32',
      'bf16',
      'q8_0',
      'fp8',
      'q6_k',
      'q5_k_m',
      'q4_k_m',
      'int4',
      'q3_k_m',
      'q2_k',
      'iq2_xxs',
      'iq1_s',
    ];
    for (const id of ['grok-1', 'grok-2', 'deepseek-v3', 'qwen3-30b-a3b', 'llama-3.1-70b']) {
      const sizes = order.map((p) => w(id, p));
      for (let i = 1; i < sizes.length; i++) expect(sizes[i]!, `${id} ${order[i]}`).toBeLessThanOrEqual(sizes[i - 1]!);
    }
  });
});

describe('KV cache per token', () => {
  it('DeepSeek-V3 MLA at bf16: 61 layers x (512 + 64) x 2 bytes = 70,272', () => {
    expect(kvPerToken(card('deepseek-v3').architecture, 2).full).toBe(70_272);
  });
  it('Llama-3.1-70B at bf16: 2 x 80 layers x 8 kv heads x 128 x 2 = 327,680', () => {
    expect(kvPerToken(card('llama-3.1-70b').architecture, 2).full).toBe(327_680);
  });
  it('Grok-1: 262,144 bytes; Mixtral 8x7B: 131,072 bytes (2 x layers x 8 x 128 x 2)', () => {
    expect(kvPerToken(card('grok-1').architecture, 2).full).toBe(262_144);
    expect(kvPerToken(card('mixtral-8x7b').architecture, 2).full).toBe(131_072);
  });
  it('gpt-oss-120b: 18 full layers x 8 x 64 x 2 x 2 = 36,864 bytes; sliding layers capped at 128 tokens', () => {
    const a = card('gpt-oss-120b').architecture;
    const l = kvLayout(a, 2);
    expect(l.fullPerToken).toBe(36_864);
    expect(kvBytesFor(l, 100_000, 1) - kvBytesFor(l, 50_000, 1)).toBe(50_000 * 36_864);
  });
  it('fp8 KV halves bf16', () => {
    expect(kvPerToken(card('deepseek-v3').architecture, 1).full).toBe(35_136);
  });
  it('under TP, GQA KV heads split across ranks and are replicated past kv_heads; MLA is held in full on every rank', () => {
    const grok = card('grok-1').architecture;
    expect(kvLayout(grok, 2, 8).fullPerToken).toBe(262_144 / 8);
    expect(kvLayout(grok, 2, 16).fullPerToken).toBe(262_144 / 8); // 8 kv heads, TP 16: one head per rank
    expect(kvLayout(card('deepseek-v3').architecture, 2, 8).fullPerToken).toBe(70_272);
  });
});

describe('activation model against peaks vLLM logged', () => {
  // llm-d/llm-d-benchmark config_explorer/empirical-vllm-memory-results.md: H100, 8192 batched tokens,
  // 1024 sequences, PyTorch sort sampler (vLLM 0.12-0.16)
  const peak = (id: string, tp: number, extra: Partial<FitOptions> = {}) =>
    runtimeOverheads(
      card(id).architecture,
      gpu('h100-sxm'),
      base('bf16', { generation: vllmGeneration('0.13'), ...extra }),
      tp,
      1,
    ).lastStageActivation / GiB;
  it('gpt-oss 7.38 GiB and Llama-3.3-70B at TP 2 4.84 GiB, within 3%', () => {
    expect(Math.abs(peak('gpt-oss-120b', 1) / 7.38 - 1)).toBeLessThan(0.03);
    expect(Math.abs(peak('llama-3.1-70b', 2) / 4.84 - 1)).toBeLessThan(0.03);
  });
  it('the sampler peak scales with max_num_seqs: with 6 sequences gpt-oss-120b profiles under 1 GiB (v0.11.2 log: KV 8.99 GiB left)', () => {
    expect(peak('gpt-oss-120b', 1, { maxNumSeqs: 6 })).toBeLessThan(1);
  });
  it('forward pass alone (a V0 worker that does not sample): DeepSeek-R1 at TP 16 over 2048 tokens 0.37 GiB logged (PR #14447), within 10%', () => {
    expect(Math.abs(forwardActivationBytes(card('deepseek-v3').architecture, 2048, 16) / GiB / 0.37 - 1)).toBeLessThan(
      0.1,
    );
  });
});

const base = (p: string, extra: Partial<FitOptions> = {}): FitOptions => ({
  precision: getPrecision(p),
  kvBytes: 2,
  context: 8192,
  batch: 1,
  utilization: 0.9,
  gpusPerNode: 8,
  ...extra,
});

describe('pipeline stages split layers as vLLM get_pp_indices does', () => {
  const sizes = (L: number, pp: number) =>
    Array.from({ length: pp }, (_, s) => stageStart(L, pp, s + 1) - stageStart(L, pp, s));
  it('remainder layers go to the stages before the last (vLLM docs: 61 layers over PP 4 = 15, 15, 16, 15)', () => {
    expect(sizes(61, 4)).toEqual([15, 15, 16, 15]);
    expect(sizes(61, 2)).toEqual([31, 30]);
    expect(sizes(22, 4)).toEqual([5, 6, 6, 5]);
    expect(sizes(27, 2)).toEqual([14, 13]); // DeepSeek-V2-Lite as PR #20665 ran it (TP2 x PP2)
    expect(sizes(64, 8)).toEqual(Array(8).fill(8));
  });
});

describe('fit', () => {
  it('Grok-2 fits on 8 x A100-40G at fp8 (the seed article\'s "8 GPUs of 40GB"), and needs more at bf16', () => {
    const c = card('grok-2');
    const d = deriveParams(c);
    const fp8 = fitPlan(c, d, gpu('a100-40g'), base('fp8'))!;
    expect(fp8.gpuCount).toBe(8);
    expect(fp8.tensorParallel).toBe(8);
    expect(fp8.fits).toBe(true);
    const bf16 = fitPlan(c, d, gpu('a100-40g'), base('bf16'))!;
    expect(bf16.gpuCount).toBeGreaterThan(8);
    const eight = planForCount(c, d, gpu('a100-40g'), base('bf16'), 8)!;
    expect(eight.fits).toBe(false);
    expect(eight.shortfallBytes).toBeGreaterThan(25e9);
  });
  it('TP degrees the heads forbid are rejected: Grok-1 (48 q / 8 kv) allows 1,2,4,8,16,24,48 only', () => {
    const c = card('grok-1');
    const allowed = [1, 2, 3, 4, 6, 8, 12, 16, 24, 48].filter(
      (tp) => tpRejection(c, tp, getPrecision('bf16')) === null,
    );
    expect(allowed).toEqual([1, 2, 4, 8, 16, 24, 48]);
  });
  it('block-fp8 DeepSeek-V3 refuses TP 32 (18432 / 32 = 576, not a multiple of 128: sglang #3345, vllm #12256)', () => {
    expect(tpRejection(card('deepseek-v3'), 32, getPrecision('fp8-block'))).toMatch(/128/);
    expect(tpRejection(card('deepseek-v3'), 16, getPrecision('fp8-block'))).toBeNull();
  });
  it('DeepSeek-V3 fp8 fits on 8 x H200 (SGLang and vLLM recipes) but not 8 x H100', () => {
    const c = card('deepseek-v3');
    const d = deriveParams(c);
    expect(planForCount(c, d, gpu('h200'), base('fp8-block'), 8)!.fits).toBe(true);
    expect(planForCount(c, d, gpu('h100-sxm'), base('fp8-block'), 8)!.fits).toBe(false);
  });
  it('gpt-oss-120b fits one 80 GB H100 (OpenAI model card) with current vLLM, but not with 0.10.1, whose sort sampler and Marlin layout left -2.14 GiB (vllm#23278)', () => {
    const c = card('gpt-oss-120b');
    const d = deriveParams(c);
    expect(fitPlan(c, d, gpu('h100-sxm'), base('mxfp4'))!.gpuCount).toBe(1);
    const old = fitPlan(c, d, gpu('h100-sxm'), base('mxfp4', { generation: vllmGeneration('0.10.1'), count: 1 }))!;
    expect(old.fits).toBe(false);
    // 0.95 and 1024 batched tokens on 0.11.0 left 1.71 GiB (vllm#27508): room for 8192 tokens (36 layers x 2 KiB each
    // per token = 0.56 GiB), not for the 131,072 that run asked for
    expect(
      fitPlan(
        c,
        d,
        gpu('h100-sxm'),
        base('mxfp4', { generation: vllmGeneration('0.11.0'), utilization: 0.95, batchTokens: 1024, count: 1 }),
      )!.fits,
    ).toBe(true);
  });
});

describe('fit properties', () => {
  const ids = ['grok-1', 'grok-2', 'mixtral-8x7b', 'deepseek-v3', 'qwen3-30b-a3b', 'gpt-oss-20b', 'llama-4-scout'];
  const gpus = ['a100-40g', 'h100-sxm', 'h200', 'rtx-4090', 'mi300x'];
  it('more GPUs never need more memory per GPU', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...ids),
        fc.constantFrom(...gpus),
        fc.constantFrom('bf16', 'fp8', 'q4_k_m'),
        fc.integer({ min: 0, max: 3 }),
        (id, g, p, k) => {
          const c = card(id);
          const d = derived(id);
          const tp1 = 2 ** k;
          if (tpRejection(c, tp1 * 2, getPrecision(p)) !== null) return;
          const a = evaluateLayout(c, d, gpu(g), base(p), tp1, 1);
          const b = evaluateLayout(c, d, gpu(g), base(p), tp1 * 2, 1);
          expect(b.perGpu.weightsBytes).toBeLessThanOrEqual(a.perGpu.weightsBytes);
          expect(b.perGpu.kvBytes).toBeLessThanOrEqual(a.perGpu.kvBytes);
        },
      ),
      { numRuns: 60 },
    );
  });
  it('longer context or larger batch never needs less KV; lower precision never needs more memory', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...ids),
        fc.integer({ min: 1, max: 8000 }),
        fc.integer({ min: 1, max: 4000 }),
        fc.integer({ min: 1, max: 8 }),
        (id, ctx, more, batch) => {
          const c = card(id);
          const d = derived(id);
          const g = gpu('h100-sxm');
          const a = evaluateLayout(c, d, g, base('bf16', { context: ctx, batch }), 8, 1);
          const b = evaluateLayout(c, d, g, base('bf16', { context: ctx + more, batch }), 8, 1);
          const bb = evaluateLayout(c, d, g, base('bf16', { context: ctx, batch: batch + 1 }), 8, 1);
          expect(b.perGpu.kvBytes).toBeGreaterThanOrEqual(a.perGpu.kvBytes);
          expect(bb.perGpu.kvBytes).toBeGreaterThanOrEqual(a.perGpu.kvBytes);
          const q = evaluateLayout(c, d, g, base('fp8', { context: ctx, batch }), 8, 1);
          expect(q.perGpu.totalBytes).toBeLessThanOrEqual(a.perGpu.totalBytes);
        },
      ),
      { numRuns: 60 },
    );
  });
  it('every precision the catalog knows gives a positive size for every card', () => {
    for (const id of ids) for (const p of PRECISIONS) expect(w(id, p.id)).toBeGreaterThan(0);
  });
});
