// This machine's GPUs (--gpu auto) and host memory (--cpu-memory auto): runs the vendors' query tools and
// maps what they report onto the GPU catalog. I/O lives here; the planner (src/core) only sees the result.
//
// Tools and the fields read (each tried in turn; the first that reports a GPU wins):
// - NVIDIA: `nvidia-smi --query-gpu=name,memory.total,memory.used,compute_cap --format=csv,noheader,nounits`
//   (one line per GPU, memory in MiB; nvidia-smi --help-query-gpu). A GB10 (DGX Spark) reports memory as
//   "[N/A]": its memory is the host's (NVIDIA DGX Spark known issues, "nvidia-smi reports memory usage
//   Not Supported").
// - AMD: `rocm-smi --showproductname --showmeminfo vram --json` ({"card0": {"Card Series": ..., "VRAM Total
//   Memory (B)": ..., "VRAM Total Used Memory (B)": ...}}, bytes; ROCm/rocm_smi_lib).
// - Apple: `sysctl -n hw.memsize machdep.cpu.brand_string` (bytes of unified memory, then the chip name).
// default import: the CLI bundle loads child_process lazily through a proxy (scripts/build.mjs), which a
// named import's namespace copy would miss
import childProcess from 'node:child_process';
import { readFileSync } from 'node:fs';
import { totalmem } from 'node:os';
import type { Rig, RigSlot } from '../core/fit.js';
import type { Gpu } from '../core/types.js';
import { UserError } from '../errors.js';

export interface DetectedGpu {
  /** the name the tool reports */
  name: string;
  vendor: 'nvidia' | 'amd' | 'apple';
  /** bytes the tool reports (undefined: not reported, as on a GB10) */
  totalBytes?: number;
  /** bytes already in use (other processes, the display) */
  usedBytes?: number;
  computeCapability?: string;
  /** memory shared with the host (Apple, DGX Spark) */
  unified: boolean;
}

export interface Detection {
  tool: string;
  gpus: DetectedGpu[];
  /** each tool tried and what it said, for the "no GPU found" line */
  tried: string[];
}

/** Runs a tool; undefined when it is missing, fails or times out. */
export type Runner = (cmd: string, args: string[]) => string | undefined;

const defaultRunner: Runner = (cmd, args) => {
  const r = childProcess.spawnSync(cmd, args, {
    encoding: 'utf8',
    timeout: 10_000,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  if (r.error || r.status !== 0) return undefined;
  return r.stdout;
};

const MIB = 2 ** 20;

/** `nvidia-smi --query-gpu=name,memory.total,memory.used,compute_cap --format=csv,noheader,nounits` lines. */
export function parseNvidiaSmi(out: string): DetectedGpu[] {
  const gpus: DetectedGpu[] = [];
  for (const line of out.split(/\r?\n/)) {
    if (!line.trim()) continue;
    // the name may itself hold commas: the last three fields are the numbers
    const parts = line.split(',').map((x) => x.trim());
    if (parts.length < 4) continue;
    const [total, used, cc] = parts.slice(-3);
    const name = parts.slice(0, -3).join(', ');
    const num = (s: string | undefined) => (s !== undefined && /^\d+(\.\d+)?$/.test(s) ? Number(s) : undefined);
    const t = num(total);
    const u = num(used);
    gpus.push({
      name,
      vendor: 'nvidia',
      ...(t !== undefined ? { totalBytes: Math.round(t * MIB) } : {}),
      ...(u !== undefined ? { usedBytes: Math.round(u * MIB) } : {}),
      ...(cc && /^\d+\.\d+$/.test(cc) ? { computeCapability: cc } : {}),
      // memory not reported: a unified-memory part (GB10)
      unified: t === undefined,
    });
  }
  return gpus;
}

/** `rocm-smi --showproductname --showmeminfo vram --json`: one object per card. Devices with under 1 GiB of
 *  VRAM (an APU's carve-out reported beside a discrete card) are left out. */
export function parseRocmSmi(out: string): DetectedGpu[] {
  let doc: unknown;
  try {
    doc = JSON.parse(out);
  } catch {
    return [];
  }
  if (!doc || typeof doc !== 'object') return [];
  const gpus: DetectedGpu[] = [];
  for (const [key, v] of Object.entries(doc as Record<string, unknown>)) {
    if (!/^card\d+$/.test(key) || !v || typeof v !== 'object') continue;
    const f = Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k.toLowerCase(), x]));
    const name = [f['card series'], f['device name'], f['card model']].find(
      (x): x is string => typeof x === 'string' && x !== 'N/A' && !/^0x/.test(x),
    );
    const total = Number(f['vram total memory (b)']);
    const used = Number(f['vram total used memory (b)']);
    if (!name || !Number.isFinite(total) || total < 2 ** 30) continue;
    gpus.push({
      name,
      vendor: 'amd',
      totalBytes: total,
      ...(Number.isFinite(used) ? { usedBytes: used } : {}),
      unified: false,
    });
  }
  return gpus;
}

/** `sysctl -n hw.memsize machdep.cpu.brand_string`: an Apple chip's unified memory. */
export function parseSysctl(out: string): DetectedGpu[] {
  const [mem, brand] = out.split(/\r?\n/).map((x) => x.trim());
  if (!mem || !/^\d+$/.test(mem) || !brand || !/^Apple M\d/.test(brand)) return [];
  return [{ name: brand, vendor: 'apple', totalBytes: Number(mem), unified: true }];
}

/** Ask each vendor's tool in turn. */
export function detectGpus(run: Runner = defaultRunner): Detection {
  const tried: string[] = [];
  const probes: [string, string, string[], (s: string) => DetectedGpu[]][] = [
    [
      'nvidia-smi',
      'nvidia-smi',
      ['--query-gpu=name,memory.total,memory.used,compute_cap', '--format=csv,noheader,nounits'],
      parseNvidiaSmi,
    ],
    ['rocm-smi', 'rocm-smi', ['--showproductname', '--showmeminfo', 'vram', '--json'], parseRocmSmi],
    ['sysctl', 'sysctl', ['-n', 'hw.memsize', 'machdep.cpu.brand_string'], parseSysctl],
  ];
  for (const [label, cmd, args, parse] of probes) {
    const out = run(cmd, args);
    if (out === undefined) {
      tried.push(`${label}: not found or failed`);
      continue;
    }
    const gpus = parse(out);
    if (gpus.length) return { tool: label, gpus, tried };
    tried.push(`${label}: no GPU reported`);
  }
  return { tool: '', gpus: [], tried };
}

/** A name reduced to what identifies the part: lower case, letters and digits, without the vendor, the
 *  marketing words and the memory size ("NVIDIA GeForce RTX 4090 24GB" -> "rtx4090"). */
function nameKey(s: string): string {
  return s
    .toLowerCase()
    .replace(/\(.*?\)/g, ' ')
    .replace(/\b\d+\s*gb\b/g, ' ')
    .replace(/\b(nvidia|geforce|amd|radeon|apple|graphics|tm)\b/g, ' ')
    .replace(/[^a-z0-9]/g, '');
}

function keysOf(g: Gpu): string[] {
  return [nameKey(g.name), g.id.replace(/[^a-z0-9]/g, ''), ...g.aliases.map((a) => a.replace(/[^a-z0-9]/g, ''))].filter(
    (k) => k.length >= 4,
  );
}

/** The catalog entry a reported name is: the longest catalog key the name contains, ties by the memory
 *  nearest the reported one. */
export function matchGpu(catalog: readonly Gpu[], d: DetectedGpu): Gpu | undefined {
  const key = nameKey(d.name);
  let best: { g: Gpu; len: number; diff: number } | undefined;
  for (const g of catalog) {
    if (g.vendor !== d.vendor) continue;
    const len = Math.max(
      0,
      ...keysOf(g)
        .filter((k) => key.includes(k))
        .map((k) => k.length),
    );
    if (len === 0) continue;
    const diff = d.totalBytes === undefined ? 0 : Math.abs(g.memory_bytes - d.totalBytes);
    if (!best || len > best.len || (len === best.len && diff < best.diff)) best = { g, len, diff };
  }
  return best?.g;
}

/** Reported memory within this share of the catalog's counts as the same part (nvidia-smi's total is a
 *  few hundred MiB above CUDA's totalGlobalMem, which the catalog holds). */
const SAME_MEMORY = 0.1;

const gb = (b: number) => `${(b / 1e9).toFixed(1)} GB`;

/** The rig the detected GPUs make: catalog entries where the name matches (an ad-hoc entry from the
 *  reported memory otherwise, with the nearest catalog part's speed figures), memory in use reported and,
 *  with freeOnly, subtracted. */
export function rigFromDetection(
  det: Detection,
  catalog: readonly Gpu[],
  opts: { freeOnly?: boolean; hostBytes?: number } = {},
): Rig {
  const notes: string[] = [];
  const slots: RigSlot[] = det.gpus.map((d, i) => {
    const m = matchGpu(catalog, d);
    let gpu: Gpu;
    if (m && (d.totalBytes === undefined || Math.abs(d.totalBytes - m.memory_bytes) <= SAME_MEMORY * m.memory_bytes)) {
      gpu = m;
      if (d.totalBytes === undefined)
        notes.push(
          `GPU ${i} (${d.name}): ${det.tool} reports no memory (unified memory shared with the host): ` +
            `planned as ${m.id}, ${gb(m.memory_bytes)} x usable fraction ${m.usable_fraction}`,
        );
    } else {
      const total = d.totalBytes ?? opts.hostBytes ?? totalmem();
      // speed figures from the matched part, else the catalog part of this vendor nearest in memory
      const like =
        m ??
        [...catalog]
          .filter((g) => g.vendor === d.vendor)
          .sort((a, b) => Math.abs(a.memory_bytes - total) - Math.abs(b.memory_bytes - total))[0];
      const slug = d.name
        .toLowerCase()
        .replace(/\(.*?\)/g, ' ')
        .replace(/[^a-z0-9]+/g, '-')
        .replace(/^-|-$/g, '');
      const id = `${slug || d.vendor}-${Math.round(total / 2 ** 30)}g`;
      gpu = {
        ...(like ?? {
          vendor: d.vendor,
          bandwidth_gbps: 0,
          bf16_tflops: 0,
          native_fp8: false,
          native_fp4: false,
          gpus_per_node: 1,
        }),
        id,
        name: d.name,
        aliases: [],
        memory_bytes: total,
        usable_fraction: d.unified ? (like?.usable_fraction ?? 0.75) : 1,
        ...(d.computeCapability ? { compute_capability: d.computeCapability } : {}),
        source: `reported by ${det.tool}${like ? `; bandwidth and TFLOPS of ${like.id} (not this part's own)` : ''}`,
      } as Gpu;
      notes.push(
        `GPU ${i} (${d.name}, ${gb(total)}) is not in the catalog${m ? ` at this memory size` : ''}: planned as ` +
          `an ad-hoc entry "${id}" from the reported memory` +
          (like ? `, with ${like.id}'s bandwidth and TFLOPS (decode estimates are rough)` : ''),
      );
    }
    const used = d.usedBytes ?? 0;
    // what other processes hold (an idle card shows a few MiB: not worth a line)
    if (used >= 0.05e9)
      notes.push(
        `GPU ${i} (${gpu.id}): ${gb(used)} already in use by other processes` +
          (opts.freeOnly ? ' (subtracted: --free-only)' : ' (not subtracted; --free-only plans only the free memory)'),
      );
    const capacity = gpu.memory_bytes;
    if (opts.freeOnly && used > 0) gpu = { ...gpu, memory_bytes: Math.max(0, capacity - used) };
    // llama.cpp's default layer split weighs each device by the memory free at load
    const free = Math.max(0, (d.totalBytes ?? capacity * gpu.usable_fraction) - used);
    return { gpu, freeBytes: free, usedBytes: d.usedBytes ?? null, reportedName: d.name };
  });
  if (det.gpus.some((d) => d.unified))
    notes.push('unified memory: the GPU shares the host memory, so host RAM and --cpu-memory are the same pool');
  return { slots, notes, source: det.tool };
}

/** --gpu auto: this machine's GPUs as a rig, or a UserError (exit 2) naming what was tried. */
export function detectRig(catalog: readonly Gpu[], opts: { freeOnly?: boolean } = {}, run?: Runner): Rig {
  const det = detectGpus(run);
  if (det.gpus.length === 0) {
    throw new UserError(`--gpu auto: no GPU found (tried ${det.tried.join('; ')}); name one with --gpu <id>`);
  }
  return rigFromDetection(det, catalog, opts);
}

/** Host memory for --cpu-memory auto: MemAvailable from /proc/meminfo (Linux: what can be allocated without
 *  swapping), else the OS's total (macOS keeps most memory as cache, so its "free" figure says little). */
export function hostMemory(): { bytes: number; source: string } {
  try {
    const m = /^MemAvailable:\s+(\d+)\s*kB/m.exec(readFileSync('/proc/meminfo', 'utf8'));
    if (m) return { bytes: Number(m[1]) * 1024, source: '/proc/meminfo MemAvailable' };
  } catch {
    // not Linux
  }
  return { bytes: totalmem(), source: 'os.totalmem()' };
}
