// Checkpoint headers from the loopback hub and from local folders: exact totals, experts, the cache.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { isUserError } from '../../src/errors.js';
import {
  type CheckpointInventory,
  estimateFromCheckpoint,
  expertRole,
  hasLocalSafetensors,
  parseModelRef,
  parseSafetensorsHeader,
  readCheckpointHeaders,
} from '../../src/cards/hub/index.js';
import {
  type HubServer,
  type TensorSpec,
  hubEnv,
  qwen3MoeTensors,
  safetensorsFile,
  shardedCheckpoint,
  removeHubEnvs,
  startHubServer,
  tensorBytes,
  writeFixtureFolder,
} from './server.js';

const qwenConfig = JSON.parse(readFileSync(join(__dirname, '../fixtures/configs/qwen3-30b-a3b.json'), 'utf8'));
// Qwen/Qwen3-30B-A3B: 30,532,122,624 parameters (test/fixtures/configs/SOURCES.md: index total_size / 2)
const QWEN_TOTAL = 30_532_122_624;
const qwen = shardedCheckpoint(qwen3MoeTensors(qwenConfig), 16);

// a model type the importer does not know, with fused experts (transformers' fused layout) and a shared expert
const acmeConfig = {
  architectures: ['AcmeMoeForCausalLM'],
  model_type: 'acme_moe',
  hidden_size: 256,
  num_hidden_layers: 2,
  num_attention_heads: 4,
  num_key_value_heads: 2,
  head_dim: 64,
  num_local_experts: 8,
  num_experts_per_tok: 2,
  moe_intermediate_size: 128,
  vocab_size: 1000,
};
const acmeTensors: TensorSpec[] = [['model.embed_tokens.weight', 'BF16', [1000, 256]]];
for (let l = 0; l < 2; l++) {
  const p = `model.layers.${l}`;
  acmeTensors.push(
    [`${p}.self_attn.qkv_proj.weight`, 'BF16', [4 * 64 + 2 * 2 * 64, 256]],
    [`${p}.self_attn.o_proj.weight`, 'BF16', [256, 4 * 64]],
    [`${p}.mlp.router.weight`, 'F32', [8, 256]],
    [`${p}.mlp.experts.gate_up_proj`, 'BF16', [8, 2 * 128, 256]],
    [`${p}.mlp.experts.down_proj`, 'BF16', [8, 256, 128]],
    [`${p}.mlp.shared_experts.gate_up_proj.weight`, 'BF16', [2 * 128, 256]],
    [`${p}.mlp.shared_experts.down_proj.weight`, 'BF16', [256, 128]],
    [`${p}.input_layernorm.weight`, 'F32', [256]],
  );
}
acmeTensors.push(['lm_head.weight', 'BF16', [1000, 256]]);
const elems = (ts: TensorSpec[]) => ts.reduce((a, [, , s]) => a + s.reduce((x, d) => x * d, 1), 0);
const bytes = (ts: TensorSpec[]) => ts.reduce((a, [, d, s]) => a + tensorBytes(d, s), 0);
const ACME_ROUTED = 2 * 8 * (2 * 128 * 256 + 256 * 128);

// fp8 with block scales (DeepSeek-V3 style): scales are bytes but not parameters
const fp8Tensors: TensorSpec[] = [
  ['model.layers.0.mlp.experts.0.down_proj.weight', 'F8_E4M3', [256, 128]],
  ['model.layers.0.mlp.experts.0.down_proj.weight_scale_inv', 'F32', [2, 1]],
  ['model.layers.0.mlp.experts.1.down_proj.weight', 'F8_E4M3', [256, 128]],
  ['model.layers.0.mlp.experts.1.down_proj.weight_scale_inv', 'F32', [2, 1]],
  ['model.norm.weight', 'BF16', [256]],
];
// gpt-oss style MXFP4: U8 blocks hold two weights a byte; the _scales are bookkeeping
const mxfp4Tensors: TensorSpec[] = [
  ['model.layers.0.mlp.experts.gate_up_proj_blocks', 'U8', [4, 64, 8, 16]],
  ['model.layers.0.mlp.experts.gate_up_proj_scales', 'U8', [4, 64, 8]],
  ['model.layers.0.mlp.router.weight', 'BF16', [4, 256]],
];
// a header longer than any first read: forces the second range read
const longNames: TensorSpec[] = Array.from({ length: 3000 }, (_, i) => [
  `model.layers.${i}.a_rather_long_module_name_to_make_the_header_large.another_level.yet_another.weight`,
  'BF16',
  [4],
]);

let hub: HubServer;
beforeAll(async () => {
  hub = await startHubServer({
    repos: [
      { id: 'Qwen/Qwen3-30B-A3B', files: { 'config.json': qwenConfig, ...qwen.files } },
      {
        id: 'acme/fused-moe',
        files: { 'config.json': acmeConfig, 'model.safetensors': safetensorsFile(acmeTensors).file },
      },
      {
        id: 'acme/fp8-moe',
        files: {
          'config.json': {
            model_type: 'acme',
            quantization_config: { quant_method: 'fp8', weight_block_size: [128, 128] },
          },
          'model.safetensors': safetensorsFile(fp8Tensors).file,
        },
      },
      {
        id: 'acme/mxfp4-moe',
        files: {
          'config.json': { model_type: 'acme', quantization_config: { quant_method: 'mxfp4' } },
          'model.safetensors': safetensorsFile(mxfp4Tensors).file,
        },
      },
      { id: 'acme/long-header', files: { 'model.safetensors': safetensorsFile(longNames).file } },
      {
        id: 'acme/two-layouts',
        files: {
          'consolidated.safetensors': safetensorsFile(acmeTensors).file,
          'model-00001-of-00002.safetensors': safetensorsFile(acmeTensors.slice(0, 5)).file,
          'model-00002-of-00002.safetensors': safetensorsFile(acmeTensors.slice(5)).file,
        },
      },
      {
        id: 'acme/garbage',
        files: { 'model.safetensors': { data: new TextEncoder().encode('not a safetensors file'), lfs: true } },
      },
      { id: 'acme/no-weights', files: { 'config.json': acmeConfig, 'README.md': 'x' } },
    ],
  });
});
afterAll(async () => {
  await hub.close();
  removeHubEnvs();
});

const ref = (s: string) => parseModelRef(s)!;

describe('a hub checkpoint', () => {
  let inv: CheckpointInventory;
  let env: NodeJS.ProcessEnv;
  test('Qwen3-30B-A3B (real config, 16 shards): the exact total, by dtype, and its routed experts', async () => {
    env = hubEnv(hub.endpoint);
    inv = await readCheckpointHeaders(ref('Qwen/Qwen3-30B-A3B'), { env });
    expect(inv.source).toBe(`Qwen/Qwen3-30B-A3B@${hub.commitOf('Qwen/Qwen3-30B-A3B').slice(0, 7)}`);
    expect(inv.files).toHaveLength(16);
    expect(inv.totals.params).toBe(QWEN_TOTAL);
    expect(inv.totals.elements).toBe(QWEN_TOTAL);
    expect(inv.totals.bytes).toBe(2 * QWEN_TOTAL);
    expect(inv.byDtype).toEqual({
      BF16: { tensors: inv.tensors.length, elements: QWEN_TOTAL, params: QWEN_TOTAL, bytes: 2 * QWEN_TOTAL },
    });
    expect(inv.index).toEqual({ path: 'model.safetensors.index.json', totalSize: qwen.totalSize });
    expect(inv.index?.totalSize).toBe(inv.totals.bytes);
    const routed = 48 * 128 * 3 * 2048 * 768;
    expect(inv.routedExperts).toEqual({
      tensors: 48 * 128 * 3,
      elements: routed,
      params: routed,
      bytes: 2 * routed,
      experts: 128,
      layout: 'per-expert',
    });
    expect(inv.sharedExperts).toBeUndefined();
    expect(inv.tensors.find((t) => t.name === 'model.layers.7.mlp.experts.42.up_proj.weight')).toMatchObject({
      dtype: 'BF16',
      shape: [768, 2048],
      elements: 768 * 2048,
      bytes: 2 * 768 * 2048,
      role: 'routed',
      expert: 42,
    });
    expect(inv.fromCache).toBe(false);
  });

  test('only headers were read: one range request per shard, on the CDN', async () => {
    const shardReads = hub.requests.filter((q) => q.server === 'cdn' && q.range && q.range !== 'bytes=0-0');
    expect(shardReads.length).toBeGreaterThanOrEqual(16);
    for (const q of shardReads) {
      const [, a, b] = /^bytes=(\d+)-(\d+)$/.exec(q.range!)!;
      expect(Number(a)).toBe(0);
      expect(Number(b)).toBeLessThan(400_000); // a header, not 3.8 GB of tensor data
    }
    expect(hub.requests.filter((q) => q.server === 'cdn' && !q.range && /safetensors/.test(q.path))).toEqual([]);
  });

  test('a second run is answered from the cache (and works offline)', async () => {
    const before = hub.requests.length;
    const again = await readCheckpointHeaders(ref('Qwen/Qwen3-30B-A3B'), { env });
    const offline = await readCheckpointHeaders(ref('Qwen/Qwen3-30B-A3B'), { env: { ...env, HF_HUB_OFFLINE: '1' } });
    expect(hub.requests.length).toBe(before);
    expect(again.fromCache).toBe(true);
    expect(again.totals).toEqual(inv.totals);
    expect(again.routedExperts).toEqual(inv.routedExperts);
    expect(offline.totals).toEqual(inv.totals);
  });

  test('the active estimate and KV for it, from the config', () => {
    const est = estimateFromCheckpoint(inv, qwenConfig);
    expect(est).toMatchObject({
      totalParams: QWEN_TOTAL,
      weightBytes: 2 * QWEN_TOTAL,
      experts: 128,
      expertsPerToken: 8,
      activeParams: QWEN_TOTAL - (48 * 128 * 3 * 2048 * 768 * 15) / 16, // 3,353,032,704: "A3B"
      activeIsEstimate: true,
      kv: { layers: 48, kvHeads: 4, headDim: 128, elementsPerToken: 2 * 48 * 4 * 128 },
    });
    expect(est.notes[0]).toMatch(/^active estimated as total - routed experts x \(1 - 8\/128\)/);
  });
});

test('an unknown model type with fused experts: exact totals, routed by name, active an estimate', async () => {
  const inv = await readCheckpointHeaders(ref('acme/fused-moe'), { env: hubEnv(hub.endpoint) });
  expect(inv.files).toEqual([
    {
      path: 'model.safetensors',
      bytes: expect.any(Number),
      headerBytes: expect.any(Number),
      tensors: acmeTensors.length,
    },
  ]);
  expect(inv.totals.params).toBe(elems(acmeTensors));
  expect(inv.totals.bytes).toBe(bytes(acmeTensors));
  expect(inv.byDtype.F32!.params).toBe(2 * (8 * 256 + 256));
  expect(inv.routedExperts).toMatchObject({ tensors: 4, params: ACME_ROUTED, experts: 8, layout: 'fused' });
  expect(inv.sharedExperts).toMatchObject({ tensors: 4, params: 2 * (2 * 128 * 256 + 256 * 128) });
  const est = estimateFromCheckpoint(inv, acmeConfig);
  expect(est.activeParams).toBe(elems(acmeTensors) - ACME_ROUTED * (1 - 2 / 8));
  expect(est.activeIsEstimate).toBe(true);
  expect(est.kv).toEqual({ layers: 2, kvHeads: 2, headDim: 64, elementsPerToken: 2 * 2 * 2 * 64 });
  // without experts per token there is no estimate, and the notes say why
  const bare = estimateFromCheckpoint(inv, { model_type: 'acme_moe' });
  expect(bare.activeParams).toBeUndefined();
  expect(bare.experts).toBe(8);
  expect(bare.notes.join(' ')).toMatch(/experts per token is not in the config/);
});

test('fp8 with block scales: the scales are weight bytes, not parameters', async () => {
  const inv = await readCheckpointHeaders(ref('acme/fp8-moe'), { env: hubEnv(hub.endpoint) });
  expect(inv.quantMethod).toBe('fp8');
  expect(inv.byDtype.F8_E4M3).toEqual({
    tensors: 2,
    elements: 2 * 256 * 128,
    params: 2 * 256 * 128,
    bytes: 2 * 256 * 128,
  });
  expect(inv.byDtype.F32).toEqual({ tensors: 2, elements: 4, params: 0, bytes: 16 });
  expect(inv.totals.bytes).toBe(bytes(fp8Tensors));
  expect(inv.routedExperts).toMatchObject({
    experts: 2,
    layout: 'per-expert',
    params: 2 * 256 * 128,
    bytes: 2 * 256 * 128 + 16,
  });
});

test('MXFP4 blocks count two weights a byte; their scales are bookkeeping', async () => {
  const inv = await readCheckpointHeaders(ref('acme/mxfp4-moe'), { env: hubEnv(hub.endpoint) });
  const blocks = 4 * 64 * 8 * 16;
  expect(inv.byDtype.U8).toEqual({
    tensors: 2,
    elements: blocks + 4 * 64 * 8,
    params: 2 * blocks,
    bytes: blocks + 4 * 64 * 8,
  });
  expect(inv.routedExperts).toMatchObject({ experts: 4, layout: 'fused', params: 2 * blocks });
  expect(inv.totals.params).toBe(2 * blocks + 4 * 256);
});

test('a header longer than the first read is completed with a second range read', async () => {
  const before = hub.requests.length;
  const inv = await readCheckpointHeaders(ref('acme/long-header'), { env: hubEnv(hub.endpoint) });
  expect(inv.tensors).toHaveLength(3000);
  const reads = hub.requests.slice(before).filter((q) => q.server === 'cdn');
  expect(reads.map((q) => q.range)).toEqual([expect.stringMatching(/^bytes=0-/), expect.stringMatching(/^bytes=\d+-/)]);
  expect(inv.files[0]!.headerBytes).toBeGreaterThan(300_000);
});

test('sharded files win over a consolidated copy of the same weights', async () => {
  const inv = await readCheckpointHeaders(ref('acme/two-layouts'), { env: hubEnv(hub.endpoint) });
  expect(inv.files.map((f) => f.path)).toEqual([
    'model-00001-of-00002.safetensors',
    'model-00002-of-00002.safetensors',
  ]);
  expect(inv.totals.params).toBe(elems(acmeTensors));
});

test('a named file in the repo reads just that file', async () => {
  const inv = await readCheckpointHeaders(ref('hf://acme/two-layouts/consolidated.safetensors'), {
    env: hubEnv(hub.endpoint),
  });
  expect(inv.files.map((f) => f.path)).toEqual(['consolidated.safetensors']);
});

test('not a safetensors file, or none at all: one-line errors', async () => {
  const env = hubEnv(hub.endpoint);
  for (const [id, msg] of [
    ['acme/garbage', /^model\.safetensors: not a readable safetensors file \(header length \d+\)$/],
    ['acme/no-weights', /^acme\/no-weights@main: no safetensors files in the repo$/],
  ] as const) {
    const e = await readCheckpointHeaders(ref(id), { env }).catch((x) => x);
    expect(isUserError(e)).toBe(true);
    expect(e.message).toMatch(msg);
  }
});

describe('a local folder', () => {
  const dir = mkdtempSync(join(tmpdir(), 'moe-calc-st-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('reads the same totals from the files (sparse, full size) as from the hub', async () => {
    expect(hasLocalSafetensors(dir)).toBe(false);
    writeFixtureFolder(dir, { 'config.json': qwenConfig, ...qwen.files });
    expect(hasLocalSafetensors(dir)).toBe(true);
    const inv = await readCheckpointHeaders(dir);
    expect(inv.source).toBe(dir);
    expect(inv.totals.params).toBe(QWEN_TOTAL);
    expect(inv.totals.bytes).toBe(2 * QWEN_TOTAL);
    expect(inv.routedExperts?.experts).toBe(128);
    expect(inv.index?.totalSize).toBe(qwen.totalSize);
    expect(inv.files.reduce((a, f) => a + f.bytes, 0)).toBe(inv.totals.fileBytes);
  });

  test('one file of it', async () => {
    const inv = await readCheckpointHeaders(join(dir, 'model-00003-of-00016.safetensors'));
    expect(inv.files).toHaveLength(1);
    expect(inv.totals.tensors).toBe(inv.files[0]!.tensors);
  });

  test('a missing shard is an error, not a silent undercount', async () => {
    rmSync(join(dir, 'model-00016-of-00016.safetensors'));
    await expect(readCheckpointHeaders(dir)).rejects.toThrow(
      /1 of 16 safetensors files are missing \(model-00016-of-00016\.safetensors\)/,
    );
  });
});

test('parseSafetensorsHeader rejects what is not a header', () => {
  const { file } = safetensorsFile([['w', 'BF16', [2, 2]]]);
  expect(parseSafetensorsHeader(file.data, 'x', file.size).tensors).toEqual([['w', 'BF16', [2, 2], 0, 8]]);
  expect(() => parseSafetensorsHeader(file.data, 'x', file.size - 1)).toThrow(/runs past the end of the file/);
  expect(() => parseSafetensorsHeader(file.data.subarray(0, 20), 'x')).toThrow(/header cut short/);
  const bad = new Uint8Array(16);
  new DataView(bad.buffer).setBigUint64(0, 8n, true);
  bad.set(new TextEncoder().encode('[1,2,3] '), 8);
  expect(() => parseSafetensorsHeader(bad, 'x')).toThrow(/not a JSON object/);
});

describe('expertRole', () => {
  test.each([
    ['model.layers.3.mlp.experts.17.gate_proj.weight', [768, 2048], { role: 'routed', expert: 17 }],
    ['model.layers.0.block_sparse_moe.experts.7.w2.weight', [4096, 14336], { role: 'routed', expert: 7 }],
    ['model.layers.0.feed_forward.experts.gate_up_proj', [16, 5120, 16384], { role: 'routed', fusedExperts: 16 }],
    ['model.layers.0.mlp.experts.down_proj_blocks', [32, 2880, 90, 16], { role: 'routed', fusedExperts: 32 }],
    ['transformer.blocks.0.ffn.experts.mlp.w1', [16 * 10752, 6144], { role: 'routed' }],
    ['model.layers.0.block_sparse_moe.input_linear.weight', [40, 1024, 1024], { role: 'routed', fusedExperts: 40 }],
    ['blk.0.ffn_gate_exps.weight', [2048, 768, 128], { role: 'routed', fusedExperts: 128 }],
    ['model.layers.1.mlp.shared_experts.down_proj.weight', [7168, 2048], { role: 'shared' }],
    ['model.layers.1.mlp.shared_expert.up_proj.weight', [5632, 2048], { role: 'shared' }],
    ['blk.1.ffn_up_shexp.weight', [2048, 1408], { role: 'shared' }],
    ['model.layers.1.mlp.shared_expert_gate.weight', [1, 2048], { role: 'shared' }],
    ['model.layers.1.mlp.gate.weight', [128, 2048], undefined],
    ['model.layers.1.mlp.gate.e_score_correction_bias', [256], undefined],
    ['model.layers.1.self_attn.q_proj.weight', [4096, 2048], undefined],
  ])('%s', (name, shape, want) => {
    expect(expertRole(name, shape)).toEqual(want);
  });
});
