// GGUF headers, local and on the loopback hub: exact bytes per tensor from ggml's block sizes, arch keys.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { isUserError } from '../../src/errors.js';
import { ggmlBytes, ggmlType, ggufKv, parseModelRef, pickGgufFile, readGguf } from '../../src/cards/hub/index.js';
import {
  GGML,
  type GgufKv,
  type GgufTensorSpec,
  type HubServer,
  ggufFile,
  ggufTensorBytes,
  hubEnv,
  removeHubEnvs,
  startHubServer,
  writeFixtureFolder,
} from './server.js';

const H = 256;
const kvs: GgufKv[] = [
  ['general.architecture', 'string', 'qwen3moe'],
  ['general.name', 'string', 'Qwen3 MoE Mini'],
  ['general.file_type', 'u32', 15],
  ['qwen3moe.block_count', 'u32', 2],
  ['qwen3moe.context_length', 'u32', 40960],
  ['qwen3moe.embedding_length', 'u32', H],
  ['qwen3moe.feed_forward_length', 'u32', 512],
  ['qwen3moe.expert_feed_forward_length', 'u32', 256],
  ['qwen3moe.expert_count', 'u32', 8],
  ['qwen3moe.expert_used_count', 'u32', 2],
  ['qwen3moe.attention.head_count', 'u32', 4],
  ['qwen3moe.attention.head_count_kv', 'u32', 2],
  ['qwen3moe.attention.key_length', 'u32', 64],
  ['qwen3moe.attention.value_length', 'u32', 64],
  ['qwen3moe.rope.freq_base', 'f32', 1e6],
  ['tokenizer.ggml.model', 'string', 'gpt2'],
  ['tokenizer.ggml.tokens', 'string[]', Array.from({ length: 1000 }, (_, i) => `t${i}`)],
  ['general.tags', 'string[]', ['moe', 'text-generation']],
];
const tensors: GgufTensorSpec[] = [{ name: 'token_embd.weight', shape: [H, 1000], type: 'Q4_K' }];
for (let l = 0; l < 2; l++)
  tensors.push(
    { name: `blk.${l}.attn_norm.weight`, shape: [H], type: 'F32' },
    { name: `blk.${l}.attn_q.weight`, shape: [H, 256], type: 'Q4_K' },
    { name: `blk.${l}.attn_k.weight`, shape: [H, 128], type: 'Q4_K' },
    { name: `blk.${l}.attn_v.weight`, shape: [H, 128], type: 'Q6_K' },
    { name: `blk.${l}.attn_output.weight`, shape: [256, H], type: 'Q4_K' },
    { name: `blk.${l}.ffn_gate_inp.weight`, shape: [H, 8], type: 'F32' },
    { name: `blk.${l}.ffn_gate_exps.weight`, shape: [H, 256, 8], type: 'Q4_K' },
    { name: `blk.${l}.ffn_up_exps.weight`, shape: [H, 256, 8], type: 'Q4_K' },
    { name: `blk.${l}.ffn_down_exps.weight`, shape: [256, H, 8], type: 'Q6_K' },
    { name: `blk.${l}.ffn_up_shexp.weight`, shape: [H, 256], type: 'Q8_0' },
  );
tensors.push(
  { name: 'output_norm.weight', shape: [H], type: 'F32' },
  { name: 'output.weight', shape: [H, 1000], type: 'Q6_K' },
);
const q4km = ggufFile(kvs, tensors);
const totalBytes = tensors.reduce((a, t) => a + ggufTensorBytes(t), 0);
const expertBytes = tensors.filter((t) => t.name.includes('_exps')).reduce((a, t) => a + ggufTensorBytes(t), 0);

// a split: the first shard has the metadata; the tensors are spread over three
const split = (n: number) =>
  [0, 1, 2].map((i) =>
    ggufFile(
      [
        ...(i === 0 ? kvs : [['general.architecture', 'string', 'qwen3moe'] as GgufKv]),
        ['split.no', 'u32', i],
        ['split.count', 'u32', n],
      ],
      tensors.filter((_, j) => j % 3 === i).map((t) => ({ ...t, type: 'BF16' as const })),
    ),
  );
const bf16 = split(3);
const q8 = ggufFile(
  kvs,
  tensors.map((t) => ({ ...t, type: t.type === 'F32' ? 'F32' : ('Q8_0' as const) })),
);

describe('a local GGUF', () => {
  const dir = mkdtempSync(join(tmpdir(), 'moe-calc-gguf-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  beforeAll(() =>
    writeFixtureFolder(dir, {
      'mini-Q4_K_M.gguf': q4km.file,
      'split/mini-BF16-00001-of-00003.gguf': bf16[0]!.file,
      'split/mini-BF16-00002-of-00003.gguf': bf16[1]!.file,
      'split/mini-BF16-00003-of-00003.gguf': bf16[2]!.file,
      'partial/mini-BF16-00001-of-00003.gguf': bf16[0]!.file,
    }),
  );

  test('tensor types and exact bytes per tensor, totals, routed and shared experts, the arch keys', async () => {
    const inv = await readGguf(join(dir, 'mini-Q4_K_M.gguf'));
    expect(inv.files).toEqual([
      { path: join(dir, 'mini-Q4_K_M.gguf'), bytes: q4km.file.size, tensors: tensors.length, present: true },
    ]);
    expect(inv.complete).toBe(true);
    expect(inv.tensors.map((t) => [t.name, t.type, t.bytes])).toEqual(
      tensors.map((t) => [t.name, t.type, ggufTensorBytes(t)]),
    );
    expect(inv.tensors.find((t) => t.name === 'blk.1.ffn_down_exps.weight')).toMatchObject({
      typeId: GGML.Q6_K![0],
      shape: [256, H, 8],
      elements: 256 * H * 8,
      bytes: (256 * H * 8 * 210) / 256,
      role: 'routed',
    });
    expect(inv.totals.bytes).toBe(totalBytes);
    expect(inv.routedExperts).toMatchObject({ tensors: 6, bytes: expertBytes });
    expect(inv.sharedExperts).toMatchObject({ tensors: 2 });
    expect(Object.keys(inv.byType).sort()).toEqual(['F32', 'Q4_K', 'Q6_K', 'Q8_0']);
    expect(inv.byType.Q6_K!.bytes).toBe(
      tensors.filter((t) => t.type === 'Q6_K').reduce((a, t) => a + ggufTensorBytes(t), 0),
    );
    expect(inv.arch).toEqual({
      architecture: 'qwen3moe',
      name: 'Qwen3 MoE Mini',
      fileType: 15,
      blockCount: 2,
      contextLength: 40960,
      embeddingLength: H,
      feedForwardLength: 512,
      expertFeedForwardLength: 256,
      expertCount: 8,
      expertUsedCount: 2,
      headCount: 4,
      headCountKv: 2,
      keyLength: 64,
      valueLength: 64,
    });
    expect(inv.kv).toEqual({ layers: 2, elementsPerToken: 2 * 2 * (64 + 64) });
    expect(inv.metadata['general.tags']).toEqual(['moe', 'text-generation']);
    expect(inv.metadata['tokenizer.ggml.tokens']).toBeUndefined();
    expect(inv.arrayLengths).toEqual({ 'tokenizer.ggml.tokens': 1000 });
  });

  test('the first shard of a split reads every shard beside it', async () => {
    const inv = await readGguf(join(dir, 'split', 'mini-BF16-00001-of-00003.gguf'));
    expect(inv.files.map((f) => f.present)).toEqual([true, true, true]);
    expect(inv.tensors).toHaveLength(tensors.length);
    expect(inv.totals.bytes).toBe(tensors.reduce((a, t) => a + 2 * t.shape.reduce((x, d) => x * d, 1), 0));
    expect(inv.arch.expertCount).toBe(8);
  });

  test('missing shards: marked incomplete, the totals cover what is there', async () => {
    const inv = await readGguf(join(dir, 'partial', 'mini-BF16-00001-of-00003.gguf'));
    expect(inv.complete).toBe(false);
    expect(inv.files.map((f) => f.present)).toEqual([true, false, false]);
    expect(inv.tensors.length).toBe(tensors.filter((_, j) => j % 3 === 0).length);
  });

  test('a later shard, or a file that is not GGUF: one-line errors', async () => {
    await expect(readGguf(join(dir, 'split', 'mini-BF16-00002-of-00003.gguf'))).rejects.toThrow(
      /is shard 00002 of a split; name the first \(mini-BF16-00001-of-00003\.gguf\)/,
    );
    const bad = join(dir, 'bad.gguf');
    writeFileSync(bad, 'definitely not gguf');
    const e = await readGguf(bad).catch((x) => x);
    expect(isUserError(e)).toBe(true);
    expect(e.message).toBe(`${bad}: not a GGUF file (not starting with GGUF magic number)`);
  });
});

describe('a GGUF on the hub', () => {
  let hub: HubServer;
  beforeAll(async () => {
    hub = await startHubServer({
      repos: [
        {
          id: 'acme/Mini-MoE-GGUF',
          files: {
            'README.md': '# GGUF',
            'Mini-MoE-Q4_K_M.gguf': q4km.file,
            'Mini-MoE-Q8_0.gguf': q8.file,
            'mmproj-Mini-MoE-F16.gguf': q8.file,
            'BF16/Mini-MoE-BF16-00001-of-00003.gguf': bf16[0]!.file,
            'BF16/Mini-MoE-BF16-00002-of-00003.gguf': bf16[1]!.file,
            'BF16/Mini-MoE-BF16-00003-of-00003.gguf': bf16[2]!.file,
          },
        },
      ],
    });
  });
  afterAll(async () => {
    await hub.close();
    removeHubEnvs();
  });
  const ref = (s: string) => parseModelRef(s)!;

  test('org/name:Q4_K_M: the file, read by range requests on the CDN, then from the cache', async () => {
    const env = hubEnv(hub.endpoint);
    const before = hub.requests.length;
    const inv = await readGguf(ref('acme/Mini-MoE-GGUF:Q4_K_M'), { env });
    const commit = hub.commitOf('acme/Mini-MoE-GGUF');
    expect(inv.source).toBe(`acme/Mini-MoE-GGUF@${commit.slice(0, 7)}/Mini-MoE-Q4_K_M.gguf`);
    expect(inv).toMatchObject({ repo: 'acme/Mini-MoE-GGUF', revision: 'main', commit, fromCache: false });
    expect(inv.files).toEqual([
      { path: 'Mini-MoE-Q4_K_M.gguf', bytes: q4km.file.size, tensors: tensors.length, present: true },
    ]);
    expect(inv.totals.bytes).toBe(totalBytes);
    expect(inv.arch.expertUsedCount).toBe(2);
    const cdn = hub.requests.slice(before).filter((q) => q.server === 'cdn');
    expect(cdn.length).toBeGreaterThan(0);
    expect(cdn.every((q) => q.range?.startsWith('bytes='))).toBe(true);
    const after = hub.requests.length;
    const again = await readGguf(ref('acme/Mini-MoE-GGUF:q4_k_m'), { env });
    expect(hub.requests.length).toBe(after);
    expect(again.fromCache).toBe(true);
    expect(again.tensors).toEqual(inv.tensors);
    expect(again.arch).toEqual(inv.arch);
  });

  test('a quant in a folder of split files reads all its shards', async () => {
    const inv = await readGguf(ref('acme/Mini-MoE-GGUF:bf16'), { env: hubEnv(hub.endpoint) });
    expect(inv.files.map((f) => f.path)).toEqual([
      'BF16/Mini-MoE-BF16-00001-of-00003.gguf',
      'BF16/Mini-MoE-BF16-00002-of-00003.gguf',
      'BF16/Mini-MoE-BF16-00003-of-00003.gguf',
    ]);
    expect(inv.tensors).toHaveLength(tensors.length);
    expect(inv.byType).toEqual({ BF16: expect.objectContaining({ tensors: tensors.length }) });
  });

  test('a path in the repo', async () => {
    const inv = await readGguf(ref('acme/Mini-MoE-GGUF/Mini-MoE-Q8_0.gguf'), { env: hubEnv(hub.endpoint) });
    expect(Object.keys(inv.byType).sort()).toEqual(['F32', 'Q8_0']);
  });

  test('a quant the repo does not have lists those it has', async () => {
    await expect(readGguf(ref('acme/Mini-MoE-GGUF:Q5_K_S'), { env: hubEnv(hub.endpoint) })).rejects.toThrow(
      'acme/Mini-MoE-GGUF@main: no GGUF file for :Q5_K_S; the repo has BF16, Q4_K_M, Q8_0',
    );
  });
});

describe('pickGgufFile', () => {
  const files = [
    'Model-Q4_K_M.gguf',
    'Model-UD-Q4_K_XL.gguf',
    'Model-Q8_0.gguf',
    'mmproj-F16.gguf',
    'Q2_K/Model-Q2_K-00001-of-00002.gguf',
    'Q2_K/Model-Q2_K-00002-of-00002.gguf',
  ];
  test.each([
    ['Q4_K_M', 'Model-Q4_K_M.gguf'],
    ['ud-q4_k_xl', 'Model-UD-Q4_K_XL.gguf'],
    ['Q2_K', 'Q2_K/Model-Q2_K-00001-of-00002.gguf'],
  ])(':%s', (q, want) => {
    expect(pickGgufFile(files, q)).toBe(want);
  });
  test('ambiguous and missing', () => {
    expect(() => pickGgufFile(['a-Q4_K_M.gguf', 'b-Q4_K_M.gguf'], 'Q4_K_M')).toThrow(/2 files match :Q4_K_M/);
    expect(() => pickGgufFile(['x.safetensors'], 'Q4_K_M')).toThrow(/no \.gguf files/);
    expect(() => pickGgufFile(files, 'F16')).toThrow(/the repo has Q2_K, Q4_K_M, Q8_0, UD-Q4_K_XL/);
  });
});

test('ggufKv: per-layer KV heads (0 for a layer without attention), the head-size default, MLA left out', () => {
  expect(ggufKv({ blockCount: 3, headCountKv: [8, 0, 8], keyLength: 128, valueLength: 128 })).toEqual({
    layers: 3,
    elementsPerToken: 2 * 8 * 256,
  });
  expect(ggufKv({ blockCount: 2, headCount: 32, headCountKv: 8, embeddingLength: 4096 })).toEqual({
    layers: 2,
    elementsPerToken: 2 * 8 * 256,
  });
  expect(ggufKv({ blockCount: 61, headCount: 128, headCountKv: 128, kvLoraRank: 512, keyLength: 192 })).toBeUndefined();
  expect(ggufKv({ blockCount: 2 })).toBeUndefined();
});

test('ggml block sizes: bytes of whole blocks', () => {
  expect(ggmlType(12)).toEqual({ name: 'Q4_K', blockSize: 256, typeSize: 144 });
  expect(ggmlBytes(12, 4096 * 4096)).toBe((4096 * 4096 * 144) / 256); // 4.5 bits per weight
  expect(ggmlBytes(39, 2880 * 2880)).toBe((2880 * 2880 * 17) / 32); // MXFP4: 4.25 bits
  expect(ggmlBytes(0, 10)).toBe(40);
  expect(ggmlBytes(999, 10)).toBeUndefined();
});
