import { describe, expect, it } from 'vitest';
import { kvLayout } from '../../src/core/kv.js';
import { deriveParams } from '../../src/core/params.js';

import { load, derive, variant, imp, dv } from '../import-helpers.js';

describe('gemma4 (gemma4_text inside gemma4)', () => {
  // google/gemma-4-31B: Hugging Face API safetensors census BF16 31,273,088,876 (parameters + persistent buffers,
  // vision tower included), quoted in a public test fixture beside the 31B card's "30.7B" / "~550M" rows:
  // https://huggingface.co/api/models/google/gemma-4-31B
  it('Gemma 4 31B (dense sibling): text + vision = Hub census 31,273,088,876 exactly', () => {
    const d = derive('gemma-4-31b.json');
    expect(d.total + d.extra).toBe(31_273_088_876);
    expect(d.layers).toMatchObject({ attention: 60, moe: 0, dense: 60, sliding: 50 });
    // model card "Total Parameters 30.7B" is the text decoder (rounded to 1e8)
    expect(Math.round(d.total / 1e8)).toBe(307);
  });
  // https://huggingface.co/google/gemma-4-26B-A4B-it (model card): "25.2B total", "3.8B active", ~550M vision
  it('Gemma 4 26B-A4B: model card 25.2B total / 3.8B active (rounded to 1e8; text decoder, embedding counted)', () => {
    const d = derive('gemma-4-26b-a4b.json');
    expect(Math.round(d.total / 1e8)).toBe(252);
    expect(Math.round(d.active / 1e8)).toBe(38);
    expect(d.layers).toMatchObject({ attention: 30, moe: 30, dense: 0, sliding: 25 });
    // layer_scalar: one persistent buffer value per layer (Hub totals include it, as the 31B census shows)
    expect(d.buffers).toBe(30);
    // "~550M" vision encoder: within the card's "about" (5%) of the tower + projection
    expect(Math.abs(d.extra / 550e6 - 1)).toBeLessThan(0.05);
  });
  it('global layers: K-as-V with 2 KV heads of 512 (both cached); sliding layers keep 1,024 tokens', () => {
    const a = load('gemma-4-26b-a4b.json').architecture;
    const l = kvLayout(a, 2);
    // 5 full layers x 2 heads x (512 K + 512 V) x 2 B; 25 sliding layers x 8 heads x (256 + 256) x 2 B
    expect(l.fullPerToken).toBe(5 * 2 * 1024 * 2);
    expect(l.slidingPerToken).toBe(25 * 8 * 512 * 2);
    expect(l.window).toBe(1024);
  });
  it('trap: attention_k_eq_v false: full layers get a v_proj and num_key_value_heads, not the global count', () => {
    const base = derive('gemma-4-26b-a4b.json');
    const d = dv('gemma-4-26b-a4b.json', { attention_k_eq_v: false }, true);
    // per full layer: k grows from 2 to 8 heads of 512 and a v_proj of the same size appears
    expect(d.total - base.total).toBe(5 * 2816 * (8 * 512 - 2 * 512 + 8 * 512));
  });
  it('trap: hidden_size_per_layer_input absent means the default 256 (E2B/E4B per-layer embeddings): refused', () => {
    expect(() => imp(variant('gemma-4-26b-a4b.json', { hidden_size_per_layer_input: undefined }, true))).toThrow(
      /hidden_size_per_layer_input: 256 \(the default\).*not modelled/,
    );
    expect(() => imp(variant('gemma-4-26b-a4b.json', { num_kv_shared_layers: 20 }, true))).toThrow(
      /num_kv_shared_layers/,
    );
  });
  it('trap: the last layer is always full attention; layer_types absent = 5 sliding : 1 full', () => {
    const types = Array.from({ length: 30 }, () => 'sliding_attention');
    const d = dv('gemma-4-26b-a4b.json', { layer_types: types }, true);
    expect(d.layers.sliding).toBe(29);
    expect(dv('gemma-4-26b-a4b.json', { layer_types: undefined }, true).total).toBe(
      derive('gemma-4-26b-a4b.json').total,
    );
  });
});

describe('mimo_v2_flash', () => {
  // MiMo-V2-Flash technical report, https://arxiv.org/abs/2601.02780 (and the model card
  // https://huggingface.co/XiaomiMiMo/MiMo-V2-Flash): "309B total parameters and 15B active parameters"
  it('MiMo-V2-Flash: 309B total / 15B active (rounded to 1e9; MTP layers not counted)', () => {
    const d = derive('mimo-v2-flash.json');
    expect(Math.round(d.total / 1e9)).toBe(309);
    expect(Math.round(d.active / 1e9)).toBe(15);
    expect(d.layers).toMatchObject({ attention: 48, moe: 47, dense: 1, sliding: 39 });
  });
  it('SWA layers: 8 KV heads of K 192 + V 128 and 64 sinks; full layers: 4 KV heads', () => {
    const a = load('mimo-v2-flash.json').architecture;
    const l = kvLayout(a, 2);
    expect(l.fullPerToken).toBe(9 * 4 * (192 + 128) * 2);
    expect(l.slidingPerToken).toBe(39 * 8 * (192 + 128) * 2);
    expect(l.window).toBe(128);
  });
  it('trap: an integer moe_layer_freq makes every layer dense in vLLM (only a list marks MoE layers)', () => {
    const card = imp(variant('mimo-v2-flash.json', { moe_layer_freq: 1 }));
    expect(card.architecture.moe).toBeUndefined();
    expect(deriveParams(card).layers.dense).toBe(48);
  });
  it('trap: sinks on full layers, a tied head and shared experts are refused (vLLM builds none of them)', () => {
    expect(() => imp(variant('mimo-v2-flash.json', { add_full_attention_sink_bias: true }))).toThrow(/sink/);
    expect(() => imp(variant('mimo-v2-flash.json', { tie_word_embeddings: true }))).toThrow(/untied lm_head/);
    expect(() => imp(variant('mimo-v2-flash.json', { n_shared_experts: 1 }))).toThrow(/no shared expert/);
  });
});

describe('afmoe (Arcee Trinity)', () => {
  // Arcee Trinity Large technical report, https://arxiv.org/abs/2602.17004: Mini 26B / 3B active, Nano 6B / 1B
  it('Trinity-Mini: 26B total / 3B active (rounded to 1e9)', () => {
    const d = derive('trinity-mini.json');
    expect(Math.round(d.total / 1e9)).toBe(26);
    expect(Math.round(d.active / 1e9)).toBe(3);
    expect(d.layers).toMatchObject({ moe: 30, dense: 2, sliding: 24 });
  });
  it('Trinity-Nano-Preview: 6B total / 1B active (rounded to 1e9)', () => {
    const d = derive('trinity-nano-preview.json');
    expect(Math.round(d.total / 1e9)).toBe(6);
    expect(Math.round(d.active / 1e9)).toBe(1);
  });
  it('trap: Nano has no layer_types: full attention every global_attn_every_n_layers (4) = 14 of 56', () => {
    expect(derive('trinity-nano-preview.json').layers.sliding).toBe(42);
  });
  it('trap: attention_bias is forced off by AfmoeConfig; gated attention and 4 norms per layer', () => {
    expect(dv('trinity-mini.json', { attention_bias: true }).total).toBe(derive('trinity-mini.json').total);
    const a = load('trinity-mini.json').architecture;
    expect(a.attention.type === 'gqa' && a.attention.output_gate).toBe(true);
    expect(a.norms.per_layer).toBe(4);
  });
});

describe('step3_text (inside step3_vl)', () => {
  // https://github.com/stepfun-ai/Step3 (README): "Total Parameters (LLM) 316B", "Activated Params per Token 38B"
  it('Step3: 316B total (1e9); 38B active without the input embedding (1e9)', () => {
    const d = derive('step3.json');
    expect(Math.round(d.total / 1e9)).toBe(316);
    expect(Math.round(d.activeNonEmbedding / 1e9)).toBe(38);
    expect(d.layers).toMatchObject({ attention: 61, moe: 56, dense: 5 });
  });
  it('one KV head of 256 on every layer: 61 x (256 + 256) x 2 B = 62,464 B per token', () => {
    expect(kvLayout(load('step3.json').architecture, 2).fullPerToken).toBe(61 * 512 * 2);
  });
  it('trap: moe_layers_enum absent is refused; null = the decoder fallback (every layer but 0)', () => {
    expect(() => imp(variant('step3.json', { moe_layers_enum: undefined }, true))).toThrow(/moe_layers_enum: required/);
    expect(dv('step3.json', { moe_layers_enum: null }, true).layers.moe).toBe(60);
  });
  it('trap: num_attention_groups other than 1 refused; share_q_dim null = head_dim', () => {
    expect(() => imp(variant('step3.json', { num_attention_groups: 8 }, true))).toThrow(/one KV head/);
    const a = imp(variant('step3.json', { share_q_dim: null }, true)).architecture.attention;
    expect(a.type === 'gqa' && a.q_lora_rank).toBe(256);
  });
  it('trap: a top-level projector_bias false is refused (the tower count assumes the bias)', () => {
    const cfg = variant('step3.json', {});
    cfg.projector_bias = false;
    expect(() => imp(cfg)).toThrow(/projector_bias/);
  });
});

describe('longcat_flash', () => {
  // https://huggingface.co/meituan-longcat/LongCat-Flash-Chat (and https://arxiv.org/abs/2509.01322): "560 billion
  // total parameters",
  // "activates 18.6B~31.3B parameters": the vendor truncates (560.66B, 18.69B, 31.38B), and its range leaves
  // out the input embedding table
  it('LongCat-Flash: 560B total, 18.6B-31.3B active without the input embedding (truncated to 1e9 / 1e8)', () => {
    const d = derive('longcat-flash-chat.json');
    expect(Math.floor(d.total / 1e9)).toBe(560);
    expect(Math.floor((d.activeMin - d.breakdown.embeddings) / 1e8)).toBe(186);
    expect(Math.floor(d.activeNonEmbedding / 1e8)).toBe(313);
    expect(d.layers).toMatchObject({ attention: 56, moe: 28, dense: 28 });
  });
  it('MLA on all 56 attention blocks: 56 x (512 + 64) x 2 B = 64,512 B per token', () => {
    expect(kvLayout(load('longcat-flash-chat.json').architecture, 2).fullPerToken).toBe(56 * 576 * 2);
  });
  it('trap: zero_expert_num null = no zero experts (the active range collapses)', () => {
    const d = dv('longcat-flash-chat.json', { zero_expert_num: null });
    expect(d.activeMin).toBe(d.active);
  });
  it('trap: q_lora_rank null, a num_hidden_layers other than 2 x num_layers and other zero experts are refused', () => {
    expect(() => imp(variant('longcat-flash-chat.json', { q_lora_rank: null }))).toThrow(/q_lora_rank/);
    expect(() => imp(variant('longcat-flash-chat.json', { num_hidden_layers: 28 }))).toThrow(/num_hidden_layers/);
    expect(dv('longcat-flash-chat.json', { num_hidden_layers: 56 }).total).toBe(
      derive('longcat-flash-chat.json').total,
    );
    expect(() => imp(variant('longcat-flash-chat.json', { zero_expert_type: 'copy' }))).toThrow(/zero_expert_type/);
  });
});

describe('arctic', () => {
  // https://huggingface.co/Snowflake/snowflake-arctic-instruct (model card): "a 10B dense transformer model with
  // a residual 128x3.66B MoE MLP resulting in 480B total and 17B active parameters chosen using a top-2 gating"
  it('Arctic: 480B total (1e10), 17B active (1e9), 10B dense (1e9) + 128 x 3.66B experts (1e7)', () => {
    const d = derive('snowflake-arctic-instruct.json');
    expect(Math.round(d.total / 1e10)).toBe(48);
    expect(Math.round(d.active / 1e9)).toBe(17);
    expect(Math.round((d.total - d.breakdown.routedExperts) / 1e9)).toBe(10);
    expect(Math.round(d.perExpert / 1e7)).toBe(366);
  });
  it('trap: use_residual missing is refused; with moe_layer_frequency 2 it is refused too (norm count)', () => {
    expect(() => imp(variant('snowflake-arctic-instruct.json', { use_residual: undefined }))).toThrow(/use_residual/);
    expect(() => imp(variant('snowflake-arctic-instruct.json', { moe_layer_frequency: 2 }))).toThrow(
      /moe_layer_frequency/,
    );
    const d = dv('snowflake-arctic-instruct.json', { moe_layer_frequency: 2, use_residual: false });
    expect(d.layers).toMatchObject({ moe: 17, dense: 18 });
  });
});

describe('jetmoe', () => {
  // https://huggingface.co/jetmoe/jetmoe-8b (README): "8 billion parameters in total and 2.2B active parameters"
  // (both truncated: 8.52B total, 2.27B active without the tied embedding)
  it('JetMoE-8B: 8B total, 2.2B active without the embedding (truncated to 1e9 / 1e8)', () => {
    const d = derive('jetmoe-8b.json');
    expect(Math.floor(d.total / 1e9)).toBe(8);
    expect(Math.floor(d.activeNonEmbedding / 1e8)).toBe(22);
  });
  it('mixture of attention heads: one shared K/V of 16 heads x 128 per layer = 24 x 4,096 x 2 B per token', () => {
    const a = load('jetmoe-8b.json').architecture;
    expect(a.attention.type).toBe('moa');
    expect(kvLayout(a, 2).fullPerToken).toBe(24 * 4096 * 2);
  });
  it('trap: num_attention_heads is derived (JSON value ignored); head_dim aliases kv_channels', () => {
    const base = derive('jetmoe-8b.json').total;
    expect(dv('jetmoe-8b.json', { num_attention_heads: 4 }).total).toBe(base);
    expect(dv('jetmoe-8b.json', { kv_channels: undefined, head_dim: 128 }).total).toBe(base);
    expect(() => imp(variant('jetmoe-8b.json', { head_dim: 64 }))).toThrow(/head_dim/);
  });
});

describe('lfm2_moe', () => {
  // https://huggingface.co/LiquidAI/LFM2-8B-A1B (model card): "8.3B total parameters and 1.5B active parameters"
  // (1.56B active truncated)
  it('LFM2-8B-A1B: 8.3B total (rounded to 1e8), 1.5B active (truncated to 1e8)', () => {
    const d = derive('lfm2-8b-a1b.json');
    expect(Math.round(d.total / 1e8)).toBe(83);
    expect(Math.floor(d.active / 1e8)).toBe(15);
    expect(d.layers).toMatchObject({ attention: 6, ssm: 18, moe: 22, dense: 2 });
  });
  it('6 attention layers of 8 KV heads x 64; conv layers keep 2 taps x 2048 per sequence', () => {
    const l = kvLayout(load('lfm2-8b-a1b.json').architecture, 2);
    expect(l.fullPerToken).toBe(6 * 8 * 128 * 2);
    expect(l.statePerSequence).toBe(18 * 2 * 2048 * 2);
  });
  it('trap: the older full_attn_idxs gives the same model; neither key is refused; tie_embedding wins', () => {
    const base = derive('lfm2-8b-a1b.json').total;
    const idxs = { layer_types: undefined, full_attn_idxs: [2, 6, 10, 14, 18, 21] };
    expect(dv('lfm2-8b-a1b.json', idxs).total).toBe(base);
    expect(() => imp(variant('lfm2-8b-a1b.json', { layer_types: undefined }))).toThrow(/layer_types: required/);
    expect(dv('lfm2-8b-a1b.json', { tie_embedding: false, tie_word_embeddings: true }).total).toBe(base + 65536 * 2048);
  });
});
