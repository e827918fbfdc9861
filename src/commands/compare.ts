// moe-calc compare <model...>: models side by side.
import { resolveModel, gpuCatalog, findGpu } from '../cards/registry.js';
import { deriveParams } from '../core/params.js';
import { getPrecision, weightBytes } from '../core/precision.js';
import { kvPerToken } from '../core/kv.js';
import { fitPlan } from '../core/fit.js';
import { estimateSpeed, speedProfileFor, SPEED_PROFILES } from '../core/speed.js';
import { DEFAULT_UTILIZATION } from '../core/overhead.js';
import { UserError } from '../errors.js';
import { terminalTable, markdownTable } from '../render/table.js';
import { bytes, params, smallBytes } from '../render/format.js';
import {
  checkOutputFlags,
  SCHEMA_VERSION,
  intFlag,
  print,
  printJson,
  registryOptions,
  unitOf,
  type GlobalOptions,
} from './common.js';
import { allCards } from '../cards/registry.js';
import { DEFAULT_CONTEXT } from './fit.js';

export const COMPARE_PRECISIONS = ['bf16', 'fp8', 'int4', 'q4_k_m'];

export async function compareCommand(
  models: string[],
  o: GlobalOptions & { gpu?: string; markdown?: boolean; context?: string; precision?: string },
): Promise<number> {
  const ropts = registryOptions(o);
  const resolved = models.length ? await Promise.all(models.map((m) => resolveModel(m, ropts))) : await allCards(ropts);
  if (resolved.length === 0) throw new UserError('compare: no models given');
  const precisions = (o.precision ? o.precision.split(',') : COMPARE_PRECISIONS).map((p) => getPrecision(p.trim()));
  const gpu = o.gpu ? findGpu(await gpuCatalog(o.gpus), o.gpu) : undefined;
  const ctxFlag = intFlag('--context', o.context, 1, 100_000_000, true);
  const rows = resolved.map(({ card }) => {
    checkOutputFlags(o);
    const a = card.architecture;
    const d = deriveParams(card);
    const kv = kvPerToken(a, 2);
    const weights = Object.fromEntries(
      precisions.map((p) => [p.id, weightBytes(d.tensors, p, a.num_layers, a.moe?.experts ?? 0).total]),
    );
    const context = Math.min(ctxFlag ?? DEFAULT_CONTEXT, a.max_context);
    const decode: Record<string, number | null> = {};
    const gpus = gpu
      ? Object.fromEntries(
          precisions.map((p) => {
            const plan = fitPlan(card, d, gpu, {
              precision: p,
              kvBytes: 2,
              context,
              batch: 1,
              utilization: DEFAULT_UTILIZATION,
              gpusPerNode: gpu.gpus_per_node,
            });
            if (plan?.fits) {
              // decode estimate with the engine profile a plan at this precision would use (see `moe-calc speed`)
              const prof = SPEED_PROFILES[speedProfileFor(p.gguf ? 'llama.cpp' : 'vllm', gpu)];
              decode[p.id] = estimateSpeed(card, d, gpu, {
                precision: p,
                kvBytes: 2,
                context,
                batch: 1,
                tensorParallel: plan.tensorParallel,
                bandwidthEfficiency: prof.bandwidthEfficiency,
                computeEfficiency: prof.computeEfficiency,
                layerLatency: prof.layerLatency,
                tpLatency: prof.tpLatency,
              }).tokensPerSecondPerSequence;
            } else decode[p.id] = null;
            return [p.id, plan ? plan.gpuCount : null];
          }),
        )
      : undefined;
    return { card, d, kvPer1k: (kv.full + kv.sliding) * 1000, weights, gpus, decode };
  });
  if (o.json) {
    printJson({
      schemaVersion: SCHEMA_VERSION,
      gpu: gpu ? { id: gpu.id, memoryBytes: gpu.memory_bytes } : null,
      models: rows.map((r) => ({
        id: r.card.id,
        name: r.card.name,
        params: { total: r.d.total, active: r.d.active },
        weightsBytes: r.weights,
        kvBytesPer1kTokens: r.kvPer1k,
        gpusNeeded: r.gpus ?? null,
        decodeTokensPerSecond: gpu ? r.decode : null,
      })),
    });
    return 0;
  }
  const u = unitOf(o);
  const head = [
    'model',
    'total',
    'active',
    ...precisions.map((p) => `weights ${p.id}`),
    'KV / 1K tokens (bf16)',
    ...(gpu ? precisions.map((p) => `${gpu.id} x N @${p.id}`) : []),
    ...(gpu ? [`decode t/s @${precisions[0]!.id}`] : []),
  ];
  const table = {
    head,
    rows: rows.map((r) => [
      r.card.id,
      params(r.d.total),
      params(r.d.active),
      ...precisions.map((p) => bytes(r.weights[p.id]!, u, 1)),
      smallBytes(r.kvPer1k, u),
      ...(gpu ? precisions.map((p) => (r.gpus![p.id] === null ? '-' : String(r.gpus![p.id]))) : []),
      ...(gpu ? [r.decode[precisions[0]!.id] == null ? '-' : r.decode[precisions[0]!.id]!.toFixed(0)] : []),
    ]),
    right: head.map((_, i) => i).filter((i) => i > 0),
  };
  print(o.markdown ? markdownTable(table) : terminalTable(table));
  if (!o.markdown)
    print(
      `Weights only at each precision; KV at full attention (sliding layers capped separately).${gpu ? ` GPUs: fewest ${gpu.id} that hold weights + KV for one ${DEFAULT_CONTEXT}-token sequence + overhead (see "moe-calc fit").` : ' Add --gpu <id> for GPU counts.'}`,
    );
  return 0;
}
