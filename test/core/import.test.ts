// config.json import: each fixture is a published config pinned to a published exact total
// (test/fixtures/configs/SOURCES.md); the built-in cards must agree with the imported configs.
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { importConfig, importConfigFile } from '../../src/cards/import/index.js';
import { deriveParams } from '../../src/core/params.js';
import { ROOT, card } from '../helpers.js';

const fx = (f: string) => join(ROOT, 'test/fixtures/configs', f);

const PINNED: [file: string, total: number, source: string][] = [
  ['mixtral-8x7b.json', 46_702_792_704, 'index total_size 93,405,585,408 / 2'],
  ['mistral-7b-v0.1.json', 7_241_732_096, 'index total_size 14,483,464,192 / 2'],
  ['llama-3.1-8b.json', 8_030_261_248, 'index total_size 16,060,522,496 / 2'],
  ['llama-3.2-3b.json', 3_212_749_824, 'tied embeddings; model.safetensors 6,425,499,648 bytes / 2'],
  ['qwen2.5-7b.json', 7_615_616_512, 'qkv biases; index total_size 15,231,233,024 / 2'],
  ['qwen3-8b.json', 8_190_735_360, 'q/k norms; index total_size 16,381,470,720 / 2'],
  ['qwen3-30b-a3b.json', 30_532_122_624, 'index total_size 61,064,245,248 / 2'],
  ['qwen1.5-moe-a2.7b.json', 14_315_784_192, 'shared expert + gate; keras-hub preset count'],
  ['deepseek-v2-lite.json', 15_706_484_224, 'MLA with q_lora_rank null, first dense layer; Hugging Face API total'],
  ['olmoe-1b-7b-0924.json', 6_919_161_856, 'full-width q/k norms; Hugging Face API (F32) total'],
  ['deepseek-r1.json', 671_026_419_200, 'DeepSeek-V3 architecture; main model (README 671B), MTP separate'],
  ['gpt-oss-120b.json', 116_829_156_672, 'model card Table 1 116.83B'],
  [
    'phi-3.5-moe.json',
    41_873_153_344,
    'LayerNorm with bias, attention and lm_head biases; published per-module breakdown of Phi-3.5-MoE',
  ],
  ['jamba-v0.1.json', 51_570_323_328, 'Mamba + attention + MoE; Jamba-v0.1 index total_size 103,140,646,656 / 2'],
  ['granite-3.0-1b-a400m.json', 1_334_628_352, 'tied; sum(p.numel()) on the real checkpoint in a public test'],
  ['granite-3.0-3b-a800m.json', 3_298_793_472, 'tied; granite-guardian-3.2-3b-a800m (same architecture) total'],
  [
    'grok-1.json',
    315_684_820_992,
    'tied embeddings, 4 norms; public inventory of the int8 checkpoint "total elements 315684820992"',
  ],
  ['grok-2.json', 269_515_497_472, 'model_type "git", residual MoE; xai-org/grok-2 discussion #6'],
];

describe('checkpoint totals beyond the decoder', () => {
  it('GLM-4.5-Air: decoder + MTP layer (with its embedding and head) = Hugging Face total 110,468,824,832', () => {
    const d = deriveParams(importConfigFile(fx('glm-4.5-air.json')).card);
    expect(d.total + d.mtp).toBe(110_468_824_832);
    // transformers' parameter count leaves out the 45 x 128 router correction-bias buffers
    expect(d.total - d.buffers).toBe(106_852_245_504);
  });
  it('DBRX rounds to the official 132B / 36B', () => {
    const d = deriveParams(importConfigFile(fx('dbrx.json')).card);
    expect(Math.round(d.total / 1e9)).toBe(132);
    expect(Math.round(d.active / 1e9)).toBe(36);
  });
});

describe('imported configs give the published exact totals', () => {
  it.each(PINNED)('%s -> %d (%s)', (file, total) => {
    expect(deriveParams(importConfigFile(fx(file)).card).total).toBe(total);
  });
});

describe('built-in cards and imported configs of the same checkpoint agree', () => {
  it.each([
    ['mixtral-8x7b.json', 'mixtral-8x7b'],
    ['qwen3-30b-a3b.json', 'qwen3-30b-a3b'],
    ['deepseek-r1.json', 'deepseek-v3'],
    ['gpt-oss-120b.json', 'gpt-oss-120b'],
    ['dbrx.json', 'dbrx'],
    ['grok-1.json', 'grok-1'],
    ['grok-2.json', 'grok-2'],
    ['llama-4-scout.json', 'llama-4-scout'],
    ['llama-4-maverick.json', 'llama-4-maverick'],
  ])('%s = card %s (total, active, MTP, KV layout, native precision)', (file, id) => {
    const imported = importConfigFile(fx(file)).card;
    const a = deriveParams(imported);
    const b = deriveParams(card(id));
    expect([a.total, a.active, a.activeNonEmbedding, a.mtp]).toEqual([b.total, b.active, b.activeNonEmbedding, b.mtp]);
    // the hpcai-tech Grok-1 config describes a bf16 conversion of xAI's int8 release
    if (id !== 'grok-1') expect(imported.architecture.native_precision).toBe(card(id).architecture.native_precision);
  });
});

describe('traps', () => {
  const base = {
    model_type: 'qwen3_moe',
    vocab_size: 1000,
    hidden_size: 64,
    num_hidden_layers: 4,
    num_attention_heads: 4,
    num_key_value_heads: 2,
    head_dim: 16,
    intermediate_size: 128,
    moe_intermediate_size: 32,
    num_experts: 8,
    num_experts_per_tok: 2,
  };
  const total = (cfg: object) => deriveParams(importConfig(cfg, 'config.json').card);
  it('decoder_sparse_step and mlp_only_layers make dense layers (qwen MoE rule: (i+1) % step == 0, not listed)', () => {
    const all = total(base);
    const step2 = total({ ...base, decoder_sparse_step: 2 });
    const only = total({ ...base, mlp_only_layers: [0] });
    expect(all.layers.moe).toBe(4);
    expect(step2.layers.moe).toBe(2);
    expect(only.layers.moe).toBe(3);
    // a dense layer swaps 8 experts + router for one MLP of intermediate_size
    const perMoe = 8 * 3 * 64 * 32 + 8 * 64;
    const perDense = 3 * 64 * 128;
    expect(all.total - only.total).toBe(perMoe - perDense);
  });
  it('tied embeddings drop the LM head', () => {
    expect(total(base).total - total({ ...base, tie_word_embeddings: true }).total).toBe(1000 * 64);
  });
  it('an explicit head_dim different from hidden / heads is used', () => {
    const a = total({ ...base, head_dim: 32 }).breakdown.attention;
    const b = total(base).breakdown.attention;
    expect(a - b).toBe(4 * (64 * 4 * 16 + 2 * 64 * 2 * 16 + 4 * 16 * 64 + 2 * 16));
  });
  it('head_dim null is treated as absent', () => {
    expect(total({ ...base, head_dim: null, hidden_size: 64 }).total).toBe(total({ ...base, head_dim: 16 }).total);
  });
  it('DeepSeek first_k_dense_replace and MTP layers (reported separately)', () => {
    const d = total({
      model_type: 'deepseek_v3',
      vocab_size: 100,
      hidden_size: 64,
      num_hidden_layers: 4,
      num_attention_heads: 2,
      q_lora_rank: null,
      kv_lora_rank: 16,
      qk_nope_head_dim: 8,
      qk_rope_head_dim: 4,
      v_head_dim: 8,
      intermediate_size: 96,
      moe_intermediate_size: 16,
      n_routed_experts: 4,
      n_shared_experts: 1,
      num_experts_per_tok: 2,
      first_k_dense_replace: 1,
      num_nextn_predict_layers: 1,
    });
    expect(d.layers.moe).toBe(3);
    expect(d.mtp).toBeGreaterThan(0);
  });
  it('an unknown model_type is refused with the supported list', () => {
    expect(() => importConfig({ ...base, model_type: 'falcon_moe' }, 'c.json')).toThrow(
      /model_type: "falcon_moe" is not supported; supported: .*\bmixtral\b.*checkpoint .*safetensors/,
    );
  });
  it('a shared expert on qwen3_moe is refused rather than ignored', () => {
    expect(() => importConfig({ ...base, shared_expert_intermediate_size: 512 }, 'c.json')).toThrow(
      /shared_expert_intermediate_size/,
    );
  });
  it('missing hidden_size and strings where numbers belong are errors naming the key', () => {
    const { hidden_size: _h, ...rest } = base;
    expect(() => importConfig(rest, 'c.json')).toThrow(/c.json: hidden_size: required/);
    expect(() => importConfig({ ...base, num_hidden_layers: '4' }, 'c.json')).toThrow(
      /c.json: num_hidden_layers: expected an integer/,
    );
  });
  it('quantization_config sets the native precision', () => {
    expect(
      importConfig({ ...base, quantization_config: { quant_method: 'fp8', weight_block_size: [128, 128] } }, 'c.json')
        .card.architecture.native_precision,
    ).toBe('fp8-block');
    expect(() => importConfig({ ...base, quantization_config: { quant_method: 'bitsandbytes' } }, 'c.json')).toThrow(
      /quant_method/,
    );
  });
});
