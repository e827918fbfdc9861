// fit: the answer in words, the table of precisions, at most three lines of assumptions and error
// bands, the chosen plan as one bar per group of identical GPUs, warnings, the launch command.
// --explain adds the full derivation of overheads, kernel layouts and error bands.
import type { FitPlanRow, FitReport } from '../core/reports/fit.js';
import { layoutName } from '../core/reports/fit.js';
import type { PerGpu } from '../core/fit.js';
import { type Block, type Column, type Doc, span, type Text } from './doc.js';
import { shellQuote } from '../core/engines.js';
import { type ByteUnit, bytes, int, pctBand, shortTokens, smallBytes, tokens } from './format.js';

export interface FitRenderOptions {
  unit: ByteUnit;
  explain?: boolean;
}

type Planned = Extract<FitPlanRow, { tensorParallel: number }>;
const planned = (r: FitPlanRow): r is Planned => r.gpuCount !== null;

function nodesOf(p: Planned, perNode: number): number {
  return Math.ceil(p.gpuCount / perNode);
}

/** The answer in one sentence: what fits where, with the context it leaves. */
/** "NVIDIA A100 40GB (SXM4)" -> "A100 40GB": the name a sentence needs. */
export function shortGpuName(name: string): string {
  return name.replace(/^(NVIDIA|AMD|Apple|Intel)\s+/i, '').replace(/\s*\(.*\)\s*$/, '') || name;
}

export function fitAnswer(r: FitReport, unit: ByteUnit): Text {
  // a rig reads "Fits rtx-5090 + rtx-3090 at ..." rather than a count of one kind
  const gpuName = r.rig?.mixed ? r.rig.label : shortGpuName(r.gpu.name);
  const rows = r.plans;
  const fitting = rows.filter((p): p is Planned => planned(p) && p.fits);
  const ctx = (p: Planned) =>
    p.maxContextIsModelLimit
      ? `the model's full ${shortTokens(p.maxContext)} tokens of context`
      : `up to ${shortTokens(p.maxContext)} tokens of context`;
  if (r.count !== null) {
    if (fitting.length) {
      const first = fitting[0]!;
      return span(
        `Fits ${r.rig?.mixed ? '' : `${r.count} x `}${gpuName} at ${fitting.map((p) => p.precision).join(', ')} ` +
          `(${first.precision}: ${layoutName(first)}, ${ctx(first)}).`,
        'green',
      );
    }
    const shorts = rows.filter(planned);
    const on = r.rig?.mixed ? gpuName : `${r.count} x ${gpuName}`;
    if (!shorts.length) return span(`No allowed layout of ${on} for this model.`, 'red');
    const best = shorts.reduce((a, b) => (b.shortfallBytes < a.shortfallBytes ? b : a));
    return span(
      `Does not fit ${on} at ${rows.map((p) => p.precision).join(', ')}: ` +
        `short ${bytes(best.shortfallBytes, unit)} per GPU at best${rows.length > 1 ? ` (${best.precision})` : ''}.`,
      'red',
    );
  }
  const chosen = rows.find((p): p is Planned => planned(p) && p.fits && p.precision === r.chosen?.precision);
  if (!chosen) return span('No plan fits within the search limit (4,096 GPUs).', 'red');
  const parts = [`Fits ${chosen.gpuCount} x ${gpuName} at ${chosen.precision} (${layoutName(chosen)}), ${ctx(chosen)}`];
  const top = rows[0];
  if (top && top !== chosen && planned(top) && top.fits && top.gpuCount !== chosen.gpuCount) {
    const nodes = nodesOf(top, r.gpu.gpusPerNode);
    parts.push(`${top.precision} needs ${top.gpuCount} GPUs${nodes > 1 ? ` over ${nodes} nodes` : ''}`);
  }
  const fewest = fitting.reduce<Planned | undefined>((a, b) => (!a || b.gpuCount < a.gpuCount ? b : a), undefined);
  if (fewest && fewest.gpuCount < chosen.gpuCount) parts.push(`${fewest.precision} fits ${fewest.gpuCount}`);
  return span(`${parts.join('; ')}.`, 'green');
}

function stageGroups(p: Planned): { first: number; last: number; stage: PerGpu }[] {
  const groups: { first: number; last: number; stage: PerGpu }[] = [];
  // a stage spans its TP ranks in every data-parallel replica
  const perStage = p.tensorParallel * (p.dataParallel ?? 1);
  p.stages.forEach((st, s) => {
    const first = s * perStage;
    const last = first + perStage - 1;
    const prev = groups.at(-1);
    // a llama.cpp split: every stage holds its own layers on its own card, one bar each
    const same =
      !p.split &&
      prev &&
      prev.stage.weightsBytes === st.weightsBytes &&
      prev.stage.kvBytes === st.kvBytes &&
      prev.stage.overheadBytes === st.overheadBytes;
    if (same) prev.last = last;
    else groups.push({ first, last, stage: st });
  });
  return groups;
}

function planBars(r: FitReport, p: Planned, unit: ByteUnit): Block[] {
  const b = (n: number) => bytes(n, unit).replace(/ GB$| GiB$/, '');
  const out: Block[] = [
    {
      kind: 'line',
      text: span(
        `Plan at ${p.precision}: ` +
          `${p.split || (r.rig?.mixed && r.count) ? r.rig!.label : `${p.gpuCount} x ${r.gpu.id}`}, ` +
          `${layoutName(p)}   (# weights, k KV ` +
          `cache, o overhead, . free)`,
        'bold',
      ),
    },
  ];
  const groups = stageGroups(p);
  const width = String(p.gpuCount - 1).length;
  // a llama.cpp layer split: each stage's card and layers (the output layer marked)
  const split = p.split;
  const idWidth = split ? Math.max(...split.gpus.map((g) => g.length)) : 0;
  const wheres = groups.map((_, i) =>
    split
      ? ` ${split.gpus[i]!.padEnd(idWidth)} L${split.layers[i]![0]}-${split.layers[i]![1] - 1}` +
        (i === split.outputStage ? '+out' : '')
      : '',
  );
  const whereWidth = Math.max(0, ...wheres.map((w) => w.length));
  for (const [i, g] of groups.entries()) {
    const range = g.first === g.last ? String(g.first) : `${g.first}-${g.last}`;
    const st = g.stage;
    out.push({
      kind: 'bar',
      label: `GPU ${range.padEnd(2 * width + 1)}${wheres[i]!.padEnd(whereWidth)}`,
      parts: [
        { value: st.weightsBytes, char: '#' },
        { value: st.kvBytes, char: 'k' },
        { value: st.overheadBytes, char: 'o' },
      ],
      total: st.budgetBytes,
      text:
        `${b(st.totalBytes)} of ${bytes(st.budgetBytes, unit)}: weights ${b(st.weightsBytes)}, ` +
        `KV ${b(st.kvBytes)}, overhead ${b(st.overheadBytes)}, free ${b(st.freeBytes)}`,
      ...(p.fits ? {} : { style: 'red' as const }),
    });
  }
  if (p.offload) {
    out.push({
      kind: 'line',
      text:
        `host: routed experts of MoE layers 1-${p.offload.layers}, ${bytes(p.offload.hostBytes, unit)} of ` +
        `${bytes(p.offload.hostCapacityBytes, unit)} host memory (llama.cpp --n-cpu-moe ${p.offload.nCpuMoe})`,
    });
  }
  return out;
}

function table(r: FitReport, unit: ByteUnit): Block {
  const n = (x: number) => bytes(x, unit).replace(/ GB$| GiB$/, '');
  const offloading = r.request.hostMemoryBytes !== null;
  const columns: Column[] = [
    { header: 'precision', priority: 0 },
    { header: `weights ${unit}`, align: 'right', priority: 2 },
    { header: 'GPUs', align: 'right', priority: 0 },
    { header: 'layout', priority: 1 },
    { header: `weights per GPU`, align: 'right', priority: 3 },
    { header: `KV per GPU`, align: 'right', priority: 6 },
    { header: `overhead per GPU`, align: 'right', priority: 7 },
    { header: `used / budget ${unit}`, align: 'right', priority: 1 },
    { header: 'max context', align: 'right', priority: 1 },
    { header: `max seqs @${int(r.request.context)}`, align: 'right', priority: 4 },
    { header: 'fits', priority: 0 },
    { header: 'decode t/s', align: 'right', priority: 5 },
    ...(offloading ? [{ header: 'experts in host memory', align: 'right' as const, priority: 2 }] : []),
  ];
  const rows: Text[][] = r.plans.map((p) => {
    if (!planned(p)) {
      const status = r.count !== null ? 'no layout' : 'no fit';
      return [
        p.precision,
        n(p.weightsTotalBytes),
        r.count !== null ? String(r.count) : '-',
        '-',
        '-',
        '-',
        '-',
        '-',
        '-',
        '-',
        span(status, 'red'),
        '-',
        ...(offloading ? ['-'] : []),
      ];
    }
    const pg = p.perGpu;
    const status: Text = p.fits ? span('fits', 'green') : span(`short ${n(p.shortfallBytes)}`, 'red');
    return [
      p.precision,
      n(p.weightsTotalBytes),
      String(p.gpuCount),
      layoutName(p),
      n(pg.weightsBytes),
      n(pg.kvBytes),
      n(pg.overheadBytes),
      `${n(pg.totalBytes)} / ${n(pg.budgetBytes)}`,
      p.fits ? tokens(p.maxContext) + (p.maxContextIsModelLimit ? '*' : '') : '-',
      p.fits ? tokens(p.maxConcurrency) : '-',
      status,
      p.decode ? p.decode.tokensPerSecondPerSequence.toFixed(p.decode.tokensPerSecondPerSequence < 10 ? 1 : 0) : '-',
      ...(offloading ? [p.offload ? `${p.offload.layers} layers, ${n(p.offload.hostBytes)}` : '-'] : []),
    ];
  });
  return { kind: 'table', columns, rows };
}

/** The assumptions and error bands in at most three lines; --explain has the rest. */
function notes(r: FitReport, unit: ByteUnit): Block[] {
  const o = r.overheads;
  const g = (n: number) => bytes(n, unit).replace(/ GB$| GiB$/, '');
  const over: string[] = [];
  if (o.vllm) {
    over.push(
      `vLLM ${o.vllm.releases.replace(' and later', '+')} start-up profile (activation ${g(o.vllm.activationBytes)}, ` +
        `non-torch ${g(o.vllm.nonTorchSingleBytes)}/${g(o.vllm.nonTorchMultiBytes)}` +
        (o.vllm.cudaGraphBytes ? `, CUDA graphs ${g(o.vllm.cudaGraphBytes)}` : '') +
        ` ${unit})`,
    );
  }
  if (o.sglang) {
    over.push(
      `SGLang start-up ${g(o.sglang.startupBytes)} ${unit}, KV pool = mem_fraction_static ` +
        (o.sglang.memFractionStatic === null
          ? "(SGLang's default per GPU size and TP)"
          : `${o.sglang.memFractionStatic}`),
    );
  }
  if (o.llamaCpp) over.push(`GGUF rows llama.cpp's compute buffer (${bytes(o.llamaCpp.outputGpuComputeBytes, unit)})`);
  const e = r.errorBands;
  const bands: string[] = [];
  if (e.memory) {
    const m = e.memory;
    bands.push(
      `weights/GPU ${pctBand(m.weightsPerGpu)} (${m.rows.weights.within}/${m.rows.weights.of} vLLM logs), ` +
        `KV memory ${pctBand(m.kvMemory)} (${m.rows.kvMemory.within}/${m.rows.kvMemory.of})`,
    );
  }
  if (e.llamaCpp) bands.push(`llama.cpp buffers ${pctBand(e.llamaCpp.compute)} (${e.llamaCpp.logs} logs)`);
  if (e.decode.length) {
    const pc = (x: number) => `${x > 0 ? '+' : ''}${Math.round(x * 100)}`;
    const one = (d: (typeof e.decode)[number]) =>
      d.band ? `${d.engine} ${pc(d.band[0])}/${pc(d.band[1])}%` : `${d.engine}: ${d.note}`;
    // one band per engine here: the chosen row's regime first; --explain lists every regime
    const chosenRow = r.plans.find((p) => p.precision === r.chosen?.precision);
    const chosenRegime = chosenRow && 'decode' in chosenRow ? chosenRow.decode?.band.regime : undefined;
    const perEngine = new Map<string, (typeof e.decode)[number]>();
    for (const d of [...e.decode].sort((a, b) => Number(b.regime === chosenRegime) - Number(a.regime === chosenRegime)))
      if (!perEngine.has(d.engine)) perEngine.set(d.engine, d);
    bands.push(`decode ${[...perEngine.values()].map(one).join(', ')}`);
  }
  const out: Block[] = [
    { kind: 'line', text: `* the model's maximum. Overhead: ${over.join('; ')}.` },
    { kind: 'line', text: `Expected error: ${bands.join('; ')}. --explain: how.` },
  ];
  if (r.request.hostMemoryBytes !== null) {
    out.push({
      kind: 'line',
      text:
        `Expert offload: experts of the first N MoE layers in host memory (llama.cpp --n-cpu-moe N), ` +
        `${bytes(r.request.hostMemoryBytes, unit)} available.`,
    });
  }
  const c = r.checkpoint;
  if (c) {
    out.push({
      kind: 'line',
      text:
        `Checkpoint headers: ${bytes(c.bytes, unit)} of weights in ${c.files} ` +
        `file${c.files === 1 ? '' : 's'}; ${c.verdict}.`,
    });
  }
  return out;
}

/** --explain: how every overhead and band was arrived at. */
function explanation(r: FitReport, unit: ByteUnit): Block[] {
  const out: Block[] = [{ kind: 'blank' }, { kind: 'heading', text: 'How these figures are derived' }];
  const items: string[] = [
    `Budget per GPU = memory x usable fraction (${r.gpu.usableFraction}) x utilization (${r.request.utilization}); ` +
      'a plan fits when weights + KV cache + overhead stay within it on every GPU.',
  ];
  const v = r.overheads.vllm;
  if (v) {
    items.push(
      `Engine precisions are accounted as vLLM ${v.releases} measures memory at start-up (--vllm to ` +
        `change): a profiling ` +
        `pass of ${int(v.batchTokens)} tokens and ${int(v.maxNumSeqs)} sequences peaks at ` +
        `${bytes(v.activationBytes, unit)} on one GPU (the last pipeline stage also holds the sampler's peak); ` +
        `non-torch memory (NCCL, kernels) ${bytes(v.nonTorchSingleBytes, unit)} alone, ` +
        `${bytes(v.nonTorchMultiBytes, unit)} with TP or PP; CUDA graphs ` +
        (v.cudaGraphBytes
          ? `${bytes(v.cudaGraphBytes, unit)} (--enforce-eager: none).`
          : v.cudaGraphsBudgeted
            ? 'none (--enforce-eager).'
            : 'not taken from the budget before vLLM 0.21.'),
    );
  }
  const sg = r.overheads.sglang;
  if (sg) {
    items.push(
      'Engine precisions are accounted as SGLang sizes its pool (--engine sglang): weights and KV must fit in ' +
        'mem_fraction_static of the GPU (--utilization sets it; by default the value SGLang 0.5 server_args derives ' +
        `from GPU memory, TP, PP and DP attention), after ${bytes(sg.startupBytes, unit)} of CUDA context and ` +
        'kernels measured at start-up.',
    );
  }
  const l = r.overheads.llamaCpp;
  if (l) {
    items.push(
      `GGUF rows as llama.cpp runs them: layers split across GPUs (TP 1, --split-mode layer), a compute buffer for a ` +
        `${l.ubatch}-token batch (${bytes(l.outputGpuComputeBytes, unit)} on the GPU with the output ` +
        `layer, mostly its ` +
        'logits), the input embedding in host memory; no vLLM sampler, non-torch or CUDA-graph reserve.',
    );
  }
  const hs = r.overheads.hybridState;
  if (hs) {
    items.push(
      `Recurrent state (SSM / linear-attention layers) is per sequence, not per token. vLLM raises the attention ` +
        `block to ${int(hs.blockTokens)} tokens so one block page holds one layer's state, pads each state page to ` +
        `it, and keeps ${hs.slots} state slot${hs.slots > 1 ? 's' : ''} per sequence` +
        (hs.slots > 1 ? ' (prefix caching, "align" mode)' : '') +
        '; llama.cpp keeps one f32 state per sequence.',
    );
  }
  for (const x of r.overheads.expertLayouts) {
    items.push(
      `${x.precision} experts are held in vLLM's ${x.layout} kernel layout on ${r.gpu.id}: expert ` +
        `width per GPU rounded ` +
        `up to ${x.ffnMultiple}` +
        (x.hiddenMultiple > 1 ? `, hidden width to ${x.hiddenMultiple}` : '') +
        (x.extraBpw ? `, scales kept twice (+${x.extraBpw} bits per weight)` : '') +
        '.',
    );
  }
  const e = r.errorBands;
  if (e.memory) {
    items.push(
      `Memory error bands come from vLLM's own start-up logs (README "Calibration"): weights per GPU within ` +
        `${pctBand(e.memory.weightsPerGpu)} on ${e.memory.rows.weights.within} of ${e.memory.rows.weights.of} logs, ` +
        `memory left for the KV cache within ${pctBand(e.memory.kvMemory)} on ${e.memory.rows.kvMemory.within} of ` +
        `${e.memory.rows.kvMemory.of}.`,
    );
  }
  if (e.llamaCpp) {
    items.push(
      `llama.cpp buffers against ${e.llamaCpp.logs} load logs: GPU model buffer ${pctBand(e.llamaCpp.model)}, ` +
        `KV buffer ` +
        `${pctBand(e.llamaCpp.kv)}, compute buffer ${pctBand(e.llamaCpp.compute)}.`,
    );
  }
  for (const d of e.decode) {
    items.push(
      `decode t/s (${d.engine}): roofline estimate per sequence at batch ${r.request.batch} ("moe-calc speed" prints ` +
        'every term); ' +
        (d.band
          ? `expected error ${Math.round(d.band[0] * 100)}%/+${Math.round(d.band[1] * 100)}% in ${d.regime} ` +
            `(10th-90th percentile of leave-one-source-out errors; ${d.note}).`
          : `${d.note}.`),
    );
  }
  out.push({ kind: 'list', items });
  return out;
}

function layoutsBlocks(r: FitReport, unit: ByteUnit): Block[] {
  const l = r.layouts;
  if (!l) return [];
  const n = (x: number) => bytes(x, unit).replace(/ GB$| GiB$/, '');
  const rows: Text[][] = l.rows.map((x) => [
    x.layout === l.best ? span(`${x.layout} *`, 'bold') : x.layout,
    x.fits ? span('fits', 'green') : span('no', 'red'),
    n(x.weightsPerGpuBytes),
    `${n(x.usedPerGpuBytes)} / ${n(x.budgetPerGpuBytes)}`,
    x.fits ? tokens(x.kvCacheTokensTotal) : '-',
    x.fits ? tokens(x.maxConcurrency) : '-',
    x.decode ? x.decode.perSequence.toFixed(x.decode.perSequence < 10 ? 1 : 0) : '-',
    x.decode ? `${Math.round(x.decode.total)} @${x.decode.concurrency}` : '-',
    x.decode && x.decode.allToAllMs > 0 ? x.decode.allToAllMs.toFixed(2) : '-',
  ]);
  return [
    { kind: 'blank' },
    {
      kind: 'table',
      title: `Layouts of ${l.gpuCount} GPUs at ${l.precision} (* the most KV tokens for the deployment)`,
      columns: [
        { header: 'layout', priority: 0 },
        { header: 'fits', priority: 0 },
        { header: `weights per GPU ${unit}`, align: 'right', priority: 3 },
        { header: `used / budget ${unit}`, align: 'right', priority: 2 },
        { header: 'KV tokens (all replicas)', align: 'right', priority: 0 },
        { header: `max seqs @${int(r.request.context)}`, align: 'right', priority: 1 },
        { header: 'decode t/s per seq', align: 'right', priority: 4 },
        { header: 'decode t/s total', align: 'right', priority: 1 },
        { header: 'all-to-all ms/step', align: 'right', priority: 5 },
      ],
      rows,
    },
    ...l.notes.map((t): Block => ({ kind: 'line', text: span(t, 'dim') })),
  ];
}

export function fitDoc(r: FitReport, o: FitRenderOptions): Doc {
  const u = o.unit;
  const usable = r.gpu.usableFraction < 1 ? `, ${Math.round(r.gpu.usableFraction * 100)}% usable by the GPU` : '';
  const q = r.request;
  const doc: Doc = [
    r.rig && (r.rig.mixed || r.rig.source !== 'catalog')
      ? {
          kind: 'title',
          text: `${r.model.name} on ${r.rig.label}`,
          detail: `(${r.rig.gpus.map((g) => bytes(g.memoryBytes, u)).join(' + ')}${usable}${
            r.rig.source !== 'catalog' ? `; read by ${r.rig.source}` : ''
          })`,
        }
      : {
          kind: 'title',
          text: `${r.model.name} on ${r.gpu.name}`,
          detail: `(${bytes(r.gpu.memoryBytes, u)} each${usable})`,
        },
    { kind: 'line', text: fitAnswer(r, u) },
    {
      kind: 'line',
      text:
        `context ${int(q.context)} tokens x ${q.batch} sequence${q.batch === 1 ? '' : 's'}` +
        `${q.explicitContext ? '' : ' (default: --context)'}, KV ${q.kvPrecision}, ` +
        `utilization ${q.utilization}, ${q.gpusPerNode} GPUs per node`,
    },
    {
      kind: 'line',
      text:
        `KV ${smallBytes(q.kvBytesPerToken, u)} per token` +
        (q.stateBytesPerSequence ? ` + recurrent state ${smallBytes(q.stateBytesPerSequence, u)} per sequence` : '') +
        (q.towerBytes
          ? `; vision/audio towers ${bytes(q.towerBytes, u)} on engine rows (--text-only leaves them out)`
          : q.textOnly
            ? '; towers left out (--text-only)'
            : ''),
    },
    { kind: 'blank' },
    table(r, u),
    ...notes(r, u),
  ];
  const chosen = r.plans.find((p): p is Planned => planned(p) && p.precision === r.chosen?.precision);
  doc.push(...layoutsBlocks(r, u));
  if (chosen) doc.push({ kind: 'blank' }, ...planBars(r, chosen, u));
  if (r.rig?.notes.length) {
    doc.push({ kind: 'blank' });
    for (const n of r.rig.notes) doc.push({ kind: 'line', text: span(`rig: ${n}`, 'dim'), indent: 2 });
  }
  if (r.warnings.length) {
    doc.push({ kind: 'blank' });
    for (const w of r.warnings) doc.push({ kind: 'line', text: span(`warning: ${w}`, 'yellow'), indent: 2 });
  }
  if (r.launch) {
    doc.push(
      { kind: 'blank' },
      {
        kind: 'line',
        text: span(
          `Launch with ${r.launch.engine} (plan at ${r.chosen!.precision}, ` +
            `${r.rig?.mixed ? r.rig.label : `${r.chosen!.gpuCount} x ${r.gpu.id}`}):`,
          'bold',
        ),
      },
      { kind: 'code', text: r.launch.argv.map(shellQuote).join(' ') },
      ...r.launch.notes.map((n): Block => ({ kind: 'line', text: `  note: ${n}`, indent: 4 })),
    );
  } else if (r.request.engine) {
    doc.push({ kind: 'blank' }, { kind: 'line', text: span('No launch command: no plan fits.', 'red') });
  }
  if (o.explain) doc.push(...explanation(r, u));
  return doc;
}
