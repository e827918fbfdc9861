// check: one line per deployment (fits / does not fit, headroom or shortfall per GPU, the requirement
// that failed) and a summary line; for markdown (a pull-request comment) the same as a table.
import type { CheckDeployment, CheckReport, RequirementId, RequirementResult } from '../core/reports/check.js';
import { type Doc, span } from './doc.js';
import { type ByteUnit, bytes, int } from './format.js';

export interface CheckDocOptions {
  unit: ByteUnit;
  /** a table for a pull request instead of one line per deployment */
  markdown: boolean;
}

/** bytes in the unit a column header names */
const amount = (n: number, unit: ByteUnit) => (unit === 'GB' ? n / 1e9 : n / 2 ** 30).toFixed(2);
const tps = (x: number) => x.toFixed(x < 10 ? 1 : 0);
const plural = (n: number, word: string) => `${int(n)} ${word}${n === 1 ? '' : 's'}`;
const layoutOf = (d: CheckDeployment) =>
  d.layout
    ? d.layout.pipelineParallel > 1
      ? `TP${d.layout.tensorParallel} x PP${d.layout.pipelineParallel}`
      : `TP${d.layout.tensorParallel}`
    : 'no layout';
const requirementOf = (d: CheckDeployment, id: RequirementId): RequirementResult | undefined =>
  d.requirements.find((r) => r.requirement === id);

/** "qwen3-30b-a3b q4_k_m on 1 x rtx-4090 (TP1), 32,768 tokens x 1 sequence" */
function subject(d: CheckDeployment): string {
  return (
    `${d.model.id} ${d.precision} on ${d.count} x ${d.gpu.id} (${layoutOf(d)}), ` +
    `${int(d.context)} tokens x ${plural(d.sequences, 'sequence')}`
  );
}

/** Why a requirement does not hold, in words. */
function failure(d: CheckDeployment, id: RequirementId, unit: ByteUnit): string {
  const r = requirementOf(d, id);
  switch (id) {
    case 'layout':
      return `layout: ${d.reason ?? `no allowed layout of ${d.count} GPUs`}`;
    case 'memory': {
      const g = d.perGpu!;
      const room =
        d.maxContext && d.maxContext > 0
          ? `up to ${int(d.maxContext)} tokens x ${plural(d.sequences, 'sequence')} fit`
          : 'the weights and overheads alone exceed the budget';
      return (
        `memory short ${bytes(g.shortfallBytes, unit)} per GPU (needs ${bytes(g.usedBytes, unit)} of a ` +
        `${bytes(g.budgetBytes, unit)} budget; ${room})`
      );
    }
    case 'min_kv_cache_tokens':
      return r?.actual === null || r === undefined
        ? 'min_kv_cache_tokens: not evaluated'
        : `min_kv_cache_tokens: KV pool ${int(r.actual)} tokens, below the ${int(r.required)} required`;
    case 'min_decode_tokens_per_second':
      return r?.actual === null || r === undefined
        ? 'min_decode_tokens_per_second: not evaluated'
        : `min_decode_tokens_per_second: decode ~${tps(r.actual)} t/s per sequence, below the ` +
            `${tps(r.required)} required`;
  }
}

/** Memory or the layout failed, rather than a speed or pool minimum. */
const doesNotFit = (d: CheckDeployment) => d.failed.includes('memory') || d.failed.includes('layout');

/** The headroom or the shortfall per GPU, signed. */
function margin(d: CheckDeployment, unit: ByteUnit): string {
  if (!d.perGpu) return '-';
  return d.perGpu.shortfallBytes > 0
    ? `short ${bytes(d.perGpu.shortfallBytes, unit)}`
    : bytes(d.perGpu.headroomBytes, unit);
}

function line(d: CheckDeployment, unit: ByteUnit): string {
  if (d.holds) {
    const g = d.perGpu!;
    const extras = [
      d.kvCacheTokens !== null ? `KV pool ${int(d.kvCacheTokens)} tokens` : '',
      d.decodeTokensPerSecond !== null ? `decode ~${tps(d.decodeTokensPerSecond)} t/s` : '',
    ].filter(Boolean);
    return (
      `✓ ${d.name}: fits, headroom ${bytes(g.headroomBytes, unit)} per GPU ` +
      `(${bytes(g.usedBytes, unit)} of ${bytes(g.budgetBytes, unit)} used); ${subject(d)}` +
      (extras.length ? `; ${extras.join(', ')}` : '')
    );
  }
  const verdict = doesNotFit(d)
    ? 'does not fit'
    : `fails (fits in memory, headroom ${bytes(d.perGpu!.headroomBytes, unit)} per GPU)`;
  return `✗ ${d.name}: ${verdict}: ${d.failed.map((id) => failure(d, id, unit)).join('; ')}; ${subject(d)}`;
}

function summary(r: CheckReport): string {
  const s = r.summary;
  if (r.ok)
    return `${s.deployments === 1 ? 'the deployment fits' : `all ${s.deployments} deployments fit`} (${r.manifest})`;
  const failing = r.deployments.filter((d) => !d.holds).map((d) => `${d.name} (${d.failed.join(', ')})`);
  const of = `${s.failing} of ${plural(s.deployments, 'deployment')}`;
  return `${of} failed (${r.manifest}): ${failing.join(', ')}`;
}

function markdownDoc(r: CheckReport, unit: ByteUnit): Doc {
  return [
    { kind: 'title', text: 'moe-calc check', detail: `\`${r.manifest}\`` },
    {
      kind: 'table',
      columns: [
        { header: 'deployment', priority: 0 },
        { header: 'result', priority: 0 },
        { header: 'model', priority: 0 },
        { header: 'GPUs', priority: 0 },
        { header: 'context x sequences', align: 'right', priority: 0 },
        { header: `used / budget per GPU (${unit})`, align: 'right', priority: 0 },
        { header: 'headroom per GPU', align: 'right', priority: 0 },
        { header: 'KV pool tokens', align: 'right', priority: 0 },
        { header: 'decode t/s', align: 'right', priority: 0 },
        { header: 'failed requirement', priority: 0, wrap: true },
      ],
      rows: r.deployments.map((d) => [
        d.name,
        d.holds ? '✅ fits' : doesNotFit(d) ? '❌ does not fit' : '❌ fails',
        `${d.model.id} ${d.precision}`,
        `${d.count} x ${d.gpu.id} (${layoutOf(d)})`,
        `${int(d.context)} x ${int(d.sequences)}`,
        d.perGpu ? `${amount(d.perGpu.usedBytes, unit)} / ${amount(d.perGpu.budgetBytes, unit)}` : '-',
        margin(d, unit),
        d.kvCacheTokens === null ? '-' : int(d.kvCacheTokens),
        d.decodeTokensPerSecond === null ? '-' : `~${tps(d.decodeTokensPerSecond)}`,
        d.holds ? '' : d.failed.map((id) => failure(d, id, unit)).join('; '),
      ]),
    },
    { kind: 'line', text: `**${summary(r)}**` },
  ];
}

export function checkDoc(r: CheckReport, o: CheckDocOptions): Doc {
  if (o.markdown) return markdownDoc(r, o.unit);
  return [
    ...r.deployments.map((d) => ({
      kind: 'line' as const,
      text: span(line(d, o.unit), d.holds ? 'green' : 'red'),
      indent: 2,
    })),
    { kind: 'line', text: span(summary(r), r.ok ? undefined : 'bold') },
  ];
}
