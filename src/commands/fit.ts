// moe-calc fit <model> --gpu <id>: flags -> request -> report -> output.
import { type FitRequest, fit } from '../api.js';
import { fitDoc } from '../render/fit.js';
import { UserError } from '../errors.js';
import { type GlobalOptions, intFlag, numFlag, sourcesOf, unitOf } from './common.js';
import { emit } from './output.js';

export interface FitFlags extends GlobalOptions {
  gpu?: string;
  precision?: string;
  count?: string;
  context?: string;
  batch?: string;
  kvPrecision?: string;
  utilization?: string;
  gpusPerNode?: string;
  batchTokens?: string;
  maxNumSeqs?: string;
  tp?: string;
  usableFraction?: string;
  vllm?: string;
  enforceEager?: boolean;
  activationGb?: string;
  nonTorchGb?: string;
  engine?: string;
  cpuMemory?: string;
  offloadExperts?: string;
  explain?: boolean;
  textOnly?: boolean;
  dp?: string;
  expertParallel?: boolean;
  ep?: string;
  numRedundantExperts?: string;
  a2aBackend?: string;
  layouts?: boolean;
  freeOnly?: boolean;
  tensorSplit?: string;
}

/** --tensor-split 3,1: llama.cpp's per-GPU shares (non-negative numbers, not all zero). */
function tensorSplitFlag(raw: string | undefined): number[] | undefined {
  if (raw === undefined) return undefined;
  const parts = String(raw)
    .split(/[,/]/)
    .map((x) => x.trim());
  const v = parts.map(Number);
  if (parts.some((x) => !/^\d+(\.\d+)?$/.test(x)) || v.every((x) => x === 0)) {
    throw new UserError(`--tensor-split: expected comma-separated shares per GPU such as 3,1, got "${raw}"`);
  }
  return v;
}

const gbToBytes = (gb: number | undefined) => (gb === undefined ? undefined : Math.round(gb * 1e9));

/** The fit flags as a typed request (numbers checked; names are checked when resolved). */
export function fitRequest(f: FitFlags): FitRequest {
  if (f.gpu === undefined) throw new Error('--gpu is required'); // commander enforces it
  const p = f.precision?.trim();
  const offload = f.offloadExperts?.trim().toLowerCase();
  const req: FitRequest = {
    ...sourcesOf(f),
    gpu: f.gpu,
    precision: p === undefined ? undefined : p.toLowerCase() === 'all' ? 'all' : p.split(',').map((x) => x.trim()),
    count: intFlag('--count', f.count, 1, 100_000),
    context: intFlag('--context', f.context, 1, 100_000_000, true),
    batch: intFlag('--batch', f.batch, 1, 1_000_000),
    kvPrecision: f.kvPrecision,
    utilization: numFlag('--utilization', f.utilization, 0, 1),
    usableFraction: numFlag('--usable-fraction', f.usableFraction, 0, 1),
    tp: intFlag('--tp', f.tp, 1, 1024),
    gpusPerNode: intFlag('--gpus-per-node', f.gpusPerNode, 1, 1024),
    batchTokens: intFlag('--batch-tokens', f.batchTokens, 1, 10_000_000),
    maxNumSeqs: intFlag('--max-num-seqs', f.maxNumSeqs, 1, 1_000_000),
    vllm: f.vllm,
    enforceEager: f.enforceEager,
    activationBytes: gbToBytes(numFlag('--activation-gb', f.activationGb, 0, 10_000, true)),
    nonTorchBytes: gbToBytes(numFlag('--non-torch-gb', f.nonTorchGb, 0, 10_000, true)),
    engine: f.engine,
    cpuMemoryBytes:
      f.cpuMemory?.trim().toLowerCase() === 'auto'
        ? undefined
        : gbToBytes(numFlag('--cpu-memory', f.cpuMemory, 0, 1_000_000)),
    ...(f.cpuMemory?.trim().toLowerCase() === 'auto' ? { cpuMemoryAuto: true } : {}),
    ...(f.freeOnly ? { freeOnly: true } : {}),
    ...(f.tensorSplit !== undefined ? { tensorSplit: tensorSplitFlag(f.tensorSplit) } : {}),
    textOnly: f.textOnly ?? false,
    dp: intFlag('--dp', f.dp, 1, 100_000),
    expertParallel: f.expertParallel,
    ep: intFlag('--ep', f.ep, 1, 100_000),
    redundantExperts: intFlag('--num-redundant-experts', f.numRedundantExperts, 0, 100_000),
    a2a: f.a2aBackend?.trim().toLowerCase() as FitRequest['a2a'],
    offloadExperts:
      offload === undefined
        ? undefined
        : offload === 'auto'
          ? 'auto'
          : intFlag('--offload-experts', offload, 0, 1_000_000),
  };
  return req;
}

export async function fitCommand(model: string, f: FitFlags): Promise<number> {
  const report = await fit(model, { ...fitRequest(f), layouts: f.layouts ?? false });
  emit(f, report, () => fitDoc(report, { unit: unitOf(f), explain: f.explain ?? false }));
  // a valid question answered "no": the given count does not fit, or no plan fits within the search limit
  return report.fits ? 0 : 1;
}
