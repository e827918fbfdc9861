// Built-in cards minimax-m2, ernie-4.5-300b-a47b, hunyuan-a13b, ling-flash-2.0 and glm-4.6: each pinned to the
// published figure for its checkpoint, and (where a fixture exists) equal to the imported config.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importConfigFile } from '../../src/cards/import/index.js';
import { deriveParams } from '../../src/core/params.js';
import { card, ROOT } from '../helpers.js';

const fx = (f: string) => join(ROOT, 'test/fixtures/configs', f);

describe('built-in cards give the published totals', () => {
  it('minimax-m2: exact Hugging Face API total 228,689,764,864', () => {
    // https://huggingface.co/MiniMaxAI/MiniMax-M2 (safetensors.total; M2.1 and M2.7 list the same)
    const d = deriveParams(card('minimax-m2'));
    expect(d.total).toBe(228_689_764_864);
    expect(d.mtp + d.extra).toBe(0);
  });
  it('ernie-4.5-300b-a47b: decoder + MTP layer (extra component) rounds to "300.5B"', () => {
    // https://huggingface.co/baidu/ERNIE-4.5-300B-A47B-PT (Hugging Face API survey: 300.5B, 601.0 GB)
    const d = deriveParams(card('ernie-4.5-300b-a47b'));
    expect(Math.round((d.total + d.extra) / 1e8)).toBe(3005);
    // MTP layer by hand: projection 2 x 8192^2, two norms, attention, two norms, dense MLP 3 x 8192 x 28672
    expect(d.extra).toBe(2 * 8192 * 8192 + 2 * 8192 + 150_994_944 + 2 * 8192 + 3 * 8192 * 28672);
    expect(d.extraLoaded).toBe(0);
  });
  it('hunyuan-a13b: "80.4B" (Hugging Face API survey), README "80 billion"', () => {
    // https://huggingface.co/tencent/Hunyuan-A13B-Instruct; https://github.com/Tencent-Hunyuan/Hunyuan-A13B
    const d = deriveParams(card('hunyuan-a13b'));
    expect(Math.round(d.total / 1e8)).toBe(804);
    expect(Math.round(d.active / 1e9)).toBe(13);
  });
  it('ling-flash-2.0: exact Hugging Face API total 102,889,705,216', () => {
    // https://huggingface.co/inclusionAI/Ling-flash-2.0 (safetensors {BF16 102,889,697,280, F32 7,936})
    expect(deriveParams(card('ling-flash-2.0')).total).toBe(102_889_705_216);
  });
  it('glm-4.6: decoder + MTP layer = exact Hugging Face API total 356,785,898,816', () => {
    // https://huggingface.co/zai-org/GLM-4.6 (safetensors.total)
    const d = deriveParams(card('glm-4.6'));
    expect(d.total + d.mtp).toBe(356_785_898_816);
    // GLM-4.5 / GLM-4.7 (aliases): the same decoder; their MTP layer adds its own embedding and head
    // (2 x 151552 x 5120): Hugging Face API total 358,337,791,296 for both
    expect(d.total + d.mtp + 2 * 151_552 * 5_120).toBe(358_337_791_296);
    expect(card('glm-4.6').aliases).toEqual(expect.arrayContaining(['glm-4.5', 'glm-4.7']));
  });
});

describe('built-in cards agree with the imported configs', () => {
  it.each([
    ['minimax-m2.json', 'minimax-m2'],
    ['ernie-4.5-300b-a47b-pt.json', 'ernie-4.5-300b-a47b'],
    ['hunyuan-a13b-instruct.json', 'hunyuan-a13b'],
    ['ling-flash-2.0.json', 'ling-flash-2.0'],
  ])('%s = card %s (total, active, KV layout, native precision)', (file, id) => {
    const imported = importConfigFile(fx(file)).card;
    const a = deriveParams(imported);
    const b = deriveParams(card(id));
    expect([a.total, a.active, a.activeNonEmbedding, a.mtp]).toEqual([b.total, b.active, b.activeNonEmbedding, b.mtp]);
    expect(imported.architecture.native_precision).toBe(card(id).architecture.native_precision);
    expect(imported.architecture.max_context).toBe(card(id).architecture.max_context);
  });
});
