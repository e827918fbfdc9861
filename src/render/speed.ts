// speed: the estimate with its band first, then every term of one decode step.
import type { SpeedReport } from '../core/reports/speed.js';
import type { Doc } from './doc.js';
import { type ByteUnit, bytes, int } from './format.js';

export function speedDoc(r: SpeedReport, unit: ByteUnit): Doc {
  const e = r.decode;
  const o = r.assumptions;
  const band = e.errorBand;
  const fix = (x: number) => x.toFixed(x < 10 ? 1 : 0);
  const range = (x: number) => `${fix(x * (1 + band[0]))}-${fix(x * (1 + band[1]))}`;
  const p = r.plan;
  const layout = `TP${p.tensorParallel}${p.pipelineParallel > 1 ? ` x PP${p.pipelineParallel}` : ''}`;
  const gpuMs = (e.gpuBytesPerStep / (r.gpu.bandwidthGBps * 1e9 * p.tensorParallel * o.bandwidthEfficiency)) * 1000;
  const doc: Doc = [
    {
      kind: 'title',
      text: `${r.model.name} at ${p.precision} on ${p.gpuCount} x ${r.gpu.name}`,
      detail: `(${layout})`,
    },
    {
      kind: 'line',
      text:
        `decode ${e.tokensPerSecondPerSequence.toFixed(1)} tokens/s per sequence (expected ` +
        `${range(e.tokensPerSecondPerSequence)}), ${e.tokensPerSecondTotal.toFixed(1)} in total; ${e.bound}-bound`,
    },
    {
      kind: 'line',
      text:
        `time to first token for a ${int(o.promptTokens)}-token prompt: ${(e.prefillSeconds * 1000).toFixed(0)} ms ` +
        `(${Math.round(e.prefillTokensPerSecond)} prompt tokens/s)`,
    },
    { kind: 'line', text: `batch ${o.batch}, context ${int(o.context)} tokens, engine profile ${o.engine}` },
    { kind: 'blank' },
    { kind: 'heading', text: 'per decode step' },
  ];
  const items: string[] = [
    `GPU reads ${bytes(e.gpuBytesPerStep, unit)} (weights touched + KV ${bytes(e.kvBytesPerStep, unit)}) at ` +
      `${r.gpu.bandwidthGBps} GB/s x ${p.tensorParallel} GPUs x ${o.bandwidthEfficiency} efficiency ` +
      `= ${gpuMs.toFixed(2)} ms`,
  ];
  if (e.hostBytesPerStep > 0) {
    const hostMs = (e.hostBytesPerStep / (o.hostBandwidth * o.bandwidthEfficiency)) * 1000;
    items.push(
      `host reads ${bytes(e.hostBytesPerStep, unit)} of experts in ${p.offload?.layers ?? 0} offloaded layers at ` +
        `${o.hostBandwidth / 1e9} GB/s (assumed; --host-bandwidth) = ${hostMs.toFixed(2)} ms`,
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
      `${(e.computeSeconds * 1000).toFixed(2)} ms`,
    `fixed ${int(r.model.layers)} layers x ${(o.layerLatency * 1e6).toFixed(0)} us` +
      (p.tensorParallel > 1 ? ` + TP ${(o.tpLatency * 1e6).toFixed(0)} us` : '') +
      ` = ${(e.fixedSeconds * 1000).toFixed(2)} ms (kernel launches, synchronisation)`,
  );
  doc.push({ kind: 'list', items });
  doc.push({
    kind: 'line',
    text:
      `Efficiencies and latencies: the ${o.engine} profile fitted to ${o.calibratedOn} published measurements ` +
      '(README "Speed estimates"); override with --bw-efficiency, --compute-efficiency, --layer-latency-us.',
  });
  return doc;
}
