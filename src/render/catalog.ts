// list and gpus: one table each, the least important columns hidden first on narrow terminals.
import type { GpusReport, ListReport } from '../core/reports/catalog.js';
import type { Doc } from './doc.js';
import { type ByteUnit, bytes, params, tokens } from './format.js';

export function listDoc(r: ListReport, markdown: boolean): Doc {
  const doc: Doc = [
    {
      kind: 'table',
      columns: [
        { header: 'id', priority: 0 },
        { header: 'name', priority: 5 },
        { header: 'total', align: 'right', priority: 0 },
        { header: 'active', align: 'right', priority: 1 },
        { header: 'experts / top-k', align: 'right', priority: 2 },
        { header: 'context', align: 'right', priority: 3 },
        { header: 'native precision', priority: 4 },
      ],
      rows: r.models.map((m) => [
        m.id,
        m.name,
        params(m.params.total),
        params(m.params.active),
        m.experts ? `${m.experts} / ${m.topK}` : 'dense',
        tokens(m.maxContext),
        m.nativePrecision,
      ]),
    },
  ];
  if (!markdown) {
    doc.push({
      kind: 'line',
      text:
        'Parameters in billions (B = 10^9) / trillions (T); active = all but routed experts + top-k ' +
        'experts per MoE layer. ' +
        '"moe-calc show <id>" for the breakdown.',
    });
  }
  return doc;
}

export function gpusDoc(r: GpusReport, unit: ByteUnit, markdown: boolean): Doc {
  const doc: Doc = [
    {
      kind: 'table',
      columns: [
        { header: 'id', priority: 0 },
        { header: 'name', priority: 6 },
        { header: 'memory', align: 'right', priority: 0 },
        { header: 'usable', align: 'right', priority: 3 },
        { header: 'bandwidth GB/s', align: 'right', priority: 1 },
        { header: 'bf16 TFLOPS', align: 'right', priority: 2 },
        { header: 'fp8 / fp4', priority: 2 },
        { header: 'CUDA cc', align: 'right', priority: 5 },
        { header: 'per node', align: 'right', priority: 4 },
      ],
      rows: r.gpus.map((g) => [
        g.id,
        g.name,
        bytes(g.memoryBytes, unit, 1),
        `${Math.round(g.usableFraction * 100)}%`,
        String(g.bandwidthGBps),
        String(g.bf16Tflops),
        `${g.nativeFp8 ? 'fp8' : '-'} / ${g.nativeFp4 ? 'fp4' : '-'}`,
        g.computeCapability ?? '-',
        String(g.gpusPerNode),
      ]),
    },
  ];
  if (!markdown) {
    doc.push({
      kind: 'line',
      text:
        'Memory as the CUDA/HIP runtime reports it (what engines budget from); each row cites its source in --json. ' +
        'Add GPUs with --gpus <file.yaml>.',
    });
  }
  return doc;
}
