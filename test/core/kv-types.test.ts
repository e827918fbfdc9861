// llama.cpp's quantised KV cache (-ctk / -ctv) and the engines' fp8 dtypes (issue 23 part 3).
import { describe, expect, it } from 'vitest';
import { fitSetupFor } from '../../src/api.js';
import { launchCommand } from '../../src/core/engines.js';
import { planForCount } from '../../src/core/fit.js';
import { kvPerToken, parseKvPrecision } from '../../src/core/kv.js';
import { deriveParams } from '../../src/core/params.js';
import { getPrecision } from '../../src/core/precision.js';
import { card, gpu } from '../helpers.js';

const perToken = (id: string, spec: string) => {
  const k = kvPerToken(card(id).architecture, parseKvPrecision(spec).bytes);
  return k.full + k.sliding;
};

// llama.cpp PR #21551 (github.com/ggml-org/llama.cpp/pull/21551), Magidonia 24B v4.3 Q5_K_M, "kvcache size"
// column: f16 1040.00 MiB, q8_0 552.50 MiB, q4_0 292.50 MiB; Bonsai 8B: q4_0 and iq4_nl both 101.25 MiB
const LOGGED = { f16: 1040.0, q8_0: 552.5, q4_0: 292.5 };

describe('KV cache types', () => {
  it('bytes per 32 values (ggml-common.h static_asserts): q8_0 34, q5_1 24, q5_0 22, q4_1 20, q4_0 / iq4_nl 18', () => {
    const b = (t: string) => parseKvPrecision(t).bytes;
    expect([b('q8_0'), b('q5_1'), b('q5_0'), b('q4_1'), b('q4_0'), b('iq4_nl')]).toEqual(
      [34, 24, 22, 20, 18, 18].map((x) => x / 32),
    );
    // llama.cpp's own names for the 16-bit cache
    expect(b('f16')).toBe(2);
    expect(parseKvPrecision('F16').id).toBe('fp16');
  });
  it('q8_0 is exactly 34/64 of bf16 (Qwen3-30B-A3B: 48 layers x 4 KV heads x 128), the ratio llama.cpp logs', () => {
    const bf16 = perToken('qwen3-30b-a3b', 'bf16');
    expect(bf16).toBe(98_304);
    expect(perToken('qwen3-30b-a3b', 'q8_0')).toBe((bf16 * 34) / 64);
    expect(LOGGED.q8_0 / LOGGED.f16).toBe(34 / 64);
    // llama.cpp load log (test/fixtures/llamacpp-load-logs.ts, ik_llama.cpp PR #370): 3072.00 MiB f16 KV for
    // 32,768 cells of Qwen3-30B-A3B; at q8_0 that is 34/64 of it
    expect((perToken('qwen3-30b-a3b', 'q8_0') * 32_768) / 2 ** 20).toBe((3072 * 34) / 64);
  });
  it('k=q8_0,v=q4_0 is (34 + 18)/128 of bf16 for standard GQA: K at the q8_0 rate, V at the q4_0 one', () => {
    const bf16 = perToken('qwen3-30b-a3b', 'bf16');
    const kv = parseKvPrecision('k=q8_0,v=q4_0');
    expect(kv).toMatchObject({ id: 'k=q8_0,v=q4_0', k: 'q8_0', v: 'q4_0', runs: 'gguf' });
    expect(perToken('qwen3-30b-a3b', 'k=q8_0,v=q4_0')).toBe((bf16 * (34 + 18)) / 128);
    expect((LOGGED.q8_0 + LOGGED.q4_0) / (2 * LOGGED.f16)).toBe((34 + 18) / 128);
    // one side left out keeps llama.cpp's default f16; the same type on both sides is the plain type
    expect(parseKvPrecision('k=q8_0').bytes).toEqual({ k: 34 / 32, v: 2 });
    expect(parseKvPrecision('k=q4_0,v=q4_0').id).toBe('q4_0');
  });
  it('MLA caches the latent as K only (llama.cpp has_v = !is_mla): DeepSeek-V3 61 x 576 x 34/32, any -ctv', () => {
    expect(perToken('deepseek-v3', 'k=q8_0,v=q4_0')).toBe((61 * 576 * 34) / 32);
    expect(perToken('deepseek-v3', 'q8_0')).toBe((61 * 576 * 34) / 32);
  });
  it('engine dtypes: fp8, fp8_e4m3, fp8_e5m2 one byte; K and V apart is llama.cpp only', () => {
    for (const t of ['fp8', 'fp8_e4m3', 'fp8-e5m2'])
      expect(parseKvPrecision(t)).toMatchObject({ bytes: 1, runs: 'engine' });
    expect(() => parseKvPrecision('k=fp8,v=fp8')).toThrow(/one dtype/);
    expect(() => parseKvPrecision('q3_k')).toThrow(/unknown KV precision/);
    expect(() => parseKvPrecision('k=q8_0,x=q4_0')).toThrow(/k=<type>,v=<type>/);
  });
});

describe('KV types in fit plans', () => {
  const c = card('qwen3-30b-a3b');
  const d = deriveParams(c);
  const g = gpu('rtx-4090');
  const kvOf = (kv: string) => {
    const s = fitSetupFor(c, 'builtin', g, { kvPrecision: kv, precision: ['q4_k_m'] });
    return planForCount(c, d, g, { ...s.options, precision: getPrecision('q4_k_m') }, 1)!.perGpu.kvBytes;
  };
  it('the GGUF plan holds 34/64 of the bf16 KV bytes at q8_0 and 52/128 at k=q8_0,v=q4_0', () => {
    const bf16 = kvOf('bf16');
    expect(bf16).toBe(98_304 * 8192);
    expect(kvOf('q8_0')).toBe((bf16 * 34) / 64);
    expect(kvOf('k=q8_0,v=q4_0')).toBe((bf16 * 52) / 128);
  });
  it('a llama.cpp type keeps the GGUF rows of the default list and refuses an engine precision named', () => {
    const s = fitSetupFor(c, 'builtin', g, { kvPrecision: 'q8_0' });
    expect(s.precisions.map((p) => p.id)).toEqual(['q8_0', 'q4_k_m']);
    expect(() => fitSetupFor(c, 'builtin', g, { kvPrecision: 'q8_0', precision: ['fp8'] })).toThrow(
      /llama\.cpp KV cache type.*fp8 runs on vLLM/,
    );
    expect(() => fitSetupFor(c, 'builtin', g, { kvPrecision: 'fp8', precision: ['q4_k_m'] })).toThrow(
      /has no fp8 KV cache/,
    );
    expect(fitSetupFor(c, 'builtin', g, { kvPrecision: 'fp8' }).precisions.every((p) => !p.gguf)).toBe(true);
  });
  it('llama-server gets -fa on -ctk -ctv; vLLM and SGLang their own --kv-cache-dtype', () => {
    const s = fitSetupFor(c, 'builtin', g, { kvPrecision: 'k=q8_0,v=q4_0', precision: ['q4_k_m'] });
    const plan = planForCount(c, d, g, { ...s.options, precision: getPrecision('q4_k_m') }, 1)!;
    const x = { card: c, plan, precision: 'q4_k_m', utilization: 0.9, maxModelLen: 8192 };
    expect(launchCommand('llama.cpp', { ...x, kvPrecision: s.kvPrecision }).argv.slice(-6)).toEqual([
      '-fa',
      'on',
      '-ctk',
      'q8_0',
      '-ctv',
      'q4_0',
    ]);
    expect(launchCommand('llama.cpp', { ...x, kvPrecision: 'bf16' }).argv).not.toContain('-ctk');
    const e = { ...x, precision: 'bf16' };
    expect(launchCommand('vllm', { ...e, kvPrecision: 'fp8_e4m3' }).argv.join(' ')).toContain(
      '--kv-cache-dtype fp8_e4m3',
    );
    expect(launchCommand('sglang', { ...e, kvPrecision: 'fp8' }).argv.join(' ')).toContain('--kv-cache-dtype fp8_e5m2');
  });
});
