// Built-in cards and GPU catalog read from the YAML files under models/ and validated.
// Used by the build (which ships the result as plain data in the bundle) and by tests.
import { readdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadCardFile, loadGpuCatalogFile } from './load.js';
import type { Card, Gpu } from '../core/types.js';
import { UserError } from '../errors.js';

export interface BuiltinData {
  cards: { card: Card; file: string }[];
  gpus: Gpu[];
}

export const GPU_CATALOG_FILE = 'gpus.yaml';

export function modelsDir(): string {
  // src/cards/ -> ../../models (also right for scripts bundled into build/)
  return join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'models');
}

export function loadBuiltinFromYaml(dir = modelsDir()): BuiltinData {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.yaml') && f !== GPU_CATALOG_FILE)
    .sort();
  const cards = files.map((f) => ({ card: loadCardFile(join(dir, f)), file: `models/${f}` }));
  const seen = new Map<string, string>();
  for (const { card, file } of cards) {
    if (`${card.id}.yaml` !== file.slice('models/'.length))
      throw new UserError(`${file}: id: expected "${file.slice(7, -5)}" (the file name), got "${card.id}"`);
    for (const n of [card.id, ...card.aliases]) {
      const prev = seen.get(n);
      if (prev && prev !== card.id) throw new UserError(`${file}: aliases: "${n}" is already a name of ${prev}`);
      seen.set(n, card.id);
    }
  }
  return { cards, gpus: loadGpuCatalogFile(join(dir, GPU_CATALOG_FILE)) };
}
