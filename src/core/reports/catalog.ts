// The list and gpus reports: the cards and the GPU catalog with their headline figures. Pure.
import { deriveParams } from '../params.js';
import type { Card, Gpu } from '../types.js';
import { SCHEMA_VERSION } from './fit.js';
import type { CardOrigin } from './show.js';

export interface ListReport {
  schemaVersion: 1;
  models: {
    id: string;
    name: string;
    organisation: string;
    file: string;
    origin: CardOrigin;
    params: { total: number; active: number };
    experts: number;
    topK: number;
    maxContext: number;
    nativePrecision: string;
  }[];
}

export function buildListReport(cards: readonly { card: Card; file: string; origin: CardOrigin }[]): ListReport {
  return {
    schemaVersion: SCHEMA_VERSION,
    models: cards.map(({ card, file, origin }) => {
      const d = deriveParams(card);
      const a = card.architecture;
      return {
        id: card.id,
        name: card.name,
        organisation: card.organisation,
        file,
        origin,
        params: { total: d.total, active: d.active },
        experts: a.moe?.experts ?? 0,
        topK: a.moe?.top_k ?? 0,
        maxContext: a.max_context,
        nativePrecision: a.native_precision,
      };
    }),
  };
}

export interface GpusReport {
  schemaVersion: 1;
  gpus: {
    id: string;
    name: string;
    vendor: string;
    aliases: string[];
    memoryBytes: number;
    usableFraction: number;
    bandwidthGBps: number;
    bf16Tflops: number;
    fp8Tflops: number | null;
    fp4Tflops: number | null;
    nativeFp8: boolean;
    nativeFp4: boolean;
    computeCapability: string | null;
    gpusPerNode: number;
    source: string;
  }[];
}

export function buildGpusReport(gpus: readonly Gpu[]): GpusReport {
  return {
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
  };
}
