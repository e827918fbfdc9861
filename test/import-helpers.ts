// Shared by the importer tests: fixture configs by name, and published configs with keys replaced.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { importConfig, importConfigFile } from '../src/cards/import/index.js';
import { deriveParams } from '../src/core/params.js';
import { ROOT } from './helpers.js';

export const fx = (f: string) => join(ROOT, 'test/fixtures/configs', f);
export const load = (f: string) => importConfigFile(fx(f)).card;
export const derive = (f: string) => deriveParams(load(f));

/** a published config with some keys replaced (undefined removes the key); `text`: inside text_config */
export function variant(f: string, patch: Record<string, unknown>, text = false) {
  // biome-ignore lint/suspicious/noExplicitAny: fixture JSON
  const cfg: any = JSON.parse(readFileSync(fx(f), 'utf8'));
  const target = text ? cfg.text_config : cfg;
  for (const [k, v] of Object.entries(patch)) {
    if (v === undefined) delete target[k];
    else target[k] = v;
  }
  return cfg;
}
export const imp = (cfg: object) => importConfig(cfg, 'config.json').card;
export const dv = (f: string, patch: Record<string, unknown>, text = false) =>
  deriveParams(imp(variant(f, patch, text)));
