// moe-calc speed <model> --gpu <id>: roofline decode and prefill estimates for a plan.
import { speed } from '../api.js';
import { speedDoc } from '../render/speed.js';
import { intFlag, numFlag, unitOf } from './common.js';
import { emit } from './output.js';
import { type FitFlags, fitRequest } from './fit.js';

export interface SpeedFlags extends FitFlags {
  bwEfficiency?: string;
  computeEfficiency?: string;
  layerLatencyUs?: string;
  hostBandwidth?: string;
  prompt?: string;
}

export async function speedCommand(model: string, f: SpeedFlags): Promise<number> {
  const latency = numFlag('--layer-latency-us', f.layerLatencyUs, 0, 1e6, true);
  const host = numFlag('--host-bandwidth', f.hostBandwidth, 0, 1e5);
  const report = await speed(model, fitRequest(f), {
    bandwidthEfficiency: numFlag('--bw-efficiency', f.bwEfficiency, 0, 1),
    computeEfficiency: numFlag('--compute-efficiency', f.computeEfficiency, 0, 1),
    layerLatency: latency === undefined ? undefined : latency / 1e6,
    hostBandwidth: host === undefined ? undefined : host * 1e9,
    promptTokens: intFlag('--prompt', f.prompt, 1, 10_000_000, true),
  });
  // a mixed rig: what the estimate assumed about its cards
  emit(f, report, () => [
    ...speedDoc(report, unitOf(f)),
    ...(report.rig?.notes ?? []).map((t) => ({ kind: 'line' as const, text: `rig: ${t}` })),
  ]);
  return 0;
}
