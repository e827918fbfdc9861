// The show report: the exact breakdown of a card, how each part is formed, weights at the native
// precision and bf16, KV per token and state per sequence, sources. Pure.
import { explainComponents } from '../explain.js';
import { kvPerToken } from '../kv.js';
import { type Component, deriveParams } from '../params.js';
import { getPrecision, weightBytes } from '../precision.js';
import type { CheckpointCheck, CheckpointOnly } from '../checkpoint.js';
import type { Card } from '../types.js';
import { SCHEMA_VERSION } from './fit.js';

export type CardOrigin = 'builtin' | 'user' | 'config';

export interface ShowReport {
  schemaVersion: 1;
  model: {
    id: string;
    name: string;
    organisation: string;
    released: string | null;
    licence: string | null;
    hfRepo: string | null;
    file: string;
    origin: CardOrigin;
  };
  /** a config folder's model.safetensors.index.json compared with the derived bytes */
  crossCheck: string | null;
  /** a hub model's or a local folder's safetensors headers against the derivation */
  checkpoint: CheckpointCheck | null;
  params: {
    total: number;
    active: number;
    activeNonEmbedding: number;
    perExpert: number;
    perExpertLayer: number;
    mtp: number;
    extra: number;
    checkpointTotal: number;
    /** transformers' sum(p.numel()): leaves out persistent buffers (DeepSeek/GLM router correction biases) */
    transformersParameters: number;
    breakdown: Record<Component, number>;
    derivation: Record<Component, string>;
  };
  layers: { attention: number; ssm: number; moe: number; dense: number; sliding: number };
  weights: { nativePrecision: string; nativeBytes: number; nativeBitsPerWeight: number; bf16Bytes: number };
  kvCache: {
    dtype: string;
    bytesPerToken: number;
    fullAttentionBytesPerToken: number;
    slidingBytesPerToken: number;
    window: number | null;
    stateBytesPerSequence: number;
  };
  moe: { experts: number; topK: number } | null;
  maxContext: number;
  architecture: Card['architecture'];
  extraComponents: Card['extra_components'];
  sources: Card['sources'];
  notes: string[];
}

export function buildShowReport(
  card: Card,
  where: {
    file: string;
    origin: CardOrigin;
    crossCheck?: string | undefined;
    checkpoint?: CheckpointCheck | undefined;
  },
): ShowReport {
  const a = card.architecture;
  const d = deriveParams(card);
  const native = getPrecision(a.native_precision, 'architecture.native_precision');
  const nE = a.moe?.experts ?? 0;
  const wNative = weightBytes(d.tensors, native, a.num_layers, nE, a);
  const wBf16 = weightBytes(d.tensors, getPrecision('bf16'), a.num_layers, nE, a);
  const kv = kvPerToken(a, 2);
  return {
    schemaVersion: SCHEMA_VERSION,
    model: {
      id: card.id,
      name: card.name,
      organisation: card.organisation,
      released: card.released ?? null,
      licence: card.licence ?? null,
      hfRepo: card.hf_repo ?? null,
      file: where.file,
      origin: where.origin,
    },
    crossCheck: where.crossCheck ?? null,
    checkpoint: where.checkpoint ?? null,
    params: {
      total: d.total,
      active: d.active,
      activeNonEmbedding: d.activeNonEmbedding,
      perExpert: d.perExpert,
      perExpertLayer: d.perExpertLayer,
      mtp: d.mtp,
      extra: d.extra,
      checkpointTotal: d.total + d.mtp + d.extra,
      transformersParameters: d.total - d.buffers,
      breakdown: d.breakdown,
      derivation: explainComponents(a, d),
    },
    layers: d.layers,
    weights: {
      nativePrecision: native.id,
      nativeBytes: wNative.total,
      nativeBitsPerWeight: wNative.bpw,
      bf16Bytes: wBf16.total,
    },
    kvCache: {
      dtype: 'bf16',
      bytesPerToken: kv.full + kv.sliding,
      fullAttentionBytesPerToken: kv.full,
      slidingBytesPerToken: kv.sliding,
      window: a.sliding_window?.window ?? null,
      stateBytesPerSequence: kv.statePerSequence,
    },
    moe: a.moe ? { experts: a.moe.experts, topK: a.moe.top_k } : null,
    maxContext: a.max_context,
    architecture: a,
    extraComponents: card.extra_components,
    sources: card.sources,
    notes: card.notes,
  };
}

/** `show` of a model whose type the importer does not know: what its checkpoint's headers say, and no more.
 *  Totals and bytes are exact; active parameters and KV per token are estimates from tensor names and the
 *  config's standard keys (README "Hub models"). */
export interface CheckpointOnlyReport {
  schemaVersion: 1;
  kind: 'checkpoint-only';
  source: string;
  modelType: string;
  /** why the importer refused it */
  reason: string;
  exact: { totalParams: number; weightBytes: number; files: number; tensors: number };
  byDtype: { dtype: string; tensors: number; params: number; bytes: number }[];
  estimates: {
    routedParams: number;
    experts: number | null;
    expertsPerToken: number | null;
    activeParams: number | null;
    kvElementsPerToken: number | null;
  };
  notes: string[];
}

export function buildCheckpointOnlyReport(x: CheckpointOnly): CheckpointOnlyReport {
  const e = x.estimate;
  return {
    schemaVersion: SCHEMA_VERSION,
    kind: 'checkpoint-only',
    source: x.source,
    modelType: x.modelType,
    reason: x.reason,
    exact: { totalParams: e.totalParams, weightBytes: e.weightBytes, files: x.files, tensors: x.tensors },
    byDtype: x.byDtype,
    estimates: {
      routedParams: e.routedParams,
      experts: e.experts ?? null,
      expertsPerToken: e.expertsPerToken ?? null,
      activeParams: e.activeParams ?? null,
      kvElementsPerToken: e.kv?.elementsPerToken ?? null,
    },
    notes: e.notes,
  };
}
