// The checkpoint check: what a checkpoint's own tensor headers say (exact, per tensor) against what the
// card derives from the architecture. Pure: the headers are read by src/cards/hub/ and handed in here.
//   - "matches to the parameter": the decoder's parameters in the headers equal the derivation's total;
//   - otherwise the difference is split into groups by tensor name (MTP layers past num_layers, vision /
//     audio towers, decoder layers, embeddings / head / norms) so the reader sees which tensors differ.
// Parameters follow @huggingface/hub's counting rules (scales and zero points are bookkeeping, MXFP4 blocks
// hold two weights per byte), so a quantised checkpoint still compares in parameters; bytes are the files'.
import { groupDigits } from './digits.js';
import type { ParamDerivation } from './params.js';
import type { Architecture } from './types.js';

/** One tensor as the headers give it: name, dtype and element count. */
export interface CheckpointTensor {
  name: string;
  dtype: string;
  elements: number;
  bytes: number;
}

/** The checkpoint's exact figures, as read from its headers. */
export interface CheckpointFacts {
  /** "org/name@abc1234" or a local folder / file */
  source: string;
  files: number;
  tensors: readonly CheckpointTensor[];
  /** logical parameters by dtype and their bytes */
  byDtype: Record<string, { tensors: number; params: number; bytes: number }>;
  params: number;
  bytes: number;
  /** the quantization_config.quant_method, when the checkpoint is quantised */
  quantMethod?: string | undefined;
}

export type CheckpointGroup = 'decoder' | 'mtp' | 'towers';

export interface CheckpointCheck {
  source: string;
  files: number;
  tensors: number;
  params: number;
  bytes: number;
  byDtype: { dtype: string; tensors: number; params: number; bytes: number }[];
  /** the derivation's decoder total (MTP and towers apart) */
  derivedParams: number;
  /** the decoder's weight bytes derived at the native precision (what fit's native row plans), or null
   *  when the file's own bytes are what is planned (a GGUF) */
  derivedNativeBytes: number | null;
  /** checkpoint parameters by group (null for quantised checkpoints, whose per-tensor logical counts the
   *  headers do not give) and the derivation's figure for each */
  groups: { group: CheckpointGroup; checkpoint: number; derived: number }[] | null;
  /** the decoder's parameters equal the derivation's exactly */
  matches: boolean;
  /** one sentence for the reader */
  verdict: string;
}

// transformers' checkpoint prefixes for multimodal towers (Qwen-VL "visual.", Llama 4 "vision_model.",
// LLaVA-style "multi_modal_projector.", Qwen-Omni "audio_tower.", Gemma "vision_tower." / "embed_vision.")
const TOWER_PREFIXES = [
  'visual',
  'vision_model',
  'vision_tower',
  'vision_encoder',
  'audio_tower',
  'audio_model',
  'multi_modal_projector',
  'mm_projector',
  'embed_vision',
  'embed_audio',
  'image_newline',
  'vision',
];
const TOWER = new RegExp(`(^|\\.)(${TOWER_PREFIXES.join('|')})\\.`);
// transformers' model.layers.N. and GGUF's blk.N.
const LAYER = /(^|\.)(?:layers|blk)\.(\d+)\./;
// quantisation bookkeeping, not parameters (FP8 block scales, GPTQ/AWQ scales and zeros)
const BOOKKEEPING = /(_scale_inv|_scale|\.scales|\.qzeros|\.g_idx|_zero_point|input_scale)$/;

/** Which part of the model a tensor belongs to, by its name. */
export function tensorGroup(name: string, numLayers: number): CheckpointGroup {
  if (TOWER.test(name)) return 'towers';
  if (/(^|\.)mtp(\.|_)/.test(name)) return 'mtp';
  const m = LAYER.exec(name);
  if (m && Number(m[2]) >= numLayers) return 'mtp';
  return 'decoder';
}

/** Active parameters of a checkpoint known only by its tensors: total - routed x (1 - k/E), assuming every
 *  routed tensor is one of E equal experts of which k run per token (an estimate, labelled as one). */
export function activeFromRouted(total: number, routed: number, k: number, experts: number): number {
  return Math.round(total - routed * (1 - k / experts));
}

/** Per-dtype totals as rows, the largest first (how show lists them). */
export function dtypeRows(
  byDtype: Record<string, { tensors: number; params: number; bytes: number }>,
): { dtype: string; tensors: number; params: number; bytes: number }[] {
  return Object.entries(byDtype)
    .map(([dtype, v]) => ({ dtype, tensors: v.tensors, params: v.params, bytes: v.bytes }))
    .sort((x, y) => y.bytes - x.bytes);
}

/** Compare a checkpoint's headers with the card's derivation. */
export function checkCheckpoint(
  f: CheckpointFacts,
  a: Architecture,
  d: ParamDerivation,
  derivedNativeBytes: number | null = null,
): CheckpointCheck {
  const plain = !f.quantMethod;
  const groups = plain ? groupParams(f.tensors, a.num_layers) : null;
  const decoderParams = groups ? groups.decoder : f.params - d.mtp - d.extra;
  const matches = groups
    ? groups.decoder === d.total && groups.mtp === d.mtp && groups.towers === d.extra
    : f.params === d.total + d.mtp + d.extra;
  const rows: CheckpointCheck['groups'] = groups
    ? [
        { group: 'decoder', checkpoint: groups.decoder, derived: d.total },
        { group: 'mtp', checkpoint: groups.mtp, derived: d.mtp },
        { group: 'towers', checkpoint: groups.towers, derived: d.extra },
      ]
    : null;
  return {
    source: f.source,
    files: f.files,
    tensors: f.tensors.length,
    params: f.params,
    bytes: f.bytes,
    byDtype: dtypeRows(f.byDtype),
    derivedParams: d.total,
    derivedNativeBytes,
    groups: rows,
    matches,
    verdict: verdict(f, d, decoderParams, matches, rows) + bytesNote(f, d, derivedNativeBytes),
  };
}

function groupParams(tensors: readonly CheckpointTensor[], numLayers: number): Record<CheckpointGroup, number> {
  const out: Record<CheckpointGroup, number> = { decoder: 0, mtp: 0, towers: 0 };
  for (const t of tensors) if (!BOOKKEEPING.test(t.name)) out[tensorGroup(t.name, numLayers)] += t.elements;
  return out;
}

function verdict(
  f: CheckpointFacts,
  d: ParamDerivation,
  decoder: number,
  matches: boolean,
  rows: CheckpointCheck['groups'],
): string {
  const g = groupDigits;
  if (matches) {
    return rows
      ? `matches to the parameter: ${g(decoder)} decoder parameters in the headers, as derived` +
          (d.mtp + d.extra > 0 ? ` (MTP and towers too: ${g(d.mtp + d.extra)})` : '')
      : `matches to the parameter: ${g(f.params)} parameters in the headers (${f.quantMethod} counted by ` +
          'logical weights), as derived with MTP and towers';
  }
  if (!rows) {
    const derived = d.total + d.mtp + d.extra;
    return (
      `differs: ${g(f.params)} parameters in the headers (${f.quantMethod} counted by logical weights) against ` +
      `${g(derived)} derived (decoder, MTP and towers), ${signed(f.params - derived)}`
    );
  }
  const parts = rows
    .filter((r) => r.checkpoint !== r.derived)
    .map(
      (r) =>
        `${r.group} ${g(r.checkpoint)} in the headers vs ${g(r.derived)} derived (${signed(r.checkpoint - r.derived)})`,
    );
  const decoderOk = rows[0]?.checkpoint === rows[0]?.derived;
  return `${decoderOk ? `decoder matches to the parameter (${g(decoder)}); ` : ''}differs: ${parts.join('; ')}`;
}

/** The checkpoint's bytes against the native row's: a file holds decoder, MTP and towers, and quantised
 *  formats' scales, so the two differ by what the plan leaves out or models otherwise. */
function bytesNote(f: CheckpointFacts, d: ParamDerivation, derived: number | null): string {
  if (derived === null) return '';
  const diff = f.bytes - derived;
  const pct = derived > 0 ? ` (${diff >= 0 ? '+' : ''}${((diff / derived) * 100).toFixed(2)}%)` : '';
  const also = d.mtp + d.extra > 0 ? ', MTP and towers included in the file' : '';
  return (
    `; weight bytes ${groupDigits(f.bytes)} in the file vs ${groupDigits(derived)} the native row plans` + pct + also
  );
}

function signed(n: number): string {
  return `${n > 0 ? '+' : ''}${groupDigits(n)}`;
}

/** A model type the importer does not know, described from its checkpoint's headers. */
export interface CheckpointOnly {
  source: string;
  modelType: string;
  reason: string;
  estimate: {
    totalParams: number;
    weightBytes: number;
    routedParams: number;
    experts?: number | undefined;
    expertsPerToken?: number | undefined;
    activeParams?: number | undefined;
    activeIsEstimate: true;
    kv?: { layers: number; kvHeads: number; headDim: number; elementsPerToken: number } | undefined;
    notes: string[];
  };
  byDtype: { dtype: string; tensors: number; params: number; bytes: number }[];
  files: number;
  tensors: number;
}
