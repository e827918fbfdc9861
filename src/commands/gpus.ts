// moe-calc gpus: the GPU catalog.
import { gpuCatalog } from '../cards/registry.js';
import { terminalTable, markdownTable } from '../render/table.js';
import { bytes } from '../render/format.js';
import { checkOutputFlags, SCHEMA_VERSION, print, printJson, unitOf, type GlobalOptions } from './common.js';

export async function gpusCommand(o: GlobalOptions & { markdown?: boolean }): Promise<number> {
  const gpus = await gpuCatalog(o.gpus);
  if (o.json) {
    checkOutputFlags(o);
    printJson({
      schemaVersion: SCHEMA_VERSION,
      gpus: gpus.map((g) => ({
        id: g.id,
        name: g.name,
        vendor: g.vendor,
        aliases: g.aliases,
        memoryBytes: g.memory_bytes,
        usableFraction: g.usable_fraction,
        bandwidthGBps: g.bandwidth_gbps,
        bf16Tflops: g.bf16_tflops,
        fp8Tflops: g.fp8_tflops ?? null,
        fp4Tflops: g.fp4_tflops ?? null,
        nativeFp8: g.native_fp8,
        nativeFp4: g.native_fp4,
        computeCapability: g.compute_capability ?? null,
        gpusPerNode: g.gpus_per_node,
        source: g.source,
      })),
    });
    return 0;
  }
  const u = unitOf(o);
  const table = {
    head: ['id', 'name', 'memory', 'usable', 'bandwidth', 'bf16 TFLOPS', 'fp8 / fp4', 'CUDA cc', 'per node'],
    rows: gpus.map((g) => [
      g.id,
      g.name,
      bytes(g.memory_bytes, u, 1),
      g.usable_fraction < 1 ? `${Math.round(g.usable_fraction * 100)}%` : '100%',
      `${g.bandwidth_gbps} GB/s`,
      String(g.bf16_tflops),
      `${g.native_fp8 ? 'fp8' : '-'} / ${g.native_fp4 ? 'fp4' : '-'}`,
      g.compute_capability ?? '-',
      String(g.gpus_per_node),
    ]),
    right: [2, 3, 4, 5, 7, 8],
  };
  print(o.markdown ? markdownTable(table) : terminalTable(table));
  if (!o.markdown)
    print(
      'Memory as the CUDA/HIP runtime reports it (what engines budget from); each row cites its source in --json. Add GPUs with --gpus <file.yaml>.',
    );
  return 0;
}
