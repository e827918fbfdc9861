// Runtime overhead defaults: every constant is stated in `fit` output and overridable.
import type { Architecture } from '../cards/schema.js';

const GiB = 2 ** 30;

/** vLLM's default gpu_memory_utilization was 0.9 for most releases (PR #2162); current code says
 *  0.92 (vllm/config/cache.py). We default to the lower, more conservative 0.9. */
export const DEFAULT_UTILIZATION = 0.9;

/** "non-torch" memory vLLM measures per GPU (CUDA context remainder, NCCL, cuBLAS workspaces):
 *  0.13 GiB at TP=1 and 0.55 GiB at TP=2 on H100 (llm-d/llm-d-benchmark
 *  config_explorer/empirical-vllm-memory-results.md). */
export function defaultNonTorchBytes(gpuCount: number): number {
  return gpuCount > 1 ? Math.round(0.55 * GiB) : Math.round(0.13 * GiB);
}

/** vLLM V1 max_num_batched_tokens for the API server: 8192 on GPUs with >= 70 GiB, else 2048
 *  (vllm/engine/arg_utils.py default_max_num_batched_tokens). */
export function defaultBatchTokens(gpuMemoryBytes: number): number {
  return gpuMemoryBytes >= 70 * GiB ? 8192 : 2048;
}

/** Peak activation of the engine's profiling forward pass over `tokens` tokens, per GPU:
 *  fp32 logits (4 x vocab per token, gathered in full on each rank) + the widest FFN
 *  intermediate (gate and up, bf16, split across TP) + a few hidden-size buffers.
 *  Against llm-d's measured vLLM peaks on H100 at 8192 tokens (Llama-3.1-8B 4.76 GiB,
 *  Qwen3-32B 5.64, Llama-3.3-70B TP2 4.84, gpt-oss 7.38) this gives 4.60, 5.73, 4.85, 6.66 GiB. */
export function activationBytes(a: Architecture, tokens: number, tp: number): number {
  let ffn = a.mlp.dense_ffn ?? 0;
  if (a.moe) {
    const moeFfn = a.moe.top_k * a.moe.expert_ffn + (a.moe.shared_experts ? a.moe.shared_experts.count * a.moe.shared_experts.ffn : 0) + (a.moe.dense_residual_ffn ?? 0);
    ffn = Math.max(ffn, moeFfn);
  }
  return tokens * (4 * a.vocab_size + (4 * ffn) / tp + 8 * a.hidden_size);
}

/** Expected error of fit's per-GPU figures, from test/core/calibration.test.ts against vLLM start-up
 *  logs: weights per GPU within 2% on 14 of 15 rows; memory left for KV within 10% on the V1 rows. */
export const MEMORY_ERROR_BAND = { weightsPerGpu: 0.02, kvMemory: 0.1 } as const;
