import { describe, expect, test } from 'vitest';
import { formatRef, hubEndpoint, isCommit, parseModelRef } from '../../src/cards/hub/index.js';

const env = {};
const parse = (s: string, e: NodeJS.ProcessEnv = env) => {
  const r = parseModelRef(s, e);
  if (!r) return r;
  const { input: _input, ...rest } = r;
  return rest;
};

describe('parseModelRef', () => {
  test.each([
    ['org/name', { repo: 'org/name' }],
    ['  Qwen/Qwen3-30B-A3B  ', { repo: 'Qwen/Qwen3-30B-A3B' }],
    ['org/name@v1.0', { repo: 'org/name', revision: 'v1.0' }],
    ['org/name@refs/pr/3', { repo: 'org/name', revision: 'refs/pr/3' }],
    ['org/name:Q4_K_M', { repo: 'org/name', quant: 'Q4_K_M' }],
    ['org/name@main:UD-Q2_K_XL', { repo: 'org/name', revision: 'main', quant: 'UD-Q2_K_XL' }],
    [
      'org/name/Q4_K_M/model-Q4_K_M-00001-of-00002.gguf',
      { repo: 'org/name', file: 'Q4_K_M/model-Q4_K_M-00001-of-00002.gguf' },
    ],
    ['hf://org/name', { repo: 'org/name' }],
    ['hf://models/org/name@abc/sub/config.json', { repo: 'org/name', revision: 'abc', file: 'sub/config.json' }],
    [
      'hf.co/bartowski/Llama-3.2-3B-Instruct-GGUF:Q4_K_M',
      { repo: 'bartowski/Llama-3.2-3B-Instruct-GGUF', quant: 'Q4_K_M' },
    ],
    ['https://huggingface.co/org/name', { repo: 'org/name' }],
    ['https://huggingface.co/org/name/', { repo: 'org/name' }],
    ['https://hf.co/org/name/tree/dev', { repo: 'org/name', revision: 'dev' }],
    [
      'https://huggingface.co/org/name/blob/main/x/model-Q8_0.gguf',
      { repo: 'org/name', revision: 'main', file: 'x/model-Q8_0.gguf' },
    ],
    [
      'https://huggingface.co/org/name/resolve/refs%2Fpr%2F7/config.json',
      { repo: 'org/name', revision: 'refs/pr/7', file: 'config.json' },
    ],
    ['https://huggingface.co/org/name/tree/refs/pr/7', { repo: 'org/name', revision: 'refs/pr/7' }],
  ])('%s', (s, want) => {
    expect(parse(s)).toEqual(want);
  });

  test('keeps the input', () => {
    expect(parseModelRef('hf://org/name')?.input).toBe('hf://org/name');
  });

  test.each([
    'grok-2', // a card id
    'models/grok-2.yaml', // a card file
    './org/name',
    '../org/name',
    '/abs/path',
    '~/models/x',
    'C:\\models\\x',
    'some/dir/config.json',
    'test/fixtures/model-folder', // three segments, not a .gguf: a local path
    'org/name with space',
    'org/na..me',
    '',
  ])('%s is not a hub reference', (s) => {
    expect(parseModelRef(s, env)).toBeUndefined();
  });

  test.each([
    ['https://example.com/org/name', /not a Hugging Face Hub URL/],
    ['https://huggingface.co/datasets/org/name', /dataset or Space/],
    ['hf://datasets/org/name', /dataset or Space/],
    ['https://huggingface.co/org', /expected a model URL/],
    ['https://huggingface.co/org/name/commits/main', /tree\/<revision>/],
    ['hf://org', /expected org\/name\[@revision\]/],
    ['hf://org/name/../../x', /not a file path inside the repo/],
    ['hf://org/name:bad label!', /not a quantization label/],
  ])('%s is rejected clearly', (s, msg) => {
    expect(() => parseModelRef(s, env)).toThrow(msg);
  });

  test('a URL on the HF_ENDPOINT mirror is a hub reference; other hosts stay rejected', () => {
    const mirror = { HF_ENDPOINT: 'https://mirror.example.org/hf/' };
    expect(parse('https://mirror.example.org/hf/org/name/tree/v2', mirror)).toEqual({
      repo: 'org/name',
      revision: 'v2',
    });
    expect(parse('https://huggingface.co/org/name', mirror)).toEqual({ repo: 'org/name' });
    expect(() => parseModelRef('https://other.example.org/org/name', mirror)).toThrow(/mirror\.example\.org/);
  });
});

test('hubEndpoint: HF_ENDPOINT without a trailing slash, else huggingface.co', () => {
  expect(hubEndpoint({})).toBe('https://huggingface.co');
  expect(hubEndpoint({ HF_ENDPOINT: 'http://127.0.0.1:8080/' })).toBe('http://127.0.0.1:8080');
  expect(hubEndpoint({ HF_ENDPOINT: 'https://m.example/hf/' })).toBe('https://m.example/hf');
  expect(() => hubEndpoint({ HF_ENDPOINT: 'not a url' })).toThrow(/HF_ENDPOINT/);
  expect(() => hubEndpoint({ HF_ENDPOINT: 'ftp://x' })).toThrow(/http\(s\)/);
});

test('formatRef and isCommit', () => {
  expect(formatRef({ repo: 'a/b', revision: 'dev', quant: 'Q8_0', input: '' })).toBe('a/b@dev:Q8_0');
  expect(formatRef({ repo: 'a/b', file: 'x.gguf', input: '' })).toBe('a/b/x.gguf');
  expect(isCommit('0123456789abcdef0123456789abcdef01234567')).toBe(true);
  expect(isCommit('main')).toBe(false);
});
