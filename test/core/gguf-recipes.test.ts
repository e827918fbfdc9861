// llama.cpp's GGUF file types by recipe (issue 23 part 5): the MoE type rules of src/llama-quant.cpp and the
// MXFP4 experts gpt-oss files keep, against the sizes llama.cpp prints for published files.
import { describe, expect, it } from 'vitest';
import { deriveParams, type TensorCount } from '../../src/core/params.js';
import { getPrecision, recipeModel, weightBytes } from '../../src/core/precision.js';
import { card } from '../helpers.js';

const GiB = 2 ** 30;
const w = (id: string, p: string) => {
  const c = card(id);
  const a = c.architecture;
  return weightBytes(deriveParams(c).tensors, getPrecision(p), a.num_layers, a.moe?.experts ?? 0, a).total;
};
/** the type a recipe gives the first tensor of a role in a layer */
const typeOf = (id: string, p: string, role: TensorCount['role'], layer: number) => {
  const c = card(id);
  const a = c.architecture;
  const tensor = deriveParams(c).tensors.find((t) => t.role === role && t.layer === layer && t.matrix)!;
  return getPrecision(p).formatOf({
    tensor,
    nLayers: a.num_layers,
    nExperts: a.moe?.experts ?? 0,
    model: recipeModel(a),
  });
};

describe('GGUF recipes: llama-quant.cpp type rules for MoE tensors', () => {
  it('attn_output without 8 experts: Q3_K in Q2_K files, Q4_K in Q3_K_M files; with 8 (Mixtral) Q5_K', () => {
    expect(typeOf('qwen3-30b-a3b', 'q2_k', 'attn_o', 10)).toBe('q3_k');
    expect(typeOf('qwen3-30b-a3b', 'q3_k_m', 'attn_o', 10)).toBe('q4_k');
    expect(typeOf('mixtral-8x7b', 'q2_k', 'attn_o', 10)).toBe('q5_k');
    expect(typeOf('mixtral-8x7b', 'q3_k_m', 'attn_o', 10)).toBe('q5_k');
  });
  it('attn_v in Q2_K files: Q4_K when n_head / n_head_kv >= 4 (Qwen3-30B-A3B 32/4), Q8_0 with 8 experts', () => {
    expect(typeOf('qwen3-30b-a3b', 'q2_k', 'attn_v', 10)).toBe('q4_k');
    expect(typeOf('mixtral-8x7b', 'q2_k', 'attn_v', 10)).toBe('q8_0');
  });
  it('ffn_down of experts by layer: Q3_K_M gives Q5_K below n/16, Q4_K after; Q2_K gives Q3_K', () => {
    expect(typeOf('qwen3-235b-a22b', 'q3_k_m', 'ffn_down_exps', 5)).toBe('q5_k'); // 5 < 94/16
    expect(typeOf('qwen3-235b-a22b', 'q3_k_m', 'ffn_down_exps', 6)).toBe('q4_k');
    expect(typeOf('qwen3-235b-a22b', 'q2_k', 'ffn_down_exps', 50)).toBe('q3_k');
  });
  it('gpt-oss keeps its MXFP4 experts; rows of 2880 fall back from K-quants (Q4_K -> Q5_0, Q6_K -> Q8_0)', () => {
    expect(typeOf('gpt-oss-20b', 'q4_k_m', 'ffn_gate_up_exps', 3)).toBe('mxfp4');
    expect(typeOf('gpt-oss-20b', 'q2_k', 'ffn_down_exps', 3)).toBe('mxfp4');
    expect(typeOf('gpt-oss-20b', 'q4_k_m', 'attn_q', 3)).toBe('q5_0'); // hidden 2880 % 256 != 0
    expect(typeOf('gpt-oss-20b', 'q4_k_m', 'attn_v', 0)).toBe('q8_0'); // Q6_K on use_more_bits, falls back
    expect(typeOf('gpt-oss-20b', 'q4_k_m', 'attn_o', 3)).toBe('q4_k'); // 64 heads x 64 = 4096 inputs
  });
});

// Sizes are llama.cpp's "size" column (tensor bytes, GiB) as llama-bench prints it for the file named.
describe('GGUF recipes against published files', () => {
  it.each([
    // llama-bench logs "qwen3moe 30B.A3B Q2_K - Medium | 10.48 GiB | 30.53 B" (CPU runs, build b31b71f3a (10872));
    // the logs do not name the repository of the file
    ['qwen3-30b-a3b', 'q2_k', 10.48],
    // llama-bench Vulkan log "qwen3moe 30B.A3B Q3_K - Medium | 13.70 GiB | 30.53 B" (repository not named)
    ['qwen3-30b-a3b', 'q3_k_m', 13.7],
    // llama-bench on a DGX Spark, "Qwen3-235B-A22B Q2_K (79.80 GiB)": "qwen3moe 235B.A22B Q2_K - Medium |
    // 79.80 GiB | 235.09 B" (CUDA and CUDA,RPC runs; repository not named)
    ['qwen3-235b-a22b', 'q2_k', 79.8],
    // unsloth/gpt-oss-20b-GGUF gpt-oss-20b-Q4_K_M.gguf: "gpt-oss 20B Q4_K - Medium | 10.81 GiB | 20.91 B"
    // (llama-bench, llama.cpp b7541, Vulkan / ROCm / CPU)
    ['gpt-oss-20b', 'q4_k_m', 10.81],
    // unsloth/gpt-oss-120b-GGUF gpt-oss-120b-Q4_K_M-0000{1,2}-of-00002.gguf: "gpt-oss 120B Q4_K - Medium |
    // 58.45 GiB | 116.83 B" (same llama-bench b7541 tables)
    ['gpt-oss-120b', 'q4_k_m', 58.45],
  ])('%s %s is %d GiB within 0.1%', (id, p, gib) => {
    expect(Math.abs(w(id, p) / GiB / gib - 1)).toBeLessThan(0.001);
  });
  // Not pinned: llama-bench logs of a "qwen3moe 235B.A22B Q3_K - Medium" file print 96.59 GiB, but the standard
  // Q3_K_M recipe (ffn_down of experts Q4_K past n/16, as in the 13.70 GiB Qwen3-30B-A3B file above) gives
  // 104.8 GiB: 96.59 is 0.92 of it, the ratio of the 12.88 GiB "30B.A3B Q3_K - Medium" file other logs show to
  // the 13.70 GiB one, so both look like a publisher's own mix that keeps the Q3_K_M file type, not
  // llama-quantize's default recipe.
  it('Qwen3-235B-A22B Q3_K_M / Q2_K scales as the published Qwen3-30B-A3B pair (13.70 / 10.48 GiB)', () => {
    const r235 = w('qwen3-235b-a22b', 'q3_k_m') / w('qwen3-235b-a22b', 'q2_k');
    // the published 30B pair: 13.70 / 10.48 = 1.307
    expect(r235).toBeCloseTo(13.7 / 10.48, 1);
  });
});
