// --kv-precision with llama.cpp's cache types through the built CLI (issue 23 part 3).
import { describe, expect, it } from 'vitest';
import { cli, cliJson } from '../helpers.js';

// llama.cpp PR #21551 (github.com/ggml-org/llama.cpp/pull/21551), Magidonia 24B "kvcache size": f16 1040.00 MiB,
// q8_0 552.50 MiB, q4_0 292.50 MiB: q8_0 keeps 34/64 of the 16-bit bytes, q4_0 18/64
const Q8_0 = 552.5 / 1040;
const Q4_0 = 292.5 / 1040;

describe('fit --kv-precision (llama.cpp cache types)', () => {
  const base = ['fit', 'qwen3-30b-a3b', '--gpu', 'rtx-4090', '--count', '2'];
  const bf16 = cliJson([...base, '--precision', 'q8_0,q4_k_m']);
  it('q8_0 gives exactly 34/64 of the bf16 KV bytes on every GGUF row, per token and per GPU', () => {
    const q8 = cliJson([...base, '--kv-precision', 'q8_0']);
    expect(q8.request.kvPrecision).toBe('q8_0');
    expect(q8.request.kvBytesPerToken).toBe(bf16.request.kvBytesPerToken * Q8_0);
    expect(q8.plans.map((p: { precision: string }) => p.precision)).toEqual(['q8_0', 'q4_k_m']);
    for (const [i, p] of q8.plans.entries()) {
      expect(p.perGpu.kvBytes).toBe(bf16.plans[i].perGpu.kvBytes * Q8_0);
    }
  });
  it('k=q8_0,v=q4_0 gives (34 + 18)/128 of bf16 and launches llama-server with -fa on -ctk q8_0 -ctv q4_0', () => {
    const r = cliJson([...base, '--kv-precision', 'k=q8_0,v=q4_0', '--engine', 'llama.cpp']);
    expect(r.request.kvBytesPerToken).toBe((bf16.request.kvBytesPerToken * (Q8_0 + Q4_0)) / 2);
    expect(r.plans[0].perGpu.kvBytes).toBe(bf16.plans[0].perGpu.kvBytes * (52 / 128));
    expect(r.launch.argv.join(' ')).toMatch(/ -fa on -ctk q8_0 -ctv q4_0$/);
  });
  it('an engine precision named with a llama.cpp KV type is refused: one line, exit 2', () => {
    const r = cli([...base, '--precision', 'fp8', '--kv-precision', 'q8_0']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/--kv-precision: q8_0 is a llama\.cpp KV cache type, but fp8 runs on vLLM/);
  });
  it('llama.cpp has no fp8 cache: a GGUF precision named with --kv-precision fp8 is refused', () => {
    const r = cli([...base, '--precision', 'q4_k_m', '--kv-precision', 'fp8']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/has no fp8 KV cache: give --kv-precision q8_0/);
  });
  it('engines keep their fp8 variants: vLLM --kv-cache-dtype fp8_e5m2', () => {
    const r = cliJson(['fit', 'qwen3-30b-a3b', '--gpu', 'h100', '--kv-precision', 'fp8_e5m2', '--engine', 'vllm']);
    expect(r.plans.every((p: { precision: string }) => !/^q\d|^iq/.test(p.precision))).toBe(true);
    expect(r.launch.argv.join(' ')).toContain('--kv-cache-dtype fp8_e5m2');
  });
  it('an unknown type names the field and the types', () => {
    const r = cli([...base, '--kv-precision', 'q3_k']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--kv-precision: unknown KV precision "q3_k".*q8_0, q5_1/);
  });
});
