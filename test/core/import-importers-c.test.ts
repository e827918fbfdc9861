import { describe, expect, it } from 'vitest';
import { kvPerToken, ssmStateBytesPerLayer } from '../../src/core/kv.js';
import { deriveParams } from '../../src/core/params.js';

import { load, derive, variant, imp } from '../import-helpers.js';

describe('qwen3_next / qwen3_5_moe_text', () => {
  // Hugging Face safetensors total of Qwen/Qwen3-Next-80B-A3B-Instruct (and -Thinking), MTP weights included:
  // https://huggingface.co/Qwen/Qwen3-Next-80B-A3B-Instruct (Hub "total_params" 81,324,862,720)
  it('Qwen3-Next-80B-A3B: decoder + MTP = Hub total 81,324,862,720 exactly; decoder alone = Coder-Next total', () => {
    const d = derive('qwen3-next-80b-a3b-instruct.json');
    expect(d.total + d.mtp).toBe(81_324_862_720);
    // Qwen/Qwen3-Coder-Next (same shape, shipped without MTP): Hub total 79,674,391,296
    expect(d.total).toBe(79_674_391_296);
    expect(d.layers).toMatchObject({ attention: 12, ssm: 36, moe: 48, dense: 0 });
  });
  it('Qwen3-Next: model card "80B total, 3B activated", "Non-Embedding: 79B" (rounded to 1e9)', () => {
    const d = derive('qwen3-next-80b-a3b-instruct.json');
    const emb = d.breakdown.embeddings + d.breakdown.lmHead;
    expect(Math.round(d.total / 1e9)).toBe(80);
    expect(Math.round((d.total - emb) / 1e9)).toBe(79);
    expect(Math.round((d.active - emb) / 1e9)).toBe(3);
  });
  it('Qwen3-Next: KV 12 x 2 KV heads x 256 x 2 (K, V) bf16 = 24,576 B/token; GDN state in bf16 (no vLLM hook)', () => {
    const a = load('qwen3-next-80b-a3b-instruct.json').architecture;
    expect(kvPerToken(a, 2).full).toBe(24_576);
    expect(a.ssm?.kind === 'gated_deltanet' && a.ssm.state_dtype).toBe('bf16');
  });
  // Qwen/Qwen3.5-397B-A17B Hub total, split by a safetensors-header audit into text 396,346,350,336 +
  // vision 456,010,480 + MTP 6,595,568,128: https://huggingface.co/Qwen/Qwen3.5-397B-A17B
  it('Qwen3.5-397B-A17B: text + vision tower + MTP = Hub total 403,397,928,944 exactly (each part exact)', () => {
    const d = derive('qwen3.5-397b-a17b.json');
    expect([d.total, d.extra, d.mtp]).toEqual([396_346_350_336, 456_010_480, 6_595_568_128]);
    expect(d.total + d.extra + d.mtp).toBe(403_397_928_944);
    // "A17B": 17.35B active with both embeddings (rounded to 1e9)
    expect(Math.round(d.active / 1e9)).toBe(17);
  });
  // Qwen/Qwen3.6-35B-A3B safetensors total at revision 995ad96eacd9: https://huggingface.co/Qwen/Qwen3.6-35B-A3B
  it('Qwen3.6-35B-A3B: text + vision + MTP = Hub total 35,951,822,704 exactly; "A3B" rounds (1e9)', () => {
    const d = derive('qwen3.6-35b-a3b.json');
    expect(d.total + d.extra + d.mtp).toBe(35_951_822_704);
    expect(Math.round(d.active / 1e9)).toBe(3);
  });
  it('Qwen3.6: fp32 GDN state page 2,146,304 B = 2,096 tokens of fp8 KV (the vLLM log in club-3090#612)', () => {
    // https://github.com/noonghunna/club-3090/issues/612: "GPU KV cache size: 567,978 tokens" follows from a
    // 2,096-token block whose attention page (1,024 B/token/layer fp8) equals the GDN state page
    const a = load('qwen3.6-35b-a3b.json').architecture;
    expect(ssmStateBytesPerLayer(a.ssm!, a.hidden_size)).toBe(2_146_304);
    expect(ssmStateBytesPerLayer(a.ssm!, a.hidden_size) / 1024).toBe(2096);
    expect(kvPerToken(a, 2).full).toBe(20_480);
  });
  it('trap: without layer_types, every full_attention_interval-th layer (1-based) is full attention', () => {
    const a = imp(variant('qwen3.6-35b-a3b.json', { layer_types: undefined, full_attention_interval: 5 }, true));
    expect(a.architecture.attention_layers).toEqual({ indices: [4, 9, 14, 19, 24, 29, 34, 39] });
  });
  it('trap: qwen3_next intermediate_size is unused while every layer is MoE; mlp_only_layers make dense layers', () => {
    const base = derive('qwen3-next-80b-a3b-instruct.json').total;
    const wider = deriveParams(imp(variant('qwen3-next-80b-a3b-instruct.json', { intermediate_size: 99_999 })));
    expect(wider.total).toBe(base);
    const dense = deriveParams(imp(variant('qwen3-next-80b-a3b-instruct.json', { mlp_only_layers: [0] })));
    expect(dense.layers.dense).toBe(1);
    expect(dense.total).toBe(base - (512 * 3 * 2048 * 512 + 512 * 2048 + 3 * 2048 * 512 + 2048) + 3 * 2048 * 5120);
  });
  it('trap: qwen3_5 builds MoE in every layer, so a dense-layer list is refused; so is attn_output_gate false', () => {
    expect(() => imp(variant('qwen3.6-35b-a3b.json', { mlp_only_layers: [0] }, true))).toThrow(/mlp_only_layers/);
    expect(() => imp(variant('qwen3.6-35b-a3b.json', { attn_output_gate: false }, true))).toThrow(/attn_output_gate/);
  });
  it('trap: mamba_ssm_dtype float32 keeps the recurrent state in fp32 (absent: model dtype)', () => {
    const a = load('qwen3.6-35b-a3b.json').architecture;
    expect(a.ssm?.kind === 'gated_deltanet' && a.ssm.state_dtype).toBe('fp32');
    const b = imp(variant('qwen3.6-35b-a3b.json', { mamba_ssm_dtype: undefined }, true)).architecture;
    expect(b.ssm?.kind === 'gated_deltanet' && b.ssm.state_dtype).toBe('bf16');
  });
});

describe('kimi_linear', () => {
  // index total_size / 2 of moonshotai/Kimi-Linear-48B-A3B-Instruct, quoted as 49.123B (rounded to 1e6) in a
  // public test of hybrid-architecture counts; https://huggingface.co/moonshotai/Kimi-Linear-48B-A3B-Instruct
  it('Kimi-Linear-48B-A3B: 49.123B from the checkpoint index (rounded to 1e6); "3B active" (1e9)', () => {
    const d = derive('kimi-linear-48b-a3b-instruct.json');
    expect(Math.round(d.total / 1e6)).toBe(49_123);
    expect(Math.round(d.active / 1e9)).toBe(3);
    expect(d.layers).toMatchObject({ attention: 7, ssm: 20, moe: 26, dense: 1 });
  });
  it('Kimi-Linear: MLA caches 512 + 64 values on its 7 layers = 8,064 B/token bf16', () => {
    expect(kvPerToken(load('kimi-linear-48b-a3b-instruct.json').architecture, 2).full).toBe(8_064);
  });
  it('trap: kda_layers / full_attn_layers are 1-based (layer number 4 is index 3)', () => {
    const a = load('kimi-linear-48b-a3b-instruct.json').architecture;
    expect(a.attention_layers).toEqual({ indices: [3, 7, 11, 15, 19, 23, 26] });
    const cfg = variant('kimi-linear-48b-a3b-instruct.json', {});
    cfg.linear_attn_config.full_attn_layers = [0, 4, 8, 12, 16, 20, 24];
    expect(() => imp(cfg)).toThrow(/1-based/);
  });
  it('trap: q_lora_rank must be null (vLLM asserts it) and num_experts null makes every layer dense', () => {
    expect(() => imp(variant('kimi-linear-48b-a3b-instruct.json', { q_lora_rank: 1536 }))).toThrow(/q_lora_rank/);
    const dense = imp(variant('kimi-linear-48b-a3b-instruct.json', { num_experts: null }));
    expect(dense.architecture.moe).toBeUndefined();
    expect(deriveParams(dense).layers.dense).toBe(27);
  });
  it('trap: keys of later Kimi variants that change the tensors are refused', () => {
    expect(() => imp(variant('kimi-linear-48b-a3b-instruct.json', { mla_use_output_gate: true }))).toThrow(
      /mla_use_output_gate.*refuses/,
    );
  });
});

describe('nemotron_h', () => {
  // llama.cpp n_params of the Nemotron-3-Nano GGUF ("nemotron_h_moe 31B.A3.5B"); paper arXiv 2512.20848
  it('Nemotron-3-Nano-30B-A3B: 31,577,940,288 exactly (llama.cpp n_params); paper "31.6B" (1e8)', () => {
    const d = derive('nemotron-3-nano-30b-a3b-bf16.json');
    expect(d.total).toBe(31_577_940_288);
    expect(Math.round(d.total / 1e8)).toBe(316);
    // the Hub tally 31,577,937,344 leaves out the 23 x 128 fp32 router correction biases
    expect(d.total - d.buffers).toBe(31_577_937_344);
  });
  it('Nemotron-3-Nano: paper "3.2B active" without the input embedding, "3.6B" with it (1e8)', () => {
    const d = derive('nemotron-3-nano-30b-a3b-bf16.json');
    expect(Math.round(d.activeNonEmbedding / 1e8)).toBe(32);
    expect(Math.round(d.active / 1e8)).toBe(36);
    expect(d.layers).toMatchObject({ attention: 6, ssm: 23, moe: 23, dense: 0 });
  });
  it('trap: relu^2 experts have up + down only, and M / * layers have no FFN', () => {
    const a = load('nemotron-3-nano-30b-a3b-bf16.json').architecture;
    expect([a.moe?.gated, a.mlp.gated, a.mlp.layers, a.norms.per_layer]).toEqual([false, false, 'none', 1]);
    const d = derive('nemotron-3-nano-30b-a3b-bf16.json');
    expect(d.perExpertLayer).toBe(2 * 2688 * 1856);
  });
  it('trap: "-" layers are dense MLPs of intermediate_size (a one-entry list counts as that width)', () => {
    const p = 'MEMEM*EMEMEM*EMEMEM*EMEMEM*EMEMEM*EMEMEMEM*EMEMEMEME'.replace(/E(?=M\*)/g, '-');
    const d = deriveParams(imp(variant('nemotron-3-nano-30b-a3b-bf16.json', { hybrid_override_pattern: p })));
    const e = deriveParams(
      imp(variant('nemotron-3-nano-30b-a3b-bf16.json', { hybrid_override_pattern: p, intermediate_size: [1856] })),
    );
    expect(d.layers.dense).toBe(6);
    expect(e.total).toBe(d.total);
    // each swap drops router, correction bias, 128 up/down experts and the shared expert for one up/down MLP
    const moe = 128 * 2688 + 128 + 128 * 2 * 2688 * 1856 + 2 * 2688 * 3712;
    expect(d.total).toBe(31_577_940_288 - 6 * moe + 6 * 2 * 2688 * 1856);
  });
  it('trap: a latent MoE (Nemotron-3-Super) and MTP layers are refused', () => {
    expect(() => imp(variant('nemotron-3-nano-30b-a3b-bf16.json', { moe_latent_size: 1024 }))).toThrow(
      /moe_latent_size/,
    );
    expect(() => imp(variant('nemotron-3-nano-30b-a3b-bf16.json', { num_nextn_predict_layers: 1 }))).toThrow(/MTP/);
  });
  it('Nemotron-3-Nano: 6 attention layers x 2 KV heads x 128 x 2 bf16 = 6,144 B/token; SSM state fp32', () => {
    const a = load('nemotron-3-nano-30b-a3b-bf16.json').architecture;
    expect(kvPerToken(a, 2).full).toBe(6_144);
    expect(a.ssm?.kind === 'mamba2' && a.ssm.state_dtype).toBe('fp32');
  });
});

describe('minimax (lightning)', () => {
  // MiniMax-AI/MiniMax-M1 model.safetensors.index.json total_size 912,210,767,872 B = bf16 weights + the fp32
  // router gates (80 x 32 x 6144): https://github.com/MiniMax-AI/MiniMax-M1/blob/main/model.safetensors.index.json
  it('MiniMax-M1: 456,089,655,296 exactly (index total_size with fp32 gates); "45.9B activated" (1e8)', () => {
    const d = derive('minimax-m1.json');
    expect(d.total).toBe(456_089_655_296);
    expect(2 * d.total + 2 * (80 * 32 * 6144)).toBe(912_210_767_872);
    // README: "456 billion parameters with 45.9 billion parameters activated per token" (no embedding, no head)
    expect(Math.round((d.active - d.breakdown.embeddings - d.breakdown.lmHead) / 1e8)).toBe(459);
    expect(d.layers).toMatchObject({ attention: 10, ssm: 70, moe: 80 });
  });
  it('trap: head_dim 128 is explicit (hidden / heads = 96) and attn_type_list 0 = lightning', () => {
    const a = load('minimax-m1.json').architecture;
    expect(a.attention.type === 'gqa' && a.attention.head_dim).toBe(128);
    expect(a.ssm?.kind === 'lightning' && [a.ssm.heads, a.ssm.head_dim]).toEqual([64, 128]);
    expect(kvPerToken(a, 2).full).toBe(40_960);
  });
  it('trap: a shared MLP is refused; no attn_type_list means every layer softmax (vLLM)', () => {
    expect(() => imp(variant('minimax-m1.json', { shared_intermediate_size: [1024] }))).toThrow(
      /shared_intermediate_size/,
    );
    expect(imp(variant('minimax-m1.json', { attn_type_list: undefined })).architecture.ssm).toBeUndefined();
  });
});

describe("the lead's importers against published totals", () => {
  // Hub total of deepseek-ai/DeepSeek-V3.2 (weights incl. the MTP layer; ue8m0 scales not tallied)
  it('DeepSeek-V3.2: decoder + MTP (with its embedding and head) = 685,355,329,792 exactly', () => {
    const d = derive('deepseek-v3.2.json');
    expect(d.total + d.mtp).toBe(685_355_329_792);
    expect(Math.round(d.activeNonEmbedding / 1e9)).toBe(37);
  });
  it('DeepSeek-V3.2: fp8_ds_mla 656 B + indexer 132 B per layer = 48,068 B/token (SGLang PR #11309 sizing)', () => {
    // https://github.com/sgl-project/sglang/pull/11309: "#tokens: 975424, KV size: 43.67 GB" = 975,424 x 61 x 788 B
    const full = kvPerToken(load('deepseek-v3.2.json').architecture, 1).full;
    expect(full).toBe(48_068);
    expect((975_424 * full) / 2 ** 30).toBeCloseTo(43.67, 2);
  });
  // Hub total of zai-org/GLM-5 (and GLM-5.1), bf16, the MTP layer (no embedding / head copy) included
  it('GLM-5: decoder + MTP = 753,864,139,008 exactly; "744B" (1e9), "40B active" without embedding and head', () => {
    const d = derive('glm-5.json');
    expect(d.total + d.mtp).toBe(753_864_139_008);
    expect(Math.round(d.total / 1e9)).toBe(744);
    expect(Math.round((d.active - d.breakdown.embeddings - d.breakdown.lmHead) / 1e9)).toBe(40);
  });
  // Hub display "31B" for zai-org/GLM-4.7-Flash (rounded: only decoder + MTP with its embedding/head copies gives it)
  it('GLM-4.7-Flash: decoder + MTP rounds to the Hub "31B" (1e9); "30B-A3B" (1e9)', () => {
    const d = derive('glm-4.7-flash.json');
    expect(Math.round((d.total + d.mtp) / 1e9)).toBe(31);
    expect(Math.round(d.total / 1e9)).toBe(30);
    expect(Math.round((d.active - d.breakdown.embeddings - d.breakdown.lmHead) / 1e9)).toBe(3);
  });
  // Hub-derived total of ibm-granite/granite-4.0-h-small, equal to llama.cpp's n_params of its GGUF
  it('Granite-4.0-H-Small: 32,207,337,984 exactly; "9B active" (1e9); 16,384 B/token bf16 KV', () => {
    const d = derive('granite-4.0-h-small.json');
    expect(d.total).toBe(32_207_337_984);
    expect(Math.round(d.active / 1e9)).toBe(9);
    expect(kvPerToken(load('granite-4.0-h-small.json').architecture, 2).full).toBe(16_384);
  });
});
