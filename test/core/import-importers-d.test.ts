// Mistral Large 3 (Mistral-format params.json -> Pixtral wrapper around a deepseek_v3 decoder) and the
// multimodal wrappers (llama4, glm4v_moe, qwen3_omni_moe, kimi_k25, qwen3_vl_moe) against published figures.
// Fixture provenance: test/fixtures/configs/SOURCES.md. No expected value below comes from moe-calc.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mistralParamsToConfig } from '../../src/cards/import/families/mistral-large3.js';
import { importConfig, importConfigFile } from '../../src/cards/import/index.js';
import { kvBytesPerLayer } from '../../src/core/kv.js';
import { deriveParams } from '../../src/core/params.js';
import { ROOT } from '../helpers.js';

const fx = (f: string) => join(ROOT, 'test/fixtures/configs', f);
const LARGE3 = fx('Mistral-Large-3-675B-Instruct-2512/params.json');
// biome-ignore lint/suspicious/noExplicitAny: params.json and the converted config are free-form JSON
type Any = any;
const params = (): Any => JSON.parse(readFileSync(LARGE3, 'utf8'));
/** The converted config without the release's compressed-tensors block (priced as bf16: the shapes alone). */
const converted = (p: Any = params()): Any => {
  const c = mistralParamsToConfig(p, LARGE3) as Any;
  delete c.quantization_config;
  return c;
};
const large3 = (p: Any = params()) => importConfig(converted(p), LARGE3).card;

describe('Mistral Large 3: params.json as vLLM converts it (vllm/transformers_utils/configs/mistral.py)', () => {
  it('becomes a mistral_large_3 wrapper: deepseek_v3 text_config, vision_config, quantization', () => {
    const c = mistralParamsToConfig(params(), LARGE3) as Any;
    expect(c.model_type).toBe('mistral_large_3');
    expect(c.architectures).toEqual(['PixtralForConditionalGeneration']);
    expect(c._name_or_path).toBe('Mistral-Large-3-675B-Instruct-2512');
    const t = c.text_config;
    expect(t).toMatchObject({
      model_type: 'deepseek_v3',
      hidden_size: 7168,
      num_hidden_layers: 61,
      intermediate_size: 16384,
      n_routed_experts: 128,
      num_experts_per_tok: 4,
      moe_intermediate_size: 4096,
      n_shared_experts: 1,
      first_k_dense_replace: 3,
      moe_layer_freq: 1,
      topk_method: null,
      scoring_func: 'softmax',
      q_lora_rank: 1536,
      tie_word_embeddings: false,
    });
    expect(t.rope_parameters).toMatchObject({ rope_type: 'yarn', factor: 36, attention_factor: 1 });
    expect(c.vision_config.hidden_size).toBe(1664);
    // the release's compressed-tensors block passes through as vLLM passes it
    expect(c.quantization_config.quant_method).toBe('compressed-tensors');
  });

  it('the FP8 release imports as fp8 blocks with the MLA down-projections left in bf16 (its ignore list)', () => {
    const card = importConfigFile(LARGE3).card;
    expect(card.architecture.native_precision).toBe('fp8-block-mla');
    expect(deriveParams(card).total).toBe(deriveParams(large3()).total);
  });

  // https://huggingface.co/mistralai/Mistral-Large-3-675B-Instruct-2512 : "41B active parameters and 675B total
  // parameters"; "A Granular MoE Language Model with 673B params and 39B active"; "A 2.5B Vision Encoder".
  // Mistral truncates: 673.42B -> 673, 39.95B -> 39, 2.57B -> 2.5, 675.99B -> 675.
  it('truncated as Mistral states them: 673B language model, 39B active, 2.5B vision encoder, 675B total', () => {
    const d = deriveParams(large3());
    expect(Math.floor(d.total / 1e9)).toBe(673);
    expect(Math.floor(d.active / 1e9)).toBe(39);
    expect(Math.floor(d.extra / 1e8)).toBe(25);
    expect(Math.floor((d.total + d.extra) / 1e9)).toBe(675);
    // independent tensor inventory (research script _calc_flex_lfm_mistral_mm.py), not a published figure
    expect(d.total).toBe(673_421_089_792);
    expect(d.extra).toBe(2_570_087_168);
  });

  it('no e_score_correction_bias (topk_method None), MLA cache 512 + 64, 256k context (max_seq_len)', () => {
    const card = large3();
    expect(card.architecture.moe?.router_correction_bias).toBe(false);
    expect(deriveParams(card).buffers).toBe(0);
    expect(kvBytesPerLayer(card.architecture.attention, 1)).toBe(576);
    expect(card.architecture.max_context).toBe(262_144);
    expect(card.extra_components[0]).toMatchObject({ kind: 'vision', loaded: true });
  });

  it('absent vision keys take vLLM VisionEncoderArgs defaults: adapter biases, no pre-norm, no patch merger', () => {
    const p = params();
    for (const k of ['adapter_bias', 'spatial_merge_size', 'add_pre_mm_projector_layer_norm', 'mm_projector_id']) {
      delete p.vision_encoder[k];
    }
    const e = large3(p).extra_components[0]!;
    // minus pre_mm_projector_norm (1664) and the merger (4 * 1664 x 1664), plus w_in / w_out biases (2 x 7168)
    expect(e.params).toBe(2_570_087_168 - 1664 - 4 * 1664 * 1664 + 2 * 7168);
    expect(e.source).toMatch(/absent adapter_bias, spatial_merge_size/);
  });

  it('adapter_bias true adds the two adapter biases; an unknown mm_projector_id or head_dim is refused', () => {
    const p = params();
    p.vision_encoder.adapter_bias = true;
    expect(large3(p).extra_components[0]!.params).toBe(2_570_087_168 + 2 * 7168);
    const q = params();
    q.vision_encoder.mm_projector_id = 'mlp';
    expect(() => large3(q)).toThrow(/vision_encoder\.mm_projector_id/);
    const r = params();
    r.vision_encoder.head_dim = 128;
    expect(() => large3(r)).toThrow(/vision_encoder\.head_dim/);
  });

  it('absent q_lora_rank is a plain q_proj (vLLM hasattr check), not DeepSeek-V3 1536', () => {
    const p = params();
    delete p.q_lora_rank;
    const at = large3(p).architecture.attention;
    expect(at.type === 'mla' && at.q_lora_rank).toBe(null);
  });

  it('refuses what is not modelled or would be a guess', () => {
    const edit = (f: (p: Any) => void) => {
      const p = params();
      f(p);
      return () => mistralParamsToConfig(p, LARGE3);
    };
    expect(edit((p) => delete p.moe.first_k_dense_replace)).toThrow(/moe\.first_k_dense_replace: required/);
    expect(edit((p) => (p.moe.num_shared_experts = 0))).toThrow(/Mistral Large 3 style/);
    expect(edit((p) => delete p.qk_nope_head_dim)).toThrow(/Mistral Large 3 style/);
    expect(edit((p) => (p.head_dim = 128))).toThrow(/head_dim: expected qk_nope_head_dim \+ qk_rope_head_dim = 192/);
    expect(edit((p) => (p.moe.use_load_balancing_bias = true))).toThrow(/use_load_balancing_bias/);
    expect(edit((p) => (p.sliding_window = 4096))).toThrow(/sliding_window/);
    expect(edit((p) => (p.multimodal = { whisper_model_args: {} }))).toThrow(/audio encoder/);
  });

  it("Mistral's own fp8 `quantization` block becomes quant_method fp8; without vision there is no tower", () => {
    const p = params();
    delete p.quantization_config;
    delete p.vision_encoder;
    p.quantization = { qformat_weight: 'fp8_e4m3', qscheme_act: 'TENSOR' };
    const r = importConfig(mistralParamsToConfig(p, LARGE3), LARGE3).card;
    expect(r.architecture.native_precision).toBe('fp8');
    expect(r.extra_components).toEqual([]);
  });

  it('an MLA params.json without a moe block is dense in every layer (vLLM: first_k_dense_replace = n_layers)', () => {
    const p = params();
    delete p.moe;
    const d = deriveParams(large3(p));
    expect(d.layers.moe).toBe(0);
    expect(d.layers.dense).toBe(61);
  });
});

describe('multimodal wrappers against published figures (towers.ts)', () => {
  // Hugging Face API total of meta-llama/Llama-4-Scout-17B-16E (bf16): 108,641,793,536; the text decoder
  // (107,769,861,120, pinned by the llama-4-scout card) leaves 871,932,416 for the vision encoder + projector.
  it('Llama 4 Scout (full config): vision encoder + projector 871,932,416, checkpoint 108,641,793,536', () => {
    const d = deriveParams(importConfigFile(fx('llama-4-scout-17b-16e.json')).card);
    expect(d.extra).toBe(871_932_416);
    expect(d.total + d.extra).toBe(108_641_793_536);
  });

  // third-party tensor-sum report over the 46 GLM-4.5V shards: "参数总量: 107,710,933,120"
  it('GLM-4.5V: decoder + vision tower = 107,710,933,120 exactly', () => {
    const d = deriveParams(importConfigFile(fx('glm-4.5v.json')).card);
    expect(d.total + d.extra).toBe(107_710_933_120);
    // the text decoder is GLM-4.5-Air's without its MTP layer (transformers count 106,852,245,504 + 45 x 128 buffers)
    expect(d.total).toBe(106_852_245_504 + 45 * 128);
  });

  // third-party tensor-sum report over the 15 shards of Qwen3-Omni-30B-A3B-Instruct: 35,259,818,545. The talker
  // (3,324,596,480) and code2wav (216,016,577) are not loaded by vLLM and not counted by the wrapper; their sizes
  // are the research inventory of the shard shapes (families/qwen3_omni_moe.md), so this pins the thinker only
  // through that subtraction.
  it('Qwen3-Omni: thinker (text + vision + audio) = checkpoint 35,259,818,545 - talker - code2wav', () => {
    const d = deriveParams(importConfigFile(fx('qwen3-omni-30b-a3b-instruct.json')).card);
    expect(d.total + d.extra).toBe(35_259_818_545 - 3_324_596_480 - 216_016_577);
    expect(d.extraLoaded).toBe(d.extra);
    expect(Math.floor(d.total / 1e9)).toBe(30); // "30B": the name truncates 30.53B
  });

  // third-party tensor-numel report over the 64 INT4 shards of moonshotai/Kimi-K2.5: "参数总量: 170,738,182,128".
  // Routed experts ship packed (int32 holding 8 int4: numel / 8), with bf16 scales per group of 32 (numel / 32)
  // and a 2-element weight_shape per expert matrix; everything else is stored as is.
  it('Kimi K2.5: logical parameters reproduce the packed INT4 numel 170,738,182,128', () => {
    const card = importConfigFile(fx('kimi-k2.5.json')).card;
    const d = deriveParams(card);
    const moe = card.architecture.moe!;
    let numel = 0;
    for (const t of d.tensors) {
      const packed = t.matrix && (t.role === 'ffn_gate_up_exps' || t.role === 'ffn_down_exps');
      numel += packed ? t.params / 8 + t.params / 32 : t.params;
    }
    numel += d.layers.moe * moe.experts * 3 * 2 + d.extra;
    expect(numel).toBe(170_738_182_128);
    // Moonshot: "Parameters of Vision Encoder 400M" (the MoonViT tower; the wrapper adds the projector)
    expect(Math.round((d.extra - 54_277_888) / 1e8)).toBe(4);
    expect(Math.round((d.total + d.extra) / 1e11)).toBe(10); // "Total Parameters 1T"
  });

  // Qwen3-30B-A3B: model.safetensors.index.json total_size 61,064,245,248 bytes / 2 (bf16)
  it('Qwen3-VL-30B-A3B: the text decoder is Qwen3-30B-A3B exactly (30,532,122,624)', () => {
    const vl = deriveParams(importConfigFile(fx('qwen3-vl-30b-a3b-instruct.json')).card);
    const text = deriveParams(importConfigFile(fx('qwen3-30b-a3b.json')).card);
    expect(vl.total).toBe(30_532_122_624);
    expect([vl.total, vl.active]).toEqual([text.total, text.active]);
    expect(vl.extra).toBeGreaterThan(0);
  });

  // Qwen3-235B-A22B: model.safetensors.index.json total_size 470,187,269,120 bytes / 2 (bf16)
  it('Qwen3-VL-235B-A22B: the text decoder is Qwen3-235B-A22B exactly (235,093,634,560); "A22B"', () => {
    const d = deriveParams(importConfigFile(fx('qwen3-vl-235b-a22b-instruct.json')).card);
    expect(d.total).toBe(235_093_634_560);
    expect(Math.round(d.active / 1e9)).toBe(22);
  });
});
