// speed: the estimate with its held-out band first, then every term of one decode step.
import type { SpeedReport } from '../core/reports/speed.js';
import type { Doc } from './doc.js';
import { type ByteUnit, bytes, int } from './format.js';

const pct = (x: number) => `${x >= 0 ? '+' : ''}${Math.round(x * 100)}%`;
const us = (s: number) => `${(s * 1e6).toFixed(s * 1e6 < 10 ? 1 : 0)} us`;

export function speedDoc(r: SpeedReport, unit: ByteUnit): Doc {
  const e = r.decode;
  const o = r.assumptions;
  const band = e.errorBand;
  const fix = (x: number) => x.toFixed(x < 10 ? 1 : 0);
  // the band is estimate / measured - 1: the measurement is likely between estimate / (1 + high) and / (1 + low)
  const range = (x: number) => (band ? `${fix(x / (1 + band[1]))}-${fix(x / (1 + band[0]))}` : '');
  const p = r.plan;
  const layout =
    `TP${p.tensorParallel}${p.pipelineParallel > 1 ? ` x PP${p.pipelineParallel}` : ''}` +
    `${p.dataParallel > 1 ? ` x DP${p.dataParallel}` : ''}${p.expertParallel > 0 ? `, EP${p.expertParallel}` : ''}`;
  const gpuMs = (e.gpuBytesPerStep / (r.gpu.bandwidthGBps * 1e9 * o.tensorParallel * o.bandwidthEfficiency)) * 1000;
  const expected = band ? `expected ${range(e.tokensPerSecondPerSequence)}` : e.band.note;
  const doc: Doc = [
    {
      kind: 'title',
      text: `${r.model.name} at ${p.precision} on ${p.gpuCount} x ${r.gpu.name}`,
      detail: `(${layout})`,
    },
    {
      kind: 'line',
      text:
        `decode ${e.tokensPerSecondPerSequence.toFixed(1)} tokens/s per sequence (${expected}), ` +
        `${e.tokensPerSecondTotal.toFixed(1)} in total; ${e.bound}-bound`,
    },
    {
      kind: 'line',
      text: band
        ? `error band ${pct(band[0])}/${pct(band[1])} (estimate / measured - 1; ${e.band.regime}): ${e.band.note}`
        : `error band: none (${e.band.regime}); the estimate is the model's alone`,
    },
    {
      kind: 'line',
      text:
        `time to first token for a ${int(o.promptTokens)}-token prompt: ${(e.prefillSeconds * 1000).toFixed(0)} ms ` +
        `(${Math.round(e.prefillTokensPerSecond)} prompt tokens/s)`,
    },
    {
      kind: 'line',
      text:
        `batch ${o.batch}, context ${int(o.context)} tokens, engine profile ${o.engine} (${o.engineLabel}` +
        `${o.generation === 'current' ? '' : `, ${o.generation} generation`})`,
    },
    { kind: 'blank' },
    { kind: 'heading', text: 'per decode step' },
  ];
  const items: string[] = [
    `GPU reads ${bytes(e.gpuBytesPerStep, unit)} (weights touched + KV ${bytes(e.kvBytesPerStep, unit)}) at ` +
      `${r.gpu.bandwidthGBps} GB/s x ${o.tensorParallel} GPUs x ${o.bandwidthEfficiency} efficiency ` +
      `= ${gpuMs.toFixed(2)} ms`,
  ];
  if (e.hostBytesPerStep > 0) {
    const hostMs = (e.hostBytesPerStep / (o.hostBandwidth * o.hostEfficiency)) * 1000;
    items.push(
      `host reads ${bytes(e.hostBytesPerStep, unit)} of experts in ${p.offload?.layers ?? 0} offloaded layers at ` +
        `${o.hostBandwidth / 1e9} GB/s (${o.hostBandwidthAssumed ? 'assumed; ' : ''}--host-bandwidth) x ` +
        `${o.hostEfficiency} achieved = ${hostMs.toFixed(2)} ms`,
    );
  }
  if (r.model.experts > 0) {
    items.push(
      `experts: ${e.expertsTouched.toFixed(2)} of ${r.model.experts} distinct routed experts per MoE layer for batch ` +
        `${o.batch} (E x (1 - (1 - k/E)^B), uniform routing)`,
    );
  }
  items.push(
    `compute ${(e.flopsPerStep / 1e9).toFixed(1)} GFLOP at ${o.computeEfficiency} of peak = ` +
      `${(e.computeSeconds * 1000).toFixed(2)} ms (the step takes the larger of reads and compute)`,
  );
  const fixed: string[] = [];
  if (o.stepLatency > 0) fixed.push(`step ${us(o.stepLatency)}`);
  fixed.push(`${int(r.model.layers)} layers x ${us(o.layerLatency)}`);
  if (o.tensorParallel > 1 && o.tpLatency > 0) fixed.push(`TP ${int(r.model.layers)} x ${us(o.tpLatency)}`);
  if (o.sequenceLatency > 0)
    fixed.push(`${o.batch} sequences x ${int(r.model.layers)} layers x ${us(o.sequenceLatency)}`);
  if (o.pipelineStages > 1)
    fixed.push(
      `layer split ${o.pipelineStages - 1} hops x ${us(o.hopLatency)} + ${int(r.model.layers)} x ` +
        us(o.splitLayerLatency),
    );
  if (e.hostBytesPerStep > 0) fixed.push(`${o.offloadLayers} host layers x ${us(o.hostLayerLatency)}`);
  items.push(
    `fixed ${fixed.join(' + ')} = ${(e.fixedSeconds * 1000).toFixed(2)} ms ` +
      '(kernel launches, synchronisation, per-sequence work)',
  );
  doc.push({ kind: 'list', items });
  doc.push({
    kind: 'line',
    text:
      `Efficiencies and latencies: the ${o.engine} profile fitted to ${o.calibratedOn} published measurements from ` +
      `${o.calibrationSources} sources (README "Speed estimates"; npm run calibrate); override with ` +
      '--bw-efficiency, --compute-efficiency, --layer-latency-us.',
  });
  return doc;
}
