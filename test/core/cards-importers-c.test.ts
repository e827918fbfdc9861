// Built-in cards of the hybrid / sparse-attention flagships: each total pinned to a published figure (not to
// moe-calc's own output), the checkpoint total where the card carries MTP layers or towers, the per-sequence
// state the notes state, and agreement with the imported config of the same checkpoint.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importConfigFile } from '../../src/cards/import/index.js';
import { kvPerToken } from '../../src/core/kv.js';
import { deriveParams } from '../../src/core/params.js';
import { card, ROOT } from '../helpers.js';

const d = (id: string) => deriveParams(card(id));
const noEmb = (x: ReturnType<typeof d>) => x.active - x.breakdown.embeddings - x.breakdown.lmHead;

describe('checkpoint totals of the new cards', () => {
  it('qwen3-next-80b-a3b: decoder + MTP = Hub total 81,324,862,720', () => {
    const x = d('qwen3-next-80b-a3b');
    // https://huggingface.co/Qwen/Qwen3-Next-80B-A3B-Instruct (Hub total, MTP included)
    expect(x.total + x.mtp).toBe(81_324_862_720);
    // Qwen/Qwen3-Coder-Next, the same decoder without MTP weights: Hub total 79,674,391,296
    expect(x.total).toBe(79_674_391_296);
  });
  it('qwen3.5-397b-a17b: text + vision + MTP = Hub total 403,397,928,944; the name counts text + vision (1e9)', () => {
    const x = d('qwen3.5-397b-a17b');
    // https://huggingface.co/Qwen/Qwen3.5-397B-A17B; header audit: 396,346,350,336 + 456,010,480 + 6,595,568,128
    expect([x.total, x.extra, x.mtp]).toEqual([396_346_350_336, 456_010_480, 6_595_568_128]);
    expect(x.total + x.extra + x.mtp).toBe(403_397_928_944);
    expect(Math.round((x.total + x.extra) / 1e9)).toBe(397);
    expect(Math.round(x.active / 1e9)).toBe(17);
  });
  it('qwen3.6-35b-a3b: text + vision + MTP = Hub total 35,951,822,704; "35B in total and 3B activated" (1e9)', () => {
    const x = d('qwen3.6-35b-a3b');
    // https://huggingface.co/Qwen/Qwen3.6-35B-A3B (safetensors total at revision 995ad96eacd9)
    expect(x.total + x.extra + x.mtp).toBe(35_951_822_704);
    expect([Math.round(x.total / 1e9), Math.round(x.active / 1e9)]).toEqual([35, 3]);
  });
  it('deepseek-v3.2: decoder + MTP (with embedding and head copies) = Hub total 685,355,329,792', () => {
    const x = d('deepseek-v3.2');
    // https://huggingface.co/deepseek-ai/DeepSeek-V3.2 (ue8m0 block scales not tallied)
    expect(x.total + x.mtp).toBe(685_355_329_792);
    expect(Math.round(x.activeNonEmbedding / 1e9)).toBe(37);
  });
  it('glm-5: decoder + MTP (no embedding copies) = Hub total 753,864,139,008; report "744B" / "40B" (1e9)', () => {
    const x = d('glm-5');
    // https://huggingface.co/zai-org/GLM-5; https://arxiv.org/abs/2602.15763 architecture table
    expect(x.total + x.mtp).toBe(753_864_139_008);
    expect(Math.round(x.total / 1e9)).toBe(744);
    expect(Math.round(noEmb(x) / 1e9)).toBe(40);
  });
  it('kimi-linear-48b-a3b: 49.123B from the checkpoint index (1e6); "3B active" (1e9)', () => {
    const x = d('kimi-linear-48b-a3b');
    // index total_size / 2 of moonshotai/Kimi-Linear-48B-A3B-Instruct, quoted as 49.123B in a public test
    expect(Math.round(x.total / 1e6)).toBe(49_123);
    expect(Math.round(x.active / 1e9)).toBe(3);
  });
  it('nemotron-3-nano-30b-a3b: 31,577,940,288 (llama.cpp n_params); "31.6B / 3.2B active" (1e8)', () => {
    const x = d('nemotron-3-nano-30b-a3b');
    expect(x.total).toBe(31_577_940_288);
    expect([Math.round(x.total / 1e8), Math.round(x.activeNonEmbedding / 1e8)]).toEqual([316, 32]);
  });
  it('granite-4.0-h-small: 32,207,337,984 (Hub-derived, = llama.cpp n_params); "9B active" (1e9)', () => {
    const x = d('granite-4.0-h-small');
    expect(x.total).toBe(32_207_337_984);
    expect(Math.round(x.active / 1e9)).toBe(9);
  });
  it('minimax-m1: 456,089,655,296 (index total_size, fp32 gates); "45.9B activated" w/o embeddings (1e8)', () => {
    const x = d('minimax-m1');
    // https://github.com/MiniMax-AI/MiniMax-M1/blob/main/model.safetensors.index.json: 912,210,767,872 bytes
    expect(x.total).toBe(456_089_655_296);
    expect(2 * x.total + 2 * 80 * 32 * 6144).toBe(912_210_767_872);
    expect(Math.round(noEmb(x) / 1e8)).toBe(459);
  });
});

describe('state per sequence and KV per token stated in the notes (bf16 KV, TP 1)', () => {
  it.each([
    ['qwen3-next-80b-a3b', 24_576, 39_518_208],
    ['qwen3.5-397b-a17b', 30_720, 192_061_440],
    ['qwen3.6-35b-a3b', 20_480, 64_389_120],
    ['kimi-linear-48b-a3b', 8_064, 43_417_600],
    ['nemotron-3-nano-30b-a3b', 6_144, 49_082_368],
    ['granite-4.0-h-small', 16_384, 77_322_240],
    ['minimax-m1', 40_960, 146_800_640],
    ['deepseek-v3.2', 78_324, 0],
    ['glm-5', 100_152, 0],
  ])('%s: %d B per token, %d B per sequence', (id, perToken, state) => {
    const k = kvPerToken(card(id).architecture, 2);
    expect([k.full, k.statePerSequence]).toEqual([perToken, state]);
  });
  it('DSA cards with fp8 KV: 656 B fp8_ds_mla + 132 B indexer per layer', () => {
    expect(kvPerToken(card('deepseek-v3.2').architecture, 1).full).toBe(61 * 788);
    expect(kvPerToken(card('glm-5').architecture, 1).full).toBe(78 * 788);
  });
});

describe('cards and imported configs of the same checkpoint agree', () => {
  const fx = (f: string) => join(ROOT, 'test/fixtures/configs', f);
  it.each([
    ['qwen3-next-80b-a3b-instruct.json', 'qwen3-next-80b-a3b'],
    ['qwen3.5-397b-a17b.json', 'qwen3.5-397b-a17b'],
    ['qwen3.6-35b-a3b.json', 'qwen3.6-35b-a3b'],
    ['deepseek-v3.2.json', 'deepseek-v3.2'],
    ['glm-5.json', 'glm-5'],
    ['kimi-linear-48b-a3b-instruct.json', 'kimi-linear-48b-a3b'],
    ['nemotron-3-nano-30b-a3b-bf16.json', 'nemotron-3-nano-30b-a3b'],
    ['granite-4.0-h-small.json', 'granite-4.0-h-small'],
    ['minimax-m1.json', 'minimax-m1'],
  ])('%s = card %s (total, active, MTP, extra, KV layout, native precision)', (file, id) => {
    const imported = importConfigFile(fx(file)).card;
    const a = deriveParams(imported);
    const b = d(id);
    expect([a.total, a.active, a.activeNonEmbedding, a.mtp, a.extra]).toEqual([
      b.total,
      b.active,
      b.activeNonEmbedding,
      b.mtp,
      b.extra,
    ]);
    expect(kvPerToken(imported.architecture, 2)).toEqual(kvPerToken(card(id).architecture, 2));
    expect(imported.architecture.native_precision).toBe(card(id).architecture.native_precision);
  });
});
