// llama.cpp's layer split over several GPUs (issue 23), pinned to its documented behaviour:
// src/llama-model.cpp load_tensors ("default split, by free memory"; layer il of the n_layer + 1 offloaded
// ones goes to the first device whose cumulative share exceeds il / (n_layer + 1); the output layer is
// il = n_layer) and docs/multi-gpu.md (ggml-org/llama.cpp PR 22729: "With 3,1 on two GPUs, GPU 0 gets 75 %").
import { describe, expect, it } from 'vitest';
import { fitPlan, llamaCppSplit, type Rig, tensorSplitOf } from '../../src/core/fit.js';
import { deriveParams } from '../../src/core/params.js';
import { getPrecision } from '../../src/core/precision.js';
import { parseNvidiaSmi, parseRocmSmi, parseSysctl, rigFromDetection } from '../../src/cards/detect.js';
import { builtin, card, gpu } from '../helpers.js';

describe('llamaCppSplit', () => {
  it('-ts 3,1 on two GPUs gives GPU 0 75 % of the 49 offloaded layers of a 48-layer model: layers 0-36', () => {
    // 36 / 49 = 0.7347 < 0.75 <= 37 / 49: 37 repeating layers on GPU 0, 11 + the output layer on GPU 1
    expect(llamaCppSplit(48, [3, 1])).toEqual({ starts: [0, 37, 48], output: 1 });
  });

  it('-ts 100,0,0 puts every layer and the output on GPU 0 (llama.cpp issue 13612, three GPUs, Qwen3-4B)', () => {
    expect(llamaCppSplit(36, [100, 0, 0])).toEqual({ starts: [0, 36, 36, 36], output: 0 });
  });

  it('an even split of n_layer + 1 gives the first GPU the extra layer and the last the output', () => {
    // 61 layers (DeepSeek-V3) on two equal GPUs: il / 62 < 0.5 for il <= 30
    expect(llamaCppSplit(61, [1, 1])).toEqual({ starts: [0, 31, 61], output: 1 });
  });

  it('the --tensor-split printed (layers per GPU, output counted) reproduces the split exactly', () => {
    for (const [L, w] of [
      [48, [33_680_457_728, 25_327_697_920]],
      [61, [24, 24, 32, 11]],
      [94, [0.3, 0.2, 0.5]],
      [36, [5, 0, 1]],
    ] as [number, number[]][]) {
      const s = llamaCppSplit(L, w);
      expect(llamaCppSplit(L, tensorSplitOf(s))).toEqual(s);
      expect(tensorSplitOf(s).reduce((a, b) => a + b, 0)).toBe(L + 1);
    }
  });
});

describe('rig plans', () => {
  const c = card('qwen3-30b-a3b');
  const d = deriveParams(c);
  const slot = (id: string) => {
    const g = gpu(id);
    return { gpu: g, freeBytes: g.memory_bytes, usedBytes: null, reportedName: null };
  };
  const rig: Rig = { slots: [slot('rtx-5090'), slot('rtx-3090')], notes: [], source: 'catalog' };
  const base = {
    kvBytes: 2,
    context: 8192,
    batch: 1,
    utilization: 0.9,
    gpusPerNode: 4,
    count: 2,
    rig,
  };

  it('a GGUF plan on 5090 + 3090 budgets each stage on its own card and puts the output layer on the last', () => {
    const p = fitPlan(c, d, gpu('rtx-3090'), { ...base, precision: getPrecision('q4_k_m') })!;
    expect(p.gpuCount).toBe(2);
    expect(p.split!.gpus).toEqual(['rtx-5090', 'rtx-3090']);
    expect(p.stages[0]!.capacityBytes).toBe(gpu('rtx-5090').memory_bytes);
    expect(p.stages[1]!.capacityBytes).toBe(gpu('rtx-3090').memory_bytes);
    // the output stage holds the logits buffer: the larger compute buffer
    expect(p.stages[1]!.activationBytes).toBeGreaterThan(p.stages[0]!.activationBytes);
  });

  it('an engine plan on the same rig is sized to the smaller card (every TP rank alike)', () => {
    const p = fitPlan(c, d, gpu('rtx-3090'), { ...base, precision: getPrecision('fp8') })!;
    expect(p.split).toBeUndefined();
    for (const st of p.stages) expect(st.capacityBytes).toBe(gpu('rtx-3090').memory_bytes);
  });
});

describe('reading the vendors tools (recorded outputs, test/fixtures/rigs/README.md)', () => {
  const catalog = builtin().gpus;
  it('nvidia-smi csv: names with commas keep them; [N/A] memory means unified memory', () => {
    const g = parseNvidiaSmi('NVIDIA GeForce RTX 4090, 24564, 2048, 8.9\nNVIDIA GB10, [N/A], [N/A], 12.1\n');
    expect(g[0]).toMatchObject({ name: 'NVIDIA GeForce RTX 4090', totalBytes: 24564 * 2 ** 20, unified: false });
    expect(g[1]).toMatchObject({ name: 'NVIDIA GB10', unified: true });
    expect(g[1]!.totalBytes).toBeUndefined();
  });
  it('rocm-smi JSON keys are read whatever their case; sysctl needs an Apple chip', () => {
    const r = parseRocmSmi(
      '{"card0": {"VRAM Total Memory (B)": "21458059264", "VRAM Total Used Memory (B)": "27856896", ' +
        '"Card Series": "Radeon RX 7900 XT"}}',
    );
    expect(r).toEqual([
      { name: 'Radeon RX 7900 XT', vendor: 'amd', totalBytes: 21_458_059_264, usedBytes: 27_856_896, unified: false },
    ]);
    expect(parseSysctl('17179869184\nIntel(R) Core(TM) i7-1068NG7 CPU @ 2.30GHz\n')).toEqual([]);
  });
  it('names map to the catalog: a 3090 Ti to no 3090 of other memory, an XTX not to the XT', () => {
    const map = (name: string, mib: number) =>
      rigFromDetection(
        {
          tool: 'nvidia-smi',
          tried: [],
          gpus: [
            { name, vendor: name.includes('Radeon') ? 'amd' : 'nvidia', totalBytes: mib * 2 ** 20, unified: false },
          ],
        },
        catalog,
      ).slots[0]!.gpu.id;
    expect(map('NVIDIA GeForce RTX 5090', 32607)).toBe('rtx-5090');
    expect(map('Radeon RX 7900 XTX', 24560)).toBe('rx-7900-xtx');
    expect(map('NVIDIA H100 80GB HBM3', 81559)).toMatch(/^h100/);
    // an unknown card: an ad-hoc entry named after it, with its reported memory
    expect(map('NVIDIA GeForce RTX 3050', 8192)).toBe('nvidia-geforce-rtx-3050-8g');
  });
});

describe('top', () => {
  it('ranks every built-in card x the default precisions well under a second', async () => {
    const { top } = await import('../../src/api.js');
    await top({ gpu: 'rtx-4090' }); // warm: the card data and the module graph
    const t = performance.now();
    const r = await top({ gpu: 'rtx-5090+rtx-3090', cpuMemoryBytes: 128e9 });
    const ms = performance.now() - t;
    expect(r.rows).toHaveLength(builtin().cards.length);
    console.log(`top: ${r.rows.length} cards x ${r.request.precisions.length} precisions in ${ms.toFixed(0)} ms`);
    expect(ms).toBeLessThan(1000);
  });
});
