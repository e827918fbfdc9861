// Launch commands for a plan, per serving engine. Pure: builds argument lists, runs nothing.
// Flag names from the engines' documentation: vLLM `vllm serve` engine arguments (docs.vllm.ai,
// v0.10-0.11: --tensor-parallel-size, --pipeline-parallel-size, --enable-expert-parallel,
// --max-model-len, --gpu-memory-utilization, --kv-cache-dtype, --quantization, --max-num-batched-tokens,
// --max-num-seqs, --enforce-eager); SGLang
// `python3 -m sglang.launch_server` server arguments (docs.sglang.io, v0.5: --model-path, --tp,
// --pp-size, --quantization, --context-length, --mem-fraction-static, --kv-cache-dtype); llama.cpp
// `llama-server` (tools/server/README.md: -m, -c, -ngl, --n-cpu-moe).
import type { Card } from './types.js';
import type { Plan } from './fit.js';

export const ENGINES = ['vllm', 'sglang', 'llama.cpp'] as const;
export type Engine = (typeof ENGINES)[number];

export interface LaunchCommand {
  engine: Engine;
  argv: string[];
  notes: string[];
}

export interface LaunchInput {
  card: Card;
  plan: Plan;
  /** the precision the plan uses and the checkpoint's own */
  precision: string;
  utilization: number;
  kvPrecision: string;
  /** context to serve: the requested one, capped at what fits */
  maxModelLen: number;
  /** profiling settings the plan assumed when the user set them (vLLM flags of the same name) */
  batchTokens?: number;
  maxNumSeqs?: number;
  enforceEager?: boolean;
}

/** Online quantisation each engine applies to a bf16 checkpoint (`--quantization fp8`). */
function onlineQuant(engine: Engine, precision: string, native: string): { flag?: string; note?: string } {
  if (precision === native) return {};
  if (precision === 'fp8' || (precision === 'fp8-block' && native !== 'fp8-block')) return { flag: 'fp8' };
  if (engine === 'llama.cpp') return {};
  return {
    note:
      `${precision} weights need a checkpoint already quantised to ${precision} (AWQ/GPTQ/NVFP4 ` +
      `repos); point the command at it`,
  };
}

export function launchCommand(engine: Engine, x: LaunchInput): LaunchCommand {
  const { card, plan } = x;
  const repo = card.hf_repo ?? card.id;
  const native = card.architecture.native_precision;
  const notes: string[] = [];
  const q = onlineQuant(engine, x.precision, native);
  if (q.note) notes.push(q.note);
  const moe = card.architecture.moe !== undefined;
  if (engine === 'vllm') {
    const argv = ['vllm', 'serve', repo, '--tensor-parallel-size', String(plan.tensorParallel)];
    if (plan.pipelineParallel > 1) argv.push('--pipeline-parallel-size', String(plan.pipelineParallel));
    if (moe && plan.tensorParallel > 1) argv.push('--enable-expert-parallel');
    if (q.flag) argv.push('--quantization', q.flag);
    argv.push('--max-model-len', String(x.maxModelLen), '--gpu-memory-utilization', String(x.utilization));
    if (x.kvPrecision === 'fp8') argv.push('--kv-cache-dtype', 'fp8');
    if (x.batchTokens !== undefined) argv.push('--max-num-batched-tokens', String(x.batchTokens));
    if (x.maxNumSeqs !== undefined) argv.push('--max-num-seqs', String(x.maxNumSeqs));
    if (x.enforceEager) argv.push('--enforce-eager');
    return { engine, argv, notes };
  }
  if (engine === 'sglang') {
    const argv = ['python3', '-m', 'sglang.launch_server', '--model-path', repo, '--tp', String(plan.tensorParallel)];
    if (plan.pipelineParallel > 1) argv.push('--pp-size', String(plan.pipelineParallel));
    if (q.flag) argv.push('--quantization', q.flag);
    // SGLang's fraction covers weights + KV pool only (activations live outside it)
    const pg = plan.perGpu;
    const fraction = Math.floor(((pg.budgetBytes - pg.overheadBytes) / pg.capacityBytes) * 1000) / 1000;
    argv.push('--context-length', String(x.maxModelLen), '--mem-fraction-static', String(fraction));
    if (x.kvPrecision === 'fp8') argv.push('--kv-cache-dtype', 'fp8_e5m2');
    return { engine, argv, notes };
  }
  const quant = x.precision.toUpperCase();
  notes.push(
    `llama.cpp runs GGUF files: use a ${quant} GGUF of ` +
      `${repo}${/^(Q|IQ|MXFP4)/.test(quant) ? '' : ' (choose a GGUF precision such as --precision q4_k_m)'}`,
  );
  const argv = ['llama-server', '-m', `${card.id}-${quant}.gguf`, '-c', String(x.maxModelLen), '-ngl', '999'];
  if (plan.gpuCount > 1) argv.push('--split-mode', 'layer');
  if (x.kvPrecision === 'fp8') notes.push('llama.cpp has no fp8 KV cache; -ctk q8_0 -ctv q8_0 is the nearest');
  return { engine, argv, notes };
}

/** Quote an argument for a POSIX shell when it needs it. */
export function shellQuote(a: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`;
}
