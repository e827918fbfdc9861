// compare: one row per model; the GPU-count columns come with --gpu.
import type { CompareReport } from '../core/reports/compare.js';
import type { Column, Doc } from './doc.js';
import { type ByteUnit, bytes, int, params, smallBytes } from './format.js';

export function compareDoc(r: CompareReport, unit: ByteUnit, markdown: boolean): Doc {
  const g = r.gpu;
  const first = r.precisions[0]!;
  const columns: Column[] = [
    { header: 'model', priority: 0 },
    { header: 'total', align: 'right', priority: 0 },
    { header: 'active', align: 'right', priority: 0 },
    ...r.precisions.map((p, i): Column => ({ header: `${p} ${unit}`, align: 'right', priority: g ? 3 + i : 1 + i })),
    { header: `KV / 1K tokens`, align: 'right', priority: g ? 8 : 6 },
    ...(g
      ? r.precisions.map((p, i): Column => ({ header: `GPUs @${p}`, align: 'right', priority: i === 0 ? 0 : 1 + i }))
      : []),
    ...(g ? [{ header: `decode t/s @${first}`, align: 'right' as const, priority: 2 }] : []),
  ];
  const doc: Doc = [
    ...(g
      ? [
          {
            kind: 'line' as const,
            text: `GPUs: fewest ${g.id} (${bytes(g.memoryBytes, unit)}) per model and precision`,
          },
        ]
      : []),
    {
      kind: 'table',
      columns,
      rows: r.models.map((m) => [
        m.id,
        params(m.params.total),
        params(m.params.active),
        ...r.precisions.map((p) => bytes(m.weightsBytes[p]!, unit, 1).replace(/ GB$| GiB$/, '')),
        smallBytes(m.kvBytesPer1kTokens, unit),
        ...(g ? r.precisions.map((p) => (m.gpusNeeded?.[p] == null ? '-' : String(m.gpusNeeded[p]))) : []),
        ...(g ? [m.decodeTokensPerSecond?.[first] == null ? '-' : m.decodeTokensPerSecond[first]!.toFixed(0)] : []),
      ]),
    },
  ];
  if (!markdown) {
    doc.push({
      kind: 'line',
      text:
        `Weights only at each precision (${unit}); KV at bf16 over full-attention layers (sliding ` +
        `layers capped separately).` +
        (g
          ? ` GPUs: the fewest that hold weights + KV for one ${int(r.context)}-token sequence + ` +
            `overhead ("moe-calc fit").`
          : ' Add --gpu <id> for GPU counts.'),
    });
  }
  return doc;
}
