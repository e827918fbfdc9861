// Data-parallel attention and expert parallelism through the built CLI (issue 17). Expected figures come from
// the model's config.json dims, the public logs in test/fixtures/ep-logs.ts and the GPU datasheets, worked out
// by hand here; none is read back from the code under test.
import { describe, expect, it } from 'vitest';
import { cli, cliJson } from '../helpers.js';

const GiB = 2 ** 30;
const DSV3 = ['fit', 'deepseek-v3', '--gpu', 'h200', '--precision', 'fp8-block'];

// DeepSeek-V3 config.json (huggingface.co/deepseek-ai/DeepSeek-V3): hidden_size 7168, moe_intermediate_size
// 2048, n_routed_experts 256, num_experts_per_tok 8, 61 layers of which first_k_dense_replace = 3 are dense
// (58 MoE layers), kv_lora_rank 512, qk_rope_head_dim 64. Its fp8 checkpoint stores every expert matrix in
// e4m3 with one fp32 scale per 128 x 128 block (README_WEIGHTS.md).
const HIDDEN = 7168;
const EXPERT_FFN = 2048;
const MOE_LAYERS = 61 - 3;
const TOP_K = 8;
/** one expert's gate, up and down: 3 x 2048 x 7168 bytes + 3 x (2048/128 x 7168/128) fp32 scales */
const EXPERT_BYTES = 3 * EXPERT_FFN * HIDDEN + 3 * (EXPERT_FFN / 128) * (HIDDEN / 128) * 4;
/** MLA keeps the 512 + 64 latent per layer, bf16, whole on every attention rank */
const MLA_TOKEN_BYTES = (512 + 64) * 2 * 61;
/** sgl-project/sglang#6017 (turn 99): DP8 + EP8 ranks printed "mem usage=105.59 GB" (GiB) with 32 EPLB
 *  redundant experts (the thread's recipe) */
const LOGGED_WEIGHTS_GIB = 105.59;

describe('fit --dp 8 --expert-parallel: DeepSeek-V3 on 8 x H200 (the issue\'s "done when")', () => {
  const ep = cliJson([...DSV3, '--count', '8', '--dp', '8', '--expert-parallel']);
  const ep32 = cliJson([...DSV3, '--count', '8', '--dp', '8', '--expert-parallel', '--num-redundant-experts', '32']);
  const tp8 = cliJson([...DSV3, '--count', '8', '--tp', '8', '--no-expert-parallel']);
  const p = ep.plans[0];

  it('plans DP8 x EP8: attention TP 1, eight replicas, experts over all eight GPUs', () => {
    expect(p.fits).toBe(true);
    expect([p.tensorParallel, p.dataParallel, p.expertParallel, p.pipelineParallel]).toEqual([1, 8, 8, 1]);
    expect(tp8.plans[0].dataParallel).toBe(1);
    expect(tp8.plans[0].expertParallel).toBe(0);
  });

  it('32 redundant experts add ceil(288/8) - 256/8 = 4 experts x 58 layers per rank, byte for byte', () => {
    const added = ep32.plans[0].perGpu.weightsBytes - p.perGpu.weightsBytes;
    expect(Math.abs(added - 4 * MOE_LAYERS * EXPERT_BYTES)).toBeLessThanOrEqual(2);
  });

  it('weights per GPU are in the range the public logs show (105.59 GiB with 32 redundant experts, within 2%)', () => {
    expect(Math.abs(ep32.plans[0].perGpu.weightsBytes / GiB / LOGGED_WEIGHTS_GIB - 1)).toBeLessThan(0.02);
    // without the redundant experts, the logged figure less their bytes
    const without = LOGGED_WEIGHTS_GIB - (4 * MOE_LAYERS * EXPERT_BYTES) / GiB;
    expect(Math.abs(p.perGpu.weightsBytes / GiB / without - 1)).toBeLessThan(0.02);
  });

  it('each rank keeps its own MLA latent pool: kvCacheTokensTotal = 8 x kvCacheTokens, several times TP8', () => {
    // --context 8192 x 1 sequence: one rank holds the one sequence's latent, 8192 x 70,272 B
    expect(p.perGpu.kvBytes).toBe(8192 * MLA_TOKEN_BYTES);
    expect(p.kvCacheTokensTotal).toBe(8 * p.kvCacheTokens);
    const t = tp8.plans[0];
    // TP8 replicates the latent on every rank: one pool for the node
    expect(t.kvCacheTokensTotal).toBe(t.kvCacheTokens);
    expect(p.kvCacheTokensTotal).toBeGreaterThan(3 * t.kvCacheTokensTotal);
    // the pool is what the free memory holds at 70,272 B a token (16-token blocks)
    expect(p.kvCacheTokens * MLA_TOKEN_BYTES).toBeLessThanOrEqual(
      p.perGpu.budgetBytes - p.perGpu.totalBytes + p.perGpu.kvBytes,
    );
  });

  it('names the layout in text and prints the vLLM DP + EP launch flags', () => {
    const r = cli([...DSV3, '--count', '8', '--dp', '8', '--expert-parallel', '--engine', 'vllm']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('DP8 x EP8');
    expect(r.stdout).toMatch(/vllm serve deepseek-ai\/DeepSeek-V3 --tensor-parallel-size 1 --data-parallel-size 8 /);
    expect(r.stdout).toContain('--enable-expert-parallel');
    expect(r.stdout).not.toContain('--data-parallel-size-local');
  });

  it('--engine sglang prints --tp 8 --dp 8 --enable-dp-attention --ep-size 8', () => {
    const r = cli([...DSV3, '--count', '8', '--dp', '8', '--expert-parallel', '--engine', 'sglang']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/sglang\.launch_server .*--tp 8 --dp 8 --enable-dp-attention --ep-size 8/);
  });
});

describe('fit --layouts', () => {
  const doc = cliJson([...DSV3, '--count', '8', '--layouts']);
  const rows = doc.layouts.rows as {
    layout: string;
    fits: boolean;
    kvCacheTokensTotal: number;
    decode: { concurrency: number; allToAllMs: number } | null;
  }[];
  const row = (name: string) => rows.find((r) => r.layout === name);

  it('shows TP8 against DP8 x EP8, DP8 x EP8 holding several times the KV tokens', () => {
    expect(row('TP8')?.fits).toBe(true);
    expect(row('DP8 x EP8')?.fits).toBe(true);
    expect(row('DP8 x EP8')!.kvCacheTokensTotal).toBeGreaterThan(3 * row('TP8')!.kvCacheTokensTotal);
    const text = cli([...DSV3, '--count', '8', '--layouts']).stdout;
    expect(text).toMatch(/│ TP8 +│ fits/);
    expect(text).toMatch(/│ DP8 x EP8 +│ fits/);
  });

  it("all-to-all per decode step at the H200's NVLink, 450 GB/s a direction (NVIDIA: 900 GB/s both ways)", () => {
    const d = row('DP8 x EP8')!.decode!;
    // each rank dispatches its tokens' hidden states to top-8 experts and gets them back, bf16, per MoE layer
    const tokensPerRank = d.concurrency / 8;
    const bytes = MOE_LAYERS * 2 * tokensPerRank * TOP_K * HIDDEN * 2;
    expect(d.allToAllMs).toBeCloseTo((bytes / 450e9) * 1000, 6);
    expect(row('TP8')!.decode!.allToAllMs).toBe(0);
  });
});

describe('fit --count 8 without --dp: the searched choice', () => {
  it('DeepSeek-V3 on 8 x H200 picks DP8 x EP8 over TP8 (one latent pool per rank, no pipeline stages)', () => {
    const p = cliJson([...DSV3, '--count', '8']).plans[0];
    expect([p.tensorParallel, p.dataParallel, p.expertParallel, p.pipelineParallel]).toEqual([1, 8, 8, 1]);
  });
  it('a dense model stays plain tensor parallel', () => {
    const p = cliJson(['fit', 'llama-3.1-70b', '--gpu', 'h100', '--count', '4']).plans[0];
    expect([p.tensorParallel, p.dataParallel, p.expertParallel]).toEqual([4, 1, 0]);
  });
});

describe('multi-node data parallelism and pre-flight warnings', () => {
  it('16 GPUs over 2 nodes: --data-parallel-size-local, head address, per-node note; EP across nodes warned', () => {
    const r = cli([...DSV3, '--count', '16', '--dp', '16', '--expert-parallel', '--engine', 'vllm']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('--data-parallel-size 16 --data-parallel-size-local 8 --data-parallel-address');
    expect(r.stdout).toContain('--headless --data-parallel-start-rank');
    expect(r.stdout + r.stderr).toMatch(/EP16 group spans 2 nodes/);
    // no pipeline stages here: the node-spanning warning names what does cross the network
    expect(r.stdout + r.stderr).toMatch(/spans 2 nodes \(DP16 x EP16\): the expert-parallel all-to-all crosses/);
    expect(r.stdout + r.stderr).not.toMatch(/pipeline stages cross/);
  });

  it('SGLang over 2 nodes: --tp 16 --dp 16 with --nnodes 2, --node-rank and --dist-init-addr', () => {
    const r = cli([...DSV3, '--count', '16', '--dp', '16', '--expert-parallel', '--engine', 'sglang']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/--tp 16 --dp 16 --enable-dp-attention --nnodes 2 --node-rank 0 --dist-init-addr/);
    expect(r.stdout).toContain('--ep-size 16');
  });

  it('E % EP != 0 is warned, and the fullest rank holds ceil(256/24) = 11 experts', () => {
    const r = cli([...DSV3, '--count', '24', '--dp', '24', '--expert-parallel']);
    expect(r.code).toBe(0);
    expect(r.stdout + r.stderr).toMatch(/256 experts do not divide EP 24/);
    const p24 = cliJson([...DSV3, '--count', '24', '--dp', '24', '--expert-parallel']).plans[0];
    const p8 = cliJson([...DSV3, '--count', '8', '--dp', '8', '--expert-parallel']).plans[0];
    // same attention rank (TP 1), 32 - 11 = 21 experts fewer per MoE layer
    const fewer = p8.perGpu.weightsBytes - p24.perGpu.weightsBytes;
    expect(Math.abs(fewer - 21 * MOE_LAYERS * EXPERT_BYTES)).toBeLessThanOrEqual(2);
  });
});

describe('DeepEP low-latency buffers (--a2a-backend deepep-ll)', () => {
  // deepseek-ai/DeepEP csrc/config.hpp get_low_latency_rdma_size_hint for 256 tokens per rank, hidden 7168,
  // 256 experts, 8 ranks: dispatch message 16 + 2 x 7168 B, combine message 56 x 4 + 2 x 7168 B; send and
  // receive buffers of 256 x 256 messages (the larger of the two kinds), doubled, plus the signalling words
  const dispatchMsg = 16 + 2 * HIDDEN;
  const combineMsg = (HIDDEN / 128) * 4 + 2 * HIDDEN;
  const recv = 256 * 256 * Math.max(dispatchMsg, combineMsg);
  const signal = Math.ceil((256 * 8 + (256 / 8) * 4) / 128) * 128;
  const LL_BYTES = 2 * recv + 2 * recv + 2 * signal;
  const run = (engine: string, a2a: boolean) =>
    cliJson([
      ...DSV3,
      '--count',
      '8',
      '--dp',
      '8',
      '--expert-parallel',
      '--engine',
      engine,
      ...(a2a ? ['--a2a-backend', 'deepep-ll'] : []),
    ]).plans[0];

  it('vLLM reserves them before the KV profile: the pool loses their bytes at 70,272 B a token', () => {
    const without = run('vllm', false);
    const withLl = run('vllm', true);
    expect(withLl.perGpu.commBufferBytes).toBe(LL_BYTES);
    const lost = (without.kvCacheTokens - withLl.kvCacheTokens) * MLA_TOKEN_BYTES;
    expect(Math.abs(lost - LL_BYTES)).toBeLessThanOrEqual(16 * MLA_TOKEN_BYTES);
  });

  it('SGLang creates them after the KV pool, outside mem_fraction_static: the pool keeps its tokens', () => {
    const without = run('sglang', false);
    const withLl = run('sglang', true);
    expect(withLl.perGpu.commBufferBytes).toBe(LL_BYTES);
    expect(withLl.kvCacheTokens).toBe(without.kvCacheTokens);
  });
});

describe('bad combinations: one line on stderr, exit 2', () => {
  it.each([
    [[...DSV3, '--count', '8', '--dp', '8', '--ep', '3'], /--ep: EP 3 divides no TP x DP group/],
    [[...DSV3, '--count', '8', '--dp', '8', '--ep', '8', '--num-redundant-experts', '30'], /--num-redundant-experts/],
    [['fit', 'llama-3.1-70b', '--gpu', 'h200', '--count', '8', '--ep', '8'], /dense: it has no experts/],
    [[...DSV3, '--count', '8', '--dp', '3'], /--dp: 3 does not divide --count 8/],
  ])('%j', (args, message) => {
    const r = cli(args as string[]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
