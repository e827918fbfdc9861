// Bad input through the real CLI: every case exits 2 with exactly one line on stderr, nothing on
// stdout and no stack trace, well within 2 seconds.
import { beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync, openSync, ftruncateSync, closeSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { cli, cliAsync, ROOT } from '../helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'moe-calc-bad-'));
const good = parse(readFileSync(join(ROOT, 'models/mixtral-8x7b.yaml'), 'utf8'));

function file(name: string, content: string | Buffer): string {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
}
/** A copy of a valid card with one change at a dotted path. */
function mutated(name: string, path: string, value: unknown): string {
  const c = structuredClone(good);
  const keys = path.split('.');
  let o = c;
  for (const k of keys.slice(0, -1)) o = o[k];
  if (value === undefined) delete o[keys.at(-1)!];
  else o[keys.at(-1)!] = value;
  return file(name, stringify(c));
}
const goodText = stringify(good);

type Case = [name: string, args: () => string[], expect?: RegExp];
const cases: Case[] = [];
const show = (p: () => string) => () => ['show', p()];
const add = (name: string, args: () => string[], re?: RegExp) => cases.push([name, args, re]);

// --- malformed YAML and documents that are not cards ---
add(
  'malformed YAML',
  show(() => file('malformed.yaml', 'id: [unclosed\nname: x\n')),
  /invalid YAML|could not be parsed/,
);
add(
  'YAML that is a list',
  show(() => file('list.yaml', '- a\n- b\n')),
  /expected a model card \(a mapping\), got a list/,
);
add(
  'YAML that is a scalar',
  show(() => file('scalar.yaml', 'just text\n')),
  /got "just text"/,
);
add(
  'duplicate keys',
  show(() => file('dup.yaml', goodText.replace('name: Mixtral 8x7B', 'name: Mixtral 8x7B\nname: again'))),
  /duplicate|unique/i,
);
add(
  'tab-indented YAML',
  show(() => file('tabs.yaml', 'id: x\narchitecture:\n\tvocab_size: 1\n')),
  /YAML/,
);
add(
  'empty file',
  show(() => file('empty.yaml', '')),
  /empty file/,
);
add(
  'only a comment',
  show(() => file('comment.yaml', '# nothing\n')),
  /empty file/,
);
add(
  'binary garbage',
  show(() => file('garbage.yaml', Buffer.from([0x00, 0xff, 0xfe, 0x13, 0x37, 0x00, 0x80]))),
  /binary/,
);
add(
  'invalid UTF-8',
  show(() => file('latin1.yaml', Buffer.from([0x69, 0x64, 0x3a, 0x20, 0xe9, 0xe9, 0x0a]))),
  /UTF-8/,
);
add(
  'alias bomb (billion laughs)',
  show(() => {
    let y = 'a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n';
    for (let i = 1; i < 12; i++)
      y += `a${i}: &a${i} [${Array(10)
        .fill(`*a${i - 1}`)
        .join(', ')}]\n`;
    return file('bomb.yaml', y);
  }),
  /alias|YAML/i,
);
add(
  'very deep nesting',
  show(() => file('deep.yaml', 'id: ' + '['.repeat(5000) + ']'.repeat(5000) + '\n')),
  /nest|deep|YAML/i,
);
add(
  'a 50 MB card',
  show(() => {
    const p = join(dir, 'huge.yaml');
    const fd = openSync(p, 'w');
    ftruncateSync(fd, 50 * 1024 * 1024);
    closeSync(fd);
    return p;
  }),
  /at most 1 MiB/,
);
add(
  '__proto__ key',
  show(() => file('proto.yaml', goodText + '__proto__:\n  polluted: true\n')),
  /__proto__/,
);
add(
  'constructor key',
  show(() => file('ctor.yaml', goodText.replace('architecture:', 'constructor:\n  x: 1\narchitecture:'))),
  /constructor/,
);
add(
  'nested __proto__ key',
  show(() => file('proto2.yaml', goodText.replace('  norms:', '  __proto__: {}\n  norms:'))),
  /__proto__/,
);

// --- schema errors: file, field path, what was expected ---
add(
  'unknown key (typo) with suggestion',
  show(() => mutated('typo.yaml', 'architecture.moe.num_expert', 8)),
  /architecture\.moe\.num_expert: unknown key "num_expert"; did you mean/,
);
add(
  'unknown top-level key',
  show(() => mutated('top.yaml', 'licnse', 'x')),
  /licnse: unknown key.*did you mean licence/,
);
add(
  'string where a number belongs',
  show(() => mutated('str.yaml', 'architecture.hidden_size', '4096')),
  /architecture\.hidden_size: expected a number, got "4096"/,
);
add(
  'boolean where a number belongs',
  show(() => mutated('bool.yaml', 'architecture.vocab_size', true)),
  /architecture\.vocab_size: expected a number/,
);
add(
  'negative width',
  show(() => mutated('neg.yaml', 'architecture.moe.expert_ffn', -2)),
  /architecture\.moe\.expert_ffn: expected a number > 0, got -2/,
);
add(
  'zero layers',
  show(() => mutated('zero.yaml', 'architecture.num_layers', 0)),
  /architecture\.num_layers: expected a number > 0/,
);
add(
  'fractional layers',
  show(() => mutated('frac.yaml', 'architecture.num_layers', 2.5)),
  /architecture\.num_layers: expected an integer, got 2.5/,
);
add(
  'NaN',
  show(() => file('nan.yaml', goodText.replace('vocab_size: 32000', 'vocab_size: .nan'))),
  /vocab_size: expected a finite number/,
);
add(
  'Infinity',
  show(() => file('inf.yaml', goodText.replace('vocab_size: 32000', 'vocab_size: .inf'))),
  /vocab_size: expected a finite number/,
);
add(
  '1e400',
  show(() => file('e400.yaml', goodText.replace('vocab_size: 32000', 'vocab_size: 1e400'))),
  /vocab_size: expected a finite number/,
);
add(
  'past MAX_SAFE_INTEGER',
  show(() => file('big.yaml', goodText.replace('vocab_size: 32000', 'vocab_size: 9007199254740993'))),
  /vocab_size: expected a number <= 9007199254740991/,
);
add(
  'product past 2^53',
  show(() =>
    file(
      'overflow.yaml',
      goodText
        .replace('vocab_size: 32000', 'vocab_size: 9007199254740')
        .replace('hidden_size: 4096', 'hidden_size: 90071992547'),
    ),
  ),
  /exceeds/,
);
add(
  'top-k above expert count',
  show(() => mutated('topk.yaml', 'architecture.moe.top_k', 9)),
  /architecture\.moe\.top_k: expected at most moe\.experts \(8\), got 9/,
);
add(
  'KV heads not dividing heads',
  show(() => mutated('kv.yaml', 'architecture.attention.kv_heads', 5)),
  /architecture\.attention\.kv_heads: expected a divisor of attention\.heads \(32\), got 5/,
);
add(
  'KV heads above heads',
  show(() => mutated('kv2.yaml', 'architecture.attention.kv_heads', 64)),
  /kv_heads: expected at most/,
);
add(
  'unknown attention type',
  show(() => mutated('att.yaml', 'architecture.attention.type', 'mqa')),
  /architecture\.attention\.type: expected "gqa" or "mla", got "mqa"/,
);
add(
  'unknown native precision with suggestion',
  show(() => mutated('prec.yaml', 'architecture.native_precision', 'bf61')),
  /native_precision: unknown precision "bf61"; did you mean bf16\?/,
);
add(
  'id with ../',
  show(() => mutated('dots.yaml', 'id', '../etc/passwd')),
  /id: expected a kebab-case id/,
);
add(
  'uppercase id',
  show(() => mutated('upper.yaml', 'id', 'Mixtral')),
  /id: expected a kebab-case id/,
);
add(
  'missing architecture',
  show(() => mutated('noarch.yaml', 'architecture', undefined)),
  /architecture: required/,
);
add(
  'empty sources',
  show(() => mutated('nosrc.yaml', 'sources', [])),
  /sources: expected a list with at least 1/,
);
add(
  'invalid layer set',
  show(() => mutated('layers.yaml', 'architecture.moe.layers', 'some')),
  /architecture\.moe\.layers/,
);
add(
  'dense layers without dense_ffn',
  show(() => mutated('nodense.yaml', 'architecture.moe.layers', { period: 2, offsets: [1] })),
  /dense_ffn/,
);
add(
  'claim with unknown precision',
  show(() =>
    mutated('claim.yaml', 'claims', [
      { quote: 'q', source: 's', kind: 'weight_bytes', value: 1, unit: 'GB', precision: 'fp9' },
    ]),
  ),
  /claims\.0\.precision: unknown precision "fp9"/,
);
add(
  'claim of unknown kind',
  show(() => mutated('claim2.yaml', 'claims', [{ quote: 'q', source: 's', kind: 'speed', value: 1, unit: 'GB' }])),
  /claims\.0\.kind: expected/,
);

// --- files that are not files ---
add('a directory where a card is expected', () => ['show', join(dir, 'adir.yaml')], /is a directory/);
add('a missing file', () => ['show', join(dir, 'missing.yaml')], /no such card file/);
add(
  'a FIFO (unreadable as a card)',
  () => {
    const p = join(dir, 'fifo.yaml');
    try {
      execFileSync('mkfifo', [p]);
    } catch {
      /* already there */
    }
    return ['show', p];
  },
  /not a regular file/,
);
add('--models that is not a folder', () => ['list', '--models', join(dir, 'empty.yaml')], /not a directory/);
add(
  '--models folder with a broken card',
  () => ['list', '--models', join(dir, 'broken-models')],
  /broken-models.*bad\.yaml: architecture: required/,
);

// --- configs ---
add('broken JSON config', () => ['show', file('broken.json', '{"model_type": "mixtral",')], /invalid JSON/);
add(
  'config missing hidden_size',
  () => [
    'fit',
    file(
      'nohidden.json',
      JSON.stringify({ model_type: 'mixtral', vocab_size: 32000, num_hidden_layers: 2, num_attention_heads: 4 }),
    ),
    '--gpu',
    'h100',
  ],
  /hidden_size: required/,
);
add(
  'config with a string number',
  () => [
    'show',
    file(
      'strnum.json',
      JSON.stringify({
        model_type: 'mixtral',
        vocab_size: 32000,
        hidden_size: '4096',
        num_hidden_layers: 2,
        num_attention_heads: 4,
      }),
    ),
  ],
  /hidden_size: expected an integer/,
);
add(
  'config of an unknown model_type',
  () => ['show', file('unk.json', JSON.stringify({ model_type: 'bloom', hidden_size: 8 }))],
  /model_type: "bloom" is not supported; supported:/,
);
add('config that is a list', () => ['import', file('listcfg.json', '[1,2]')], /expected a JSON object/);
add('a folder without config.json', () => ['show', join(dir, 'emptydir') + '/'], /without a config.json/);

// --- names and flags ---
add(
  'unknown model with suggestion',
  () => ['show', 'mixtral-8x7'],
  /unknown model "mixtral-8x7"; did you mean mixtral-8x7b\?/,
);
add(
  'unknown GPU with suggestion',
  () => ['fit', 'grok-2', '--gpu', 'a100-40'],
  /unknown GPU "a100-40"; did you mean a100-40g\?/,
);
add(
  'unknown precision with suggestion',
  () => ['fit', 'grok-2', '--gpu', 'h100', '--precision', 'fp7'],
  /unknown precision "fp7"/,
);
add('unknown KV precision', () => ['fit', 'grok-2', '--gpu', 'h100', '--kv-precision', 'int3'], /kv-precision/);
add('missing --gpu', () => ['fit', 'grok-2'], /--gpu/);
add('empty --gpu', () => ['fit', 'grok-2', '--gpu', ''], /unknown GPU ""/);
add('unknown command', () => ['fitt', 'grok-2'], /unknown command/);
add('unknown option', () => ['fit', 'grok-2', '--gpu', 'h100', '--contxt', '5'], /unknown option/);
add('conflicting --json and --markdown', () => ['compare', 'grok-1', '--markdown', '--json'], /conflict/);
add(
  'import over an existing file without --force',
  () => ['import', join(ROOT, 'test/fixtures/configs/mixtral-8x7b.json'), '-o', file('exists.yaml', 'x')],
  /exists/,
);
for (const [flag, bad] of [
  ['--context', '0'],
  ['--context', '-5'],
  ['--context', '1.5'],
  ['--context', 'abc'],
  ['--context', '1e400'],
  ['--context', '32m'],
  ['--context', '99999999999'],
  ['--batch', '0'],
  ['--batch', '-1'],
  ['--batch', '2.5'],
  ['--count', '0'],
  ['--count', '-3'],
  ['--count', 'eight'],
  ['--utilization', '0'],
  ['--utilization', '1.5'],
  ['--utilization', '-0.1'],
  ['--utilization', 'NaN'],
  ['--utilization', 'Infinity'],
  ['--gpus-per-node', '0'],
  ['--batch-tokens', '0'],
  ['--activation-gb', '-1'],
  ['--non-torch-gb', 'x'],
  ['--max-num-seqs', '0'],
  ['--max-num-seqs', '1.5'],
  ['--tp', '0'],
  ['--vllm', 'banana'],
  ['--vllm', '1'],
] as const) {
  add(
    `${flag} ${bad}`,
    () => ['fit', 'mixtral-8x7b', '--gpu', 'h100', `${flag}=${bad}`],
    new RegExp(`${flag.replace(/-/g, '\\-')}: expected`),
  );
}
add(
  '--tp that does not divide the heads',
  () => ['fit', 'grok-2', '--gpu', 'h100', '--tp', '3'],
  /--tp: TP 3 does not divide 64 attention heads/,
);
add(
  '--usable-fraction on a discrete GPU',
  () => ['fit', 'grok-2', '--gpu', 'h100', '--usable-fraction', '0.9'],
  /--usable-fraction: h100-sxm has memory of its own/,
);
add(
  '--usable-fraction out of range',
  () => ['fit', 'qwen3-30b-a3b', '--gpu', 'apple-m2-ultra-192', '--usable-fraction', '1.5'],
  /--usable-fraction: expected/,
);
add(
  '--tp beyond --gpus-per-node',
  () => ['fit', 'grok-2', '--gpu', 'h100', '--tp', '8', '--gpus-per-node', '4'],
  /--tp: 8 exceeds --gpus-per-node 4/,
);
add(
  '--tp that does not divide --count',
  () => ['fit', 'grok-2', '--gpu', 'h100', '--tp', '4', '--count', '6'],
  /--tp: 4 does not divide --count 6/,
);
add(
  '--context beyond the model maximum',
  () => ['fit', 'mixtral-8x7b', '--gpu', 'h100', '--context', '65536'],
  /exceeds mixtral-8x7b's maximum context of 32,768/,
);
add(
  '--gpus catalog with a bad entry',
  () => ['gpus', '--gpus', file('badgpus.yaml', 'gpus:\n  - id: x\n    name: X\n')],
  /gpus\.0\.vendor: required/,
);

beforeAll(() => {
  mkdirSync(join(dir, 'adir.yaml'), { recursive: true });
  mkdirSync(join(dir, 'emptydir'), { recursive: true });
  mkdirSync(join(dir, 'broken-models'), { recursive: true });
  writeFileSync(join(dir, 'broken-models', 'bad.yaml'), stringify({ ...good, id: 'bad', architecture: undefined }));
});

describe('bad input: exit 2, one line on stderr, nothing on stdout', () => {
  it('has at least 60 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(60);
  });
  it.concurrent.each(cases)('%s', async (_name, args, re) => {
    const started = Date.now();
    const r = await cliAsync(args());
    expect(Date.now() - started).toBeLessThan(5000);
    expect(r.stdout).toBe('');
    expect(r.code).toBe(2);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines, r.stderr).toHaveLength(1);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const message = args().includes('--json') ? JSON.parse(r.stderr).error.message : r.stderr;
    if (!args().includes('--json')) expect(r.stderr).toMatch(/^moe-calc: /);
    if (re) expect(message).toMatch(re);
  });
});

describe('accepted variations', () => {
  it('a card with a UTF-8 BOM and CRLF line endings is read', () => {
    const p = file('bom-crlf.yaml', '\uFEFF' + goodText.replace(/\n/g, '\r\n'));
    const r = cli(['show', p, '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).params.total).toBe(46_702_792_704);
  });
  it('--json errors are one JSON line on stderr with the same exit code', () => {
    const r = cli(['show', 'nope-model', '--json']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    const e = JSON.parse(r.stderr);
    expect(e.error.exitCode).toBe(2);
    expect(e.error.message).toMatch(/unknown model "nope-model"/);
  });
  it('prototype pollution does not happen even for accepted documents', () => {
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
