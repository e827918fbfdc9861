// audit: per model a table of quotes and verdicts; quotes and reasons wrap inside their cells.
import type { AuditClaim, AuditReport } from '../core/reports/audit.js';
import { groupDigits } from '../core/digits.js';
import { type Doc, span, type Text } from './doc.js';

function quoted(c: AuditClaim): string {
  if (c.unit === 'params')
    return c.value >= 1e9 ? `${(c.value / 1e9).toFixed(c.value % 1e9 === 0 ? 0 : 2)}B` : groupDigits(c.value);
  if (c.kind === 'gpu_requirement' && c.gpus) return `${c.gpus.count} x >=${c.gpus.minMemoryGb} GB`;
  return `${groupDigits(c.value)} ${c.unit === 'count' ? '' : c.unit}`.trim();
}

function derivedText(c: AuditClaim): string {
  if (c.derived === null) return '-';
  if (c.unit === 'params') return c.derived >= 1e9 ? `${(c.derived / 1e9).toFixed(2)}B` : groupDigits(c.derived);
  if (c.kind === 'gpu_requirement') return `fits ${c.derived}`;
  if (c.unit === 'GB' || c.unit === 'GiB') return `${c.derived.toFixed(1)} ${c.unit}`;
  return groupDigits(c.derived);
}

function verdict(c: AuditClaim): Text {
  const v = c.verdict;
  return span(v, v === 'holds' ? 'green' : v === 'close' ? 'yellow' : v === 'does not hold' ? 'red' : 'dim');
}

export function auditDoc(r: AuditReport, markdown: boolean): Doc {
  const doc: Doc = [];
  for (const m of r.models) {
    if (m.claims.length === 0) continue;
    doc.push({ kind: 'title', text: `${m.name} (${m.id})`, detail: markdown ? undefined : `card: ${m.file}` });
    doc.push({
      kind: 'table',
      columns: [
        { header: 'quote', priority: 0, wrap: true },
        { header: 'source', priority: 5, wrap: true },
        { header: 'quoted', align: 'right', priority: 2, wrap: true },
        { header: 'derived', align: 'right', priority: 3, wrap: true },
        { header: 'verdict', priority: 0, wrap: true },
        { header: 'why', priority: 1, wrap: true },
        { header: 'how it was derived', priority: 4, wrap: true },
      ],
      rows: m.claims.map((c) => [
        c.quote,
        (c.official ? 'official: ' : '') + c.source.replace(/^https?:\/\//, ''),
        quoted(c),
        derivedText(c),
        verdict(c),
        c.reason,
        c.derivation || '-',
      ]),
    });
    doc.push({ kind: 'blank' });
  }
  doc.push({
    kind: 'line',
    text:
      `${r.claimsChecked} claims checked; ${r.doesNotHold} do not hold.` +
      (r.strict ? '' : ' (--strict exits 1 when any does not hold)'),
  });
  return doc;
}
