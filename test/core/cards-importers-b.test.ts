// Built-in card gemma-4-26b-a4b: its total pinned to the vendor's published figure, and the card agrees with
// the imported config of the same checkpoint (the method is pinned exactly by the 31B sibling's census in
// import-importers-b.test.ts).
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importConfigFile } from '../../src/cards/import/index.js';
import { kvLayout } from '../../src/core/kv.js';
import { deriveParams } from '../../src/core/params.js';
import { card, ROOT } from '../helpers.js';

describe('card gemma-4-26b-a4b', () => {
  // https://huggingface.co/google/gemma-4-26B-A4B-it (model card): "25.2B total parameters", "3.8B active"
  it('text decoder rounds to the model card 25.2B (1e8) and 3.8B active (1e8)', () => {
    const d = deriveParams(card('gemma-4-26b-a4b'));
    expect(Math.round(d.total / 1e8)).toBe(252);
    expect(Math.round(d.active / 1e8)).toBe(38);
    // the card's "~550M" vision encoder (about: within 5%) is listed as a loaded extra component
    expect(Math.abs(d.extra / 550e6 - 1)).toBeLessThan(0.05);
    expect(d.extraLoaded).toBe(d.extra);
  });
  it('equals the imported config (total, active, vision tower, KV layout)', () => {
    const c = card('gemma-4-26b-a4b');
    const imported = importConfigFile(join(ROOT, 'test/fixtures/configs/gemma-4-26b-a4b.json')).card;
    const a = deriveParams(c);
    const b = deriveParams(imported);
    expect([a.total, a.active, a.extra, a.buffers]).toEqual([b.total, b.active, b.extra, b.buffers]);
    expect(kvLayout(c.architecture, 2)).toEqual(kvLayout(imported.architecture, 2));
    expect(c.architecture.native_precision).toBe(imported.architecture.native_precision);
  });
});
