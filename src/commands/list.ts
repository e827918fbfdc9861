// moe-calc list: every known card with its headline figures.
import { allCards } from '../cards/registry.js';
import { deriveParams } from '../core/params.js';
import { terminalTable, markdownTable } from '../render/table.js';
import { params, tokens } from '../render/format.js';
import { checkOutputFlags, SCHEMA_VERSION, printJson, print, registryOptions, type GlobalOptions } from './common.js';

export async function listCommand(o: GlobalOptions & { markdown?: boolean }): Promise<number> {
  const cards = await allCards(registryOptions(o));
  const rows = cards.map(({ card, file, origin }) => {
    checkOutputFlags(o);
    const d = deriveParams(card);
    const a = card.architecture;
    return { card, file, origin, d, experts: a.moe ? `${a.moe.experts} / ${a.moe.top_k}` : 'dense' };
  });
  if (o.json) {
    printJson({
      schemaVersion: SCHEMA_VERSION,
      models: rows.map(({ card, file, origin, d }) => ({
        id: card.id,
        name: card.name,
        organisation: card.organisation,
        file,
        origin,
        params: { total: d.total, active: d.active },
        experts: card.architecture.moe?.experts ?? 0,
        topK: card.architecture.moe?.top_k ?? 0,
        maxContext: card.architecture.max_context,
        nativePrecision: card.architecture.native_precision,
      })),
    });
    return 0;
  }
  const table = {
    head: ['id', 'name', 'total', 'active', 'experts / top-k', 'context', 'native precision'],
    rows: rows.map(({ card, d, experts }) => [
      card.id,
      card.name,
      params(d.total),
      params(d.active),
      experts,
      tokens(card.architecture.max_context),
      card.architecture.native_precision,
    ]),
    right: [2, 3, 5],
  };
  print(o.markdown ? markdownTable(table) : terminalTable(table));
  if (!o.markdown)
    print(
      'Parameters in billions (B = 10^9) / trillions (T); active = all but routed experts + top-k experts per MoE layer. "moe-calc show <id>" for the breakdown.',
    );
  return 0;
}
