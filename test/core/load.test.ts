// The user-file reader (issue 16): long integer lists read without the YAML library must mean exactly
// what the library reads; names from _name_or_path never refuse a config; -0 is 0.
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseYamlText, sanitize } from '../../src/cards/load.js';
import { modelName } from '../../src/cards/import/index.js';

const ints = (n: number, step = 3) => Array.from({ length: n }, (_, i) => i * step);
const block = (xs: number[], indent: string) => xs.map((x) => `${indent}- ${x}`).join('\n');

describe('long integer lists (the linear-time path) read as the YAML library reads them', () => {
  const docs: [string, string][] = [
    ['block list under a key', `a:\n  indices:\n${block(ints(300), '    ')}\nb: 1\n`],
    ['block list at the key indentation', `indices:\n${block(ints(200), '')}\nnext: [1, 2]\n`],
    ['flow list', `x: {indices: [${ints(500).join(', ')}]}\ny: z\n`],
    ['multi-line flow list', `x: [${ints(400).join(',\n  ')}]\n`],
    ['two lists and CRLF', `p:\r\n${block(ints(150), '  ')}\r\nq:\r\n${block(ints(130, 7), '  ')}\r\n`],
    ['a literal block of "- n" lines stays text', `notes: |\n${block(ints(200), '  ')}\nid: x\n`],
    ['a quoted string that looks like a list stays text', `s: "[${ints(200).join(', ')}]"\n`],
    ['a list item continued on a deeper line', `l:\n${block(ints(200), '  ')}\n    7\n`],
    ['a short list', `l:\n${block(ints(5), '  ')}\n`],
  ];
  it.each(docs)('%s', (_name, text) => {
    expect(parseYamlText(text, 'test.yaml')).toEqual(parse(text));
  });
  it('errors after a lifted list still name the file', () => {
    expect(() => parseYamlText(`l:\n${block(ints(300), '  ')}\nm: [\n`, 'bad.yaml')).toThrow(/^bad\.yaml/);
  });
});

describe('_name_or_path is metadata', () => {
  it.each([
    ['org/Model-7B', 'config.json', 'Model-7B'],
    ['/', '/models/my-model/config.json', 'my-model'],
    ['x'.repeat(300), '/models/long/config.json', 'long'],
    ['evil\u001b[2J\u202eName', 'config.json', 'evil[2JName'],
    [null, '/m/qwen3/config.json', 'qwen3'],
    [42, 'mixtral.json', 'mixtral'],
  ] as const)('%j in %s -> %s', (nameOrPath, file, expected) => {
    expect(modelName(nameOrPath, file)).toBe(expected);
  });
});

describe('numbers', () => {
  it('-0 is read as 0', () => {
    expect(Object.is(sanitize({ a: -0 }, 'f.yaml') as { a: number }, -0)).toBe(false);
    expect(Object.is((sanitize({ a: -0 }, 'f.yaml') as { a: number }).a, 0)).toBe(true);
  });
});
