// Output that fits the terminal (COLUMNS, --wide), leads with the answer, and the shape of the code
// behind it (reports in core, renderers in render, thin commands).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { layoutColumns, renderTerminal, safeText, wrapText } from '../../src/render/terminal.js';
import { displayWidth } from '../../src/render/width.js';
import { cliAsync, ROOT } from '../helpers.js';

const widest = (s: string) => Math.max(...s.split('\n').map(displayWidth));
const lines = (s: string) => s.replace(/\n$/, '').split('\n').length;

describe('output fits the terminal', () => {
  it('COLUMNS=100: fit grok-2 --gpu a100-40g is at most 100 columns and 30 lines and leads with fp8 on 8 GPUs', async () => {
    const r = await cliAsync(['fit', 'grok-2', '--gpu', 'a100-40g'], { env: { COLUMNS: '100' } });
    expect(r.code).toBe(0);
    expect(widest(r.stdout)).toBeLessThanOrEqual(100);
    expect(lines(r.stdout)).toBeLessThanOrEqual(30);
    // the first line after the title answers the question in words
    expect(r.stdout.split('\n')[1]).toMatch(/^Fits 8 x A100 40GB at fp8 \(TP8\), up to 88K tokens of context/);
    expect(r.stdout).toMatch(/hidden: .*--wide shows all/);
    // eight identical GPUs: one bar line
    expect(r.stdout).toMatch(/^GPU 0-7 +#+/m);
    expect(r.stdout).not.toMatch(/^GPU 1 /m);
  });
  it.each([
    ['fit', 'grok-2', '--gpu', 'a100-40g'],
    ['show', 'grok-2'],
    ['audit', 'grok-2'],
    ['compare', '--gpu', 'h100'],
    ['gpus'],
    ['list'],
    ['speed', 'qwen3-30b-a3b', '--gpu', 'rtx-4090', '--precision', 'q4_k_m'],
    ['fit', 'deepseek-v3', '--gpu', 'h100', '--explain'],
  ])('COLUMNS=80: %s %s is at most 80 columns', async (...args) => {
    const r = await cliAsync(args, { env: { COLUMNS: '80' } });
    expect(r.code).toBe(0);
    expect(widest(r.stdout)).toBeLessThanOrEqual(80);
  });
  it('--wide shows every column at any width; without COLUMNS (a pipe) nothing is hidden', async () => {
    const narrow = await cliAsync(['fit', 'grok-2', '--gpu', 'a100-40g'], { env: { COLUMNS: '80' } });
    const wide = await cliAsync(['fit', 'grok-2', '--gpu', 'a100-40g', '--wide'], { env: { COLUMNS: '80' } });
    const piped = await cliAsync(['fit', 'grok-2', '--gpu', 'a100-40g'], { env: { COLUMNS: undefined } });
    const header = (out: string) =>
      out
        .split('\n')
        .filter((l) => l.startsWith('│'))
        .join('\n');
    for (const h of ['KV', 'overhead', 'decode']) {
      expect(header(narrow.stdout)).not.toContain(h);
      expect(header(wide.stdout)).toContain(h);
      expect(header(piped.stdout)).toContain(h);
    }
    expect(narrow.stdout).toMatch(/hidden: [\s\S]*KV per GPU[\s\S]*--wide shows all/);
    expect(wide.stdout).not.toContain('hidden:');
  });
  it('--explain prints the full derivation of overheads and error bands', async () => {
    const r = await cliAsync(['fit', 'gpt-oss-120b', '--gpu', 'h100', '--explain'], { env: { COLUMNS: '1000' } });
    expect(r.stdout).toMatch(/How these figures are derived/);
    expect(r.stdout).toMatch(/profiling pass of 8,192 tokens and 1,024 sequences/);
    expect(r.stdout).toMatch(/triton kernel layout on h100-sxm/);
  });
  it('markdown keeps every column', async () => {
    const r = await cliAsync(['compare', 'grok-1', 'grok-2', '--gpu', 'h100', '--markdown'], {
      env: { COLUMNS: '40' },
    });
    expect(r.stdout).toMatch(/^\| model \| total \| active \|/m);
    expect(r.stdout).toContain('decode t/s @bf16');
  });
});

describe('the terminal back end', () => {
  it('measures CJK by display width and wraps inside cells', () => {
    const doc = renderTerminal(
      [
        {
          kind: 'table',
          columns: [
            { header: 'quote', priority: 0, wrap: true },
            { header: 'verdict', priority: 0 },
          ],
          rows: [['需要8块显存≥40GB的GPU，总参数量达9050亿，推理时激活1360亿参数', 'holds']],
        },
      ],
      { width: 30 },
    );
    expect(widest(doc)).toBeLessThanOrEqual(30);
    expect(doc).toContain('holds');
  });
  it('hides the least important columns first and names them', () => {
    const l = layoutColumns(
      [
        { header: 'a', priority: 0 },
        { header: 'b', priority: 2 },
        { header: 'c', priority: 1 },
      ],
      [['x'.repeat(20), 'y'.repeat(20), 'z'.repeat(20)]],
      50,
      false,
    );
    expect(l.visible).toEqual([0, 2]);
    expect(l.hidden).toEqual(['b']);
  });
  it('wraps words with a hanging indent and cuts words longer than the line', () => {
    expect(wrapText('aaa bbb ccc', 7, 2)).toEqual(['aaa bbb', '  ccc']);
    expect(wrapText('x'.repeat(25), 10).every((l) => l.length <= 10)).toBe(true);
  });
  it('control characters from cards never reach the terminal raw', () => {
    expect(safeText('evil\u001b[2J\u202ename')).toBe('evil\\x1b[2J\\u202ename');
  });
});

describe('code shape', () => {
  const src = join(ROOT, 'src');
  const files = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
    );
  const imports = (f: string) => [...readFileSync(f, 'utf8').matchAll(/from '([^']+)'/g)].map((m) => m[1]!);
  it('nothing in src/core imports from cards/, render/, commands/ or node: modules (pure calculation)', () => {
    for (const f of files(join(src, 'core'))) {
      for (const i of imports(f)) expect(`${f}: ${i}`).not.toMatch(/: (.*\/(cards|render|commands)\/|node:)/);
    }
  });
  it('commands are thin: flags, a report from the API, a renderer', () => {
    for (const f of files(join(src, 'commands'))) {
      for (const i of imports(f)) expect(`${f}: ${i}`).not.toMatch(/\/core\/(fit|params|kv|speed|overhead|audit)\.js/);
      expect(readFileSync(f, 'utf8').split('\n').length).toBeLessThan(130);
    }
  });
  it('tables are drawn by cli-table3', () => {
    expect(readFileSync(join(src, 'render/terminal.ts'), 'utf8')).toMatch(/from 'cli-table3'/);
    expect(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).dependencies['cli-table3']).toBeDefined();
  });
  it('built-in cards cite articles by outlet, never by a path outside the project', () => {
    for (const f of readdirSync(join(ROOT, 'models'))) {
      expect(`${f}: ${readFileSync(join(ROOT, 'models', f), 'utf8')}`).not.toMatch(/\.\.\/shared|seeds\//);
    }
  });
});
