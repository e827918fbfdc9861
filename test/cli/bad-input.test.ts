// Bad input through the real CLI: every case exits 2 with exactly one line on stderr, nothing on
// stdout and no stack trace, well within 2 seconds.
import { beforeAll, describe, expect, it } from 'vitest';
import {
  mkdtempSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  writeFileSync,
  openSync,
  ftruncateSync,
  closeSync,
  symlinkSync,
} from 'node:fs';
import { execFileSync, spawnSync } from 'node:child_process';
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
  /vocab_size: expected an integer <= 9,007,199,254,740,991/,
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

// --- issue 16: nothing lost, nothing silently ignored ---
const CONFIGS = join(ROOT, 'test/fixtures/configs');
/** A copy of a fixture config.json with keys set (undefined deletes), under a name of its own. */
function config(name: string, fixture: string, set: Record<string, unknown>, under?: string): string {
  const c = JSON.parse(readFileSync(join(CONFIGS, fixture), 'utf8'));
  const o = under ? c[under] : c;
  for (const [k, v] of Object.entries(set)) {
    if (v === undefined) delete o[k];
    else o[k] = v;
  }
  return file(name, JSON.stringify(c));
}
/** A folder of cards: name -> card text. */
function folder(name: string, files: Record<string, string>): string {
  const d = join(dir, name);
  mkdirSync(d, { recursive: true });
  for (const [f, text] of Object.entries(files)) writeFileSync(join(d, f), text);
  return d;
}
const cardText = (id: string, aliases: string[] = []) =>
  goodText
    .replace('id: mixtral-8x7b', `id: ${id}`)
    .replace(/^aliases:\n( {2}- .*\n)+/m, `aliases: [${aliases.join(', ')}]\n`);
const gpuEntry = (id: string, aliases: string[] = []) =>
  `  - id: ${id}\n    name: GPU ${id}\n    vendor: nvidia\n    aliases: [${aliases.join(', ')}]\n` +
  '    memory_bytes: 85899345920\n    bandwidth_gbps: 3350\n    bf16_tflops: 989\n    native_fp8: true\n' +
  '    native_fp4: false\n    source: test\n';
const gpus = (name: string, ...entries: string[]) => file(name, `gpus:\n${entries.join('')}`);

// class 7: duplicates and repeats
add(
  'two user cards with one id in two --models folders (both files named)',
  () => [
    'list',
    '--models',
    folder('dup-id-a', { 'one.yaml': cardText('twin') }),
    '--models',
    folder('dup-id-b', { 'two.yaml': cardText('twin') }),
  ],
  /dup-id-b\/two\.yaml: id: "twin" is already the id or an alias of .*dup-id-a\/one\.yaml/,
);
add(
  'two user cards sharing an alias in one folder',
  () => [
    'list',
    '--models',
    folder('dup-alias', { 'a.yaml': cardText('one', ['shared']), 'b.yaml': cardText('two', ['shared']) }),
  ],
  /dup-alias\/b\.yaml: aliases: "shared" is already the id or an alias of .*dup-alias\/a\.yaml/,
);
add(
  "a user card's alias equal to another user card's id",
  () => [
    'show',
    'one',
    '--models',
    folder('dup-cross', { 'a.yaml': cardText('one'), 'b.yaml': cardText('two', ['one']) }),
  ],
  /b\.yaml: aliases: "one" is already the id or an alias of .*a\.yaml/,
);
add(
  'the --models duplicate check still runs when a later folder repeats it',
  () => [
    'fit',
    'twin',
    '--gpu',
    'h100',
    '--models',
    folder('dup-fit-a', { 'x.yaml': cardText('twin') }),
    '--models',
    folder('dup-fit-b', { 'y.yaml': cardText('twin') }),
  ],
  /dup-fit-b\/y\.yaml: id: "twin".*dup-fit-a\/x\.yaml/,
);
add('an empty --models', () => ['list', '--models', ''], /--models: expected a folder of model cards/);
add(
  "a user card's alias equal to a built-in card's id",
  () => ['show', 'grok-2', '--models', folder('alias-builtin-id', { 'mine.yaml': cardText('mine', ['grok-2']) })],
  /mine\.yaml: aliases: "grok-2" is the id of the built-in card models\/grok-2\.yaml/,
);
add(
  'duplicate GPU ids in a --gpus file',
  () => ['gpus', '--gpus', gpus('dup-gpu-id.yaml', gpuEntry('my-gpu'), gpuEntry('my-gpu'))],
  /gpus\.1\.id: "my-gpu" is already the id or an alias of gpus\.0/,
);
add(
  'duplicate GPU aliases in a --gpus file',
  () => ['gpus', '--gpus', gpus('dup-gpu-alias.yaml', gpuEntry('gpu-a', ['fast']), gpuEntry('gpu-b', ['fast']))],
  /gpus\.1\.aliases\.0: "fast" is already the id or an alias of gpus\.0 \(gpu-a\)/,
);
add(
  "a user GPU's alias shadowing a built-in alias",
  () => ['fit', 'grok-2', '--gpu', 'h100', '--gpus', gpus('shadow-alias.yaml', gpuEntry('my-h100', ['h100']))],
  /gpus\.0\.aliases\.0: "h100" already names the built-in h100-sxm .*give id: h100-sxm to replace that GPU/,
);
add(
  "a user GPU's alias equal to a built-in id",
  () => ['gpus', '--gpus', gpus('shadow-id.yaml', gpuEntry('my-a100', ['a100-80g']))],
  /gpus\.0\.aliases\.0: "a100-80g" already names the built-in a100-80g/,
);
add(
  "a user GPU's id equal to a built-in alias",
  () => ['gpus', '--gpus', gpus('shadow-id2.yaml', gpuEntry('h100'))],
  /gpus\.0\.id: "h100" already names the built-in h100-sxm/,
);
add(
  'a symbolic link loop in a cards folder',
  () => {
    const d = folder('link-loop', {});
    try {
      symlinkSync('loop.yaml', join(d, 'loop.yaml'));
    } catch {
      /* already there */
    }
    return ['list', '--models', d];
  },
  /loop\.yaml: a loop of symbolic links \(ELOOP\)/,
);
add(
  'a dangling symbolic link in a cards folder',
  () => {
    const d = folder('link-dangling', {});
    try {
      symlinkSync('nowhere.yaml', join(d, 'gone.yaml'));
    } catch {
      /* already there */
    }
    return ['list', '--models', d];
  },
  /gone\.yaml: a symbolic link to nothing \(ENOENT\)/,
);
add(
  'a symlinked card that is broken is read (and refused), not skipped',
  () => {
    const d = folder('link-broken-card', {});
    try {
      symlinkSync(join(dir, 'broken-models', 'bad.yaml'), join(d, 'linked.yaml'));
    } catch {
      /* already there */
    }
    return ['list', '--models', d];
  },
  /linked\.yaml: architecture: required/,
);

// class 8: exit codes and streams
add('no command at all', () => [], /a command is required; usage: moe-calc <command>/);
add('help for a command that does not exist', () => ['help', 'nope'], /help: unknown command "nope"; usage:/);
add('only global options, no command', () => ['--wide', '--no-color'], /a command is required; usage:/);
add('only --json, no command (a JSON error)', () => ['--json'], /a command is required/);
add(
  'import -o with an empty file name',
  () => ['import', join(CONFIGS, 'mixtral-8x7b.json'), '-o', ''],
  /--output: expected a file name, got an empty string/,
);
add(
  'import -o with a blank file name and --json',
  () => ['import', join(CONFIGS, 'mixtral-8x7b.json'), '--json', '-o', '  '],
  /--output: expected a file name/,
);
add(
  'import -o onto a directory with --force',
  () => ['import', join(CONFIGS, 'mixtral-8x7b.json'), '-o', join(dir, 'adir.yaml'), '--force'],
  /--output: .*adir\.yaml is a directory/,
);
add(
  'import -o into a folder that does not exist',
  () => ['import', join(CONFIGS, 'mixtral-8x7b.json'), '-o', join(dir, 'no-such-folder', 'card.yaml')],
  /--output: cannot write .*card\.yaml: write failed \(ENOENT\); nothing was written/,
);

// class 10: messages
add(
  'a card file holding several YAML documents',
  () => ['show', file('multi-doc.yaml', `${goodText}---\nid: second\n`)],
  /the file holds several YAML documents/,
);
add(
  'a GPU catalog holding several YAML documents',
  () => ['gpus', '--gpus', file('multi-doc-gpus.yaml', `gpus: []\n---\ngpus: []\n`)],
  /several YAML documents/,
);
add(
  'a YAML 1.1 date where a number belongs',
  () => ['show', file('date.yaml', goodText.replace('vocab_size: 32000', 'vocab_size: 2023-12-11'))],
  /architecture\.vocab_size: expected a number, got the date 2023-12-11/,
);
add(
  '-0 layers is 0 layers',
  () => ['show', file('minus-zero.yaml', goodText.replace('num_layers: 32', 'num_layers: -0'))],
  /architecture\.num_layers: expected a number > 0, got 0\s*$/,
);
add(
  '--count -0 is 0, below the range',
  () => ['fit', 'mixtral-8x7b', '--gpu', 'h100', '--count', '-0'],
  /--count: expected an integer >= 1 and <= 100,000, got "-0"/,
);
add(
  '--context one past its exact limit',
  () => ['fit', 'mixtral-8x7b', '--gpu', 'h100', '--context', '100000001'],
  /--context: expected an integer >= 1 and <= 100,000,000 \(a "k" suffix means x1024\)/,
);
add(
  '--utilization -0 is 0, outside (0, 1]',
  () => ['fit', 'mixtral-8x7b', '--gpu', 'h100', '--utilization', '-0'],
  /--utilization: expected a number > 0 and <= 1, got "-0"/,
);

// class 9: control characters in what the error repeats are escaped
add(
  'an unknown model name with an escape sequence',
  () => ['show', '\u001b[2Jevil\u202e'],
  /unknown model "\\x1b\[2Jevil\\u202e"/,
);
add(
  'a card id with control characters',
  () => ['show', mutated('ctl-id.yaml', 'id', 'bad\u001b[31m')],
  /id: expected a kebab-case id/,
);

// class 4: no field accepted and ignored
for (const [what, path, value, re] of [
  [
    'an MoE layer index past the last layer',
    'architecture.moe.layers',
    { indices: [0, 31, 32] },
    /moe\.layers: layer index 32 is out of range: expected an integer from 0 to 31/,
  ],
  [
    'an offset >= period',
    'architecture.moe.layers',
    { period: 2, offsets: [0, 2] },
    /moe\.layers: offset 2 is out of range: expected an integer from 0 to 1/,
  ],
  [
    'a from past the last layer',
    'architecture.moe.layers',
    { period: 1, offsets: [0], from: 32 },
    /moe\.layers: from 32 is out of range/,
  ],
  [
    'an except index past the last layer',
    'architecture.moe.layers',
    { period: 1, offsets: [0], except: [40] },
    /moe\.layers: layer index in except 40 is out of range/,
  ],
  [
    'attention layers past the last layer',
    'architecture.attention_layers',
    { indices: [0, 64] },
    /attention_layers: layer index 64 is out of range/,
  ],
  [
    'mlp.bias on an all-MoE card',
    'architecture.mlp',
    { gated: true, bias: true },
    /mlp\.bias: no layer has a dense MLP or a shared expert/,
  ],
  [
    'norms.bias with RMSNorm',
    'architecture.norms',
    { kind: 'rmsnorm', per_layer: 2, bias: true },
    /norms\.bias: RMSNorm has no bias/,
  ],
] as const) {
  add(what, () => ['show', mutated(`c4-${what.replace(/\W+/g, '-')}.yaml`, path, value)], re);
}
add(
  'ssm.layers past the last layer',
  () => {
    const g = parse(readFileSync(join(ROOT, 'models/granite-4.0-h-small.yaml'), 'utf8'));
    g.architecture.ssm.layers = { indices: [0, 1, 999] };
    return ['show', file('ssm-layers.yaml', stringify(g))];
  },
  /ssm\.layers: layer index 999 is out of range: expected an integer from 0 to 39/,
);
add(
  'ssm.layers overlapping attention layers',
  () => {
    const g = parse(readFileSync(join(ROOT, 'models/granite-4.0-h-small.yaml'), 'utf8'));
    g.architecture.ssm.layers = 'all';
    return ['show', file('ssm-overlap.yaml', stringify(g))];
  },
  /ssm\.layers: layer 5 is also an attention layer/,
);
add(
  'config mlp_only_layers past the last layer',
  () => ['show', config('mlp-only.json', 'qwen3-30b-a3b.json', { mlp_only_layers: [0, 48] })],
  /mlp_only_layers: expected layer indices from 0 to 47, got \[0,48\]/,
);
add(
  'llama4 moe_layers past the last layer',
  () => ['show', config('l4-moe-layers.json', 'llama-4-scout.json', { moe_layers: [1, 3, 999] }, 'text_config')],
  /text_config\.moe_layers: expected layer indices from 0 to 47/,
);

// class 2: null means what the reference code says, or is refused
for (const [fixture, key] of [
  ['deepseek-r1.json', 'num_experts_per_tok'],
  ['deepseek-r1.json', 'moe_intermediate_size'],
  ['deepseek-r1.json', 'first_k_dense_replace'],
  ['mixtral-8x7b.json', 'num_local_experts'],
  ['qwen3-30b-a3b.json', 'num_experts'],
] as const) {
  add(
    `config ${key}: null (${fixture})`,
    () => ['show', config(`null-${key}.json`, fixture, { [key]: null })],
    new RegExp(`${key}: null is not a value this model_type defines`),
  );
}

add(
  'config torch_dtype: null (no stored dtype)',
  () => ['show', config('null-dtype.json', 'mixtral-8x7b.json', { torch_dtype: null })],
  /torch_dtype: null does not say how the weights are stored/,
);

// class 3: settings that change bytes are modelled or refused
for (const [what, qc, re] of [
  ['AWQ 3-bit', { quant_method: 'awq', bits: 3, group_size: 128 }, /quantization_config\.bits: expected 4, got 3/],
  [
    'GPTQ 8-bit',
    { quant_method: 'gptq', bits: 8, group_size: 128, desc_act: true },
    /quantization_config\.bits: expected 4/,
  ],
  [
    'AWQ group size 256',
    { quant_method: 'awq', bits: 4, group_size: 256 },
    /quantization_config\.group_size: expected 32 or 64 or 128/,
  ],
  [
    'GPTQ group size -1 (per channel)',
    { quant_method: 'gptq', bits: 4, group_size: -1 },
    /group_size: expected 32 or 64 or 128, got -1/,
  ],
  [
    'AWQ experts left in bf16',
    { quant_method: 'awq', bits: 4, group_size: 128, modules_to_not_convert: ['mlp.experts'] },
    /modules_to_not_convert: "mlp\.experts" left unquantised is not modelled/,
  ],
  [
    'fp8 64x64 blocks',
    { quant_method: 'fp8', weight_block_size: [64, 64] },
    /weight_block_size: expected \[128, 128\]/,
  ],
  ['an unknown quant_method', { quant_method: 'hqq', bits: 4 }, /quant_method: "hqq" is not supported/],
] as const) {
  add(
    `quantization_config: ${what}`,
    () => ['show', config(`q-${what.replace(/\W+/g, '-')}.json`, 'qwen3-30b-a3b.json', { quantization_config: qc })],
    re,
  );
}
add(
  'architectures naming Mixtral on a qwen3_moe config',
  () => ['show', config('arch-mixtral.json', 'qwen3-30b-a3b.json', { architectures: ['MixtralForCausalLM'] })],
  /architectures\.0: "MixtralForCausalLM" is the class of model_type "mixtral", but model_type is "qwen3_moe"/,
);
add(
  'architectures naming the MoE class on a dense qwen3 config',
  () => [
    'fit',
    config('arch-qwen3moe.json', 'qwen3-8b.json', { architectures: ['Qwen3MoeForCausalLM'] }),
    '--gpu',
    'h100',
  ],
  /architectures\.0: "Qwen3MoeForCausalLM" is the class of model_type "qwen3_moe", but model_type is "qwen3"/,
);

beforeAll(() => {
  mkdirSync(join(dir, 'adir.yaml'), { recursive: true });
  mkdirSync(join(dir, 'emptydir'), { recursive: true });
  mkdirSync(join(dir, 'broken-models'), { recursive: true });
  writeFileSync(join(dir, 'broken-models', 'bad.yaml'), stringify({ ...good, id: 'bad', architecture: undefined }));
});

describe('bad input: exit 2, one line on stderr, nothing on stdout', () => {
  it('has at least 130 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(130);
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

describe('issue 16: contracts beyond "exit 2, one line"', () => {
  const importArgs = (out: string) => ['import', join(CONFIGS, 'mixtral-8x7b.json'), '-o', out, '--force'];
  const oneLine = (stderr: string) => expect(stderr.trimEnd().split('\n'), stderr).toHaveLength(1);

  it('a failed -o write leaves the old card byte-identical and no temporary file behind', () => {
    const d = folder('atomic', { 'card.yaml': 'id: old-card\n# the old bytes\n' });
    const before = readFileSync(join(d, 'card.yaml'));
    // the write fails with ENOSPC after 100 bytes (a test-only hook in the writer)
    const r = cli(importArgs(join(d, 'card.yaml')), { env: { MOE_CALC_TEST_WRITE_LIMIT: '100' } });
    expect(r.code).toBe(2);
    oneLine(r.stderr);
    expect(r.stderr).toMatch(
      /cannot write .*card\.yaml: no space left on the device \(ENOSPC\); the existing file is unchanged/,
    );
    expect(readFileSync(join(d, 'card.yaml'))).toEqual(before);
    expect(readdirSync(d)).toEqual(['card.yaml']);
    // and without the failure, --force replaces it whole
    const ok = cli(importArgs(join(d, 'card.yaml')));
    expect(ok.code, ok.stderr).toBe(0);
    expect(readFileSync(join(d, 'card.yaml'), 'utf8')).toMatch(/^id: mixtral-8x7b$/m);
    expect(readdirSync(d)).toEqual(['card.yaml']);
  });

  it('on a full tmpfs (root on Linux only) the old card survives', (ctx) => {
    const mnt = join(dir, 'tiny-fs');
    mkdirSync(mnt, { recursive: true });
    const m = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=8k', 'tmpfs', mnt]);
    if (m.status !== 0) return ctx.skip();
    try {
      writeFileSync(join(mnt, 'card.yaml'), 'id: old-card\n');
      try {
        writeFileSync(join(mnt, 'filler'), Buffer.alloc(64 * 1024));
      } catch {
        // ENOSPC: the file system is now full
      }
      const r = cli(importArgs(join(mnt, 'card.yaml')));
      expect(r.code).toBe(2);
      oneLine(r.stderr);
      expect(r.stderr).toMatch(/ENOSPC/);
      expect(readFileSync(join(mnt, 'card.yaml'), 'utf8')).toBe('id: old-card\n');
      expect(readdirSync(mnt).sort()).toEqual(['card.yaml', 'filler']);
    } finally {
      spawnSync('umount', [mnt]);
    }
  });

  it('an output error (stdout on a full device) is exit 2 with one line, not an internal error', () => {
    let fd: number;
    try {
      fd = openSync('/dev/full', 'w');
    } catch {
      return;
    }
    const r = spawnSync(process.execPath, [join(ROOT, 'bin/moe-calc.js'), 'list'], {
      stdio: ['ignore', fd, 'pipe'],
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1', MOE_CALC_MODELS: '' },
    });
    closeSync(fd);
    expect(r.status).toBe(2);
    oneLine(r.stderr);
    expect(r.stderr).toMatch(/^moe-calc: cannot write the output: no space left on the device \(ENOSPC\)/);
    expect(r.stderr).not.toMatch(/internal error/);
  });

  // `moe-calc list | head -1` is normal use: the command ends quietly (as cat or grep do), no error line
  it('a reader that closes the pipe early ends the command quietly', () => {
    const r = spawnSync(
      'bash',
      ['-c', `set -o pipefail; "${process.execPath}" "${join(ROOT, 'bin/moe-calc.js')}" list | true`],
      {
        encoding: 'utf8',
        env: { ...process.env, NO_COLOR: '1', MOE_CALC_MODELS: '' },
      },
    );
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
  });

  it('"no plan fits within the search limit" is an answered no: exit 1', () => {
    const r = cli(['fit', 'deepseek-v3', '--gpu', 'rtx-3060', '--precision', 'bf16', '--batch', '1000000']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/No plan fits within the search limit/);
  });

  it('help for a real command still prints it and exits 0', () => {
    const r = cli(['help', 'fit']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: moe-calc fit/);
  });

  it('the --json error format follows the parsed flag, not a "--json" given as an option value', () => {
    const asValue = cli(['show', 'nope', '--models', '--json']);
    expect(asValue.code).toBe(2);
    expect(asValue.stderr).toMatch(/^moe-calc: --json: cannot read models folder/);
    const gpuValue = cli(['fit', 'grok-2', '--gpu', '--json']);
    expect(gpuValue.code).toBe(2);
    expect(gpuValue.stderr).toMatch(/^moe-calc: option '--gpu <id>' argument missing/);
    const flag = cli(['show', 'nope', '--json']);
    expect(JSON.parse(flag.stderr).error.exitCode).toBe(2);
  });

  it('--models a --models b adds both folders; a symlinked card is followed', () => {
    const a = folder('acc-a', { 'a.yaml': cardText('card-in-a') });
    const b = folder('acc-b', {});
    try {
      symlinkSync(join(a, 'a.yaml'), join(b, 'linked.yaml'));
    } catch {
      /* already there */
    }
    writeFileSync(join(b, 'b.yaml'), cardText('card-in-b'));
    const r = cli(['list', '--models', a, '--models', b, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const ids = JSON.parse(r.stdout).models.map((m: { id: string }) => m.id);
    expect(ids).toEqual(expect.arrayContaining(['card-in-a', 'card-in-b']));
    const linked = cli(['show', 'card-in-a', '--models', b, '--json']);
    expect(linked.code, linked.stderr).toBe(0);
  });

  it('control characters: escaped in text and markdown, kept in JSON', () => {
    const p = mutated('ctl-name.yaml', 'name', 'Evil\u001b[31mRED\u202eabc\u0085z');
    // biome-ignore lint/suspicious/noControlCharactersInRegex: exactly what must not reach a terminal
    const raw = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
    for (const args of [
      ['show', p],
      ['show', p, '--markdown'],
      ['fit', p, '--gpu', 'h100'],
      ['audit', p],
    ]) {
      const r = cli(args);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout, args.join(' ')).not.toMatch(raw);
      expect(r.stdout).toContain('Evil\\x1b[31mRED\\u202eabc\\x85z');
    }
    expect(JSON.parse(cli(['show', p, '--json']).stdout).model.name).toBe('Evil\u001b[31mRED\u202eabc\u0085z');
  });

  it('_name_or_path is metadata: control characters, "/" or 300 characters never refuse a config', () => {
    for (const [name, value, expected] of [
      ['ctl-path', 'org/evil\u001b[2J\u202ename', 'evil[2Jname'],
      ['slash-path', '/', 'slash-path'],
      ['long-path', 'x'.repeat(300), 'long-path'],
    ] as const) {
      const f = config(`${name}.json`, 'mixtral-8x7b.json', { _name_or_path: value });
      const r = cli(['show', f, '--json']);
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout).model.name).toBe(expected);
      // Mixtral 8x7B: 46.7B total parameters (mistral.ai/news/mixtral-of-experts)
      expect(JSON.parse(r.stdout).params.total).toBe(46_702_792_704);
    }
  });

  it('U+FFFD in a valid UTF-8 card is a character, not "invalid UTF-8"; -0 is 0 where 0 is allowed', () => {
    const p = file('fffd.yaml', goodText.replace('name: Mixtral 8x7B', 'name: "Mixtral \uFFFD"'));
    const r = cli(['show', p, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).model.name).toBe('Mixtral \uFFFD');
    const z = cli(['fit', 'mixtral-8x7b', '--gpu', 'h100', '--activation-gb', '-0', '--json']);
    expect(z.code, z.stderr).toBe(0);
  });

  it('DeepSeek n_routed_experts: null is no MoE layers, n_shared_experts: null is no shared expert', () => {
    // DeepSeek-V3/R1 modeling code: MoE only `if config.n_routed_experts is not None and ...`, and shared
    // experts only `if config.n_shared_experts is not None` (deepseek-ai/DeepSeek-V3 config + vLLM deepseek_v2.py)
    const noMoe = JSON.parse(
      cli(['show', config('ds-null-routed.json', 'deepseek-r1.json', { n_routed_experts: null }), '--json']).stdout,
    );
    expect(noMoe.layers.moe).toBe(0);
    expect(noMoe.params.active).toBe(noMoe.params.total);
    expect(noMoe.params.breakdown.routedExperts).toBe(0);
    const noShared = JSON.parse(
      cli(['show', config('ds-null-shared.json', 'deepseek-r1.json', { n_shared_experts: null }), '--json']).stdout,
    );
    // 671,026,419,200 (DeepSeek-V3 report, without MTP) less one shared expert in each of the 58 MoE layers:
    // 58 x 3 x 7168 x 2048 (hidden_size, moe_intermediate_size of the public config)
    expect(noShared.params.total).toBe(671_026_419_200 - 58 * 3 * 7168 * 2048);
    expect(noShared.params.breakdown.sharedExperts).toBe(0);
  });

  it('AWQ group size and zero points change the bytes', () => {
    const bytes = (name: string, qc: object) =>
      JSON.parse(cli(['show', config(name, 'qwen3-30b-a3b.json', { quantization_config: qc }), '--json']).stdout)
        .weights;
    const g128 = bytes('awq128.json', { quant_method: 'awq', bits: 4, group_size: 128, zero_point: true });
    const g32 = bytes('awq32.json', { quant_method: 'awq', bits: 4, group_size: 32, zero_point: true });
    const sym = bytes('awq128sym.json', { quant_method: 'awq', bits: 4, group_size: 128, zero_point: false });
    expect(g32.nativePrecision).toBe('int4-g32');
    // per group of g weights AWQ stores a 16-bit scale and a 4-bit zero: 4 + 20/g bits per weight,
    // 4.625 at g32 vs 4.156 at g128 (~11% more; AutoAWQ's packed qweight / scales / qzeros layout)
    expect(g32.nativeBytes / g128.nativeBytes).toBeGreaterThan(1.09);
    expect(sym.nativeBytes).toBeLessThan(g128.nativeBytes);
  });
});
