// show: the breakdown table (how each part is formed wraps inside its cell), the headline counts,
// weights, KV per token and state per sequence, sources and notes.
import { COMPONENTS, type Component } from '../core/params.js';
import type { CheckpointOnlyReport, ShowReport } from '../core/reports/show.js';
import { type Doc, span } from './doc.js';
import { type ByteUnit, bytes, int, params, pct, smallBytes } from './format.js';

const LABELS: Record<Component, string> = {
  embeddings: 'embeddings',
  lmHead: 'LM head',
  attention: 'attention',
  denseMlp: 'dense MLP',
  routedExperts: 'routed experts',
  sharedExperts: 'shared experts',
  routers: 'routers',
  norms: 'norms',
  ssm: 'SSM (Mamba)',
};

export function showDoc(r: ShowReport | CheckpointOnlyReport, unit: ByteUnit): Doc {
  if ('kind' in r) return checkpointOnlyDoc(r, unit);
  const p = r.params;
  const m = r.model;
  const doc: Doc = [
    {
      kind: 'title',
      text: m.name,
      detail: `(${[m.id, m.organisation, m.released, m.licence].filter(Boolean).join(', ')})`,
    },
    { kind: 'line', text: `card: ${m.file}${m.hfRepo ? `   checkpoint: ${m.hfRepo}` : ''}` },
    { kind: 'blank' },
  ];
  const rows = COMPONENTS.filter((c) => p.breakdown[c] > 0).map((c) => [
    LABELS[c],
    int(p.breakdown[c]),
    pct(p.breakdown[c] / p.total),
    p.derivation[c],
  ]);
  rows.push(['total', int(p.total), '100.0%', 'sum of the rows above']);
  doc.push({
    kind: 'table',
    columns: [
      { header: 'component', priority: 0 },
      { header: 'parameters', align: 'right', priority: 0 },
      { header: 'share', align: 'right', priority: 1 },
      { header: 'how it is formed', priority: 2, wrap: true },
    ],
    rows,
  });
  doc.push({ kind: 'blank' });
  const lines: string[] = [`total parameters ${int(p.total)} (${params(p.total)})`];
  if (r.moe) {
    lines.push(
      `active per token ${int(p.active)} (${params(p.active)}) = total - routed experts + ${r.moe.topK} of ` +
        `${r.moe.experts} experts in each of ${r.layers.moe} MoE layers`,
      `  without the input embedding: ${int(p.activeNonEmbedding)} (${params(p.activeNonEmbedding)}), the definition ` +
        'DeepSeek, Moonshot and OpenAI use',
      `one routed expert ${int(p.perExpertLayer)} per layer, ${int(p.perExpert)} (${params(p.perExpert)}) across all ` +
        `${r.layers.moe} MoE layers`,
    );
  } else lines.push(`active per token ${int(p.active)} (dense: every parameter)`);
  if (p.mtp > 0)
    lines.push(
      `MTP layers ${int(p.mtp)} (${params(p.mtp)}) shipped in the checkpoint beside the decoder, not in the total`,
    );
  for (const e of r.extraComponents) {
    lines.push(
      `${e.name}: ${int(e.params)} (${params(e.params)}), not in the total; checkpoint total ` +
        `${int(p.checkpointTotal)} [${e.source}]`,
    );
  }
  lines.push(
    `weights at ${r.weights.nativePrecision} (native): ${bytes(r.weights.nativeBytes, unit)} ` +
      `(${r.weights.nativeBitsPerWeight.toFixed(3)} bits/param); at bf16: ${bytes(r.weights.bf16Bytes, unit)}`,
  );
  const kv = r.kvCache;
  const kvLine =
    kv.window !== null && kv.slidingBytesPerToken > 0
      ? `${smallBytes(kv.fullAttentionBytesPerToken, unit)} per token on full-attention layers + ` +
        `${smallBytes(kv.slidingBytesPerToken, unit)} per token on ${r.layers.sliding} sliding layers ` +
        `(up to ${int(kv.window)} tokens)`
      : `${smallBytes(kv.fullAttentionBytesPerToken, unit)} per token (${int(kv.fullAttentionBytesPerToken)} bytes)`;
  lines.push(`KV cache at bf16: ${kvLine}`);
  if (kv.stateBytesPerSequence)
    lines.push(`state per sequence: ${smallBytes(kv.stateBytesPerSequence, unit)} (Mamba conv + SSM state)`);
  lines.push(`max context: ${int(r.maxContext)} tokens`);
  if (r.crossCheck) lines.push(`checkpoint: ${r.crossCheck}`);
  const c = r.checkpoint;
  if (c) {
    lines.push(
      `checkpoint headers (${c.source}, ${int(c.files)} file${c.files === 1 ? '' : 's'}, ${int(c.tensors)} tensors): ` +
        `${int(c.params)} parameters, ${bytes(c.bytes, unit)} of weights ` +
        `(${c.byDtype.map((d) => `${d.dtype} ${bytes(d.bytes, unit)}`).join(', ')}); ${c.verdict}`,
    );
  }
  for (const l of lines) doc.push({ kind: 'line', text: l, indent: 2 });
  doc.push({ kind: 'blank' }, { kind: 'heading', text: 'sources' });
  doc.push({ kind: 'list', items: r.sources.map((s) => `${s.url}: ${s.supports}`) });
  if (r.notes.length) {
    doc.push({ kind: 'heading', text: 'notes' }, { kind: 'list', items: r.notes.map((n) => span(n)) });
  }
  return doc;
}

/** A model type the importer does not know: exact totals from the headers, estimates labelled as such. */
function checkpointOnlyDoc(r: CheckpointOnlyReport, unit: ByteUnit): Doc {
  const e = r.estimates;
  const lines = [
    `model_type "${r.modelType}" is not one moe-calc derives: these figures come from the checkpoint's tensor ` +
      'headers alone.',
    `exact: ${int(r.exact.totalParams)} parameters (${params(r.exact.totalParams)}), ` +
      `${bytes(r.exact.weightBytes, unit)} ` +
      `of weights in ${int(r.exact.files)} file${r.exact.files === 1 ? '' : 's'}, ${int(r.exact.tensors)} tensors`,
    `by dtype: ${r.byDtype.map((d) => `${d.dtype} ${int(d.params)} parameters, ${bytes(d.bytes, unit)}`).join('; ')}`,
    e.experts
      ? `estimate: routed experts ${int(e.routedParams)} parameters (recognised by tensor name), ${int(e.experts)} ` +
        `experts${e.expertsPerToken ? `, ${e.expertsPerToken} per token` : ''}` +
        (e.activeParams !== null ? `; active about ${params(e.activeParams)} (${int(e.activeParams)})` : '')
      : 'estimate: no routed-expert tensors recognised by name: active parameters unknown',
    e.kvElementsPerToken !== null
      ? `estimate: KV cache about ${smallBytes(e.kvElementsPerToken * 2, unit)} per token at bf16, from the ` +
        "config's standard keys (standard attention assumed)"
      : 'KV cache: unknown (the config has no standard attention keys)',
    'fit, speed and compare need an architecture moe-calc derives; they refuse this model.',
  ];
  const doc: Doc = [
    { kind: 'title', text: r.source, detail: `(checkpoint only: ${r.modelType})` },
    { kind: 'blank' },
    ...lines.map((text) => ({ kind: 'line' as const, text, indent: 2 })),
  ];
  if (r.notes.length)
    doc.push({ kind: 'heading', text: 'notes' }, { kind: 'list', items: r.notes.map((n) => span(n)) });
  return doc;
}
