// moe-calc speed <model> --gpu <id>: roofline decode and prefill estimates for a plan.
import { deriveParams } from '../core/params.js';
import { fitPlan } from '../core/fit.js';
import { estimateSpeed, speedProfileFor, SPEED_PROFILES, DEFAULT_HOST_BANDWIDTH } from '../core/speed.js';
import { UserError } from '../errors.js';
import { bytes, int } from '../render/format.js';
import { c } from '../render/color.js';
import { fitSetup, speedEngineFor, type FitFlags } from './fit.js';
import { SCHEMA_VERSION, intFlag, numFlag, print, printJson, unitOf } from './common.js';

export interface SpeedFlags extends FitFlags {
  bwEfficiency?: string;
  computeEfficiency?: string;
  layerLatencyUs?: string;
  hostBandwidth?: string;
  prompt?: string;
}

export async function speedCommand(model: string, f: SpeedFlags): Promise<number> {
  const s = await fitSetup(model, { ...f, precision: f.precision ?? undefined });
  if (s.precisions.length !== 1) {
    if (f.precision !== undefined) throw new UserError('--precision: speed takes one precision');
    s.precisions = [s.precisions[0]!]; // the native precision
  }
  const precision = s.precisions[0]!;
  const d = deriveParams(s.card);
  const plan = fitPlan(s.card, d, s.gpu, { ...s.options, precision });
  if (!plan?.fits) {
    throw new UserError(
      `${s.card.id} at ${precision.id} does not fit ${s.options.count ? `${s.options.count} x ` : ''}${s.gpu.id}${s.options.count ? '' : ' within the search limit'}: run "moe-calc fit" for the plan (exit 2: no plan to time)`,
    );
  }
  const engine = speedProfileFor(speedEngineFor(precision, s.engine), s.gpu);
  const prof = SPEED_PROFILES[engine];
  const opts = {
    precision,
    kvBytes: s.options.kvBytes,
    context: s.options.context,
    batch: s.options.batch,
    tensorParallel: plan.tensorParallel,
    bandwidthEfficiency: numFlag('--bw-efficiency', f.bwEfficiency, 0, 1) ?? prof.bandwidthEfficiency,
    computeEfficiency: numFlag('--compute-efficiency', f.computeEfficiency, 0, 1) ?? prof.computeEfficiency,
    layerLatency: (numFlag('--layer-latency-us', f.layerLatencyUs, 0, 1e6, true) ?? prof.layerLatency * 1e6) / 1e6,
    tpLatency: prof.tpLatency,
    offloadLayers: plan.offload?.layers ?? 0,
    hostBandwidth: (numFlag('--host-bandwidth', f.hostBandwidth, 0, 1e5) ?? DEFAULT_HOST_BANDWIDTH / 1e9) * 1e9,
    promptTokens: intFlag('--prompt', f.prompt, 1, 10_000_000, true) ?? 1024,
  };
  const e = estimateSpeed(s.card, d, s.gpu, opts);
  const band = prof.band;
  const a = s.card.architecture;
  if (f.json) {
    printJson({
      schemaVersion: SCHEMA_VERSION,
      model: { id: s.card.id, name: s.card.name },
      gpu: { id: s.gpu.id, bandwidthGBps: s.gpu.bandwidth_gbps },
      plan: {
        precision: precision.id,
        gpuCount: plan.gpuCount,
        tensorParallel: plan.tensorParallel,
        pipelineParallel: plan.pipelineParallel,
        offload: plan.offload ?? null,
      },
      decode: { ...e, errorBand: band },
      assumptions: { engine, ...opts, precision: precision.id, calibratedOn: prof.rows },
    });
    return 0;
  }
  const u = unitOf(f);
  const k = c();
  const range = (x: number) =>
    `${(x * (1 + band[0])).toFixed(x < 10 ? 1 : 0)}-${(x * (1 + band[1])).toFixed(x < 10 ? 1 : 0)}`;
  print(
    k.bold(`${s.card.name} at ${precision.id} on ${plan.gpuCount} x ${s.gpu.name}`) +
      ` (TP${plan.tensorParallel}${plan.pipelineParallel > 1 ? ` x PP${plan.pipelineParallel}` : ''})`,
  );
  print(`batch ${opts.batch}, context ${int(opts.context)} tokens, engine profile ${engine}`);
  print('');
  print(
    `decode: ${e.tokensPerSecondPerSequence.toFixed(1)} tokens/s per sequence (expected ${range(e.tokensPerSecondPerSequence)}), ${e.tokensPerSecondTotal.toFixed(1)} tokens/s in total; ${e.bound}-bound`,
  );
  print(
    `time to first token for a ${int(opts.promptTokens)}-token prompt: ${(e.prefillSeconds * 1000).toFixed(0)} ms (${Math.round(e.prefillTokensPerSecond)} prompt tokens/s)`,
  );
  print('');
  print('per decode step:');
  const gpuMs =
    (e.gpuBytesPerStep / (s.gpu.bandwidth_gbps * 1e9 * plan.tensorParallel * opts.bandwidthEfficiency)) * 1000;
  print(
    `  GPU reads   ${bytes(e.gpuBytesPerStep, u)} (weights touched + KV ${bytes(e.kvBytesPerStep, u)}) at ${s.gpu.bandwidth_gbps} GB/s x ${plan.tensorParallel} GPUs x ${opts.bandwidthEfficiency} efficiency = ${gpuMs.toFixed(2)} ms`,
  );
  if (e.hostBytesPerStep > 0) {
    const hostMs = (e.hostBytesPerStep / (opts.hostBandwidth * opts.bandwidthEfficiency)) * 1000;
    print(
      `  host reads  ${bytes(e.hostBytesPerStep, u)} of experts in ${plan.offload!.layers} offloaded layers at ${opts.hostBandwidth / 1e9} GB/s (assumed; --host-bandwidth) = ${hostMs.toFixed(2)} ms`,
    );
  }
  if (a.moe)
    print(
      `  experts     ${e.expertsTouched.toFixed(2)} of ${a.moe.experts} distinct routed experts per MoE layer for batch ${opts.batch} (E x (1 - (1 - k/E)^B), uniform routing)`,
    );
  print(
    `  compute     ${(e.flopsPerStep / 1e9).toFixed(1)} GFLOP at ${opts.computeEfficiency} of peak = ${(e.computeSeconds * 1000).toFixed(2)} ms`,
  );
  print(
    `  fixed       ${int(a.num_layers)} layers x ${(opts.layerLatency * 1e6).toFixed(0)} us${plan.tensorParallel > 1 ? ` + TP ${(opts.tpLatency * 1e6).toFixed(0)} us` : ''} = ${(e.fixedSeconds * 1000).toFixed(2)} ms (kernel launches, synchronisation)`,
  );
  print(
    `Efficiencies and latencies: the ${engine} profile fitted to ${prof.rows} published measurements (README "Speed estimates"); override with --bw-efficiency, --compute-efficiency, --layer-latency-us.`,
  );
  return 0;
}
