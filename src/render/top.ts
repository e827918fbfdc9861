// top: one row per model, ranked for the rig; columns give way to the terminal width by priority
// (model, precision, max context and decode stay; --wide shows them all).
import type { TopReport } from '../core/reports/top.js';
import { type Column, type Doc, span, type Text } from './doc.js';
import { type ByteUnit, bytes, params, shortTokens } from './format.js';

const SORT_LABELS: Record<string, string> = {
  params: 'total parameters (largest first)',
  speed: 'decode speed',
  context: 'max context',
};

export function topDoc(r: TopReport, unit: ByteUnit): Doc {
  const n = (x: number) => bytes(x, unit).replace(/ GB$| GiB$/, '');
  const offloading = r.request.hostMemoryBytes !== null;
  const on = r.rig ? r.rig.label : `${r.gpu.count} x ${r.gpu.id}`;
  const columns: Column[] = [
    { header: '#', align: 'right', priority: 1 },
    { header: 'model', priority: 0 },
    { header: 'total', align: 'right', priority: 2 },
    { header: 'active', align: 'right', priority: 3 },
    { header: 'best precision', priority: 0 },
    { header: 'bpw', align: 'right', priority: 6 },
    { header: `weights ${unit}`, align: 'right', priority: 4 },
    { header: 'layout', priority: 7 },
    { header: `used / budget ${unit}`, align: 'right', priority: 5 },
    { header: 'max context', align: 'right', priority: 0 },
    { header: 'decode t/s', align: 'right', priority: 0 },
    ...(offloading ? [{ header: 'experts in host memory', align: 'right' as const, priority: 2 }] : []),
  ];
  const rows: Text[][] = r.rows.map((x) => {
    if (!x.fits) {
      const why = x.reason ?? (x.shortfallBytes !== null ? `short ${n(x.shortfallBytes)}` : 'no layout');
      return [
        String(x.rank),
        x.model.id,
        x.model.totalParams ? params(x.model.totalParams) : '-',
        x.model.activeParams ? params(x.model.activeParams) : '-',
        span(x.reason ? 'not planned' : 'does not fit', 'red'),
        '-',
        '-',
        '-',
        '-',
        span(why, 'red'),
        '-',
        ...(offloading ? ['-'] : []),
      ];
    }
    return [
      String(x.rank),
      x.model.id,
      params(x.model.totalParams),
      params(x.model.activeParams),
      span(x.precision!, 'green'),
      x.bitsPerWeight!.toFixed(2),
      n(x.weightsTotalBytes!),
      x.layout!,
      `${n(x.usedBytes!)} / ${n(x.budgetBytes!)}`,
      shortTokens(x.maxContext!) + (x.maxContextIsModelLimit ? '*' : ''),
      x.decodeTokensPerSecond === null ? '-' : x.decodeTokensPerSecond.toFixed(x.decodeTokensPerSecond < 10 ? 1 : 0),
      ...(offloading ? [x.offload ? `${x.offload.layers} layers, ${n(x.offload.hostBytes)}` : '-'] : []),
    ];
  });
  const q = r.request;
  const doc: Doc = [
    {
      kind: 'title',
      text: `What runs on ${on}`,
      detail: r.rig
        ? `(${r.rig.gpus.map((g) => bytes(g.memoryBytes, unit)).join(' + ')}${
            r.rig.source !== 'catalog' ? `; read by ${r.rig.source}` : ''
          })`
        : `(${bytes(r.gpu.memoryBytes, unit)} each)`,
    },
    {
      kind: 'line',
      text: span(
        `${r.fitting} of ${r.rows.length} models fit at ${shortTokens(q.context)} tokens x ${q.batch}` +
          (q.hostMemoryBytes !== null
            ? ` with up to ${bytes(q.hostMemoryBytes, unit)} of host memory for experts`
            : '') +
          '.',
        r.fitting ? 'green' : 'red',
      ),
    },
    {
      kind: 'line',
      text:
        `Best precision: the most bits per weight of ${q.precisions.join(', ')} that fits; ranked by ` +
        `${SORT_LABELS[q.sort] ?? 'id'}` +
        '; max context for one sequence (* the model maximum); decode for one sequence.',
    },
    { kind: 'blank' },
    { kind: 'table', columns, rows },
  ];
  const notes = [...(r.rig?.notes ?? []), ...r.notes];
  for (const t of notes) doc.push({ kind: 'line', text: span(`note: ${t}`, 'dim'), indent: 2 });
  return doc;
}
