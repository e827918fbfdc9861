// The moe-calc command line: flags -> typed options -> command functions. No arithmetic here.
import { writeSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { isUserError } from './errors.js';
import { isCalcError } from './core/errors.js';
import { setColor } from './render/color.js';
import { PRECISION_IDS } from './core/precision.js';
import type { GlobalOptions } from './commands/common.js';
import { flushOutput, OutputError, print } from './commands/output.js';
import { safeText } from './render/terminal.js';
// Commands are bundled into the entry itself (one file to load on the common path); only reading
// user files (YAML, zod, config import) is split into a chunk loaded on demand.
import { listCommand } from './commands/list.js';
import { showCommand } from './commands/show.js';
import { fitCommand } from './commands/fit.js';
import { compareCommand } from './commands/compare.js';
import { gpusCommand } from './commands/gpus.js';
import { auditCommand } from './commands/audit.js';
import { importCommand } from './commands/import.js';
import { speedCommand } from './commands/speed.js';
import { topCommand } from './commands/top.js';
import { checkCommand, defineCheckCommand } from './commands/check.js';

/** --kv-precision: which rows each KV type runs on (src/core/kv.ts parseKvPrecision, api.ts kvRows). */
const KV_PRECISION_HELP =
  'KV cache type. vLLM / SGLang rows: bf16, fp16, fp32, fp8, fp8_e4m3, fp8_e5m2 (--kv-cache-dtype). GGUF rows ' +
  '(llama.cpp -ctk / -ctv, launched with -fa on): bf16, fp16, fp32, q8_0, q5_1, q5_0, q4_1, q4_0, iq4_nl, or K ' +
  'and V apart: k=q8_0,v=q4_0 (MLA models cache only K). A llama.cpp type keeps the GGUF rows only and an fp8 ' +
  'type the engine rows only; a precision named with --precision that cannot keep it is refused';

const EXIT_CODES = `
Exit codes:
  0  success (fit: the model fits; audit: every claim holds or --strict not given)
  1  a valid question answered "no" (fit --count: does not fit; audit --strict: a claim does not hold)
  2  bad input or usage (unknown model/GPU/precision, malformed card, flag out of range)
  3  internal error (a bug: please report it with --debug output)`;

/** Whether errors go out as JSON: the parsed --json flag where parsing got that far, else a --json that
 *  stands as a flag before any "--" (never one given as the value of another option: `--models --json`). */
let parsedJson: boolean | undefined;
function wantsJson(argv: readonly string[]): boolean {
  if (parsedJson !== undefined) return parsedJson;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') return false;
    if (a === '--json') return !VALUE_OPTIONS.has(argv[i - 1] ?? '');
  }
  return false;
}
/** Options that take a value: a --json right after one of them is that value. */
const VALUE_OPTIONS = new Set<string>();

function fail(message: string, code: number, argv: readonly string[]): void {
  const line = message.replace(/\s*\n\s*/g, ' ').trim();
  try {
    writeSync(
      2,
      wantsJson(argv)
        ? JSON.stringify({ error: { message: line, exitCode: code } }) + '\n'
        : `moe-calc: ${safeText(line)}\n`,
    );
  } catch {
    // stderr closed: the exit code still tells
  }
  process.exitCode = code;
}

async function globals(cmd: Command): Promise<GlobalOptions> {
  const o = cmd.optsWithGlobals() as GlobalOptions;
  parsedJson = o.json === true;
  await setColor(o.color !== false);
  return o;
}

function build(run: (p: Promise<number>) => void): Command {
  const program = new Command('moe-calc')
    .description(
      'Exact parameter counts, memory, KV cache and GPU plans for Mixture-of-Experts language models, ' +
        'derived from their architecture.',
    )
    .version('0.1.0')
    .option('--json', 'print one JSON document (schemaVersion 1) instead of tables; errors go to stderr as JSON')
    .option('--markdown', 'print markdown (tables for pull requests and READMEs)')
    .option('--wide', 'show every table column whatever the terminal width (default: fit the terminal)')
    .option('--no-color', 'no colours (NO_COLOR is also honoured)')
    .option('--gib', 'show memory in GiB (2^30 bytes) instead of GB (10^9 bytes)')
    .option(
      '--models <dir>',
      'add a folder of YAML model cards; repeat to add several (also MOE_CALC_MODELS, ":"-separated)',
      (dir: string, prev: string[] | undefined) => [...(prev ?? []), dir],
    )
    .option('--gpus <file>', 'add or replace GPUs from a YAML catalog file (same format as models/gpus.yaml)')
    .option('--debug', 'print stack traces of internal errors, and one line per Hugging Face hub request')
    .option('--timeout <seconds>', 'per-request limit for Hugging Face hub ids (default 10)')
    .showSuggestionAfterError(true)
    .addHelpText(
      'after',
      `
Examples:
  moe-calc fit grok-2 --gpu a100-40g          fewest GPUs at each precision, with the per-GPU plan
  moe-calc fit mixtral-8x7b --gpu h100 --precision bf16 --count 2   exit 1 when it does not fit
  moe-calc show deepseek-v3                   exact parameter breakdown and sources
  moe-calc compare grok-1 grok-2 mixtral-8x7b --gpu h100
  moe-calc audit grok-2                       which published figures hold
  moe-calc import ./config.json -o my.yaml    a card from a Hugging Face config.json
${EXIT_CODES}`,
    );

  program
    .command('list')
    .description('list the known model cards with total/active parameters')
    .action((_o, cmd: Command) => run(globals(cmd).then((o) => listCommand(o as never))));

  program
    .command('show')
    .description('exact parameter breakdown of a model: every component, how it is formed, and sources')
    .argument(
      '<model>',
      'card id or alias (case-insensitive), a card .yaml file, a config.json / model folder, a .gguf file, ' +
        'or a Hugging Face id (org/name[@rev], hf://org/name, a hub URL, org/name:Q4_K_M for a GGUF)',
    )
    .addHelpText(
      'after',
      `
Active parameters = everything except routed experts, plus top_k routed experts in each MoE layer
(embeddings, LM head and shared experts included). "without the input embedding" is also shown,
the definition DeepSeek, Moonshot and OpenAI use.

Example: moe-calc show mixtral-8x7b --json`,
    )
    .action((model: string, _o, cmd: Command) => run(globals(cmd).then((o) => showCommand(model, o))));

  program
    .command('fit')
    .description(
      'fewest GPUs of one kind that hold weights + KV cache + overhead, per precision, with the per-GPU plan',
    )
    .argument('<model>', 'card id, card file, config.json / model folder, or Hugging Face id (org/name[@rev])')
    .requiredOption(
      '--gpu <id>',
      'GPU id from "moe-calc gpus" (for example h100, a100-40g, rtx-4090); "auto" = this machine\'s GPUs; ' +
        'a rig of several: rtx-5090+rtx-3090, 2xrtx-3090+rtx-5090 (planned on exactly those GPUs)',
    )
    .option(
      '--precision <p>',
      `weight precision(s), comma-separated, or "all": ${PRECISION_IDS.join(', ')} (default: native, ` +
        `bf16, fp8, int4, q8_0, q4_k_m)`,
    )
    .option('--count <n>', 'check exactly n GPUs: exit 0 if it fits, 1 if not (with the shortfall)')
    .option('--context <tokens>', 'tokens per sequence (default 8192, capped at the model maximum; "32k" = 32768)')
    .option('--batch <n>', 'concurrent sequences (default 1)')
    .addOption(new Option('--kv-precision <p>', KV_PRECISION_HELP).default('bf16'))
    .option(
      '--utilization <f>',
      'fraction of GPU memory the engine may use, 0-1 (default 0.9, vLLM gpu_memory_utilization)',
    )
    .option(
      '--usable-fraction <f>',
      "unified memory (Apple, DGX Spark): the share the GPU may use, 0-1 (default the catalog's: " +
        "0.75 on Macs, macOS's default wired limit, which sysctl iogpu.wired_limit_mb raises)",
    )
    .option(
      '--tp <n>',
      'only this tensor-parallel size; the other GPUs become pipeline stages (vLLM --tensor-parallel-size)',
    )
    .option(
      '--gpus-per-node <n>',
      "largest tensor-parallel group (default: the GPU's, 8 for HGX); pipeline stages beyond it",
    )
    .option(
      '--batch-tokens <n>',
      'tokens in the profiling batch, vLLM max_num_batched_tokens (default 8192 on >= 70 GiB GPUs ' +
        'other than A100, else 2048, as vLLM)',
    )
    .option(
      '--max-num-seqs <n>',
      "sequences in the profiling batch, vLLM max_num_seqs: the sampler's peak grows with it x vocab " +
        '(default 1024 on >= 70 GiB GPUs other than A100, else 256)',
    )
    .option(
      '--vllm <release>',
      'account memory as this vLLM release does (for example 0.10.2; v0 for the V0 engine); default: ' +
        'the newest (0.21 and later)',
    )
    .option('--enforce-eager', 'no CUDA graphs (vLLM --enforce-eager): their memory is not taken from the budget')
    .option('--activation-gb <gb>', 'override the activation peak per GPU (GB)')
    .option('--engine <name>', 'print the launch command for the chosen plan: vllm, sglang or llama.cpp')
    .option('--explain', 'also print how every overhead and error band is derived')
    .option('--text-only', "leave a multimodal model's vision / audio towers out (vLLM --language-model-only)")
    .option(
      '--dp <n>',
      'data-parallel attention replicas, each with its own sequences and KV pool (vLLM --data-parallel-size)',
    )
    .option('--expert-parallel', 'routed experts whole over EP = TP x DP ranks (vLLM --enable-expert-parallel)')
    .option('--no-expert-parallel', 'routed experts sharded over TP x DP like the rest (default: both are searched)')
    .option(
      '--ep <n>',
      'expert-parallel size when it differs from TP x DP (SGLang --ep-size); implies --expert-parallel',
    )
    .option('--num-redundant-experts <n>', 'EPLB redundant experts, spread over the EP ranks (they add memory)')
    .option('--a2a-backend <name>', 'all-to-all buffers to reserve: none (vLLM default), deepep-ht, deepep-ll')
    .option('--layouts', 'compare every allowed layout (TP, DP, EP, PP) of --count GPUs side by side')
    .option(
      '--cpu-memory <GB|auto>',
      'host RAM available for offloaded experts (GB; auto = what the OS reports available); enables expert offload',
    )
    .option(
      '--free-only',
      'with --gpu auto: plan only the memory each GPU has free (what other processes hold is subtracted)',
    )
    .option(
      '--tensor-split <a,b,..>',
      'GGUF rows on a rig: layer shares per GPU, as llama.cpp -ts (default: by free memory, as llama.cpp)',
    )
    .option(
      '--offload-experts <N|auto>',
      'keep the routed experts of the first N MoE layers in host memory (llama.cpp --n-cpu-moe); auto ' +
        '= fewest that fit (default with --cpu-memory)',
    )
    .option(
      '--non-torch-gb <gb>',
      'override non-torch memory per GPU (GB; vLLM rows: default 0.14 GB alone, 0.59 GB with several ' +
        'GPUs; GGUF rows 0)',
    )
    .addHelpText(
      'after',
      `
How it decides: for n = 1, 2, ... GPUs it tries tensor-parallel (TP) sizes that divide the attention
heads and the KV heads rule (and 128-wide quantisation blocks for fp8-block / int4), at most
--gpus-per-node per TP group, with pipeline stages (PP) for the rest; a plan fits when
weights/TP + KV + activation peak + non-torch memory + CUDA graphs <= memory x utilization on every
GPU, with the overheads vLLM measures at start-up (--vllm picks the release; README "Calibration"
compares them with vLLM's own logs). The last pipeline stage also holds the sampler's peak.
Weights alone (what articles quote) are in the "weights (all)" column.
${EXIT_CODES}

Examples:
  moe-calc fit grok-2 --gpu a100-40g
  moe-calc fit grok-2 --gpu a100-40g --precision bf16 --count 8
  moe-calc fit qwen3-30b-a3b --gpu rtx-4090 --precision q4_k_m --context 32k --json
  moe-calc fit grok-2 --gpu a100-40g --engine sglang     the launch command for the chosen plan
  moe-calc fit qwen3-30b-a3b --gpu auto                  this machine's GPUs (nvidia-smi, rocm-smi, sysctl)
  moe-calc fit qwen3-30b-a3b --gpu rtx-5090+rtx-3090 --precision q4_k_m --engine llama.cpp
                                                         a mixed rig: llama.cpp's layer split, --tensor-split`,
    )
    .action((model: string, _o, cmd: Command) => run(globals(cmd).then((o) => fitCommand(model, o as never))));

  program
    .command('speed')
    .description('decode and prefill speed of a plan: roofline estimate with an error band from published measurements')
    .argument('<model>', 'card id, card file, config.json / model folder, or Hugging Face id (org/name[@rev])')
    .requiredOption('--gpu <id>', 'GPU id from "moe-calc gpus", "auto" (this machine\'s) or a rig (rtx-5090+rtx-3090)')
    .option('--count <n>', 'GPUs (default: the fewest that fit)')
    .option('--precision <p>', 'one weight precision (default: the native one)')
    .option('--context <tokens>', 'tokens in context while decoding (default 8192)')
    .option('--batch <n>', 'concurrent sequences (default 1)')
    .addOption(new Option('--kv-precision <p>', KV_PRECISION_HELP).default('bf16'))
    .option(
      '--engine <name>',
      'speed profile: llama.cpp, vllm or sglang (default: llama.cpp for GGUF precisions, else vllm)',
    )
    .option('--cpu-memory <GB|auto>', 'host RAM for offloaded experts (GB; auto = what the OS reports available)')
    .option(
      '--free-only',
      'with --gpu auto: plan only the memory each GPU has free (what other processes hold is subtracted)',
    )
    .option(
      '--tensor-split <a,b,..>',
      'GGUF rows on a rig: layer shares per GPU, as llama.cpp -ts (default: by free memory, as llama.cpp)',
    )
    .option('--offload-experts <N|auto>', 'routed experts of the first N MoE layers in host memory')
    .option('--host-bandwidth <GB/s>', 'host memory bandwidth for offloaded experts (default 60)')
    .option('--bw-efficiency <f>', 'fraction of GPU memory bandwidth achieved (default: the engine profile)')
    .option('--compute-efficiency <f>', 'fraction of peak FLOPs achieved (default: the engine profile)')
    .option('--layer-latency-us <us>', 'fixed time per layer per step (default: the engine profile)')
    .option('--prompt <tokens>', 'prompt length for the time to first token (default 1024)')
    .option('--utilization <f>', 'as in fit')
    .option('--usable-fraction <f>', 'as in fit (unified memory whose wired limit was raised)')
    .option('--text-only', 'as in fit: leave the vision / audio towers out')
    .option('--tp <n>', 'as in fit: only this tensor-parallel size')
    .option('--gpus-per-node <n>', 'as in fit')
    .addHelpText(
      'after',
      `
Decode step = max(bytes read / (bandwidth x TP x efficiency), FLOPs / (peak x TP x efficiency))
              + layers x latency. Bytes read = every non-routed weight + the distinct routed experts a
batch touches, E x (1 - (1 - k/E)^B) per MoE layer + the KV cache; offloaded experts are read at
host bandwidth. Prefill = 2 x active parameters x prompt tokens + attention FLOPs at peak.

Example: moe-calc speed qwen3-235b-a22b --gpu rtx-4090 --cpu-memory 192 --precision q4_k_m`,
    )
    .action((model: string, _o, cmd: Command) => run(globals(cmd).then((o) => speedCommand(model, o as never))));

  program
    .command('top')
    .description('what runs on this rig: every model ranked, with the best precision that fits, max context and speed')
    .requiredOption(
      '--gpu <id>',
      '"auto" (this machine\'s GPUs, read by nvidia-smi / rocm-smi / sysctl), a GPU id from "moe-calc gpus", ' +
        'or a rig: rtx-5090+rtx-3090, 2xrtx-3090',
    )
    .option('--count <n>', 'GPUs of a single --gpu id (default 1; a rig or auto fixes its own)')
    .option('--context <tokens>', 'tokens per sequence each model must hold (default 8192, capped at its maximum)')
    .option('--batch <n>', 'concurrent sequences (default 1)')
    .option(
      '--precision <p>',
      'precisions to try, comma-separated, or "all" (default: GGUF q8_0, q6_k, q5_k_m, q4_k_m, q3_k_m, q2_k, ' +
        'iq2_xxs; add bf16, fp8, int4 for vLLM rows)',
    )
    .addOption(new Option('--kv-precision <p>', KV_PRECISION_HELP).default('bf16'))
    .option(
      '--cpu-memory <GB|auto>',
      'host RAM for offloaded experts (GB; auto = what the OS reports available): MoE models may keep experts there',
    )
    .option('--free-only', 'with --gpu auto: plan only the memory each GPU has free')
    .option('--tensor-split <a,b,..>', 'GGUF rows on a rig: layer shares per GPU, as llama.cpp -ts')
    .option('--utilization <f>', 'as in fit')
    .option('--engine <name>', 'speed profile: llama.cpp, vllm or sglang (default: llama.cpp for GGUF, else vllm)')
    .option('--sort <key>', 'params (largest model first, default), speed, context or name')
    .option('--only <ids>', 'only these models (comma-separated ids or card files)')
    .addHelpText(
      'after',
      `
For every card (built-in, plus --models folders) the precisions are tried from the most bits per weight
down; the first that fits on exactly these GPUs (a rig of several is planned as one machine: llama.cpp's
layer split for GGUF files, every engine rank sized to the smallest card) is the model's row. With
--cpu-memory the routed experts of the first MoE layers may live in host memory (llama.cpp --n-cpu-moe),
so larger MoE models fit. Rows that fit come first; "moe-calc fit <model> --gpu <same>" gives the full
plan and the launch command of any row.
${EXIT_CODES}

Examples:
  moe-calc top --gpu auto                         this machine's GPUs
  moe-calc top --gpu rtx-4090 --count 2 --context 32k
  moe-calc top --gpu rtx-5090+rtx-3090 --cpu-memory 128 --sort speed
  moe-calc top --gpu apple-m4-max-128 --json`,
    )
    .action((_o, cmd: Command) => run(globals(cmd).then((o) => topCommand(o as never))));

  program
    .command('compare')
    .description('models side by side: total, active, weights at each precision, KV per 1K tokens, GPUs needed')
    .argument('[models...]', 'card ids, card files, configs or Hugging Face ids (default: every card)')
    .option('--gpu <id>', 'also show how many of this GPU each model needs')
    .option('--precision <list>', 'comma-separated precisions (default bf16,fp8,int4,q4_k_m)')
    .option('--context <tokens>', 'context for the GPU count (default 8192)')
    .action((models: string[], _o, cmd: Command) => run(globals(cmd).then((o) => compareCommand(models, o as never))));

  program
    .command('gpus')
    .description('the GPU catalog: memory as the runtime reports it, bandwidth, TFLOPS, fp8/fp4 support')
    .action((_o, cmd: Command) => run(globals(cmd).then((o) => gpusCommand(o as never))));

  program
    .command('audit')
    .description('check the figures publications quote (card "claims") against the derivation')
    .argument('[models...]', 'card ids or files (default: every card)')
    .option('--strict', 'exit 1 when any claim does not hold')
    .addHelpText(
      'after',
      `
Verdicts: holds (within the rounding the quote states), close (within 10%), does not hold,
not checkable (a unit the tool cannot derive). See README "How claims are judged".
${EXIT_CODES}`,
    )
    .action((models: string[], _o, cmd: Command) => run(globals(cmd).then((o) => auditCommand(models, o as never))));

  program
    .command('import')
    .description('turn a Hugging Face config.json (or its folder) into a model card')
    .argument('<config>', 'path to config.json or the model folder holding it')
    .option('-o, --output <file>', 'write the card here instead of printing it')
    .option('--force', 'overwrite --output if it exists')
    .action((config: string, _o, cmd: Command) => run(globals(cmd).then((o) => importCommand(config, o as never))));

  // the check command declares its own options (commands/check.ts)
  defineCheckCommand(program, (model, o) => run(globals(o).then((g) => checkCommand(model, g as never))));

  return program;
}

export async function main(argv: readonly string[]): Promise<void> {
  const userArgs = argv.slice(2);
  let pending: Promise<number> | undefined;
  const program = build((p) => {
    pending = p;
  });
  program.exitOverride();
  const captured: string[] = [];
  // help and --version go through the same buffered writer as reports (a closed pipe or full disk is an output error)
  const output = { writeOut: (s: string) => print(s), writeErr: (s: string) => captured.push(s) };
  program.configureOutput({ ...output, outputError: (s) => captured.push(s) });
  for (const cmd of [program, ...program.commands]) {
    for (const opt of cmd.options)
      if (opt.required || opt.optional) for (const f of [opt.long, opt.short]) if (f) VALUE_OPTIONS.add(f);
    if (cmd === program) continue;
    cmd.exitOverride();
    cmd.configureOutput({ ...output, outputError: (s) => captured.push(s) });
  }
  const usage = (why: string) => {
    const names = program.commands.map((c) => c.name()).join(', ');
    fail(`${why}; usage: moe-calc <command> [options], commands: ${names} (moe-calc --help for more)`, 2, userArgs);
  };
  // no command at all, or help for a command that does not exist: usage on stderr, exit 2
  const helpTarget = userArgs[0] === 'help' ? userArgs[1] : undefined;
  const known = (name: string) => program.commands.some((c) => c.name() === name);
  if (userArgs.length === 0) return usage('a command is required');
  if (helpTarget !== undefined && !known(helpTarget)) return usage(`help: unknown command "${helpTarget}"`);
  try {
    await program.parseAsync(argv as string[]);
    // only global options (`moe-calc --json`): no command ran
    if (!pending && userArgs[0] !== 'help') return usage('a command is required');
    if (pending) process.exitCode = await pending;
    flushOutput();
  } catch (e) {
    try {
      flushOutput();
    } catch (out) {
      if (out instanceof OutputError) return fail(out.message, 2, userArgs);
    }
    if (e instanceof OutputError) return fail(e.message, 2, userArgs);
    if (e instanceof CommanderError) {
      // help shown because no command was given (`moe-calc --json`): a usage error
      if (e.code === 'commander.help' && !userArgs.includes('help')) return usage('a command is required');
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') {
        process.exitCode = 0;
        return;
      }
      const msg = captured.join(' ').replace(/^error:\s*/i, '') || e.message.replace(/^error:\s*/i, '');
      fail(msg, 2, userArgs);
      return;
    }
    if (isUserError(e)) return fail(e.message, e.exitCode, userArgs);
    if (isCalcError(e)) return fail(`${e.field}: ${e.message}`, 2, userArgs);
    if (userArgs.includes('--debug') && e instanceof Error) writeSync(2, `${e.stack}\n`);
    fail(`internal error: ${e instanceof Error ? e.message : String(e)} (run with --debug for details)`, 3, userArgs);
  }
}

void main(process.argv);
