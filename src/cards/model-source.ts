// Models that are not built-in cards or card files: a Hugging Face hub id (config.json fetched and imported
// as a local one would be), a local model folder with safetensors, and the checkpoint check against the
// tensor headers of either. Loaded on demand (it pulls in the hub layer and the config importer).
import { dirname } from 'node:path';
import { checkCheckpoint, type CheckpointCheck, type CheckpointFacts, dtypeRows } from '../core/checkpoint.js';
import { deriveParams } from '../core/params.js';
import { getPrecision, weightBytes } from '../core/precision.js';
import type { Card } from '../core/types.js';
import { isUserError, suggest, UserError } from '../errors.js';
import {
  type CheckpointInventory,
  estimateFromCheckpoint,
  fetchHubConfig,
  type HubOptions,
  type HubRef,
  hasLocalSafetensors,
  readCheckpointHeaders,
  terminalProgress,
} from './hub/index.js';
import type { CheckpointOnly, HubAccess } from './hub-access.js';
import { importConfigFile, UnsupportedTypeError } from './import/index.js';

export type { CheckpointOnly, HubAccess } from './hub-access.js';

export interface RemoteCard {
  card: Card;
  file: string;
  /** the checkpoint's headers against the derivation, when the repo / folder has safetensors */
  checkpoint?: CheckpointCheck;
}

export function hubOptions(h: HubAccess = {}): HubOptions {
  const progress = h.progress ? terminalProgress() : undefined;
  return {
    ...(h.timeoutMs !== undefined ? { timeoutMs: h.timeoutMs } : {}),
    ...(progress ? { progress } : {}),
    ...(h.debug ? { debug: (m: string) => process.stderr.write(`moe-calc: hub: ${m}\n`) } : {}),
    warn: (m: string) => process.stderr.write(`moe-calc: warning: ${m}\n`),
  };
}

/** The facts the core's checkpoint check compares (pure data out of the hub layer's inventory). */
function factsOf(inv: CheckpointInventory): CheckpointFacts {
  const byDtype: CheckpointFacts['byDtype'] = {};
  for (const [k, v] of Object.entries(inv.byDtype))
    byDtype[k] = { tensors: v.tensors, params: v.params, bytes: v.bytes };
  return {
    source: inv.source,
    files: inv.files.length,
    tensors: inv.tensors.map((t) => ({ name: t.name, dtype: t.dtype, elements: t.elements, bytes: t.bytes })),
    byDtype,
    params: inv.totals.params,
    bytes: inv.totals.bytes,
    quantMethod: inv.quantMethod,
  };
}

function unsupportedType(e: unknown): string | undefined {
  return e instanceof UnsupportedTypeError ? e.modelType : undefined;
}

/** A hub model: its config imported (named after the repo), checked against the checkpoint's headers. */
export async function resolveHubModel(ref: HubRef, access: HubAccess = {}): Promise<RemoteCard | CheckpointOnly> {
  const opts = hubOptions(access);
  const hc = await fetchHubConfig(ref, opts);
  const name = ref.repo.split('/').pop() ?? ref.repo;
  const url = `${hc.endpoint}/${hc.repo}/blob/${hc.commit}/${hc.file}`;
  let card: Card;
  try {
    card = importConfigFile(hc.path, { name, sourceUrl: url, hfRepo: hc.repo }).card;
  } catch (e) {
    const type = unsupportedType(e);
    if (!type || !hasSafetensors(hc.files)) throw e;
    const inv = await readCheckpointHeaders(ref, opts);
    return checkpointOnly(inv, type, hc.config, e as Error);
  }
  if (!hasSafetensors(hc.files)) return { card, file: hc.label };
  let inv: CheckpointInventory;
  try {
    inv = await readCheckpointHeaders(ref, opts);
  } catch (e) {
    // a cache filled by another tool may hold config.json alone: offline, plan from it without the check
    if (hc.files === undefined && isUserError(e) && /not in the cache/.test(e.message)) {
      opts.warn?.(`${hc.label}: checkpoint headers not cached: planned from config.json without the check`);
      return { card, file: hc.label };
    }
    throw e;
  }
  return { card, file: hc.label, checkpoint: checkAgainst(inv, card) };
}

function hasSafetensors(files: readonly string[] | undefined): boolean {
  return files === undefined || files.some((f) => /\.safetensors$/i.test(f));
}

/** A local config.json whose folder holds safetensors: the headers against the derivation. */
export async function checkLocalFolder(card: Card, configPath: string, access: HubAccess = {}) {
  const dir = dirname(configPath);
  if (!hasLocalSafetensors(dir)) return undefined;
  return checkAgainst(await readCheckpointHeaders(dir, hubOptions(access)), card);
}

/** A local folder whose config has a type the importer does not know, described from its headers. */
export async function localCheckpointOnly(
  configPath: string,
  error: unknown,
  config: unknown,
  access: HubAccess = {},
): Promise<CheckpointOnly | undefined> {
  const type = unsupportedType(error);
  const dir = dirname(configPath);
  if (!type || !hasLocalSafetensors(dir)) return undefined;
  const inv = await readCheckpointHeaders(dir, hubOptions(access));
  return checkpointOnly(inv, type, config, error as Error);
}

function checkpointOnly(inv: CheckpointInventory, type: string, config: unknown, e: Error): CheckpointOnly {
  const facts = factsOf(inv);
  return {
    source: inv.source,
    modelType: type,
    reason: e.message,
    estimate: estimateFromCheckpoint(inv, config),
    byDtype: dtypeRows(facts.byDtype),
    files: facts.files,
    tensors: facts.tensors.length,
  };
}

/** Did-you-mean for a hub id that does not exist, over the built-in cards' repos and ids. */
export function withSuggestion(e: unknown, ref: HubRef, known: readonly string[]): unknown {
  if (!isUserError(e) || !/no such model on/.test(e.message)) return e;
  const hit = suggest(ref.repo, known);
  return hit ? new UserError(`${e.message}; did you mean ${hit}?`, e.exitCode) : e;
}

/** The headers against the card's derivation, and the file's bytes against what fit's native row plans
 *  (the decoder at the card's native precision). */
function checkAgainst(inv: CheckpointInventory, card: Card): CheckpointCheck {
  const a = card.architecture;
  const d = deriveParams(card);
  const native = weightBytes(d.tensors, getPrecision(a.native_precision), a.num_layers, a.moe?.experts ?? 0, a);
  return checkCheckpoint(factsOf(inv), a, d, native.total);
}
