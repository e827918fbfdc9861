// Consumer rigs (issue 23): --gpu auto through stand-in nvidia-smi / rocm-smi / sysctl executables that
// print recorded real outputs (test/fixtures/rigs/README.md names each source), mixed rigs, and `top`.
// No test needs a GPU: the stand-in folder comes first on PATH, then none/ (every tool failing).
import { readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FitOutput, TopOutput } from '../../src/cards/output-schema.js';
import { builtin, cli, gpu, ROOT } from '../helpers.js';

const RIGS = join(ROOT, 'test', 'fixtures', 'rigs');

/** PATH with a stand-in folder first, then the failing tools, then the system's (for sh's printf). */
function pathWith(folder: string): string {
  return [join(RIGS, folder), join(RIGS, 'none'), process.env.PATH ?? ''].join(delimiter);
}

function on(folder: string, args: string[]) {
  return cli(args, { env: { PATH: pathWith(folder) } });
}

function jsonOn(folder: string, args: string[]) {
  const r = on(folder, [...args, '--json']);
  if (r.code !== 0 && r.code !== 1) throw new Error(`exit ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

const MIB = 2 ** 20;

describe('--gpu auto', () => {
  it('two RTX 4090s from nvidia-smi: fit plans exactly 2 x rtx-4090 (the issue 23 done-when)', () => {
    // recorded: "NVIDIA GeForce RTX 4090, 24564, 2048, 8.9" and "..., 1, 8.9" (fixtures/rigs/README.md)
    const doc = jsonOn('nvidia-2x4090', ['fit', 'qwen3-30b-a3b', '--gpu', 'auto']);
    FitOutput.parse(doc);
    expect(doc.count).toBe(2);
    expect(doc.gpu.id).toBe('rtx-4090');
    expect(doc.rig.label).toBe('2 x rtx-4090');
    expect(doc.rig.source).toBe('nvidia-smi');
    expect(doc.rig.gpus.map((g: { id: string }) => g.id)).toEqual(['rtx-4090', 'rtx-4090']);
    // memory in use is reported (2048 MiB on GPU 0), not subtracted without --free-only
    expect(doc.rig.gpus[0].usedBytes).toBe(2048 * MIB);
    expect(doc.rig.gpus[0].memoryBytes).toBe(gpu('rtx-4090').memory_bytes);
    for (const p of doc.plans) expect(p.gpuCount).toBe(2);
  });

  it('--free-only subtracts what other processes hold: 18,320 MiB on the 4090, 1,024 MiB on the 3090', () => {
    // recorded: "NVIDIA GeForce RTX 4090, 24564, 18320" and "NVIDIA GeForce RTX 3090, 24576, 1024"
    const doc = jsonOn('nvidia-4090-3090', ['fit', 'qwen3-30b-a3b', '--gpu', 'auto', '--free-only']);
    FitOutput.parse(doc);
    expect(doc.rig.gpus.map((g: { id: string }) => g.id)).toEqual(['rtx-4090', 'rtx-3090']);
    expect(doc.rig.gpus[0].memoryBytes).toBe(gpu('rtx-4090').memory_bytes - 18320 * MIB);
    expect(doc.rig.gpus[1].memoryBytes).toBe(gpu('rtx-3090').memory_bytes - 1024 * MIB);
    expect(doc.rig.notes.join('\n')).toMatch(/19\.2 GB already in use .*subtracted/);
    // llama.cpp's default split weighs by free memory: nvidia-smi total - used, 6,244 vs 23,552 MiB
    const q4 = doc.plans.find((p: { precision: string }) => p.precision === 'q4_k_m');
    const f0 = (24564 - 18320) / (24564 - 18320 + 24576 - 1024);
    // layer il goes to GPU 0 while il / (48 + 1) < f0 (llama-model.cpp), so GPU 0 holds floor(49 f0) + 1 layers
    expect(q4.split.layers[0]).toEqual([0, Math.floor(49 * f0) + 1]);
    expect(q4.split.outputStage).toBe(1);
  });

  it('a DGX Spark (GB10) reports no memory: planned as the catalog dgx-spark with a unified-memory note', () => {
    // recorded: "NVIDIA GB10, [N/A], [N/A]" (NVIDIA DGX Spark known issues, via unsloth PR 10703)
    const doc = jsonOn('nvidia-gb10', ['fit', 'qwen3-30b-a3b', '--gpu', 'auto', '--precision', 'q4_k_m']);
    expect(doc.gpu.id).toBe('dgx-spark');
    expect(doc.count).toBe(1);
    expect(doc.rig.notes.join('\n')).toMatch(/unified memory/);
  });

  it('rocm-smi JSON: a Radeon RX 7900 XT with 27,856,896 bytes in use', () => {
    // recorded: marimo-team/marimo issue 9237
    const doc = jsonOn('rocm-7900xt', ['fit', 'qwen3-30b-a3b', '--gpu', 'auto', '--precision', 'q4_k_m']);
    expect(doc.gpu.id).toBe('rx-7900-xt');
    expect(doc.rig.source).toBe('rocm-smi');
    expect(doc.rig.gpus[0].usedBytes).toBe(27_856_896);
  });

  it('sysctl on an M2 Ultra with 192 GiB maps to apple-m2-ultra-192', () => {
    const doc = jsonOn('apple-m2-ultra', ['fit', 'qwen3-30b-a3b', '--gpu', 'auto', '--precision', 'q4_k_m']);
    expect(doc.gpu.id).toBe('apple-m2-ultra-192');
    expect(doc.rig.gpus[0].memoryBytes).toBe(206_158_430_208);
  });

  it('an M4 Max with 36 GiB is not in the catalog at that size: an ad-hoc entry from sysctl hw.memsize', () => {
    const doc = jsonOn('apple-m4-max-36', ['fit', 'qwen3-30b-a3b', '--gpu', 'auto', '--precision', 'q4_k_m']);
    expect(doc.gpu.id).toBe('apple-m4-max-36g');
    expect(doc.gpu.memoryBytes).toBe(38_654_705_664);
    expect(doc.gpu.usableFraction).toBeLessThan(1);
    expect(doc.rig.notes.join('\n')).toMatch(/not in the catalog .*ad-hoc/);
  });

  it('no GPU: exit 2 with one line naming every tool tried', () => {
    const r = on('none', ['fit', 'qwen3-30b-a3b', '--gpu', 'auto']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/no GPU found .*nvidia-smi.*rocm-smi.*sysctl/);
    expect(r.stderr).not.toMatch(/at .*\.js/);
  });

  it('speed takes --gpu auto too', () => {
    const r = on('nvidia-2x4090', ['speed', 'qwen3-30b-a3b', '--gpu', 'auto', '--precision', 'q4_k_m', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).plan.gpuCount).toBe(2);
  });

  it('--cpu-memory auto reads the host memory from the OS', () => {
    const doc = jsonOn('nvidia-2x4090', ['fit', 'qwen3-30b-a3b', '--gpu', 'auto', '--cpu-memory', 'auto']);
    const host = doc.request.hostMemoryBytes;
    expect(host).toBeGreaterThan(0);
    let meminfo: string | undefined;
    try {
      meminfo = readFileSync('/proc/meminfo', 'utf8');
    } catch {
      meminfo = undefined;
    }
    const m = meminfo && /^MemAvailable:\s+(\d+)/m.exec(meminfo);
    // MemAvailable moves while the test runs: within a quarter of what it is now
    if (m) expect(Math.abs(host / (Number(m[1]) * 1024) - 1)).toBeLessThan(0.25);
  });
});

describe('mixed rigs', () => {
  it('--gpu rtx-5090+rtx-3090 plans a GGUF row split as llama.cpp splits it, with --tensor-split', () => {
    const r = cli(
      [
        'fit',
        'qwen3-30b-a3b',
        '--gpu',
        'rtx-5090+rtx-3090',
        '--precision',
        'q4_k_m',
        '--engine',
        'llama.cpp',
        '--json',
      ],
      {},
    );
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    FitOutput.parse(doc);
    const row = doc.plans[0];
    expect(row.gpuCount).toBe(2);
    expect(row.split.gpus).toEqual(['rtx-5090', 'rtx-3090']);
    // by free memory (the catalog's, CUDA totalGlobalMem): 33,680,457,728 / (33,680,457,728 + 25,327,697,920)
    // = 0.5708; layers il with il / 49 < 0.5708, il <= 27, go to the 5090 (llama-model.cpp upper_bound)
    expect(row.split.layers).toEqual([
      [0, 28],
      [28, 48],
    ]);
    expect(row.split.outputStage).toBe(1);
    expect(doc.launch.argv.join(' ')).toContain('--split-mode layer --tensor-split 28,21');
  });

  it('--tensor-split replaces the free-memory split: 3,1 puts layers 0-36 on the first GPU', () => {
    // llama.cpp README: -ts 3,1; il / 49 < 0.75 for il <= 36
    const doc = JSON.parse(
      cli([
        'fit',
        'qwen3-30b-a3b',
        '--gpu',
        'rtx-5090+rtx-3090',
        '--precision',
        'q4_k_m',
        '--tensor-split',
        '3,1',
        '--json',
      ]).stdout,
    );
    expect(doc.plans[0].split.layers[0]).toEqual([0, 37]);
  });

  it('engine rows over unequal cards are sized to the smallest, and say so', () => {
    const doc = JSON.parse(cli(['fit', 'qwen3-30b-a3b', '--gpu', 'rtx-5090+rtx-3090', '--json']).stdout);
    expect(doc.gpu.id).toBe('rtx-3090');
    expect(doc.rig.mixed).toBe(true);
    expect(doc.rig.notes.join('\n')).toMatch(/smallest, rtx-3090/);
    const fp8 = doc.plans.find((p: { precision: string }) => p.precision === 'fp8');
    expect(fp8.perGpu.capacityBytes).toBe(gpu('rtx-3090').memory_bytes);
  });

  it('2xrtx-3090+rtx-5090 is three GPUs in that order; text output draws one bar per stage', () => {
    const doc = JSON.parse(cli(['fit', 'qwen3-30b-a3b', '--gpu', '2xrtx-3090+rtx-5090', '--json']).stdout);
    expect(doc.rig.label).toBe('2 x rtx-3090 + rtx-5090');
    expect(doc.count).toBe(3);
    const t = cli(['fit', 'qwen3-30b-a3b', '--gpu', '2xrtx-3090+rtx-5090', '--precision', 'q8_0']);
    expect(t.code).toBe(0);
    const bars = t.stdout.split('\n').filter((l) => /^GPU \d/.test(l));
    expect(bars.map((l) => l.split(/\s+/)[2])).toEqual(['rtx-3090', 'rtx-3090', 'rtx-5090']);
  });

  it('speed over a mixed rig says which card it timed', () => {
    const r = cli(['speed', 'qwen3-30b-a3b', '--gpu', 'rtx-5090+rtx-3090', '--precision', 'q4_k_m', '--json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.plan.gpuCount).toBe(2);
    expect(doc.rig.notes.join('\n')).toMatch(/timed at rtx-3090's bandwidth .*lower bound/);
  });

  it('bad rig input: one line, exit 2', () => {
    for (const args of [
      ['--gpu', 'rtx-5090+rtx-3090', '--count', '3'],
      ['--gpu', 'rtx-5090+rtx-3090', '--tensor-split', '1,1,1'],
      ['--gpu', 'rtx-5090', '--free-only'],
      ['--gpu', 'rtx-5090+nope'],
    ]) {
      const r = cli(['fit', 'qwen3-30b-a3b', ...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
  });
});

describe('top', () => {
  it('ranks every built-in model for this machine (--gpu auto), validated by its schema', () => {
    const doc = jsonOn('nvidia-2x4090', ['top', '--gpu', 'auto', '--context', '32k']);
    TopOutput.parse(doc);
    expect(doc.rows).toHaveLength(builtin().cards.length);
    expect(doc.gpu.count).toBe(2);
    // fitting rows first, then those that do not
    const firstMiss = doc.rows.findIndex((x: { fits: boolean }) => !x.fits);
    if (firstMiss >= 0) expect(doc.rows.slice(firstMiss).every((x: { fits: boolean }) => !x.fits)).toBe(true);
    for (const x of doc.rows.filter((y: { fits: boolean }) => y.fits)) expect(x.gpuCount).toBe(2);
    // a Q8_0 GGUF of Qwen3-30B-A3B is 32.5 GB (unsloth/Qwen3-30B-A3B-GGUF): it runs on two 24 GB cards
    const q = doc.rows.find((x: { model: { id: string } }) => x.model.id === 'qwen3-30b-a3b');
    expect(q.fits).toBe(true);
    expect(q.precision).toBe('q8_0');
  });

  it('expert offload with --cpu-memory lets larger MoE models in', () => {
    const without = JSON.parse(cli(['top', '--gpu', 'rtx-4090', '--json']).stdout);
    const withHost = JSON.parse(cli(['top', '--gpu', 'rtx-4090', '--cpu-memory', '256', '--json']).stdout);
    TopOutput.parse(withHost);
    expect(withHost.fitting).toBeGreaterThan(without.fitting);
    // Qwen3-235B-A22B on one 24 GB card with its experts in host RAM (the llama.cpp load logs in
    // test/fixtures/llamacpp-load-logs.ts run it on one RTX 3090)
    const q = withHost.rows.find((x: { model: { id: string } }) => x.model.id === 'qwen3-235b-a22b');
    expect(q.fits).toBe(true);
    expect(q.offload.layers).toBeGreaterThan(0);
  });

  it('fits an 80-column terminal, and --wide shows every column', () => {
    const narrow = cli(['top', '--gpu', 'rtx-5090+rtx-3090', '--cpu-memory', '64'], { env: { COLUMNS: '80' } });
    expect(narrow.code).toBe(0);
    for (const line of narrow.stdout.split('\n')) expect(line.length).toBeLessThanOrEqual(80);
    const wide = cli(['top', '--gpu', 'rtx-5090+rtx-3090', '--cpu-memory', '64', '--wide'], { env: { COLUMNS: '80' } });
    expect(wide.stdout).toContain('experts in host memory');
  });

  it('--help teaches the ranking', () => {
    const r = cli(['top', '--help']);
    expect(r.stdout).toMatch(/most bits per weight/);
    expect(r.stdout).toMatch(/--gpu auto/);
  });
});
