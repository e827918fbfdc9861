// Hub ids as <model> through the spawned CLI, against a loopback hub (test/hub/server.ts): never the network.
// The figures pinned are published ones: Qwen/Qwen3-30B-A3B has 30,532,122,624 parameters (its
// model.safetensors.index.json total_size 61,064,245,248 bytes at bf16 / 2; test/fixtures/configs/SOURCES.md).
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliAsync } from '../helpers.js';
import {
  ggufFile,
  type GgufKv,
  type GgufTensorSpec,
  ggufTensorBytes,
  type HubServer,
  hubEnv,
  qwen3MoeTensors,
  removeHubEnvs,
  shardedCheckpoint,
  startHubServer,
  type TensorSpec,
  writeFixtureFolder,
} from '../hub/server.js';

const QWEN_TOTAL = 30_532_122_624;
const qwenConfig = JSON.parse(readFileSync(join(__dirname, '../fixtures/configs/qwen3-30b-a3b.json'), 'utf8'));
const qwenTensors = qwen3MoeTensors(qwenConfig);
const qwen = shardedCheckpoint(qwenTensors, 16);
// the same checkpoint with one tensor the architecture does not build (a stray extra norm)
const extra = shardedCheckpoint([...qwenTensors, ['model.layers.0.extra_norm.weight', 'BF16', [2048]]], 4);

// a model type the importer does not know: its totals can only come from the headers
const acmeConfig = {
  model_type: 'acme_moe',
  hidden_size: 256,
  num_hidden_layers: 2,
  num_attention_heads: 4,
  num_key_value_heads: 2,
  head_dim: 64,
  num_local_experts: 8,
  num_experts_per_tok: 2,
  vocab_size: 1000,
};
const acme: TensorSpec[] = [['model.embed_tokens.weight', 'BF16', [1000, 256]]];
for (let l = 0; l < 2; l++) {
  acme.push(
    [`model.layers.${l}.self_attn.qkv_proj.weight`, 'BF16', [512, 256]],
    [`model.layers.${l}.mlp.experts.gate_up_proj`, 'BF16', [8, 256, 256]],
    [`model.layers.${l}.mlp.experts.down_proj`, 'BF16', [8, 256, 128]],
  );
}
// hand count: 1000*256 + 2 * (512*256 + 8*256*256 + 8*256*128) = 256,000 + 2 * 917,504
const ACME_TOTAL = 256_000 + 2 * (131_072 + 524_288 + 262_144);

let hub: HubServer;
const noToken = { HF_TOKEN: undefined, HUGGING_FACE_HUB_TOKEN: undefined, HF_HUB_OFFLINE: undefined };

beforeAll(async () => {
  hub = await startHubServer({
    validTokens: ['hf_good'],
    repos: [
      { id: 'Qwen/Qwen3-30B-A3B', files: { 'config.json': qwenConfig, ...qwen.files } },
      { id: 'acme/Acme-MoE', files: { 'config.json': acmeConfig, ...shardedCheckpoint(acme, 2).files } },
      { id: 'lab/Qwen-extra', files: { 'config.json': qwenConfig, ...extra.files } },
      { id: 'lab/config-only', files: { 'config.json': qwenConfig } },
      {
        id: 'gated/Qwen3-30B-A3B',
        gated: true,
        access: ['hf_good'],
        files: { 'config.json': qwenConfig, ...qwen.files },
      },
    ],
  });
});
afterAll(async () => {
  await hub.close();
  removeHubEnvs();
});

const env = (extra: Record<string, string | undefined> = {}) => ({ ...noToken, ...hubEnv(hub.endpoint), ...extra });
// one cache the plain show / fit runs share: the first reads the headers, later runs reuse them (the cold
// and offline paths have their own test)
let warm: ReturnType<typeof env>;
beforeAll(() => {
  warm = env();
});

describe('a hub id is a <model>', () => {
  it('show org/name imports the config and checks it against the safetensors headers, to the parameter', async () => {
    const r = await cliAsync(['show', 'Qwen/Qwen3-30B-A3B', '--json'], { env: warm });
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.params.total).toBe(QWEN_TOTAL);
    expect(doc.model.hfRepo).toBe('Qwen/Qwen3-30B-A3B');
    expect(doc.model.id).toBe('qwen3-30b-a3b');
    expect(doc.checkpoint.params).toBe(QWEN_TOTAL);
    expect(doc.checkpoint.bytes).toBe(QWEN_TOTAL * 2);
    expect(doc.checkpoint.files).toBe(16);
    expect(doc.checkpoint.matches).toBe(true);
    // bf16: the native row plans exactly the file's bytes (2 per parameter)
    expect(doc.checkpoint.derivedNativeBytes).toBe(QWEN_TOTAL * 2);
    const text = await cliAsync(['show', 'Qwen/Qwen3-30B-A3B'], { env: warm });
    expect(text.stdout).toMatch(/matches to the parameter/);
  });

  it('names the tensors that differ when the checkpoint holds more than the architecture builds', async () => {
    const r = await cliAsync(['show', 'hf://lab/Qwen-extra', '--json'], { env: env() });
    expect(r.code, r.stderr).toBe(0);
    const c = JSON.parse(r.stdout).checkpoint;
    expect(c.matches).toBe(false);
    expect(c.params).toBe(QWEN_TOTAL + 2048);
    expect(c.verdict).toMatch(/decoder .*\+2,048/);
  });

  it('fit, speed and check plan a hub model like a local config; a config-only repo needs no headers', async () => {
    const f = await cliAsync(['fit', 'Qwen/Qwen3-30B-A3B', '--gpu', 'h100', '--json'], { env: warm });
    expect(f.code, f.stderr).toBe(0);
    expect(JSON.parse(f.stdout).model.totalParams).toBe(QWEN_TOTAL);
    const c = await cliAsync(['fit', `${hub.endpoint}/lab/config-only`, '--gpu', 'h100', '--json'], { env: warm });
    expect(c.code, c.stderr).toBe(0);
    expect(JSON.parse(c.stdout).model.totalParams).toBe(QWEN_TOTAL);
  });

  it('a second run is answered from the cache, also with the hub gone and HF_HUB_OFFLINE=1', async () => {
    const e = env();
    const first = await cliAsync(['show', 'Qwen/Qwen3-30B-A3B', '--json'], { env: e });
    expect(first.code, first.stderr).toBe(0);
    const offline = await cliAsync(['show', 'Qwen/Qwen3-30B-A3B', '--json'], {
      env: { ...e, HF_ENDPOINT: 'http://127.0.0.1:9', HF_HUB_OFFLINE: '1' },
    });
    expect(offline.code, offline.stderr).toBe(0);
    expect(JSON.parse(offline.stdout).checkpoint.params).toBe(QWEN_TOTAL);
    const cold = await cliAsync(['show', 'Qwen/Qwen3-30B-A3B'], { env: env({ HF_HUB_OFFLINE: '1' }) });
    expect(cold.code).toBe(2);
    expect(cold.stderr).toMatch(/not in the cache.*HF_HUB_OFFLINE/);
  });

  it('a gated repo without a token exits 2 naming HF_TOKEN; with one it works and no other origin sees it', async () => {
    const r = await cliAsync(['show', 'gated/Qwen3-30B-A3B'], { env: env() });
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/gated.*accept the licence at .*gated\/Qwen3-30B-A3B, then set HF_TOKEN/);
    const before = hub.requests.length;
    const ok = await cliAsync(['show', 'gated/Qwen3-30B-A3B', '--json'], { env: env({ HF_TOKEN: 'hf_good' }) });
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout).checkpoint.matches).toBe(true);
    const seen = hub.requests.slice(before);
    expect(seen.some((q) => q.server === 'cdn')).toBe(true);
    expect(seen.filter((q) => q.server === 'cdn').every((q) => q.authorization === undefined)).toBe(true);
    expect(ok.stdout + ok.stderr).not.toMatch(/hf_good/);
  });

  it('an unknown repo exits 2 with a did-you-mean over the built-in cards', async () => {
    const r = await cliAsync(['show', 'Qwen/Qwen3-30B-A3'], { env: env() });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Qwen\/Qwen3-30B-A3: no such model/);
    expect(r.stderr).toMatch(/did you mean Qwen\/Qwen3-30B-A3B\?/);
    const typo = await cliAsync(['fit', 'mistralai/Mixtral-8x7B-v0.2', '--gpu', 'h100'], { env: env() });
    expect(typo.code).toBe(2);
    expect(typo.stderr.trim().split('\n')).toHaveLength(1);
    expect(typo.stderr).toMatch(/did you mean mistralai\/Mixtral-8x7B-v0.1\?/);
  });
});

describe('a model type the importer does not know', () => {
  it('show gives exact totals from the headers and labels the estimates; fit refuses, pointing to show', async () => {
    const r = await cliAsync(['show', 'acme/Acme-MoE', '--json'], { env: warm });
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.kind).toBe('checkpoint-only');
    expect(doc.exact.totalParams).toBe(ACME_TOTAL);
    expect(doc.exact.weightBytes).toBe(ACME_TOTAL * 2);
    expect(doc.estimates.experts).toBe(8);
    const text = await cliAsync(['show', 'acme/Acme-MoE'], { env: warm });
    expect(text.stdout).toMatch(/not one moe-calc derives/);
    expect(text.stdout).toMatch(/estimate/);
    const f = await cliAsync(['fit', 'acme/Acme-MoE', '--gpu', 'h100'], { env: warm });
    expect(f.code).toBe(2);
    expect(f.stderr).toMatch(/acme_moe.*not supported.*moe-calc show acme\/Acme-MoE/);
  });
});

describe('a local model folder with safetensors', () => {
  it('show checks the folder config against its headers', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'moe-calc-folder-'));
    writeFixtureFolder(dir, { 'config.json': qwenConfig, ...qwen.files });
    const r = await cliAsync(['show', dir, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const c = JSON.parse(r.stdout).checkpoint;
    expect(c.params).toBe(QWEN_TOTAL);
    expect(c.matches).toBe(true);
  });
});

describe('a GGUF file is a <model>', () => {
  // Qwen3-30B-A3B as llama.cpp's converter names its tensors (convert_hf_to_gguf.py, qwen3moe), with a
  // Q4_K_M-like mix; the weights planned must be the file's own bytes, not a recipe's
  const c = qwenConfig;
  const H = c.hidden_size;
  const hd = c.head_dim;
  const F = c.moe_intermediate_size;
  const E = c.num_experts;
  const ggufTensors: GgufTensorSpec[] = [{ name: 'token_embd.weight', shape: [H, c.vocab_size], type: 'Q4_K' }];
  for (let l = 0; l < c.num_hidden_layers; l++)
    ggufTensors.push(
      { name: `blk.${l}.attn_norm.weight`, shape: [H], type: 'F32' },
      { name: `blk.${l}.attn_q.weight`, shape: [H, c.num_attention_heads * hd], type: 'Q4_K' },
      { name: `blk.${l}.attn_k.weight`, shape: [H, c.num_key_value_heads * hd], type: 'Q4_K' },
      { name: `blk.${l}.attn_v.weight`, shape: [H, c.num_key_value_heads * hd], type: 'Q6_K' },
      { name: `blk.${l}.attn_output.weight`, shape: [c.num_attention_heads * hd, H], type: 'Q4_K' },
      { name: `blk.${l}.attn_q_norm.weight`, shape: [hd], type: 'F32' },
      { name: `blk.${l}.attn_k_norm.weight`, shape: [hd], type: 'F32' },
      { name: `blk.${l}.ffn_norm.weight`, shape: [H], type: 'F32' },
      { name: `blk.${l}.ffn_gate_inp.weight`, shape: [H, E], type: 'F32' },
      { name: `blk.${l}.ffn_gate_exps.weight`, shape: [H, F, E], type: 'Q4_K' },
      { name: `blk.${l}.ffn_up_exps.weight`, shape: [H, F, E], type: 'Q4_K' },
      { name: `blk.${l}.ffn_down_exps.weight`, shape: [F, H, E], type: l % 2 ? 'Q4_K' : 'Q6_K' },
    );
  ggufTensors.push(
    { name: 'output_norm.weight', shape: [H], type: 'F32' },
    { name: 'output.weight', shape: [H, c.vocab_size], type: 'Q6_K' },
  );
  const kvs: GgufKv[] = [
    ['general.architecture', 'string', 'qwen3moe'],
    ['general.name', 'string', 'Qwen3-30B-A3B'],
    ['qwen3moe.block_count', 'u32', c.num_hidden_layers],
    ['qwen3moe.context_length', 'u32', c.max_position_embeddings],
    ['qwen3moe.embedding_length', 'u32', H],
    ['qwen3moe.feed_forward_length', 'u32', c.intermediate_size],
    ['qwen3moe.expert_feed_forward_length', 'u32', F],
    ['qwen3moe.expert_count', 'u32', E],
    ['qwen3moe.expert_used_count', 'u32', c.num_experts_per_tok],
    ['qwen3moe.attention.head_count', 'u32', c.num_attention_heads],
    ['qwen3moe.attention.head_count_kv', 'u32', c.num_key_value_heads],
    ['qwen3moe.attention.key_length', 'u32', hd],
    ['qwen3moe.attention.value_length', 'u32', hd],
    ['tokenizer.ggml.tokens', 'string[]', Array.from({ length: c.vocab_size }, (_, i) => `t${i}`)],
  ];
  const fileBytes = ggufTensors.reduce((a, t) => a + ggufTensorBytes(t), 0);
  let path = '';
  beforeAll(() => {
    const dir = mkdtempSync(join(tmpdir(), 'moe-calc-gguf-'));
    writeFixtureFolder(dir, { 'Qwen3-30B-A3B-Q4_K_M.gguf': ggufFile(kvs, ggufTensors).file });
    path = join(dir, 'Qwen3-30B-A3B-Q4_K_M.gguf');
  });

  it('show derives the architecture from its keys and matches its tensors to the parameter', async () => {
    const r = await cliAsync(['show', path, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.params.total).toBe(QWEN_TOTAL);
    expect(doc.checkpoint.params).toBe(QWEN_TOTAL);
    expect(doc.checkpoint.bytes).toBe(fileBytes);
    expect(doc.checkpoint.matches).toBe(true);
  });

  it('fit plans the file byte for byte with llama.cpp and launches that file', async () => {
    const r = await cliAsync(['fit', path, '--gpu', 'rtx-4090', '--engine', 'llama.cpp', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.plans).toHaveLength(1);
    expect(doc.plans[0].precision).toBe('gguf:q4_k_m');
    expect(doc.plans[0].weightsTotalBytes).toBe(fileBytes);
    expect(doc.plans[0].tensorParallel).toBe(1);
    expect(doc.launch.argv.slice(0, 3)).toEqual(['llama-server', '-m', path]);
    const p = await cliAsync(['fit', path, '--gpu', 'rtx-4090', '--precision', 'q8_0']);
    expect(p.code).toBe(2);
    expect(p.stderr).toMatch(/--precision: .*GGUF file/);
  });

  it('org/name:Q4_K_M picks that file of a hub repo, reading only its header', async () => {
    hub.addRepo({
      id: 'lab/Qwen3-30B-A3B-GGUF',
      files: { 'Qwen3-30B-A3B-Q4_K_M.gguf': ggufFile(kvs, ggufTensors).file },
    });
    const r = await cliAsync(['fit', 'lab/Qwen3-30B-A3B-GGUF:Q4_K_M', '--gpu', 'rtx-4090', '--json'], { env: env() });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).plans[0].weightsTotalBytes).toBe(fileBytes);
  });
});

describe('a gpt-oss GGUF (MXFP4 experts, attention sinks, biases)', () => {
  // openai/gpt-oss-120b as llama.cpp's converter names its tensors (gpt-oss arch); published total
  // 116,829,156,672 (model card Table 1, test/fixtures/configs/SOURCES.md)
  const c = JSON.parse(readFileSync(join(__dirname, '../fixtures/configs/gpt-oss-120b.json'), 'utf8'));
  const H = c.hidden_size;
  const E = c.num_local_experts;
  const F = c.intermediate_size;
  const q = c.num_attention_heads * c.head_dim;
  const kv = c.num_key_value_heads * c.head_dim;
  const t: GgufTensorSpec[] = [{ name: 'token_embd.weight', shape: [H, c.vocab_size], type: 'Q8_0' }];
  for (let l = 0; l < c.num_hidden_layers; l++) {
    const b = `blk.${l}`;
    t.push(
      { name: `${b}.attn_norm.weight`, shape: [H], type: 'F32' },
      { name: `${b}.attn_q.weight`, shape: [H, q], type: 'Q8_0' },
      { name: `${b}.attn_q.bias`, shape: [q], type: 'F32' },
      { name: `${b}.attn_k.weight`, shape: [H, kv], type: 'Q8_0' },
      { name: `${b}.attn_k.bias`, shape: [kv], type: 'F32' },
      { name: `${b}.attn_v.weight`, shape: [H, kv], type: 'Q8_0' },
      { name: `${b}.attn_v.bias`, shape: [kv], type: 'F32' },
      { name: `${b}.attn_output.weight`, shape: [q, H], type: 'Q8_0' },
      { name: `${b}.attn_output.bias`, shape: [H], type: 'F32' },
      { name: `${b}.attn_sinks.weight`, shape: [c.num_attention_heads], type: 'F32' },
      { name: `${b}.post_attention_norm.weight`, shape: [H], type: 'F32' },
      { name: `${b}.ffn_gate_inp.weight`, shape: [H, E], type: 'F32' },
      { name: `${b}.ffn_gate_inp.bias`, shape: [E], type: 'F32' },
      { name: `${b}.ffn_gate_exps.weight`, shape: [H, F, E], type: 'MXFP4' },
      { name: `${b}.ffn_gate_exps.bias`, shape: [F, E], type: 'F32' },
      { name: `${b}.ffn_up_exps.weight`, shape: [H, F, E], type: 'MXFP4' },
      { name: `${b}.ffn_up_exps.bias`, shape: [F, E], type: 'F32' },
      { name: `${b}.ffn_down_exps.weight`, shape: [F, H, E], type: 'MXFP4' },
      { name: `${b}.ffn_down_exps.bias`, shape: [H, E], type: 'F32' },
    );
  }
  t.push(
    { name: 'output_norm.weight', shape: [H], type: 'F32' },
    { name: 'output.weight', shape: [H, c.vocab_size], type: 'Q8_0' },
  );
  const kvs: GgufKv[] = [
    ['general.architecture', 'string', 'gpt-oss'],
    ['general.name', 'string', 'gpt-oss-120b'],
    ['gpt-oss.block_count', 'u32', c.num_hidden_layers],
    ['gpt-oss.context_length', 'u32', c.max_position_embeddings],
    ['gpt-oss.embedding_length', 'u32', H],
    ['gpt-oss.feed_forward_length', 'u32', F],
    ['gpt-oss.expert_feed_forward_length', 'u32', F],
    ['gpt-oss.expert_count', 'u32', E],
    ['gpt-oss.expert_used_count', 'u32', c.experts_per_token],
    ['gpt-oss.attention.head_count', 'u32', c.num_attention_heads],
    ['gpt-oss.attention.head_count_kv', 'u32', c.num_key_value_heads],
    ['gpt-oss.attention.key_length', 'u32', c.head_dim],
    ['gpt-oss.attention.value_length', 'u32', c.head_dim],
    ['gpt-oss.attention.sliding_window', 'u32', c.sliding_window],
  ];
  const fileBytes = t.reduce((a, x) => a + ggufTensorBytes(x), 0);
  it('show matches the published total to the parameter; fit plans the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'moe-calc-gguf-oss-'));
    writeFixtureFolder(dir, { 'gpt-oss-120b-MXFP4_MOE.gguf': ggufFile(kvs, t).file });
    const path = join(dir, 'gpt-oss-120b-MXFP4_MOE.gguf');
    const r = await cliAsync(['show', path, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.params.total).toBe(116_829_156_672);
    expect(doc.checkpoint.params).toBe(116_829_156_672);
    expect(doc.checkpoint.matches).toBe(true);
    const f = await cliAsync(['fit', path, '--gpu', 'h100', '--json']);
    expect(f.code, f.stderr).toBe(0);
    expect(JSON.parse(f.stdout).plans[0].weightsTotalBytes).toBe(fileBytes);
  });
});

describe('a DeepSeek GGUF (deepseek2: MLA with the split k_b / v_b, shared experts, dense first layers)', () => {
  // deepseek-ai/DeepSeek-R1 (DeepSeek-V3 architecture) as llama.cpp names its tensors since PR #12801;
  // published decoder total 671,026,419,200 without the MTP layer (test/fixtures/configs/SOURCES.md)
  const c = JSON.parse(readFileSync(join(__dirname, '../fixtures/configs/deepseek-r1.json'), 'utf8'));
  const H = c.hidden_size;
  const n = c.num_attention_heads;
  const [nope, rope, v, ql, kl] = [c.qk_nope_head_dim, c.qk_rope_head_dim, c.v_head_dim, c.q_lora_rank, c.kv_lora_rank];
  const E = c.n_routed_experts;
  const F = c.moe_intermediate_size;
  const t: GgufTensorSpec[] = [{ name: 'token_embd.weight', shape: [H, c.vocab_size], type: 'Q8_0' }];
  for (let l = 0; l < c.num_hidden_layers; l++) {
    const b = `blk.${l}`;
    t.push(
      { name: `${b}.attn_norm.weight`, shape: [H], type: 'F32' },
      { name: `${b}.attn_q_a.weight`, shape: [H, ql], type: 'Q8_0' },
      { name: `${b}.attn_q_a_norm.weight`, shape: [ql], type: 'F32' },
      { name: `${b}.attn_q_b.weight`, shape: [ql, n * (nope + rope)], type: 'Q8_0' },
      { name: `${b}.attn_kv_a_mqa.weight`, shape: [H, kl + rope], type: 'Q8_0' },
      { name: `${b}.attn_kv_a_norm.weight`, shape: [kl], type: 'F32' },
      { name: `${b}.attn_k_b.weight`, shape: [nope, kl, n], type: 'Q8_0' },
      { name: `${b}.attn_v_b.weight`, shape: [kl, v, n], type: 'Q8_0' },
      { name: `${b}.attn_output.weight`, shape: [n * v, H], type: 'Q8_0' },
      { name: `${b}.ffn_norm.weight`, shape: [H], type: 'F32' },
    );
    if (l < c.first_k_dense_replace) {
      t.push(
        { name: `${b}.ffn_gate.weight`, shape: [H, c.intermediate_size], type: 'Q8_0' },
        { name: `${b}.ffn_up.weight`, shape: [H, c.intermediate_size], type: 'Q8_0' },
        { name: `${b}.ffn_down.weight`, shape: [c.intermediate_size, H], type: 'Q8_0' },
      );
    } else {
      t.push(
        { name: `${b}.ffn_gate_inp.weight`, shape: [H, E], type: 'F32' },
        { name: `${b}.exp_probs_b.bias`, shape: [E], type: 'F32' },
        { name: `${b}.ffn_gate_exps.weight`, shape: [H, F, E], type: 'Q4_K' },
        { name: `${b}.ffn_up_exps.weight`, shape: [H, F, E], type: 'Q4_K' },
        { name: `${b}.ffn_down_exps.weight`, shape: [F, H, E], type: 'Q6_K' },
        { name: `${b}.ffn_gate_shexp.weight`, shape: [H, F], type: 'Q8_0' },
        { name: `${b}.ffn_up_shexp.weight`, shape: [H, F], type: 'Q8_0' },
        { name: `${b}.ffn_down_shexp.weight`, shape: [F, H], type: 'Q8_0' },
      );
    }
  }
  t.push(
    { name: 'output_norm.weight', shape: [H], type: 'F32' },
    { name: 'output.weight', shape: [H, c.vocab_size], type: 'Q6_K' },
  );
  const kvs: GgufKv[] = [
    ['general.architecture', 'string', 'deepseek2'],
    ['general.name', 'string', 'DeepSeek-R1'],
    ['deepseek2.block_count', 'u32', c.num_hidden_layers],
    ['deepseek2.context_length', 'u32', c.max_position_embeddings],
    ['deepseek2.embedding_length', 'u32', H],
    ['deepseek2.feed_forward_length', 'u32', c.intermediate_size],
    ['deepseek2.attention.head_count', 'u32', n],
    ['deepseek2.attention.head_count_kv', 'u32', 1],
    ['deepseek2.attention.q_lora_rank', 'u32', ql],
    ['deepseek2.attention.kv_lora_rank', 'u32', kl],
    ['deepseek2.attention.key_length', 'u32', kl + rope],
    ['deepseek2.attention.value_length', 'u32', kl],
    ['deepseek2.attention.key_length_mla', 'u32', nope + rope],
    ['deepseek2.attention.value_length_mla', 'u32', v],
    ['deepseek2.rope.dimension_count', 'u32', rope],
    ['deepseek2.leading_dense_block_count', 'u32', c.first_k_dense_replace],
    ['deepseek2.expert_count', 'u32', E],
    ['deepseek2.expert_shared_count', 'u32', c.n_shared_experts],
    ['deepseek2.expert_used_count', 'u32', c.num_experts_per_tok],
    ['deepseek2.expert_feed_forward_length', 'u32', F],
    ['deepseek2.expert_gating_func', 'u32', 2],
  ];
  const fileBytes = t.reduce((a, x) => a + ggufTensorBytes(x), 0);
  it('show matches the published total to the parameter; fit plans the file over a layer split', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'moe-calc-gguf-ds-'));
    writeFixtureFolder(dir, { 'DeepSeek-R1-Q4_K_M-00001-of-00001.gguf': ggufFile(kvs, t).file });
    const path = join(dir, 'DeepSeek-R1-Q4_K_M-00001-of-00001.gguf');
    const r = await cliAsync(['show', path, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.params.total).toBe(671_026_419_200);
    expect(doc.checkpoint.params).toBe(671_026_419_200);
    expect(doc.checkpoint.matches).toBe(true);
    const f = await cliAsync(['fit', path, '--gpu', 'h200', '--json']);
    expect(f.code, f.stderr).toBe(0);
    const plan = JSON.parse(f.stdout).plans[0];
    expect(plan.weightsTotalBytes).toBe(fileBytes);
    expect(plan.tensorParallel).toBe(1);
  });
});
