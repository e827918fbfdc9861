// Runtime memory a serving engine takes besides weights and KV cache, per GPU. Pure: no I/O.
//
// The model follows how vLLM measures memory at start-up (vllm/v1/worker/gpu_worker.py
// determine_available_memory): KV budget = total x gpu_memory_utilization - weights - peak activation
// of a profiling run - non-torch memory (- CUDA-graph memory from v0.21). Which effects apply depends
// on the vLLM release, so each generation is one row of VLLM_GENERATIONS; `fit` uses the newest and
// the calibration table (test/fixtures/vllm-startup-logs.ts) names the release each log came from.
// Each constant names its source beside it; test/core/calibration.test.ts checks the whole against logs.
import type { Architecture, Gpu } from './types.js';
import { CalcError } from './errors.js';

const GiB = 2 ** 30;

/** vLLM's default gpu_memory_utilization was 0.9 for most releases (PR #2162); current code says
 *  0.92 (vllm/config/cache.py). We default to the lower, more conservative 0.9. */
export const DEFAULT_UTILIZATION = 0.9;

/** How the dummy sampler run of the profile is implemented, in bytes per element of the
 *  [sequences x vocab] logits it materialises (vllm/v1/sample/sampler.py, ops/topk_topp_sampler.py):
 *  - sort: PyTorch path, bf16 logits + fp32 copy + sort values fp32 and indices int64 + sort scratch;
 *    38.3 B fitted to llm-d's measured peaks (Llama-3.1-8B, Qwen3-0.6B, Qwen3-32B, gpt-oss: 38.25-38.4);
 *  - fused: FlashInfer top_k_top_p_sampling_from_logits or the Triton top-k/top-p kernel (vLLM #33538):
 *    bf16 logits + fp32 masked copy + fp32 probs + one more fp32 temporary, 14 B (from the code). */
export const SAMPLER_BYTES = { sort: 38.3, fused: 14 } as const;
export type SamplerKind = keyof typeof SAMPLER_BYTES;

/** fused_moe processes at most this many tokens at once (vllm envs VLLM_FUSED_MOE_CHUNK_SIZE). */
const FUSED_MOE_CHUNK = 32768;

export interface EngineGeneration {
  id: string;
  /** releases it covers, as users read them */
  releases: string;
  /** V0 engine: the sampler runs on the driver rank only, logits gathered there */
  v0: boolean;
  /** default sampler of the profile run (installs differ: FlashInfer present or not) */
  sampler: SamplerKind;
  /** extra scratch the sampler keeps (Triton top-k/top-p buffer: up to num_SMs x vocab fp32) */
  samplerExtraBytes: number;
  /** CUDA-graph memory is estimated before the KV cache and taken out of the budget */
  cudaGraphsBudgeted: boolean;
  /** recurrent-state slots per sequence of hybrid (SSM / linear) models: 2 with prefix caching on by
   *  default in "align" mode (the state is checkpointed at attention block boundaries), else 1
   *  (vllm/v1/kv_cache_interface.py MambaSpec.max_memory_usage_bytes) */
  mambaStateSlots: number;
  /** gpt-oss MXFP4 on Hopper: the Triton kernels were bundled from v0.12 (#28788); before, Marlin */
  tritonMxfp4OnHopper: boolean;
  /** non-torch memory per GPU at TP 1 and with more than one GPU */
  nonTorchGiB: { single: number; multi: number };
}

/** vLLM releases grouped by how they account memory (research notes: vllm-project/vllm history,
 *  PRs named in each line). Oldest first; the last is what `fit` assumes. */
export const VLLM_GENERATIONS: readonly EngineGeneration[] = [
  // V0 engine: Worker.determine_num_available_blocks; non-torch measured after distributed init
  // (0.16-0.35 GiB in logs: vllm#15196, #10517, #13061, PR #14447)
  {
    id: 'v0',
    releases: 'V0 engine (<= 0.7, or VLLM_USE_V1=0 up to 0.10)',
    v0: true,
    sampler: 'sort',
    samplerExtraBytes: 0,
    cudaGraphsBudgeted: false,
    mambaStateSlots: 1,
    tritonMxfp4OnHopper: false,
    nonTorchGiB: { single: 0.25, multi: 0.25 },
  },
  // V1 with the sampler in the profile (#13594, v0.8.0); FlashInfer sampler by default when installed
  // (docker images) until #26859 (v0.11.1); pip installs without FlashInfer sort
  {
    id: 'v1-0.8',
    releases: '0.8.0 - 0.11.0',
    v0: false,
    sampler: 'sort',
    samplerExtraBytes: 0,
    cudaGraphsBudgeted: false,
    mambaStateSlots: 1,
    tritonMxfp4OnHopper: false,
    nonTorchGiB: { single: 0.13, multi: 0.55 },
  },
  // FlashInfer sampler off by default (#26859); Triton MXFP4 kernels bundled from 0.12 (#28788)
  {
    id: 'v1-0.11.1',
    releases: '0.11.1 - 0.11.2',
    v0: false,
    sampler: 'sort',
    samplerExtraBytes: 0,
    cudaGraphsBudgeted: false,
    mambaStateSlots: 1,
    tritonMxfp4OnHopper: false,
    nonTorchGiB: { single: 0.13, multi: 0.55 },
  },
  {
    id: 'v1-0.12',
    releases: '0.12 - 0.16',
    v0: false,
    sampler: 'sort',
    samplerExtraBytes: 0,
    cudaGraphsBudgeted: false,
    mambaStateSlots: 1,
    tritonMxfp4OnHopper: true,
    nonTorchGiB: { single: 0.13, multi: 0.55 },
  },
  // Triton top-k/top-p kernel (#33538, Feb 2026): in place plus a num_SMs x vocab fp32 buffer (~0.1 GiB)
  {
    id: 'v1-0.17',
    releases: '0.17 - 0.20',
    v0: false,
    sampler: 'fused',
    samplerExtraBytes: 0.1 * GiB,
    cudaGraphsBudgeted: false,
    mambaStateSlots: 1,
    tritonMxfp4OnHopper: true,
    nonTorchGiB: { single: 0.13, multi: 0.55 },
  },
  // CUDA-graph memory profiled and budgeted by default (#38284, "default since v0.21.0");
  // FlashInfer sampler on by default again (#40376)
  {
    id: 'v1-0.21',
    releases: '0.21 and later',
    v0: false,
    sampler: 'fused',
    samplerExtraBytes: 0,
    cudaGraphsBudgeted: true,
    mambaStateSlots: 2,
    tritonMxfp4OnHopper: true,
    nonTorchGiB: { single: 0.13, multi: 0.55 },
  },
];

export const CURRENT_GENERATION = VLLM_GENERATIONS[VLLM_GENERATIONS.length - 1]!;

/** The generation a vLLM release string ("0.10.2", "0.11.2.dev3", "v0" for the V0 engine) belongs to. */
export function vllmGeneration(release: string): EngineGeneration {
  const t = release.trim().toLowerCase();
  if (t === 'v0') return VLLM_GENERATIONS[0]!;
  const r = t.replace(/^v(?=\d+\.)/, '');
  const m = /^(\d+)\.(\d+)(?:\.(\d+))?/.exec(r);
  if (!m)
    throw new CalcError('--vllm', `expected a vLLM release such as 0.11.2 (or v0 for the V0 engine), got "${release}"`);
  const v = [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)] as const;
  const atLeast = (a: number, b: number, c = 0) => v[0] > a || (v[0] === a && (v[1] > b || (v[1] === b && v[2] >= c)));
  const id = !atLeast(0, 8)
    ? 'v0'
    : !atLeast(0, 11, 1)
      ? 'v1-0.8'
      : !atLeast(0, 12)
        ? 'v1-0.11.1'
        : !atLeast(0, 17)
          ? 'v1-0.12'
          : !atLeast(0, 21)
            ? 'v1-0.17'
            : 'v1-0.21';
  return VLLM_GENERATIONS.find((g) => g.id === id)!;
}

/** Non-torch memory per GPU (NCCL buffers, custom all-reduce, lazily loaded kernels): V1 measures
 *  0.13 GiB at TP 1 and 0.54-0.55 GiB at TP 2 on H100 (llm-d/llm-d-benchmark
 *  config_explorer/empirical-vllm-memory-results.md). */
export function defaultNonTorchBytes(gpuCount: number, g: EngineGeneration = CURRENT_GENERATION): number {
  return Math.round((gpuCount > 1 ? g.nonTorchGiB.multi : g.nonTorchGiB.single) * GiB);
}

/** vLLM's engine defaults for the OpenAI server (vllm/engine/arg_utils.py get_batch_defaults):
 *  max_num_batched_tokens 8192 and max_num_seqs 1024 on GPUs with >= 70 GiB that are not A100s
 *  (#17073, A100 excluded by #17885), else 2048 and 256; max_num_seqs <= max_num_batched_tokens. */
export function defaultBatchTokens(gpu: Pick<Gpu, 'memory_bytes'> & { name?: string }): number {
  return bigGpu(gpu) ? 8192 : 2048;
}
export function defaultMaxNumSeqs(gpu: Pick<Gpu, 'memory_bytes'> & { name?: string }): number {
  return bigGpu(gpu) ? 1024 : 256;
}
const bigGpuCache = new WeakMap<object, boolean>();
function bigGpu(gpu: Pick<Gpu, 'memory_bytes'> & { name?: string }): boolean {
  let big = bigGpuCache.get(gpu);
  if (big === undefined) {
    big = gpu.memory_bytes >= 70 * GiB && !/a100/i.test(gpu.name ?? '');
    bigGpuCache.set(gpu, big);
  }
  return big;
}

/** Peak of the profiling forward pass over `tokens` tokens on one GPU, bytes (the largest
 *  intermediates of one layer, bf16):
 *  - four hidden-size buffers per token (input, residual, normed input, output);
 *  - dense MLP: gate_up output 2F/TP plus the activation output F/TP;
 *  - fused MoE (vllm fused_moe intermediate caches, at most 32768 tokens at once): per token and
 *    chosen expert, gate_up 2F_e/TP + activation F_e/TP + the expert's output H before the
 *    weighted sum.
 *  Against V0 logs, which print this peak alone: DeepSeek-R1 TP16 at 2048 tokens 0.34 vs 0.37 GiB
 *  logged (PR #14447), Llama-3.1-8B at 20000 tokens 2.21 vs 2.07 (vllm#10517). */
export function forwardActivationBytes(a: Architecture, tokens: number, tp: number): number {
  const dense = a.mlp.dense_ffn ? (3 * a.mlp.dense_ffn) / tp : 0;
  let moe = 0;
  if (a.moe)
    moe = (a.moe.top_k * ((3 * a.moe.expert_ffn) / tp + a.hidden_size) * Math.min(tokens, FUSED_MOE_CHUNK)) / tokens;
  return 2 * tokens * (4 * a.hidden_size + Math.max(dense, moe));
}

/** Peak of the profile's dummy sampler run on the last pipeline stage, bytes: the hidden states of
 *  all `tokens` kept alive, plus `rows` = min(max_num_seqs, tokens) rows of logits over the vocab
 *  and the sampler's temporaries; under TP the vocab-parallel shard (2/TP bytes) sits beside the
 *  gathered logits (vllm/v1/worker/gpu_model_runner.py _dummy_sampler_run). */
export function samplerActivationBytes(
  a: Architecture,
  tokens: number,
  rows: number,
  tp: number,
  kind: SamplerKind,
  extra = 0,
): number {
  return 2 * tokens * a.hidden_size + rows * a.vocab_size * (SAMPLER_BYTES[kind] + (tp > 1 ? 2 / tp : 0)) + extra;
}
// The stage that samples peaks at the larger of the two (the forward intermediates are freed before
// sampling): fit.ts runtimeOverheads.

/** CUDA-graph memory per GPU when the engine budgets it (vLLM >= 0.21 estimates it before sizing the
 *  KV cache). Logged figures: 0.41 GiB (Qwen3.6-35B-A3B, noonghunna/club-3090#652), 0.52 (Qwen3-8B,
 *  LMCache/LMCache#3430), 0.64 (gpt-oss-120b, v0.11.2, tonghuikang/blog 2025-12-28), 0.94 (gpt-oss
 *  TP 2, princeton-ddss/blackfish#162) and 2.22 GiB (Qwen3.5-35B-A3B TP 4, vllm#50722): the median,
 *  0.64 GiB, is assumed; --enforce-eager makes it 0. */
export const DEFAULT_CUDA_GRAPH_BYTES = Math.round(0.64 * GiB);

// ---- llama.cpp (GGUF files): its own accounting, not vLLM's profile.
// src/llama-context.cpp reserves one compute buffer per GPU for the graph of a full ubatch; with flash
// attention (the default, -fa auto) it is mostly the output logits, n_vocab x n_ubatch f32, on the GPU
// that holds the output layer. The input embedding stays in host memory (src/llama-model.cpp
// load_tensors: the input layer is always on the CPU). Logs of mainline llama.cpp (build 5274, RTX 3090
// Ti, full offload, ik_llama.cpp PR #370): Qwen3-30B-A3B Q4_K_M 300.75 MiB, GLM-Z1-32B 353.00 MiB;
// two RTX 3090 with the output layer on the second: 304.75 MiB there.

/** llama-server's default n_ubatch (common/arg.cpp --ubatch-size). */
export const LLAMA_CPP_UBATCH = 512;

/** Compute buffer of one GPU, bytes: the ubatch's logits on the GPU with the output layer, plus four
 *  hidden-size f32 buffers of the ubatch on every GPU. */
export function llamaCppComputeBytes(a: Architecture, outputLayer: boolean): number {
  return (outputLayer ? LLAMA_CPP_UBATCH * 4 * a.vocab_size : 0) + LLAMA_CPP_UBATCH * 4 * 4 * a.hidden_size;
}

/** With routed experts in host memory, mainline llama.cpp runs large-batch matmuls of host weights on
 *  the main GPU (ggml op offload; --no-op-offload turns it off), so that GPU reserves room for one expert
 *  tensor plus about 0.2 GiB: Qwen3-235B-A22B Q6_K logged 774 MiB (tensor 630 MiB), Q8_0 1024 MiB
 *  (tensor 816 MiB) (ik_llama.cpp PR #370 and discussion #357). The larger of this and the compute
 *  buffer is taken. */
export function llamaCppOpOffloadBytes(largestExpertTensor: number): number {
  return largestExpertTensor + Math.round(0.2 * GiB);
}

/** llama.cpp's sliding-window cache (src/llama-kv-cache-iswa.cpp): window x sequences + n_ubatch cells,
 *  padded to 256 (gpt-oss: 128 + 512 -> 768 cells, as logged). */
export function llamaCppSwaCells(window: number, sequences: number): number {
  return Math.ceil((window * sequences + LLAMA_CPP_UBATCH) / 256) * 256;
}

/** Expected error of fit's per-GPU figures, from test/core/calibration.test.ts against vLLM start-up
 *  logs: weights per GPU within 2%, memory left for the KV cache within 10%, and on how many of the
 *  logged rows each holds (the test checks these counts against its report). */
export const MEMORY_ERROR_BAND = {
  weightsPerGpu: 0.02,
  kvMemory: 0.1,
  rows: { weights: { within: 20, of: 20 }, kvMemory: { within: 14, of: 15 } },
} as const;

/** Expected error of GGUF plans' buffers, from test/core/llamacpp.test.ts against llama.cpp's load
 *  logs (the test holds every logged row to these bounds). */
export const LLAMA_CPP_ERROR_BAND = { model: 0.02, kv: 0.01, compute: 0.1, logs: 5 } as const;

// ---- all-to-all buffers of expert parallelism (per GPU, reserved outside PyTorch's allocator).

/** Tokens per rank a DeepEP low-latency dispatch is sized for: vLLM VLLM_MOE_DP_CHUNK_SIZE (256). */
export const DEEPEP_LL_TOKENS = 256;

/** DeepEP's low-latency RDMA buffer (deepseek-ai/DeepEP csrc/config.hpp get_low_latency_rdma_size_hint,
 *  commit 030cdf0a): send and receive buffers for dispatch (bf16 or fp8 + scales + a 16-byte header per
 *  token) and combine (bf16 + per-128 scales) of `tokens` tokens to every expert, doubled, plus signals.
 *  DeepSeek-V3 (hidden 7168, 256 experts): 1.78 GiB at 128 tokens, 3.56 GiB at 256. */
export function deepEpLowLatencyBytes(
  hidden: number,
  experts: number,
  ranks: number,
  tokens = DEEPEP_LL_TOKENS,
): number {
  const align = (x: number, k: number) => Math.ceil(x / k) * k;
  const scales = Math.ceil(hidden / 128);
  const dispatchMsg = 16 + Math.max(2 * hidden, hidden + 4 * scales);
  const combineMsg = 4 * scales + 2 * hidden;
  const send = Math.max(tokens * dispatchMsg, experts * tokens * combineMsg);
  const recv = Math.max(experts * tokens * dispatchMsg, experts * tokens * combineMsg);
  const signal = align(experts * 8 + Math.ceil(experts / ranks) * 4, 128);
  return align(2 * send + 2 * recv + 2 * signal, 128);
}

/** vLLM deepep_high_throughput: VLLM_DEEPEP_BUFFER_SIZE_MB (default 1024 MiB) of NVLink buffer, and as
 *  much RDMA buffer when the EP group spans nodes (vllm/distributed/device_communicators/all2all.py). */
export const DEEPEP_HT_BYTES = 1024 * 2 ** 20;

/** Communication buffers one GPU reserves for the expert-parallel all-to-all. vLLM's default backend
 *  (allgather_reducescatter) keeps none persistently. */
export function commBufferBytes(
  a: Pick<Architecture, 'hidden_size'>,
  backend: 'none' | 'deepep-ht' | 'deepep-ll',
  ep: number,
  experts: number,
  multiNode: boolean,
): number {
  if (backend === 'deepep-ll') return deepEpLowLatencyBytes(a.hidden_size, experts, ep);
  if (backend === 'deepep-ht') return DEEPEP_HT_BYTES * (multiNode ? 2 : 1);
  return 0;
}

/** Memory no longer free when SGLang measures it at start-up, before the weights load (CUDA context,
 *  NCCL, the scheduler's buffers): 2.17 GiB on a 141 GB H200 with DP attention (sglang#6017: 137.55 GiB
 *  free of 139.72). Checked in test/core/calibration.test.ts against the other logged runs. */
export const SGLANG_STARTUP_BYTES = Math.round(2.17 * GiB);

// ---- SGLang's accounting (python/sglang/srt/server_args.py _handle_gpu_memory_settings and
// model_executor/model_runner_kv_cache_mixin.py profile_max_num_token): the static pool (weights + KV)
// is mem_fraction_static of the memory free at start-up; activations and CUDA graphs live in the rest.

/** SGLang's default mem_fraction_static for a GPU of `gpuMiB` MiB (server_args.py: the reserve grows
 *  with the chunked-prefill size, CUDA-graph batch, TP x PP, and with data-parallel attention; at least
 *  10 GiB on GPUs over 60 GiB). H200 at TP8 without DP attention: 0.897; with DP8: 0.769. */
export function sglangMemFraction(gpuMiB: number, tp: number, pp: number, dpAttention: number): number {
  const GiBm = 1024;
  const [chunk, graphBs] =
    gpuMiB < 20 * GiBm
      ? [2048, 8]
      : gpuMiB < 35 * GiBm
        ? [2048, tp < 4 ? 24 : 80]
        : gpuMiB < 60 * GiBm
          ? [4096, tp < 4 ? 32 : 160]
          : gpuMiB < 160 * GiBm
            ? [8192, tp < 4 ? 256 : 512]
            : [16384, 512];
  let reserved = 512 + Math.max(chunk, 2048) * 1.5 + graphBs * 2 + ((tp * pp) / 8) * 1024;
  if (dpAttention > 1) {
    reserved += graphBs * dpAttention * 3;
    if (graphBs > 300) reserved += graphBs * dpAttention * 1.5;
  }
  if (gpuMiB > 60 * GiBm) reserved = Math.max(reserved, 10 * GiBm);
  return Math.round(((gpuMiB - reserved) / gpuMiB) * 1000) / 1000;
}
