// Built-in cards of the multimodal MoE checkpoints: each total pinned to the published figure (rounded the
// way the vendor rounds where only that exists), the towers listed as loaded vision/audio components, and
// each card equal to what the importer reads from the fixture config.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mistralParamsToConfig } from '../../src/cards/import/families/mistral-large3.js';
import { importConfig, importConfigFile } from '../../src/cards/import/index.js';
import { deriveParams } from '../../src/core/params.js';
import type { Card } from '../../src/core/types.js';
import { card, ROOT } from '../helpers.js';

const fx = (f: string) => join(ROOT, 'test/fixtures/configs', f);
const d = (id: string) => deriveParams(card(id));

function large3Import(): Card {
  const f = fx('Mistral-Large-3-675B-Instruct-2512/params.json');
  const c = mistralParamsToConfig(JSON.parse(readFileSync(f, 'utf8')), f) as Record<string, unknown>;
  delete c.quantization_config; // compressed-tensors: not read by precision.ts yet
  return importConfig(c, f).card;
}

describe('mistral-large-3', () => {
  // https://huggingface.co/mistralai/Mistral-Large-3-675B-Instruct-2512 (2025-12-02): "41B active parameters and
  // 675B total parameters"; "673B params and 39B active"; "A 2.5B Vision Encoder" -- all truncated figures
  it('truncates to 673B text / 39B active / 2.5B vision / 675B total', () => {
    const m = d('mistral-large-3');
    expect(Math.floor(m.total / 1e9)).toBe(673);
    expect(Math.floor(m.active / 1e9)).toBe(39);
    expect(Math.floor(m.extra / 1e8)).toBe(25);
    expect(Math.floor((m.total + m.extra) / 1e9)).toBe(675);
    expect(m.extraLoaded).toBe(m.extra);
  });
  it('equals the params.json import (total, active, tower)', () => {
    const a = deriveParams(large3Import());
    const m = d('mistral-large-3');
    expect([a.total, a.active, a.extra]).toEqual([m.total, m.active, m.extra]);
  });
});

describe('qwen3-vl-235b-a22b', () => {
  // text decoder = Qwen3-235B-A22B: index total_size 470,187,269,120 bytes / 2; "235B-A22B" (arXiv 2511.21631)
  it('text decoder 235,093,634,560; 22B active; equals the config import', () => {
    const m = d('qwen3-vl-235b-a22b');
    expect(m.total).toBe(235_093_634_560);
    expect(Math.round(m.active / 1e9)).toBe(22);
    const a = deriveParams(importConfigFile(fx('qwen3-vl-235b-a22b-instruct.json')).card);
    expect([a.total, a.active, a.extra]).toEqual([m.total, m.active, m.extra]);
  });
});

describe('kimi-k2.5', () => {
  // https://huggingface.co/moonshotai/Kimi-K2.5: "Total Parameters 1T", "Activated Parameters 32B", vision 400M;
  // the decoder is Kimi K2's (1,026,408,232,448 on the kimi-k2 card); the packed-numel check is in import-importers-d
  it('decoder = Kimi K2, 1T total, 32B active without the input embedding, equals the config import', () => {
    const m = d('kimi-k2.5');
    expect(m.total).toBe(d('kimi-k2').total);
    expect(Math.round((m.total + m.extra) / 1e11)).toBe(10);
    expect(Math.round(m.activeNonEmbedding / 1e9)).toBe(32);
    const a = deriveParams(importConfigFile(fx('kimi-k2.5.json')).card);
    expect([a.total, a.active, a.extra]).toEqual([m.total, m.active, m.extra]);
    expect(card('kimi-k2.5').architecture.native_precision).toBe('int4-experts');
  });
});

describe('glm-4.5v', () => {
  // third-party tensor-sum report over the released shards: 107,710,933,120
  it('decoder + vision tower = 107,710,933,120 exactly; equals the config import', () => {
    const m = d('glm-4.5v');
    expect(m.total + m.extra).toBe(107_710_933_120);
    const a = deriveParams(importConfigFile(fx('glm-4.5v.json')).card);
    expect([a.total, a.active, a.extra]).toEqual([m.total, m.active, m.extra]);
  });
});

describe('qwen3-omni-30b-a3b', () => {
  // third-party tensor-sum report over the 15 released shards: 35,259,818,545 (talker and code2wav included)
  it('checkpoint 35,259,818,545 with talker and code2wav; loaded = the thinker the importer reads', () => {
    const m = d('qwen3-omni-30b-a3b');
    expect(m.total + m.extra).toBe(35_259_818_545);
    const a = deriveParams(importConfigFile(fx('qwen3-omni-30b-a3b-instruct.json')).card);
    expect([a.total, a.active, a.extra]).toEqual([m.total, m.active, m.extraLoaded]);
    expect(Math.floor(m.total / 1e9)).toBe(30); // "30B-A3B"
    expect(Math.floor(m.active / 1e9)).toBe(3);
  });
});

describe('Llama 4 cards: the vision encoder is a loaded vision component', () => {
  it.each(['llama-4-scout', 'llama-4-maverick'])('%s', (id) => {
    const c = card(id);
    expect(c.extra_components).toHaveLength(1);
    expect(c.extra_components[0]).toMatchObject({ kind: 'vision', loaded: true, params: 871_932_416 });
  });
  // Hugging Face API totals (bf16): Scout 108,641,793,536, Maverick 401,583,781,376
  it('checkpoint totals with the tower', () => {
    expect(d('llama-4-scout').total + d('llama-4-scout').extraLoaded).toBe(108_641_793_536);
    expect(d('llama-4-maverick').total + d('llama-4-maverick').extraLoaded).toBe(401_583_781_376);
  });
});

describe('every new multimodal card says what the engines do with the tower', () => {
  it.each(['mistral-large-3', 'qwen3-vl-235b-a22b', 'kimi-k2.5', 'glm-4.5v', 'qwen3-omni-30b-a3b', 'llama-4-scout'])(
    '%s',
    (id) => {
      const notes = card(id).notes.join(' ');
      expect(notes).toMatch(/--language-model-only/);
      expect(notes).toMatch(/SGLang/);
    },
  );
});
