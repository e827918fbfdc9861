// config.json import for minimax_m2, ernie4_5_moe, hunyuan / hunyuan_v1_moe, dots1, bailing_moe (V1 and V2),
// solar_open and exaone_moe: each fixture pinned to a published figure (exact where the Hugging Face API
// total is known, else the vendor's rounding), plus the traps each importer handles. Expected values are
// published figures or hand arithmetic from the config, never moe-calc's own output.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importConfig, importConfigFile } from '../../src/cards/import/index.js';
import { kvPerToken } from '../../src/core/kv.js';
import { deriveParams } from '../../src/core/params.js';
import { ROOT } from '../helpers.js';

const fx = (f: string) => join(ROOT, 'test/fixtures/configs', f);
const json = (f: string) => JSON.parse(readFileSync(fx(f), 'utf8')) as Record<string, unknown>;
const derive = (f: string) => deriveParams(importConfigFile(fx(f)).card);
/** A fixture with some keys changed (undefined deletes the key). */
const variant = (f: string, changes: Record<string, unknown>) => {
  const data = json(f);
  for (const [k, v] of Object.entries(changes)) {
    if (v === undefined) delete data[k];
    else data[k] = v;
  }
  return importConfig(data, fx(f));
};
const deriveVariant = (f: string, changes: Record<string, unknown>) => deriveParams(variant(f, changes).card);

describe('minimax_m2 (MiniMax-M2)', () => {
  const f = 'minimax-m2.json';
  it('exact: Hugging Face API safetensors total of MiniMaxAI/MiniMax-M2 = 228,689,764,864 (decoder only)', () => {
    // https://huggingface.co/MiniMaxAI/MiniMax-M2 (API safetensors.total; also M2.1 and M2.7)
    const d = derive(f);
    expect(d.total).toBe(228_689_764_864);
    // the 62 x 256 e_score_correction_bias buffers are part of it
    expect(d.buffers).toBe(62 * 256);
    expect(d.mtp).toBe(0);
  });
  it('rounded: "230 billion total ... with 10 billion active parameters" (README): active without embedding', () => {
    // https://huggingface.co/MiniMaxAI/MiniMax-M2: 228.7B does not round to 230B; 10B holds for active
    expect(Math.round(derive(f).activeNonEmbedding / 1e9)).toBe(10);
  });
  it('q_norm / k_norm span the whole projection (6144 + 1024 per layer), natively fp8 blocks', () => {
    const { card } = importConfigFile(fx(f));
    expect(card.architecture.attention).toMatchObject({ type: 'gqa', heads: 48, head_dim: 128, qk_norm: 'full' });
    expect(card.architecture.native_precision).toBe('fp8-block');
    // hand: 2 x 8 KV heads x 128 x 2 bytes x 62 layers
    expect(kvPerToken(card.architecture, 2).full).toBe(2 * 8 * 128 * 2 * 62);
  });
  it('declared MTP modules are noted, not counted', () => {
    const { card } = importConfigFile(fx(f));
    expect(card.architecture.mtp_layers).toBe(0);
    expect(card.notes.join(' ')).toMatch(/num_mtp_modules 3/);
  });
  it('refuses keys whose value would change the tensors if honoured', () => {
    expect(() => variant(f, { attn_type_list: [0, ...new Array(61).fill(1)] })).toThrow(/attn_type_list/);
    expect(() => variant(f, { use_routing_bias: false })).toThrow(/use_routing_bias/);
    expect(() => variant(f, { shared_intermediate_size: 512 })).toThrow(/shared_intermediate_size/);
    expect(() => variant(f, { use_qk_norm: false })).toThrow(/use_qk_norm/);
    expect(() => variant(f, { attention_bias: true })).toThrow(/attention_bias/);
  });
});

describe('ernie4_5_moe (ERNIE 4.5)', () => {
  it('exact: ERNIE-4.5-21B-A3B-Thinking Hugging Face API total 21,825,437,888 (decoder, no MTP shipped)', () => {
    // https://huggingface.co/baidu/ERNIE-4.5-21B-A3B-Thinking: safetensors {F32 4,425,408, BF16 21,821,012,480}
    const d = derive('ernie-4.5-21b-a3b-thinking.json');
    expect(d.total).toBe(21_825_437_888);
    expect(d.layers).toMatchObject({ moe: 27, dense: 1 });
    // the F32 share is the 27 routers (64 x 2560) and 27 correction biases (1 x 64)
    expect(27 * 64 * 2560 + 27 * 64).toBe(4_425_408);
    // "21B total parameters and 3B activated" (model card)
    expect(Math.round(d.activeNonEmbedding / 1e9)).toBe(3);
    // hand: 2 x 4 KV heads x 128 x 2 bytes x 28 layers
    expect(kvPerToken(importConfigFile(fx('ernie-4.5-21b-a3b-thinking.json')).card.architecture, 2).full).toBe(57_344);
  });
  it('rounded: ERNIE-4.5-300B-A47B-PT "300.5B" (Hugging Face API survey) = decoder + MTP layer', () => {
    const { card } = importConfigFile(fx('ernie-4.5-300b-a47b-pt.json'));
    const d = deriveParams(card);
    // MTP layer by hand (vLLM ernie_mtp.py): mtp_linear_proj 2 x 8192 x 8192 + two norms 2 x 8192 + one decoder
    // layer with a dense MLP: attention 2 x 8192 x 8192 + 2 x 8192 x 1024, 2 norms, 3 x 8192 x 28672
    const mtp = 2 * 8192 * 8192 + 2 * 8192 + (2 * 8192 * 8192 + 2 * 8192 * 1024) + 2 * 8192 + 3 * 8192 * 28672;
    expect(mtp).toBe(989_888_512);
    expect(Math.round((d.total + mtp) / 1e8)).toBe(3005);
    expect(card.notes.join(' ')).toContain('989,888,512');
    expect(d.mtp).toBe(0);
    // "300B total parameters and 47B activated parameters" (model card)
    expect(Math.round(d.activeNonEmbedding / 1e9)).toBe(47);
    expect(d.layers).toMatchObject({ moe: 51, dense: 3 });
  });
  it('moe_layer_end_index null means the last layer; the interval test is on i + 1', () => {
    const base = derive('ernie-4.5-21b-a3b-thinking.json');
    expect(deriveVariant('ernie-4.5-21b-a3b-thinking.json', { moe_layer_end_index: null }).total).toBe(base.total);
    const every2 = deriveVariant('ernie-4.5-21b-a3b-thinking.json', { moe_layer_interval: 2 });
    // (i + 1) % 2 == 0 and i >= 1: layers 1, 3, ..., 27
    expect(every2.layers).toMatchObject({ moe: 14, dense: 14 });
    expect(every2.tensors.find((t) => t.component === 'routedExperts')?.layer).toBe(1);
  });
  it('use_bias biases attention, the dense MLP, the shared experts and lm_head, never the experts', () => {
    const base = derive('ernie-4.5-21b-a3b-thinking.json');
    const biased = deriveVariant('ernie-4.5-21b-a3b-thinking.json', { use_bias: true });
    // hand: 28 x (q 2560 + k 512 + v 512 + o 2560) + dense (2 x 12288 + 2560) + 27 x shared (2 x 3072 + 2560)
    // + lm_head 103424
    expect(biased.total - base.total).toBe(28 * 6144 + 27136 + 27 * 8704 + 103424);
  });
  it('refuses moe_use_aux_free false and the VL [text, vision] lists', () => {
    expect(() => variant('ernie-4.5-21b-a3b-thinking.json', { moe_use_aux_free: false })).toThrow(/moe_use_aux_free/);
    expect(() => variant('ernie-4.5-21b-a3b-thinking.json', { moe_num_experts: [64, 64] })).toThrow(
      /second routed-expert set/,
    );
  });
  it('ernie4_5_vl_moe is not imported (its vision experts are not modelled)', () => {
    const vl = { model_type: 'ernie4_5_vl_moe', text_config: { ...json('ernie-4.5-21b-a3b-thinking.json') } };
    (vl.text_config as Record<string, unknown>).model_type = 'ernie4_5_vl_moe_text';
    expect(() => importConfig(vl, 'config.json')).toThrow(/ernie4_5_vl_moe.*vision experts/);
  });
});

describe('hunyuan / hunyuan_v1_moe (Hunyuan-A13B)', () => {
  const f = 'hunyuan-a13b-instruct.json';
  it('rounded: "80.4B" and 160.8 GB bf16 (Hugging Face API survey); README "80 billion ... 13 billion active"', () => {
    // https://huggingface.co/tencent/Hunyuan-A13B-Instruct; https://github.com/Tencent-Hunyuan/Hunyuan-A13B
    const d = derive(f);
    expect(Math.round(d.total / 1e8)).toBe(804);
    expect(Math.round((d.total * 2) / 1e8)).toBe(1608);
    expect(Math.round(d.total / 1e9)).toBe(80);
    expect(Math.round(d.active / 1e9)).toBe(13);
    // hand: 2 x 8 KV heads x 128 x 2 bytes x 32 layers
    expect(kvPerToken(importConfigFile(fx(f)).card.architecture, 2).full).toBe(131_072);
  });
  it('hunyuan_v1_moe (transformers) needs head_dim and then builds the same tensors', () => {
    expect(() => variant(f, { model_type: 'hunyuan_v1_moe' })).toThrow(/head_dim: required/);
    expect(deriveVariant(f, { model_type: 'hunyuan_v1_moe', head_dim: 128 }).total).toBe(derive(f).total);
    expect(() => variant(f, { model_type: 'hunyuan_v1_moe', head_dim: 128, use_mixed_mlp_moe: false })).toThrow(
      /use_mixed_mlp_moe/,
    );
  });
  it('remote code: no shared MLP without use_mixed_mlp_moe, no q/k norms without use_qk_norm', () => {
    const base = derive(f);
    expect(base.total - deriveVariant(f, { use_mixed_mlp_moe: false }).total).toBe(32 * 3 * 4096 * 3072);
    expect(base.total - deriveVariant(f, { use_qk_norm: false }).total).toBe(32 * 2 * 128);
  });
  it('refuses CLA and per-layer widths the loaders do not build', () => {
    expect(() => variant(f, { use_cla: true })).toThrow(/use_cla/);
    expect(() => variant(f, { moe_intermediate_size: [1536, ...new Array(31).fill(3072)] })).toThrow(
      /moe_intermediate_size/,
    );
    expect(() => variant(f, { num_shared_expert: [2, ...new Array(31).fill(1)] })).toThrow(/num_shared_expert/);
    expect(() => variant(f, { attention_head_dim: 64 })).toThrow(/attention_head_dim/);
  });
});

describe('dots1 (dots.llm1)', () => {
  const f = 'dots.llm1.inst.json';
  it('rounded: "142.8B" (Hugging Face API survey) and "14B activated out of a total of 142B" (README)', () => {
    // https://huggingface.co/rednote-hilab/dots.llm1.inst; https://github.com/rednote-hilab/dots.llm1
    const d = derive(f);
    expect(Math.round(d.total / 1e8)).toBe(1428);
    expect(Math.floor(d.total / 1e9)).toBe(142);
    expect(Math.round(d.active / 1e9)).toBe(14);
    // hand: 32 KV heads (no GQA): 2 x 32 x 128 x 2 bytes x 62 layers
    expect(kvPerToken(importConfigFile(fx(f)).card.architecture, 2).full).toBe(1_015_808);
  });
  it('n_shared_experts has no default (the model cannot be built without it)', () => {
    expect(() => variant(f, { n_shared_experts: undefined })).toThrow(/n_shared_experts: required/);
    expect(() => variant(f, { n_shared_experts: null })).toThrow(/n_shared_experts: null/);
  });
  it('sliding layers from i >= max_window_layers while sliding_window is set; none when it is null', () => {
    const { card } = variant(f, { sliding_window: 4096, max_window_layers: 60 });
    expect(card.architecture.sliding_window).toEqual({ window: 4096, layers: { indices: [60, 61] } });
    expect(variant(f, { sliding_window: null, max_window_layers: 0 }).card.architecture.sliding_window).toBeUndefined();
  });
});

describe('bailing_moe (Ling / Ring V1 and V2)', () => {
  it('exact: Ling-flash-2.0 (V2) Hugging Face API total 102,889,705,216', () => {
    // https://huggingface.co/inclusionAI/Ling-flash-2.0: safetensors {BF16 102,889,697,280, F32 7,936}
    const d = derive('ling-flash-2.0.json');
    expect(d.total).toBe(102_889_705_216);
    // the F32 share is the 31 x 256 expert_bias buffers
    expect(d.buffers).toBe(7_936);
    // "6.1B activated parameters (4.8B non-embedding)" (model card): both truncated
    expect(Math.floor(d.active / 1e8)).toBe(61);
    expect(Math.floor((d.active - d.breakdown.embeddings - d.breakdown.lmHead) / 1e8)).toBe(48);
    // hand: 2 x 4 KV heads x 128 x 2 bytes x 32 layers
    expect(kvPerToken(importConfigFile(fx('ling-flash-2.0.json')).card.architecture, 2).full).toBe(65_536);
  });
  it('exact: Ling-mini-2.0 (V2) Hugging Face API total 16,255,643,392; "1.43B activated, 789M non-embedding"', () => {
    // https://huggingface.co/inclusionAI/Ling-mini-2.0
    const d = derive('ling-mini-2.0.json');
    expect(d.total).toBe(16_255_643_392);
    expect(Math.round(d.active / 1e7)).toBe(143);
    expect(Math.round((d.active - d.breakdown.embeddings - d.breakdown.lmHead) / 1e6)).toBe(789);
  });
  it('rounded: Ling-lite-1.5 (V1) "16.8B total, 2.75B activated" (Ling README)', () => {
    // https://github.com/inclusionAI/Ling
    const d = derive('ling-lite-1.5.json');
    expect(Math.round(d.total / 1e8)).toBe(168);
    expect(Math.round(d.active / 1e7)).toBe(275);
    expect(d.buffers).toBe(0);
  });
  it('V1 vs V2 is architectures[0], not model_type', () => {
    const asV1 = { architectures: ['BailingMoeForCausalLM'] };
    // the V1 model builds every layer as MoE: a V2 config with a dense first layer is refused as V1
    expect(() => variant('ling-flash-2.0.json', asV1)).toThrow(/first_k_dense_replace/);
    expect(() => variant('ling-flash-2.0.json', { architectures: undefined })).toThrow(/architectures: required/);
    expect(deriveVariant('ling-flash-2.0.json', { model_type: 'bailing_moe_v2' }).total).toBe(102_889_705_216);
  });
  it('V2 traps: expert_bias always built, vLLM LayerNorm q/k norms, shared width key, MTP without copies', () => {
    const f = 'ling-flash-2.0.json';
    expect(() => variant(f, { moe_router_enable_expert_bias: false })).toThrow(/moe_router_enable_expert_bias/);
    expect(() => variant(f, { use_rmsnorm: false })).toThrow(/use_rmsnorm/);
    expect(() => variant(f, { moe_shared_expert_intermediate_size: 2048 })).toThrow(/moe_shared_expert/);
    // head_dim absent = 128 (class default), null = hidden / heads = 128 here too
    expect(deriveVariant(f, { head_dim: undefined }).total).toBe(102_889_705_216);
    // one MTP layer by hand: a MoE decoder layer (attention 4096 x 5120 + 4096 x 4096 + q/k norms 256, 2 norms,
    // router 256 x 4096 + bias 256, 256 experts + 1 shared of 3 x 4096 x 1024) + enorm / hnorm / final norm
    // + eh_proj 2 x 4096 x 4096; the embedding and head are the decoder's
    const layer = 4096 * 5120 + 4096 * 4096 + 256 + 2 * 4096 + 256 * 4096 + 256 + 257 * 3 * 4096 * 1024;
    expect(deriveVariant(f, { num_nextn_predict_layers: 1 }).mtp).toBe(layer + 3 * 4096 + 2 * 4096 * 4096);
  });
});

describe('solar_open (Solar Open)', () => {
  const f = 'solar-open-100b.json';
  it('rounded: "Total Parameters: 102.6B" truncates; "Active Parameters: 12B" (model card)', () => {
    // https://huggingface.co/upstage/Solar-Open-100B: the vendor truncates 102.65B to 102.6B
    const d = derive(f);
    expect(Math.floor(d.total / 1e8)).toBe(1026);
    expect(Math.round(d.active / 1e9)).toBe(12);
    expect(d.layers).toMatchObject({ moe: 48, dense: 0 });
  });
  it('intermediate_size is unused; first_k_dense_replace > 0 is refused (every layer is MoE)', () => {
    expect(deriveVariant(f, { intermediate_size: 99999 }).total).toBe(derive(f).total);
    expect(() => variant(f, { first_k_dense_replace: 1 })).toThrow(/first_k_dense_replace/);
    expect(() => variant(f, { use_qk_norm: true })).toThrow(/use_qk_norm/);
  });
});

describe('exaone_moe (K-EXAONE)', () => {
  const f = 'k-exaone-236b-a23b.json';
  it('rounded: "236B in total and 23B activated", "234B without embeddings" (README), all truncated', () => {
    // https://huggingface.co/LGAI-EXAONE/K-EXAONE-236B-A23B: 236.57B / 234.68B / 23.67B truncated
    const d = derive(f);
    expect(Math.floor(d.total / 1e9)).toBe(236);
    expect(Math.floor((d.total - d.breakdown.embeddings - d.breakdown.lmHead) / 1e9)).toBe(234);
    expect(Math.floor(d.active / 1e9)).toBe(23);
    expect(d.layers).toMatchObject({ moe: 47, dense: 1, sliding: 36 });
  });
  it('3:1 sliding (128 tokens) / global layers: KV per token', () => {
    const a = importConfigFile(fx(f)).card.architecture;
    expect(a.sliding_window?.window).toBe(128);
    // hand: 12 global and 36 sliding layers of 2 x 8 x 128 values, bf16
    expect(kvPerToken(a, 2)).toMatchObject({ full: 12 * 4096, sliding: 36 * 4096 });
  });
  it('without layer_types, sliding_window_pattern "LLLG" or 4 gives the same layers', () => {
    const n = derive(f).layers.sliding;
    expect(deriveVariant(f, { layer_types: undefined }).layers.sliding).toBe(n);
    expect(deriveVariant(f, { layer_types: undefined, sliding_window_pattern: 4 }).layers.sliding).toBe(n);
  });
  it('refuses legacy is_moe_layer / first_last_k_dense_replace that disagree with what transformers builds', () => {
    expect(() => variant(f, { first_last_k_dense_replace: 2 })).toThrow(/first_last_k_dense_replace/);
    expect(() => variant(f, { is_moe_layer: new Array(48).fill(true) })).toThrow(/is_moe_layer/);
    // first_k_dense_replace absent: the class default 1 coincides with the legacy keys
    expect(
      deriveVariant(f, { first_k_dense_replace: 2, is_moe_layer: undefined, first_last_k_dense_replace: undefined })
        .layers.dense,
    ).toBe(2);
  });
  it('a dense MTP layer is noted, not counted', () => {
    const { card } = variant(f, { num_nextn_predict_layers: 1 });
    expect(card.architecture.mtp_layers).toBe(0);
    expect(card.notes.join(' ')).toMatch(/MTP/);
  });
});
