// Launch commands for a plan, per serving engine. Pure: builds argument lists, runs nothing.
// Flag names from the engines' documentation: vLLM `vllm serve` engine arguments (docs.vllm.ai,
// v0.10-0.11: --tensor-parallel-size, --pipeline-parallel-size, --enable-expert-parallel,
// --max-model-len, --gpu-memory-utilization, --kv-cache-dtype, --quantization, --max-num-batched-tokens,
// --max-num-seqs, --enforce-eager); SGLang
// `python3 -m sglang.launch_server` server arguments (docs.sglang.io, v0.5: --model-path, --tp,
// --pp-size, --quantization, --context-length, --mem-fraction-static, --kv-cache-dtype, --nnodes, --node-rank,
// --dist-init-addr); llama.cpp `llama-server` (tools/server/README.md: -m, -c, -ngl, --n-cpu-moe, --split-mode,
// -ts/--tensor-split, -fa on|off|auto, -ctk / -ctv (--cache-type-k / --cache-type-v: f32, f16, bf16, q8_0, q4_0,
// q4_1, iq4_nl, q5_0, q5_1)).
import { ggmlKvType, parseKvPrecision } from './kv.js';
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
  /** leave the vision / audio towers out */
  languageModelOnly?: boolean;
  /** GPUs per node (for multi-node data parallelism) */
  gpusPerNode?: number;
  /** a GGUF file given as the model: llama.cpp loads that file */
  modelFile?: string;
  /** all-to-all backend of an expert-parallel plan */
  a2a?: 'none' | 'deepep-ht' | 'deepep-ll';
  redundantExperts?: number;
}

/** A llama.cpp-only KV type (q8_0 ... iq4_nl, K and V apart). */
function ggufKv(kvPrecision: string): boolean {
  return parseKvPrecision(kvPrecision).runs === 'gguf';
}

function ggufKvNote(kvPrecision: string, engine: string): string {
  return `${engine} has no ${kvPrecision} KV cache (a llama.cpp type); --kv-cache-dtype fp8 is the nearest`;
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
    const dp = plan.dataParallel ?? 1;
    if (dp > 1) {
      argv.push('--data-parallel-size', String(dp));
      // vLLM docs (serving/data_parallel_deployment): one command per node; the head node also serves
      const perNode = Math.max(1, Math.floor((x.gpusPerNode ?? 8) / (plan.tensorParallel * plan.pipelineParallel)));
      if (dp > perNode) {
        argv.push('--data-parallel-size-local', String(perNode), '--data-parallel-address', '<head-node-ip>');
        argv.push('--data-parallel-rpc-port', '13345');
        notes.push(
          `multi-node: run this on the head node; on node k (1..${Math.ceil(dp / perNode) - 1}) run the same with ` +
            `--headless --data-parallel-start-rank <k x ${perNode}>`,
        );
      }
    }
    if (moe && (plan.expertParallel ?? 0) > 0) {
      argv.push('--enable-expert-parallel');
      if (x.a2a === 'deepep-ll') argv.push('--all2all-backend', 'deepep_low_latency');
      if (x.a2a === 'deepep-ht') argv.push('--all2all-backend', 'deepep_high_throughput');
      if (x.redundantExperts) {
        argv.push('--enable-eplb', '--eplb-config', JSON.stringify({ num_redundant_experts: x.redundantExperts }));
      }
    }
    if (q.flag) argv.push('--quantization', q.flag);
    argv.push('--max-model-len', String(x.maxModelLen), '--gpu-memory-utilization', String(x.utilization));
    if (/^fp8/.test(x.kvPrecision)) argv.push('--kv-cache-dtype', x.kvPrecision);
    else if (ggufKv(x.kvPrecision)) notes.push(ggufKvNote(x.kvPrecision, 'vLLM'));
    if (x.batchTokens !== undefined) argv.push('--max-num-batched-tokens', String(x.batchTokens));
    if (x.maxNumSeqs !== undefined) argv.push('--max-num-seqs', String(x.maxNumSeqs));
    if (x.enforceEager) argv.push('--enforce-eager');
    // vLLM skips loading the towers of multimodal models (PR #22299 / --language-model-only)
    if (x.languageModelOnly) argv.push('--language-model-only');
    return { engine, argv, notes };
  }
  if (engine === 'sglang') {
    // SGLang's --tp is every GPU of one pipeline stage; DP attention splits it into --dp replicas
    const dp = plan.dataParallel ?? 1;
    const argv = [
      'python3',
      '-m',
      'sglang.launch_server',
      '--model-path',
      repo,
      '--tp',
      String(plan.tensorParallel * dp),
    ];
    if (dp > 1) argv.push('--dp', String(dp), '--enable-dp-attention');
    if (plan.pipelineParallel > 1) argv.push('--pp-size', String(plan.pipelineParallel));
    // SGLang spans nodes with one launch per node (server args --nnodes, --node-rank, --dist-init-addr)
    const nodes = Math.ceil(plan.gpuCount / (x.gpusPerNode ?? 8));
    if (nodes > 1) {
      argv.push('--nnodes', String(nodes), '--node-rank', '0', '--dist-init-addr', '<head-node-ip>:5000');
      notes.push(`multi-node: run this on the head node; on node k (1..${nodes - 1}) run the same with --node-rank k`);
    }
    if (moe && (plan.expertParallel ?? 0) > 0) {
      argv.push('--ep-size', String(plan.expertParallel));
      if (x.a2a === 'deepep-ll' || x.a2a === 'deepep-ht') {
        argv.push('--moe-a2a-backend', 'deepep', '--deepep-mode', x.a2a === 'deepep-ll' ? 'low_latency' : 'normal');
      }
      if (x.redundantExperts) argv.push('--ep-num-redundant-experts', String(x.redundantExperts), '--enable-eplb');
    }
    if (q.flag) argv.push('--quantization', q.flag);
    // SGLang's fraction covers weights + KV pool only, of the memory free at start-up (activations live
    // outside it): the plan's own when it was planned with SGLang's accounting
    const pg = plan.perGpu;
    const free = pg.capacityBytes - pg.nonTorchBytes;
    const fraction =
      Math.floor(((pg.budgetBytes - pg.nonTorchBytes - pg.activationBytes - pg.cudaGraphBytes) / free) * 1000) / 1000;
    argv.push('--context-length', String(x.maxModelLen), '--mem-fraction-static', String(fraction));
    // SGLang's dtypes are fp8_e4m3 and fp8_e5m2 (no plain fp8)
    if (/^fp8/.test(x.kvPrecision)) {
      argv.push('--kv-cache-dtype', x.kvPrecision === 'fp8' ? 'fp8_e5m2' : x.kvPrecision);
    } else if (ggufKv(x.kvPrecision)) notes.push(ggufKvNote(x.kvPrecision, 'SGLang'));
    if (x.languageModelOnly) {
      notes.push(
        'SGLang loads the vision tower of multimodal models regardless (its --language-model-only covers a few ' +
          'architectures only): budget its memory, or serve with vLLM --language-model-only',
      );
    }
    return { engine, argv, notes };
  }
  const quant = x.precision.toUpperCase();
  if (!x.modelFile) {
    notes.push(
      `llama.cpp runs GGUF files: use a ${quant} GGUF of ` +
        `${repo}${/^(Q|IQ|MXFP4)/.test(quant) ? '' : ' (choose a GGUF precision such as --precision q4_k_m)'}`,
    );
  }
  const file = x.modelFile ?? `${card.id}-${quant}.gguf`;
  const argv = ['llama-server', '-m', file, '-c', String(x.maxModelLen), '-ngl', '999'];
  if (plan.gpuCount > 1) argv.push('--split-mode', 'layer');
  // the planned layer split, pinned: per GPU its layers (the output layer on its GPU), so the boundaries do
  // not move with whatever memory happens to be free at load (llama.cpp's default split)
  if (plan.split) argv.push('--tensor-split', plan.split.tensorSplit.join(','));
  // experts of the first MoE layers in host memory: --n-cpu-moe counts layers from 0, dense ones included
  if (plan.offload && plan.offload.layers > 0) argv.push('--n-cpu-moe', String(plan.offload.nCpuMoe));
  if (/^fp8/.test(x.kvPrecision)) notes.push('llama.cpp has no fp8 KV cache; -ctk q8_0 -ctv q8_0 is the nearest');
  else {
    // quantised V needs flash attention (llama-context.cpp refuses a quantised V cache without it): -fa on
    // whenever the cache is not llama.cpp's default f16
    const kv = parseKvPrecision(x.kvPrecision);
    const k = ggmlKvType(kv.k);
    const v = ggmlKvType(kv.v);
    if (k && v && !(['f16', 'bf16'].includes(k) && ['f16', 'bf16'].includes(v))) {
      argv.push('-fa', 'on', '-ctk', k, '-ctv', v);
    }
    if (card.architecture.attention.type === 'mla' && kv.k !== kv.v) {
      notes.push(`MLA: llama.cpp caches only the latent (K, -ctk ${k}); -ctv ${v} changes nothing`);
    }
  }
  return { engine, argv, notes };
}

/** Quote an argument for a POSIX shell when it needs it. */
export function shellQuote(a: string): string {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`;
}
