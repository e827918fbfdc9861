// Every command through the built CLI, as a user or a CI script runs it.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli, cliJson, ROOT, builtin } from '../helpers.js';
import { deriveParams } from '../../src/core/params.js';
import { fitPlan } from '../../src/core/fit.js';
import { getPrecision } from '../../src/core/precision.js';

describe('show', () => {
  it.each([
    ['mixtral-8x7b', 46_702_792_704],
    ['grok-2', 269_515_497_472],
    ['llama-3.1-70b', 70_553_706_496],
  ])('show %s --json gives the exact published total %d', (id, total) => {
    const doc = cliJson(['show', id]);
    expect(doc.schemaVersion).toBe(1);
    expect(doc.model.id).toBe(id);
    expect(doc.params.total).toBe(total);
    expect(Number.isInteger(doc.params.active)).toBe(true);
    expect(Object.values(doc.params.breakdown as Record<string, number>).reduce((a, b) => a + b, 0)).toBe(total);
  });
  it('ids are case-insensitive and aliases work', () => {
    expect(cliJson(['show', 'MIXTRAL']).model.id).toBe('mixtral-8x7b');
  });
  it('human output names every component, the active definition and the sources', () => {
    const r = cli(['show', 'grok-1']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/routed experts\s+│\s+309,237,645,312/);
    expect(r.stdout).toMatch(/one routed expert .*38\.65B/);
    expect(r.stdout).toMatch(/github\.com\/xai-org\/grok-1/);
    expect(r.stdout).not.toContain('\u001b['); // NO_COLOR
  });
});

describe('list', () => {
  it('lists every built-in card with integer counts', () => {
    const doc = cliJson(['list']);
    expect(doc.models.length).toBeGreaterThanOrEqual(14);
    for (const m of doc.models) expect(Number.isInteger(m.params.total)).toBe(true);
  });
  it('--models adds a folder of user cards', () => {
    const r = cliJson(['list', '--models', join(ROOT, 'test/fixtures/cards')]);
    expect(r.models.map((m: { id: string }) => m.id)).toContain('tiny-moe');
  });
});

describe('fit', () => {
  it('Grok-2 on A100-40G: 8 GPUs at fp8 (TP 8), more at bf16', () => {
    const doc = cliJson(['fit', 'grok-2', '--gpu', 'a100-40g']);
    const fp8 = doc.plans.find((p: { precision: string }) => p.precision === 'fp8');
    const bf16 = doc.plans.find((p: { precision: string }) => p.precision === 'bf16');
    expect(fp8).toMatchObject({ gpuCount: 8, tensorParallel: 8, pipelineParallel: 1, fits: true });
    expect(bf16.gpuCount).toBeGreaterThan(8);
    expect(doc.gpu).toMatchObject({ id: 'a100-40g', memoryBytes: 42_949_672_960 });
    for (const k of ['weightsBytes', 'kvBytes', 'overheadBytes', 'totalBytes', 'capacityBytes'])
      expect(Number.isInteger(fp8.perGpu[k])).toBe(true);
    expect(doc.fits).toBe(true);
    expect(doc.assumptions.utilization).toBe(0.9);
  });
  it('--precision bf16 --count 8 exits 1 and states the shortfall', () => {
    const r = cli(['fit', 'grok-2', '--gpu', 'a100-40g', '--precision', 'bf16', '--count', '8']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/Does not fit 8 x A100 40GB at bf16: short \d+\.\d+ GB per GPU/);
  });
  it('--count that fits exits 0', () => {
    expect(cli(['fit', 'grok-2', '--gpu', 'a100-40g', '--precision', 'fp8', '--count', '8']).code).toBe(0);
  });
  it('Grok-1 at bf16: weights about 631 GB; Mixtral 8x7B at bf16: about 93.4 GB', () => {
    const g = cliJson(['fit', 'grok-1', '--gpu', 'h100', '--precision', 'bf16']);
    expect(g.plans[0].weightsTotalBytes / 1e9).toBeCloseTo(631.4, 1);
    const m = cliJson(['fit', 'mixtral-8x7b', '--gpu', 'h100', '--precision', 'bf16']);
    expect(m.plans[0].weightsTotalBytes / 1e9).toBeCloseTo(93.4, 1);
  });
  it('prints a bar per GPU and labels units', () => {
    const r = cli(['fit', 'mixtral-8x7b', '--gpu', 'h100', '--precision', 'bf16']);
    // two identical GPUs: one bar line for both
    expect(r.stdout).toMatch(/GPU 0-1 #+/);
    expect(r.stdout).toMatch(/GB/);
    expect(cli(['fit', 'mixtral-8x7b', '--gpu', 'h100', '--gib']).stdout).toMatch(/GiB/);
  });
  it('works on a config.json path', () => {
    const doc = cliJson(['fit', join(ROOT, 'test/fixtures/configs/qwen3-30b-a3b.json'), '--gpu', 'h100']);
    expect(doc.model.totalParams).toBe(30_532_122_624);
    expect(doc.fits).toBe(true);
  });
  it('bundled CLI and the core from source agree (issue: results identical to the unbundled path)', () => {
    const data = builtin();
    for (const id of ['grok-2', 'deepseek-v3', 'gpt-oss-20b']) {
      const card = data.cards.find((c) => c.card.id === id)!.card;
      const gpu = data.gpus.find((g) => g.id === 'h100-sxm')!;
      const doc = cliJson(['fit', id, '--gpu', 'h100-sxm', '--precision', 'fp8']);
      const p = fitPlan(card, deriveParams(card), gpu, {
        precision: getPrecision('fp8'),
        kvBytes: 2,
        context: Math.min(8192, card.architecture.max_context),
        batch: 1,
        utilization: 0.9,
        gpusPerNode: 8,
      })!;
      expect(doc.plans[0].gpuCount).toBe(p.gpuCount);
      expect(doc.plans[0].perGpu).toEqual(p.perGpu);
      expect(cliJson(['show', id]).params.total).toBe(deriveParams(card).total);
    }
  });
});

describe('vLLM memory accounting (--vllm, --tp, --max-num-seqs, --enforce-eager)', () => {
  const GiB = 2 ** 30;
  it('gpt-oss-120b MXFP4 fits one H100 with current vLLM (OpenAI model card) but not as 0.10.1 accounted it (vllm#23278 logged -2.14 GiB for KV)', () => {
    expect(cli(['fit', 'gpt-oss-120b', '--gpu', 'h100', '--precision', 'mxfp4', '--count', '1']).code).toBe(0);
    const old = cli([
      'fit',
      'gpt-oss-120b',
      '--gpu',
      'h100',
      '--precision',
      'mxfp4',
      '--count',
      '1',
      '--vllm',
      '0.10.1',
      '--explain',
    ]);
    expect(old.code).toBe(1);
    expect(old.stdout).toMatch(/vLLM 0\.8\.0 - 0\.11\.0/);
    expect(old.stdout).toMatch(/marlin kernel layout/);
  });
  it('DeepSeek-V2-Lite TP2 x PP2 on 4 L4 (PR #20665): per-stage KV memory and the KV pool within 10% of the log', () => {
    const doc = cliJson([
      'fit',
      join(ROOT, 'test/fixtures/configs/deepseek-v2-lite.json'),
      '--gpu',
      'l4',
      '--precision',
      'bf16',
      '--count',
      '4',
      '--tp',
      '2',
      '--vllm',
      '0.10.0',
      '--context',
      '1024',
    ]);
    const p = doc.plans[0];
    expect([p.tensorParallel, p.pipelineParallel]).toEqual([2, 2]);
    const kv = p.stages.map(
      (s: { budgetBytes: number; weightsBytes: number; overheadBytes: number }) =>
        (s.budgetBytes - s.weightsBytes - s.overheadBytes) / GiB,
    );
    for (const [i, logged] of [12.13, 11.33].entries()) expect(Math.abs(kv[i] / logged - 1)).toBeLessThan(0.1);
    expect(kv[1]).toBeLessThan(kv[0]); // the last stage holds the sampler's peak
    expect(Math.abs(p.kvCacheTokens / 807_792 - 1)).toBeLessThan(0.1);
  });
  it('--max-num-seqs 6 shrinks the sampler peak (gpt-oss-120b, v0.11.2 log: 8.99 GiB left for KV at 0.96)', () => {
    const doc = cliJson([
      'fit',
      'gpt-oss-120b',
      '--gpu',
      'h100',
      '--precision',
      'mxfp4',
      '--count',
      '1',
      '--vllm',
      '0.11.2',
      '--max-num-seqs',
      '6',
      '--utilization',
      '0.96',
    ]);
    const pg = doc.plans[0].perGpu;
    expect(pg.activationBytes / GiB).toBeLessThan(1);
    expect(Math.abs((pg.budgetBytes - pg.weightsBytes - pg.overheadBytes) / GiB / 8.99 - 1)).toBeLessThan(0.1);
  });
  it('--enforce-eager takes CUDA graphs out of the budget; releases before 0.21 never budget them', () => {
    const graphs = cliJson(['fit', 'qwen3-30b-a3b', '--gpu', 'h100', '--precision', 'bf16']).plans[0].perGpu;
    const eager = cliJson(['fit', 'qwen3-30b-a3b', '--gpu', 'h100', '--precision', 'bf16', '--enforce-eager']).plans[0]
      .perGpu;
    expect(graphs.cudaGraphBytes).toBeGreaterThan(0);
    expect(eager.cudaGraphBytes).toBe(0);
    expect(graphs.overheadBytes - eager.overheadBytes).toBe(graphs.cudaGraphBytes);
    expect(
      cliJson(['fit', 'qwen3-30b-a3b', '--gpu', 'h100', '--precision', 'bf16', '--vllm', '0.19.0']).plans[0].perGpu
        .cudaGraphBytes,
    ).toBe(0);
  });
  it('--engine vllm carries the profiling settings the plan assumed', () => {
    const argv = cliJson([
      'fit',
      'gpt-oss-120b',
      '--gpu',
      'h100',
      '--precision',
      'mxfp4',
      '--engine',
      'vllm',
      '--max-num-seqs',
      '6',
      '--batch-tokens',
      '4096',
      '--enforce-eager',
    ]).launch.argv;
    expect(argv.join(' ')).toMatch(/--max-num-batched-tokens 4096 --max-num-seqs 6 --enforce-eager$/);
  });
  it('MXFP4 experts: Triton layout on H100, Marlin on A100 (no native FP4, no Triton kernels); the file size is the same', () => {
    const h = cliJson(['fit', 'gpt-oss-20b', '--gpu', 'h100', '--precision', 'mxfp4']);
    const a = cliJson(['fit', 'gpt-oss-20b', '--gpu', 'a100-80g', '--precision', 'mxfp4']);
    expect(h.plans[0].weightsTotalBytes).toBe(a.plans[0].weightsTotalBytes);
    expect(h.assumptions.expertLayouts.mxfp4).toMatch(/Triton/);
    expect(a.assumptions.expertLayouts.mxfp4).toMatch(/Marlin/);
    // logged: 13.47 GiB (H100, Triton, llm-d) and 13.72 GiB (A100, v0.19.0)
    expect(Math.abs(h.plans[0].perGpu.weightsBytes / GiB / 13.47 - 1)).toBeLessThan(0.02);
    expect(Math.abs(a.plans[0].perGpu.weightsBytes / GiB / 13.72 - 1)).toBeLessThan(0.02);
  });
});

describe('GGUF plans as llama.cpp runs them', () => {
  const MiB = 2 ** 20;
  it('Qwen3-30B-A3B Q4_K_M at 32k context on one 24 GB card: the buffers llama.cpp logged (ik_llama.cpp PR #370, mainline b5274)', () => {
    const doc = cliJson(['fit', 'qwen3-30b-a3b', '--gpu', 'rtx-3090', '--precision', 'q4_k_m', '--context', '32768']);
    const pg = doc.plans[0].perGpu;
    expect(doc.plans[0]).toMatchObject({ gpuCount: 1, tensorParallel: 1 });
    expect(Math.abs(pg.weightsBytes / MiB / 17596.43 - 1)).toBeLessThan(0.02); // CUDA0 model buffer
    expect(pg.kvBytes / MiB).toBeCloseTo(3072, 0); // CUDA0 KV buffer
    expect(Math.abs(pg.activationBytes / MiB / 300.75 - 1)).toBeLessThan(0.1); // CUDA0 compute buffer
    expect(pg.nonTorchBytes + pg.cudaGraphBytes).toBe(0);
    expect(doc.assumptions.gguf.engine).toBe('llama.cpp');
  });
  it('layers, not tensors, are split across GPUs for GGUF rows, while --tp still sets the engine rows', () => {
    const doc = cliJson(['fit', 'grok-2', '--gpu', 'h100', '--tp', '8']);
    for (const p of doc.plans) {
      if (['q8_0', 'q4_k_m'].includes(p.precision)) expect(p.tensorParallel, p.precision).toBe(1);
      else expect(p.tensorParallel, p.precision).toBe(8);
    }
    expect(cli(['fit', 'grok-2', '--gpu', 'h100', '--precision', 'q8_0', '--tp', '2']).stderr).toMatch(
      /--tp: llama\.cpp splits q8_0 \(GGUF\) models by layers/,
    );
  });
});

describe('shipped data', () => {
  it('dist/builtin.json is exactly what the YAML cards and GPU catalog say, validated by the same schema', () => {
    const shipped = JSON.parse(readFileSync(join(ROOT, 'dist/builtin.json'), 'utf8'));
    expect(shipped).toEqual(JSON.parse(JSON.stringify(builtin())));
  });
});

describe('compare and gpus', () => {
  it('compare --json carries raw integers; --markdown is a markdown table', () => {
    const doc = cliJson(['compare', 'grok-1', 'mixtral-8x7b', '--gpu', 'h100']);
    expect(doc.models).toHaveLength(2);
    expect(doc.models[1].weightsBytes.bf16).toBe(93_405_585_408);
    expect(doc.models[1].kvBytesPer1kTokens).toBe(131_072_000);
    expect(Number.isInteger(doc.models[0].gpusNeeded.fp8)).toBe(true);
    const md = cli(['compare', 'grok-1', 'mixtral-8x7b', '--markdown']);
    expect(md.stdout.split('\n')[0]).toMatch(/^\| model \| total \| active \|/);
    expect(md.stdout.split('\n')[1]).toMatch(/^\|---\|---:/);
  });
  it('gpus lists the catalog with raw byte counts', () => {
    const doc = cliJson(['gpus']);
    const ids = doc.gpus.map((g: { id: string }) => g.id);
    for (const id of [
      'a100-40g',
      'a100-80g',
      'h100-sxm',
      'h100-pcie',
      'h100-nvl',
      'h200',
      'h20',
      'b200',
      'b300',
      'gb200',
      'l40s',
      'l4',
      'a10g',
      'rtx-3090',
      'rtx-4090',
      'rtx-5090',
      'mi300x',
      'mi325x',
      'mi355x',
    ])
      expect(ids).toContain(id);
    expect(ids.some((i: string) => i.startsWith('apple-'))).toBe(true);
  });
});

describe('audit', () => {
  const claims = (id: string) =>
    cliJson(['audit', id]).models[0].claims as {
      quote: string;
      verdict: string;
      derived: number;
      reason: string;
      derivation: string;
    }[];
  it('grok-2: 905B and 136B do not hold, 128K holds, 8 x 40 GB holds at fp8, ~500 GB holds as GiB', () => {
    const c = claims('grok-2');
    const by = (s: string) => c.find((x) => x.quote.includes(s))!;
    expect(by('9050亿')).toMatchObject({ verdict: 'does not hold', derived: 269_515_497_472 });
    expect(by('9050亿').reason).toMatch(/3\.36x/);
    expect(by('1360亿').verdict).toBe('does not hold');
    expect(by('1360亿').derived / 1e9).toBeCloseTo(114.9, 1);
    expect(by('128K').verdict).toBe('holds');
    expect(by('40GB').verdict).toBe('holds');
    expect(by('40GB').reason).toMatch(/fp8/);
    expect(by('40GB').reason).toMatch(/905B total .* would exceed/);
    expect(by('500GB').verdict).toBe('holds');
    expect(by('500GB').reason).toMatch(/GiB/);
    for (const x of c) if (x.verdict !== 'not checkable') expect(x.derivation.length).toBeGreaterThan(10);
  });
  it('grok-1: 43B per expert does not hold, 250k characters is not checkable, 628 GB is close', () => {
    const c = claims('grok-1');
    expect(c.find((x) => x.quote.includes('430亿'))!.verdict).toBe('does not hold');
    expect(c.find((x) => x.quote.includes('25万字符'))!.verdict).toBe('not checkable');
    expect(c.find((x) => x.quote.includes('628GB'))!.verdict).toBe('close');
  });
  it('mixtral-8x7b: 45.6B is close (2.4% below 46.7B), 12.9B holds', () => {
    const c = claims('mixtral-8x7b');
    expect(c.find((x) => x.quote.includes('456亿'))!.verdict).toBe('close');
    expect(c.find((x) => x.quote.includes('12.9B'))!.verdict).toBe('holds');
  });
  it('--strict exits 1 when a claim does not hold, 0 when all hold; no model audits every card', () => {
    expect(cli(['audit', 'grok-2', '--strict']).code).toBe(1);
    expect(cli(['audit', 'mixtral-8x22b', '--strict']).code).toBe(0);
    expect(cli(['audit', 'grok-2']).code).toBe(0);
    expect(cliJson(['audit']).models.length).toBeGreaterThanOrEqual(14);
  });
  it('--markdown prints one table per model', () => {
    expect(cli(['audit', 'grok-2', '--markdown']).stdout).toMatch(/### Grok-2 \(grok-2\)\n\n\| quote \|/);
  });
});

describe('import', () => {
  it('import -o writes a card that gives the same numbers as the config', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'moe-calc-import-')), 'card.yaml');
    const cfg = join(ROOT, 'test/fixtures/configs/deepseek-v2-lite.json');
    const r = cli(['import', cfg, '-o', out]);
    expect(r.code).toBe(0);
    expect(existsSync(out)).toBe(true);
    expect(cliJson(['show', out]).params.total).toBe(15_706_484_224);
    expect(cliJson(['show', cfg]).params.total).toBe(15_706_484_224);
  });
  it('import prints a YAML card to stdout', () => {
    const r = cli(['import', join(ROOT, 'test/fixtures/configs/mixtral-8x7b.json')]);
    expect(r.stdout).toMatch(/^# moe-calc card imported from/);
    expect(r.stdout).toMatch(/native_precision: bf16/);
  });
  it('a model folder with model.safetensors.index.json is cross-checked', () => {
    const doc = cliJson(['show', join(ROOT, 'test/fixtures/model-folder')]);
    expect(doc.crossCheck).toMatch(/agrees/);
  });
});

describe('help', () => {
  it('--help lists the commands and the exit codes', () => {
    const r = cli(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Exit codes:/);
    for (const c of ['list', 'show', 'fit', 'compare', 'gpus', 'audit', 'import']) expect(r.stdout).toContain(c);
  });
  it('fit --help explains the rules and the defaults', () => {
    const r = cli(['fit', '--help']);
    expect(r.stdout).toMatch(/tensor-parallel/);
    expect(r.stdout).toMatch(/utilization/);
  });
});

describe('JSON output contracts', () => {
  it('show, fit, compare and audit --json validate against the published output schemas', async () => {
    const { ShowOutput, FitOutput, CompareOutput, AuditOutput } = await import('../../src/cards/output-schema.js');
    for (const id of ['deepseek-v3', 'gpt-oss-120b', 'llama-3.1-70b']) ShowOutput.parse(cliJson(['show', id]));
    FitOutput.parse(cliJson(['fit', 'kimi-k2', '--gpu', 'h200', '--precision', 'all']));
    FitOutput.parse(cliJson(['fit', 'grok-2', '--gpu', 'a100-40g', '--count', '3']));
    CompareOutput.parse(cliJson(['compare', '--gpu', 'h100']));
    AuditOutput.parse(cliJson(['audit']));
  });
});

describe('launch commands and pre-flight', () => {
  it('--engine sglang matches the Grok-2 model card command (TP 8, fp8 quantisation)', () => {
    // the card asks for 8 GPUs with more than 40 GB; on H100s that is TP8
    const doc = cliJson(['fit', 'grok-2', '--gpu', 'h100', '--count', '8', '--engine', 'sglang']);
    const argv: string[] = doc.launch.argv;
    // xai-org/grok-2 README: python3 -m sglang.launch_server --model /local/grok-2 ... --tp 8 --quantization fp8
    expect(argv.slice(0, 3)).toEqual(['python3', '-m', 'sglang.launch_server']);
    expect(argv[argv.indexOf('--tp') + 1]).toBe('8');
    expect(argv[argv.indexOf('--quantization') + 1]).toBe('fp8');
  });
  it('--engine vllm gives the vLLM equivalent', () => {
    const r = cli(['fit', 'grok-2', '--gpu', 'a100-40g', '--engine', 'vllm']);
    expect(r.stdout).toMatch(
      /vllm serve xai-org\/grok-2 --tensor-parallel-size 8 --quantization fp8 --max-model-len \d+ --gpu-memory-utilization 0.9/,
    );
  });
  it('--engine llama.cpp names the GGUF, context and offload flags', () => {
    const doc = cliJson([
      'fit',
      'qwen3-30b-a3b',
      '--gpu',
      'rtx-4090',
      '--precision',
      'q4_k_m',
      '--engine',
      'llama.cpp',
    ]);
    expect(doc.launch.argv).toEqual(expect.arrayContaining(['llama-server', '-ngl', '999', '-c']));
  });
  it('warns about fp8 on a GPU without native fp8', () => {
    expect(cliJson(['fit', 'grok-2', '--gpu', 'a100-40g', '--precision', 'fp8']).warnings.join(' ')).toMatch(
      /no native fp8/,
    );
  });
  it('warns about fp4 on a GPU without native fp4', () => {
    expect(cliJson(['fit', 'gpt-oss-120b', '--gpu', 'h100', '--precision', 'mxfp4']).warnings.join(' ')).toMatch(
      /no native fp4/,
    );
  });
  it('warns when the plan spans nodes', () => {
    expect(cliJson(['fit', 'deepseek-v3', '--gpu', 'h100', '--precision', 'fp8-block']).warnings.join(' ')).toMatch(
      /spans 2 nodes/,
    );
  });
  it('warns when the weights fit but the KV cache for one sequence of the context does not', () => {
    const doc = cliJson([
      'fit',
      'llama-3.1-70b',
      '--gpu',
      'h100',
      '--precision',
      'bf16',
      '--count',
      '2',
      '--context',
      '131072',
    ]);
    expect(doc.fits).toBe(false);
    expect(doc.warnings.join(' ')).toMatch(
      /weights fit but the KV cache for 1 x 131072 tokens does not: up to \d+ tokens fit/,
    );
  });
  it('warns about TP over PCIe on GPUs without NVLink', () => {
    expect(
      cliJson(['fit', 'mixtral-8x7b', '--gpu', 'rtx-3090', '--precision', 'int4', '--count', '2']).warnings.join(' '),
    ).toMatch(/PCIe/);
  });
});

describe('expert offload and speed', () => {
  it('the llama.cpp command of an offload plan carries --n-cpu-moe, counted from layer 0', () => {
    const doc = cliJson([
      'fit',
      'deepseek-v3',
      '--gpu',
      'rtx-4090',
      '--precision',
      'q4_k_m',
      '--cpu-memory',
      '512',
      '--engine',
      'llama.cpp',
    ]);
    const plan = doc.plans[0];
    const argv: string[] = doc.launch.argv;
    // DeepSeek-V3's first three layers are dense (config first_k_dense_replace 3), so experts of the first
    // k MoE layers are those of layers 0..k+2: llama.cpp's --n-cpu-moe counts layers, not MoE layers
    expect(plan.offload.layers).toBeGreaterThan(0);
    expect(argv[argv.indexOf('--n-cpu-moe') + 1]).toBe(String(plan.offload.layers + 3));
  });
  it('Qwen3-235B-A22B q4_k_m on one RTX 4090 with 192 GB of RAM: experts of the first N layers in host memory', () => {
    const doc = cliJson([
      'fit',
      'qwen3-235b-a22b',
      '--gpu',
      'rtx-4090',
      '--cpu-memory',
      '192',
      '--offload-experts',
      'auto',
      '--precision',
      'q4_k_m',
    ]);
    const p = doc.plans[0];
    expect(p.fits).toBe(true);
    expect(p.gpuCount).toBe(1);
    expect(p.offload.layers).toBeGreaterThan(0);
    expect(p.offload.layers).toBeLessThanOrEqual(94);
    expect(p.offload.hostBytes).toBeLessThanOrEqual(192e9);
    expect(p.perGpu.totalBytes).toBeLessThanOrEqual(p.perGpu.budgetBytes);
    expect(p.decode.tokensPerSecondPerSequence).toBeGreaterThan(0);
    expect(p.decode.errorBand).toHaveLength(2);
  });
  it('speed gives tokens/s with its error band and prints every assumption', () => {
    const r = cli(['speed', 'qwen3-235b-a22b', '--gpu', 'rtx-4090', '--cpu-memory', '192', '--precision', 'q4_k_m']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/decode \d+\.\d tokens\/s per sequence \(expected \d+\.\d-\d+\.\d\)/);
    expect(r.stdout).toMatch(/host reads .* at 60 GB\/s \(assumed/);
    expect(r.stdout).toMatch(/8\.00 of 128 distinct routed experts/);
    const doc = cliJson(['speed', 'gpt-oss-20b', '--gpu', 'rtx-4090']);
    // the band is the held-out error of its regime (CUDA vLLM, one GPU, batch 1), backed by >= 3 sources
    expect(doc.decode.errorBand[0]).toBeLessThan(0);
    expect(doc.decode.errorBand[1]).toBeGreaterThan(0);
    expect(doc.decode.band.sources).toBeGreaterThanOrEqual(3);
    expect(doc.decode.band.regime).toMatch(/vLLM/);
    expect(doc.assumptions.engine).toBe('vllm');
  });
  it('GGUF on an Apple GPU uses the Metal profile: Qwen3-30B-A3B Q8_0 on an M2 Ultra, 76.31 t/s measured (llama.cpp PR #15616), within the band', () => {
    const doc = cliJson([
      'speed',
      'qwen3-30b-a3b',
      '--gpu',
      'apple-m2-ultra-192',
      '--precision',
      'q8_0',
      '--context',
      '64',
    ]);
    expect(doc.assumptions.engine).toBe('llama.cpp-metal');
    const err = doc.decode.tokensPerSecondPerSequence / 76.31 - 1;
    expect(err).toBeGreaterThanOrEqual(doc.decode.errorBand[0]);
    expect(err).toBeLessThanOrEqual(doc.decode.errorBand[1]);
  });
  it("--usable-fraction: DeepSeek-R1 Q4_K_M needs two 512 GB Mac Studios at macOS's default wired limit, one when it is raised (as geerlingguy/beowulf-ai-cluster#17 ran it)", () => {
    const args = ['fit', 'deepseek-v3', '--gpu', 'apple-m3-ultra-512', '--precision', 'q4_k_m'];
    expect(cliJson(args).plans[0].gpuCount).toBe(2);
    const raised = cliJson([...args, '--usable-fraction', '0.95']);
    expect(raised.plans[0].gpuCount).toBe(1);
    expect(raised.gpu.usableFraction).toBe(0.95);
  });
  it('a fixed offload count is honoured and too little host memory does not fit', () => {
    const doc = cliJson([
      'fit',
      'qwen3-235b-a22b',
      '--gpu',
      'rtx-4090',
      '--cpu-memory',
      '64',
      '--offload-experts',
      '90',
      '--precision',
      'q4_k_m',
      '--count',
      '1',
    ]);
    expect(doc.plans[0].offload.layers).toBe(90);
    expect(doc.fits).toBe(false);
  });
  it('offload flags are checked', () => {
    expect(
      cli(['fit', 'llama-3.1-70b', '--gpu', 'h100', '--cpu-memory', '64', '--offload-experts', '2']).stderr,
    ).toMatch(/dense/);
    expect(cli(['fit', 'mixtral-8x7b', '--gpu', 'h100', '--offload-experts', '2']).stderr).toMatch(
      /needs --cpu-memory/,
    );
    expect(cli(['fit', 'mixtral-8x7b', '--gpu', 'h100', '--cpu-memory', '64', '--offload-experts', '33']).code).toBe(2);
  });
});
