// moe-calc check through the built CLI, as a CI job runs it: a manifest that holds (exit 0), one that
// does not (exit 1, the deployment named with its shortfall), a malformed one (exit 2, one line with
// the field path) and the markdown table for a pull request. Expected bounds come from the models'
// architectures (KV bytes per token, weights at a precision), not from the code under test.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { CheckOutput } from '../../src/cards/output-schema.js';
import { cli, cliAsync, ROOT } from '../helpers.js';

const EXAMPLE = join(ROOT, 'examples', 'moe-calc.yaml');
const dir = mkdtempSync(join(tmpdir(), 'moe-calc-check-'));
const example = parse(readFileSync(EXAMPLE, 'utf8'));

function manifest(name: string, doc: unknown): string {
  const p = join(dir, name);
  writeFileSync(p, typeof doc === 'string' ? doc : stringify(doc));
  return p;
}
/** The example manifest with one deployment changed. */
function variant(name: string, deployment: string, change: Record<string, unknown>): string {
  const doc = structuredClone(example);
  const d = doc.deployments.find((x: { name: string }) => x.name === deployment);
  Object.assign(d, change);
  return manifest(name, doc);
}
const lines = (s: string) => s.trimEnd().split('\n');

// DeepSeek-V3: MLA keeps kv_lora_rank 512 + qk_rope_head_dim 64 values per layer per token, 61 layers, in
// bf16, and every TP rank holds all of it: 163,840 tokens x 16 sequences need 184.2 GB of KV per GPU,
// more than an H200's 150.0 GB budgeted at 0.9 (135.0 GB) before a single weight.
const DSV3_KV_PER_TOKEN = (512 + 64) * 61 * 2;
const H200_BUDGET = 150.02e9 * 0.9;

describe('check: a manifest that holds', () => {
  it('examples/moe-calc.yaml: one line per deployment, all fit, a summary line, exit 0', async () => {
    const r = await cliAsync(['check', EXAMPLE]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = lines(r.stdout);
    const names = example.deployments.map((d: { name: string }) => d.name);
    expect(names).toHaveLength(4);
    expect(out).toHaveLength(names.length + 1);
    names.forEach((n: string, i: number) => {
      expect(out[i]).toMatch(new RegExp(`^✓ ${n}: fits, headroom \\d+\\.\\d\\d GB per GPU`));
    });
    expect(out.at(-1)).toBe(`all 4 deployments fit (${EXAMPLE})`);
  });

  it('--json: every deployment holds, headroom = budget - used, budget = memory x utilization', async () => {
    const r = await cliAsync(['check', EXAMPLE, '--json']);
    expect(r.code).toBe(0);
    const doc = CheckOutput.parse(JSON.parse(r.stdout));
    expect(doc.ok).toBe(true);
    expect(doc.summary).toEqual({ deployments: 4, holding: 4, failing: 0 });
    for (const d of doc.deployments) {
      expect(d.holds).toBe(true);
      expect(d.failed).toEqual([]);
      const g = d.perGpu!;
      expect(g.headroomBytes).toBe(g.budgetBytes - g.usedBytes);
      expect(g.headroomBytes).toBeGreaterThan(0);
      expect(g.shortfallBytes).toBe(0);
      expect(Math.abs(g.budgetBytes - d.gpu.memoryBytes * 0.9)).toBeLessThanOrEqual(1);
    }
    const qwen = doc.deployments[0]!;
    // the manifest's own values reach the plan: 32,768 tokens x 1 on 1 x rtx-4090 at q4_k_m
    expect([qwen.model.id, qwen.gpu.id, qwen.count, qwen.precision]).toEqual([
      'qwen3-30b-a3b',
      'rtx-4090',
      1,
      'q4_k_m',
    ]);
    expect([qwen.context, qwen.sequences]).toEqual([32_768, 1]);
    // 48 layers x 4 KV heads x 128 x 2 (K and V) x 2 bytes = 98,304 B per token: 3.22 GB for 32K tokens; Q4_K_M
    // weights come on top, at least Q4_K's 4.5 bits for 30.2B parameters outside the input embedding (17 GB)
    expect(qwen.perGpu!.usedBytes).toBeGreaterThan(98_304 * 32_768 + 16.9e9);
    // the defaults block applies: engine vllm where the deployment names none, its own llama.cpp wins
    expect(doc.deployments.map((d) => d.engine)).toEqual(['llama.cpp', 'vllm', 'vllm', 'vllm']);
    const ds = doc.deployments[2]!;
    expect(ds.layout).toEqual({ tensorParallel: 8, pipelineParallel: 1 });
  });

  it('reads moe-calc.yaml from the current folder when no manifest is named', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'moe-calc-cwd-'));
    writeFileSync(
      join(cwd, 'moe-calc.yaml'),
      stringify({ deployments: [{ model: 'mixtral-8x7b', gpu: 'h100', count: 2, precision: 'bf16' }] }),
    );
    const r = cli(['check'], { cwd });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(lines(r.stdout)[0]).toMatch(/^✓ mixtral-8x7b: fits/);
    expect(lines(r.stdout).at(-1)).toBe('the deployment fits (moe-calc.yaml)');
  });

  it('a card file named relative to the manifest is found beside it, wherever check runs', async () => {
    const sub = join(dir, 'rel');
    mkdirSync(join(sub, 'cards'), { recursive: true });
    copyFileSync(join(ROOT, 'models', 'mixtral-8x7b.yaml'), join(sub, 'cards', 'mine.yaml'));
    const m = join(sub, 'moe-calc.yaml');
    writeFileSync(
      m,
      stringify({
        defaults: { gpu: 'h100', precision: 'fp8' },
        deployments: [
          { name: 'mine', model: 'cards/mine.yaml' },
          { model: './cards/mine.yaml', count: 2 },
        ],
      }),
    );
    const r = await cliAsync(['check', m, '--json']);
    expect(r.stderr).toBe('');
    const doc = JSON.parse(r.stdout);
    expect(doc.deployments.map((d: { model: { id: string } }) => d.model.id)).toEqual(['mixtral-8x7b', 'mixtral-8x7b']);
    expect(doc.deployments.map((d: { name: string }) => d.name)).toEqual(['mine', './cards/mine.yaml']);
    // defaults: the H100 and fp8 of the defaults block, one GPU unless the deployment says otherwise
    expect(doc.deployments.map((d: { gpu: { id: string } }) => d.gpu.id)).toEqual(['h100-sxm', 'h100-sxm']);
    expect(doc.deployments.map((d: { count: number }) => d.count)).toEqual([1, 2]);
    expect(doc.deployments.map((d: { precision: string }) => d.precision)).toEqual(['fp8', 'fp8']);
  });
});

describe('check: a deployment that does not hold', () => {
  const tooLong = variant('too-long.yaml', 'deepseek-v3-h200-node', { context: 163_840 });

  it('a context past what fits: exit 1, the deployment named with its shortfall per GPU; the others fit', async () => {
    const r = await cliAsync(['check', tooLong]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    const out = lines(r.stdout);
    expect(out).toHaveLength(5);
    expect(out.filter((l) => l.startsWith('✓ '))).toHaveLength(3);
    const line = out.find((l) => l.startsWith('✗ '))!;
    expect(line).toMatch(/^✗ deepseek-v3-h200-node: does not fit: memory short (\d+\.\d\d) GB per GPU/);
    expect(line).toContain('163,840 tokens x 16 sequences');
    const short = Number(/short (\d+\.\d\d) GB/.exec(line)![1]) * 1e9;
    expect(short).toBeGreaterThan(DSV3_KV_PER_TOKEN * 163_840 * 16 - H200_BUDGET);
    expect(out.at(-1)).toBe(`1 of 4 deployments failed (${tooLong}): deepseek-v3-h200-node (memory)`);
  });

  it('--json carries the failed requirement and the shortfall; exit 1', async () => {
    const r = await cliAsync(['check', tooLong, '--json']);
    expect(r.code).toBe(1);
    const doc = CheckOutput.parse(JSON.parse(r.stdout));
    expect(doc.ok).toBe(false);
    expect(doc.summary).toEqual({ deployments: 4, holding: 3, failing: 1 });
    const d = doc.deployments.find((x) => !x.holds)!;
    expect(d.name).toBe('deepseek-v3-h200-node');
    expect(d.failed).toEqual(['memory']);
    expect(d.perGpu!.usedBytes).toBeGreaterThan(DSV3_KV_PER_TOKEN * 163_840 * 16);
    expect(d.perGpu!.shortfallBytes).toBe(d.perGpu!.usedBytes - d.perGpu!.budgetBytes);
    expect(d.perGpu!.headroomBytes).toBe(-d.perGpu!.shortfallBytes);
    // what does fit is less than what was asked for
    expect(d.maxContext).toBeLessThan(163_840);
  });

  it('a decode speed no RTX 4090 can reach fails that requirement, not memory', async () => {
    // 1,008 GB/s over the ~3.3B active parameters at >= 4.5 bits (1.8 GB) each token reads: under 600 t/s
    const m = variant('slow.yaml', 'qwen3-30b-desktop', { min_decode_tokens_per_second: 5000 });
    const r = await cliAsync(['check', m]);
    expect(r.code).toBe(1);
    const line = lines(r.stdout)[0]!;
    expect(line).toMatch(/^✗ qwen3-30b-desktop: fails \(fits in memory, headroom \d+\.\d\d GB per GPU\)/);
    expect(line).toMatch(/min_decode_tokens_per_second: decode ~\d+ t\/s per sequence, below the 5000 required/);
  });

  it('a KV pool larger than the GPU can hold fails min_kv_cache_tokens', async () => {
    // 22.85 GB of budget / 98,304 B per token < 233,000 tokens even with no weights at all
    const m = variant('pool.yaml', 'qwen3-30b-desktop', { min_kv_cache_tokens: 1_000_000 });
    const r = await cliAsync(['check', m, '--json']);
    expect(r.code).toBe(1);
    const d = JSON.parse(r.stdout).deployments[0];
    expect(d.failed).toEqual(['min_kv_cache_tokens']);
    const req = d.requirements.find((x: { requirement: string }) => x.requirement === 'min_kv_cache_tokens');
    expect(req.holds).toBe(false);
    expect(req.actual).toBeLessThan(233_000);
  });
});

describe('check --markdown: a table for a pull-request comment', () => {
  it('one row per deployment, the failing one marked with its shortfall, and the summary', async () => {
    const m = variant('md.yaml', 'deepseek-v3-h200-node', { context: 163_840 });
    const r = await cliAsync(['check', m, '--markdown']);
    expect(r.code).toBe(1);
    const out = lines(r.stdout);
    const table = out.filter((l) => l.startsWith('|'));
    expect(table).toHaveLength(2 + 4);
    expect(table[0]).toMatch(/^\| deployment \| result \| model \| GPUs \|/);
    expect(table[1]).toMatch(/^\|---\|---\|/);
    const rows = table.slice(2);
    expect(rows.filter((l) => l.includes('✅ fits'))).toHaveLength(3);
    const bad = rows.find((l) => l.includes('❌'))!;
    expect(bad).toMatch(/^\| deepseek-v3-h200-node \| ❌ does not fit \| deepseek-v3 fp8-block \| 8 x h200 \(TP8\) /);
    expect(bad).toMatch(/\| short \d+\.\d\d GB \|/);
    expect(out.at(-1)).toBe(`**1 of 4 deployments failed (${m}): deepseek-v3-h200-node (memory)**`);
  });
});

describe('check: a bad manifest exits 2 with one line naming the file and the field path', () => {
  const base = { model: 'qwen3-30b-a3b', gpu: 'rtx-4090', precision: 'q4_k_m' };
  const cases: [string, unknown, RegExp][] = [
    [
      'count-text.yaml',
      { deployments: [{ ...base, count: 'two' }] },
      /deployments\.0\.count: expected a number, got "two"/,
    ],
    [
      'typo.yaml',
      { deployments: [{ ...base, contxt: 4096 }] },
      /deployments\.0\.contxt: unknown key "contxt"; did you mean context\?/,
    ],
    ['no-gpu.yaml', { deployments: [base, { model: 'grok-2', precision: 'fp8' }] }, /deployments\.1\.gpu: required/],
    [
      'bad-gpu.yaml',
      { deployments: [{ ...base, gpu: 'rtx-4900' }] },
      /deployments\.0\.gpu: unknown GPU "rtx-4900"; did you mean rtx-4090\?/,
    ],
    [
      'bad-model.yaml',
      { deployments: [{ ...base, model: 'qwen3-30b-a3' }] },
      /deployments\.0\.model: unknown model "qwen3-30b-a3"/,
    ],
    [
      'bad-prec.yaml',
      { deployments: [{ ...base, precision: 'q4_k_n' }] },
      /deployments\.0\.precision: unknown precision "q4_k_n"; did you mean q4_k_m\?/,
    ],
    [
      'engine.yaml',
      { deployments: [{ ...base, engine: 'tgi' }] },
      /deployments\.0\.engine: expected "vllm" or "sglang" or "llama\.cpp", got "tgi"/,
    ],
    [
      'release.yaml',
      'deployments:\n  - {model: qwen3-30b-a3b, gpu: rtx-4090, precision: q4_k_m, release: 0.10}\n',
      /deployments\.0\.release: expected a quoted string such as "0\.10\.2", got the number 0\.1/,
    ],
    [
      'util.yaml',
      { defaults: { utilization: 1.5 }, deployments: [base] },
      /defaults\.utilization: expected a number <= 1, got 1\.5/,
    ],
    [
      'ctx.yaml',
      { deployments: [{ ...base, context: 50_000 }] },
      /deployments\.0\.context: 50,000 tokens exceeds qwen3-30b-a3b's maximum context of 40,960/,
    ],
    ['empty-list.yaml', { deployments: [] }, /deployments: expected a list with at least 1 items/],
    ['no-deployments.yaml', { defaults: { gpu: 'h100' } }, /deployments: required: expected a list/],
    ['list.yaml', [base], /\(top level\): expected a manifest/],
    ['broken.yaml', 'deployments: [unclosed\n', /invalid YAML|could not be parsed/],
  ];
  it.each(cases)('%s', async (name, doc, re) => {
    const p = manifest(name, doc);
    const r = await cliAsync(['check', p]);
    expect(r.stdout).toBe('');
    expect(r.code).toBe(2);
    const err = lines(r.stderr);
    expect(err).toHaveLength(1);
    expect(err[0]).toContain(p);
    expect(err[0]).toMatch(re);
  });
  it('a manifest that does not exist', async () => {
    const r = await cliAsync(['check', join(dir, 'nowhere.yaml')]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe(`moe-calc: ${join(dir, 'nowhere.yaml')}: no such manifest file`);
  });
  it('--json: the error is one JSON line', async () => {
    const r = await cliAsync(['check', manifest('json-err.yaml', { deployments: [{ ...base, count: 0 }] }), '--json']);
    expect(r.code).toBe(2);
    const e = JSON.parse(r.stderr).error;
    expect(e.exitCode).toBe(2);
    expect(e.message).toMatch(/deployments\.0\.count: expected a number > 0, got 0/);
  });
});
