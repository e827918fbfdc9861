// Speed estimates: expert coverage of a batch, and the calibration against published measurements.
import { describe, expect, it } from 'vitest';
import { expectedDistinctExperts, estimateSpeed, speedProfileFor, SPEED_PROFILES } from '../../src/core/speed.js';
import { deriveParams } from '../../src/core/params.js';
import { getPrecision } from '../../src/core/precision.js';
import { DECODE_ROWS, type DecodeRow } from '../fixtures/decode-measurements.js';
import { card, gpu } from '../helpers.js';

describe('batch expert coverage', () => {
  it('batch 1 reads k experts; a large batch approaches all E', () => {
    expect(expectedDistinctExperts(128, 8, 1)).toBeCloseTo(8, 10);
    expect(expectedDistinctExperts(8, 2, 1)).toBeCloseTo(2, 10);
    expect(expectedDistinctExperts(128, 8, 1000)).toBeGreaterThan(127.99);
    expect(expectedDistinctExperts(256, 8, 64)).toBeLessThan(256);
    for (let b = 1; b < 50; b++)
      expect(expectedDistinctExperts(64, 6, b + 1)).toBeGreaterThanOrEqual(expectedDistinctExperts(64, 6, b));
  });
  it('a larger batch reads more expert bytes per step but fewer per token', () => {
    const c = card('qwen3-30b-a3b');
    const d = deriveParams(c);
    const o = (batch: number) =>
      estimateSpeed(c, d, gpu('h100-sxm'), {
        precision: getPrecision('bf16'),
        kvBytes: 2,
        context: 1024,
        batch,
        tensorParallel: 1,
        bandwidthEfficiency: 0.8,
        computeEfficiency: 0.5,
      });
    expect(o(16).gpuBytesPerStep).toBeGreaterThan(o(1).gpuBytesPerStep);
    expect(o(16).gpuBytesPerStep / 16).toBeLessThan(o(1).gpuBytesPerStep);
  });
});

/** Rows the profiles were not fitted to, and why they fall outside the band. */
const OUTLIERS: Record<string, string> = {
  'mixtral-q4km-m2max': 'December 2023 build (Metal), before the MoE kernels of 2025',
  'mixtral-q5km-a100':
    'December 2023 build through llama-cpp-python, before llama.cpp had fused MoE kernels and CUDA graphs',
  'mixtral-q5km-h100': 'December 2023 build through llama-cpp-python, as above',
};

function engineOf(r: DecodeRow): keyof typeof SPEED_PROFILES {
  if (r.engine.startsWith('vLLM')) return 'vllm';
  if (r.engine.startsWith('SGLang')) return 'sglang';
  return speedProfileFor('llama.cpp', gpu(r.gpu));
}

function calibrationReport() {
  return DECODE_ROWS.map((r) => {
    const c = card(r.model);
    const prof = SPEED_PROFILES[engineOf(r)];
    const e = estimateSpeed(c, deriveParams(c), gpu(r.gpu), {
      precision: getPrecision(r.precision),
      kvBytes: 2,
      context: r.context,
      batch: r.batch,
      tensorParallel: r.tp,
      bandwidthEfficiency: prof.bandwidthEfficiency,
      computeEfficiency: prof.computeEfficiency,
      layerLatency: prof.layerLatency,
      tpLatency: prof.tpLatency,
    });
    const estimate = r.batch > 1 ? e.tokensPerSecondTotal : e.tokensPerSecondPerSequence;
    return { row: r, estimate, error: estimate / r.tokensPerSecond - 1, band: prof.band, outlier: OUTLIERS[r.id] };
  });
}

describe('calibration against published decode measurements', () => {
  const report = calibrationReport();
  it('has at least 8 cited measurements', () => {
    expect(DECODE_ROWS.length).toBeGreaterThanOrEqual(8);
    for (const r of DECODE_ROWS) expect(r.source).toMatch(/^https:\/\//);
  });
  it.each(report.filter((x) => !x.outlier).map((x) => [x.row.id, x] as const))(
    "%s is within its profile's error band",
    (_id, x) => {
      expect(x.error).toBeGreaterThanOrEqual(x.band[0] - 0.005);
      expect(x.error).toBeLessThanOrEqual(x.band[1] + 0.005);
    },
  );
  it('prints the report (median and worst error)', () => {
    const fitted = report
      .filter((x) => !x.outlier)
      .map((x) => Math.abs(x.error))
      .sort((a, b) => a - b);
    const median = fitted[Math.floor(fitted.length / 2)]!;
    const lines = report.map(
      (x) =>
        `${x.row.id.padEnd(26)} measured ${x.row.tokensPerSecond.toFixed(1).padStart(7)}  estimate ${x.estimate.toFixed(1).padStart(7)}  ${(x.error * 100).toFixed(0).padStart(4)}%${x.outlier ? `  outlier: ${x.outlier}` : ''}`,
    );
    console.log(
      `decode calibration (${report.length} rows): median |error| ${(median * 100).toFixed(0)}%, worst ${(fitted.at(-1)! * 100).toFixed(0)}% (fitted rows)\n${lines.join('\n')}`,
    );
    expect(median).toBeLessThan(0.2);
  });
});
