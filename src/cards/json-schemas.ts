// JSON Schemas generated from the zod schemas (one source of truth): the card format for editors,
// and the --json output contracts.
import { z } from 'zod';
import { CardSchema, GpuCatalogSchema } from './schema.js';
import { ManifestSchema } from './manifest.js';
import { OUTPUT_SCHEMAS } from './output-schema.js';

export function jsonSchemas(): Record<string, unknown> {
  const out: Record<string, unknown> = {
    'card.schema.json': {
      $id: 'https://moe-calc/schema/card.schema.json',
      title: 'moe-calc model card',
      ...z.toJSONSchema(CardSchema, { io: 'input' }),
    },
    'gpus.schema.json': { title: 'moe-calc GPU catalog', ...z.toJSONSchema(GpuCatalogSchema, { io: 'input' }) },
    'manifest.schema.json': {
      title: 'moe-calc check deployment manifest',
      ...z.toJSONSchema(ManifestSchema, { io: 'input' }),
    },
  };
  for (const [name, s] of Object.entries(OUTPUT_SCHEMAS))
    out[`${name}-output.schema.json`] = { title: `moe-calc ${name} --json (schemaVersion 1)`, ...z.toJSONSchema(s) };
  return out;
}
