// moe-calc audit [model...]: which quoted figures hold.
import { allCards, resolveModel } from '../cards/registry.js';
import { deriveParams } from '../core/params.js';
import { auditCard, type ClaimResult } from '../core/audit.js';
import { terminalTable, markdownTable } from '../render/table.js';
import { c } from '../render/color.js';
import { checkOutputFlags, SCHEMA_VERSION, print, printJson, registryOptions, type GlobalOptions } from './common.js';
import { groupDigits } from '../core/digits.js';

function quoted(r: ClaimResult): string {
  const cl = r.claim;
  if (cl.unit === 'params')
    return cl.value >= 1e9 ? `${(cl.value / 1e9).toFixed(cl.value % 1e9 === 0 ? 0 : 2)}B` : groupDigits(cl.value);
  if (cl.kind === 'gpu_requirement' && cl.gpus) return `${cl.gpus.count} x >=${cl.gpus.min_memory_gb} GB`;
  return `${groupDigits(cl.value)} ${cl.unit === 'count' ? '' : cl.unit}`.trim();
}

function derivedText(r: ClaimResult): string {
  if (r.derived === null) return '-';
  const cl = r.claim;
  if (cl.unit === 'params') return r.derived >= 1e9 ? `${(r.derived / 1e9).toFixed(2)}B` : groupDigits(r.derived);
  if (cl.kind === 'gpu_requirement') return `fits ${r.derived}`;
  if (cl.unit === 'GB' || cl.unit === 'GiB') return `${r.derived.toFixed(1)} ${cl.unit}`;
  return groupDigits(r.derived);
}

export async function auditCommand(
  models: string[],
  o: GlobalOptions & { strict?: boolean; markdown?: boolean },
): Promise<number> {
  const ropts = registryOptions(o);
  const cards = models.length ? await Promise.all(models.map((m) => resolveModel(m, ropts))) : await allCards(ropts);
  const results = cards.map(({ card, file }) => ({ card, file, results: auditCard(card, deriveParams(card)) }));
  const failing = results.reduce((n, r) => n + r.results.filter((x) => x.verdict === 'does not hold').length, 0);
  const code = o.strict && failing > 0 ? 1 : 0;
  if (o.json) {
    checkOutputFlags(o);
    printJson({
      schemaVersion: SCHEMA_VERSION,
      strict: Boolean(o.strict),
      doesNotHold: failing,
      models: results.map(({ card, file, results: rs }) => ({
        id: card.id,
        name: card.name,
        file,
        claims: rs.map((r) => ({
          quote: r.claim.quote,
          source: r.claim.source,
          date: r.claim.date ?? null,
          kind: r.claim.kind,
          value: r.claim.value,
          unit: r.claim.unit,
          rounding: r.claim.rounding ?? null,
          official: r.claim.official,
          verdict: r.verdict,
          derived: r.derived,
          ratio: r.ratio,
          reason: r.reason,
          derivation: r.derivation,
          plans: r.plans ?? null,
        })),
      })),
    });
    return code;
  }
  const k = c();
  const colour = (v: ClaimResult['verdict']) =>
    v === 'holds' ? k.green(v) : v === 'close' ? k.yellow(v) : v === 'does not hold' ? k.red(v) : k.dim(v);
  for (const { card, file, results: rs } of results) {
    if (rs.length === 0) continue;
    const table = {
      head: ['quote', 'source', 'quoted', 'derived', 'verdict', 'why, and how it was derived'],
      rows: rs.map((r) => [
        r.claim.quote.length > 48 ? r.claim.quote.slice(0, 47) + '…' : r.claim.quote,
        (r.claim.official ? 'official: ' : '') + r.claim.source.replace(/^https?:\/\//, '').slice(0, 40),
        quoted(r),
        derivedText(r),
        o.markdown ? r.verdict : colour(r.verdict),
        `${r.reason}${r.derivation ? ` [${r.derivation}]` : ''}`,
      ]),
      right: [2, 3],
    };
    if (o.markdown) {
      print(`### ${card.name} (${card.id})\n\n`);
      print(markdownTable(table) + '\n');
    } else {
      print(k.bold(`${card.name} (${card.id})`) + `  card: ${file}`);
      print(
        terminalTable({ ...table, rows: table.rows.map((r) => r.map((cell, i) => (i === 5 ? wrap(cell, 70) : cell))) }),
      );
      print('');
    }
  }
  const total = results.reduce((n, r) => n + r.results.length, 0);
  print(
    `${total} claims checked; ${failing} do not hold.${o.strict ? '' : ' (--strict exits 1 when any does not hold)'}`,
  );
  return code;
}

function wrap(s: string, width: number): string {
  const words = s.split(' ');
  const lines: string[] = [];
  let cur = '';
  for (const w of words) {
    if (cur.length + w.length + 1 > width && cur) {
      lines.push(cur);
      cur = w;
    } else cur = cur ? `${cur} ${w}` : w;
  }
  if (cur) lines.push(cur);
  return lines.join('\n');
}
