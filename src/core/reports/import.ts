// The import report: the card a config.json becomes, its totals, and how the checkpoint index beside
// it compares. Pure: the caller reads the config and writes the card.
import { deriveParams } from '../params.js';
import type { Card } from '../types.js';
import { SCHEMA_VERSION } from './fit.js';

export interface ImportReport {
  schemaVersion: 1;
  source: string;
  output: string | null;
  card: Card;
  params: { total: number; active: number; mtp: number };
  crossCheck: { totalSize: number; derivedBytes: number; agrees: boolean; note: string } | null;
  /** the card as YAML with a header of its totals (what is written or printed) */
  yaml: string;
}

export function buildImportReport(
  source: string,
  output: string | null,
  card: Card,
  crossCheck: ImportReport['crossCheck'],
  yamlOf: (card: Card) => string,
): ImportReport {
  const d = deriveParams(card);
  const header = [
    `# moe-calc card imported from ${source}`,
    `# total ${d.total} parameters, active ${d.active}${d.mtp ? `, MTP ${d.mtp}` : ''}`,
    ...(crossCheck ? [`# ${crossCheck.note}`] : []),
    '# Fill in name, organisation, released, licence and sources before sharing this card.',
  ].join('\n');
  return {
    schemaVersion: SCHEMA_VERSION,
    source,
    output,
    card,
    params: { total: d.total, active: d.active, mtp: d.mtp },
    crossCheck,
    yaml: `${header}\n${yamlOf(card)}`,
  };
}
