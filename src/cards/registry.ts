// Finding cards and GPUs by name: built-in data, user card folders, card files and HF configs.
import { existsSync, realpathSync, statSync } from 'node:fs';
import { delimiter, extname, join, resolve } from 'node:path';
import type { Card, Gpu } from '../core/types.js';
import type { BuiltinData } from './builtin-yaml.js';
import { UserError, didYouMean } from '../errors.js';
import { userFiles } from './lazy.js';
import type { CheckpointCheck } from '../core/checkpoint.js';
import type { Precision } from '../core/precision.js';
import { type HubRef, parseModelRef } from './hub/ref.js';
import type { CheckpointOnly, HubAccess } from './hub-access.js';

// Injected by the build as the JSON text of the already-validated data; absent when running from source.
declare const __MOE_CALC_BUILTIN_JSON__: string | undefined;

let builtin: BuiltinData | undefined;
export async function builtinData(): Promise<BuiltinData> {
  if (builtin) return builtin;
  if (typeof __MOE_CALC_BUILTIN_JSON__ !== 'undefined') {
    builtin = JSON.parse(__MOE_CALC_BUILTIN_JSON__) as BuiltinData;
    return builtin;
  }
  const { loadBuiltinFromYaml } = await userFiles();
  builtin = loadBuiltinFromYaml();
  return builtin;
}

export interface ResolvedCard {
  card: Card;
  /** where it came from: "models/grok-2.yaml" (built-in), a user path, or a config.json path */
  file: string;
  origin: 'builtin' | 'user' | 'config';
  /** for a config.json: how model.safetensors.index.json beside it compares */
  crossCheck?: string;
  /** a hub model or a local folder with safetensors: its tensor headers against the derivation */
  checkpoint?: CheckpointCheck;
  /** a GGUF file: its own bytes per layer, the only precision it is planned at */
  precision?: Precision;
}

export interface RegistryOptions {
  /** extra card folders (--models, MOE_CALC_MODELS) */
  modelDirs?: readonly string[];
  /** how hub ids are fetched (--timeout, --debug, progress) */
  hub?: HubAccess;
}

/** The card folders of MOE_CALC_MODELS and every --models flag (the flag adds, it does not replace);
 *  a folder named twice is read once. */
export function modelDirsFrom(
  flag: string | readonly string[] | undefined,
  env = process.env.MOE_CALC_MODELS,
): string[] {
  const dirs: string[] = [];
  if (env) dirs.push(...env.split(delimiter).filter(Boolean));
  for (const d of typeof flag === 'string' ? [flag] : (flag ?? [])) {
    if (d.trim() === '') throw new UserError('--models: expected a folder of model cards, got an empty string');
    dirs.push(d);
  }
  const seen = new Set<string>();
  return dirs.filter((d) => {
    const key = resolve(d);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function looksLikePath(name: string): boolean {
  return /[\\/]/.test(name) || ['.yaml', '.yml', '.json'].includes(extname(name).toLowerCase()) || name.startsWith('.');
}

/** Every known card: built-in first, then user folders (a user card with a built-in id replaces it). */
export async function allCards(opts: RegistryOptions = {}): Promise<ResolvedCard[]> {
  const b = await builtinData();
  const byId = new Map<string, ResolvedCard>();
  for (const { card, file } of b.cards) byId.set(card.id, { card, file, origin: 'builtin' });
  if (opts.modelDirs && opts.modelDirs.length > 0) {
    const { cardFilesIn, loadCardFile } = await userFiles();
    // two user cards claiming one id or alias: neither may silently win
    const claimed = new Map<string, string>();
    const seenFiles = new Set<string>();
    for (const dir of opts.modelDirs) {
      for (const f of cardFilesIn(dir)) {
        const real = realpathOr(f);
        if (seenFiles.has(real)) continue; // the same file reached twice (a link beside its target)
        seenFiles.add(real);
        const card = loadCardFile(f);
        for (const [name, what] of [[card.id, 'id'], ...card.aliases.map((a) => [a, 'alias'])] as const) {
          const other = claimed.get(name);
          if (other !== undefined && other !== f)
            throw new UserError(
              `${f}: ${what === 'id' ? 'id' : 'aliases'}: "${name}" is already the id or an alias of ${other}; ` +
                'each user card needs its own id and aliases',
            );
          claimed.set(name, f);
        }
        byId.set(card.id, { card, file: f, origin: 'user' });
      }
    }
    // an alias equal to a built-in card's id would never be reached (ids are matched first): refused
    for (const r of byId.values()) {
      if (r.origin !== 'user') continue;
      for (const a of r.card.aliases) {
        const other = byId.get(a);
        if (other && other.origin === 'builtin')
          throw new UserError(
            `${r.file}: aliases: "${a}" is the id of the built-in card ${other.file}; ` +
              `use id: ${a} to replace that card, or choose another alias`,
          );
      }
    }
  }
  return [...byId.values()];
}

function realpathOr(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return resolve(p);
  }
}

/** Resolve a model argument: a card id or alias (case-insensitive), a card file, a HF config.json / its
 *  folder, or a Hugging Face hub id (org/name[@revision], hf://org/name, a hub URL). A model type the
 *  importer does not know is refused; `resolveModelOrCheckpoint` describes it from its headers instead. */
export async function resolveModel(name: string, opts: RegistryOptions = {}): Promise<ResolvedCard> {
  const r = await resolveModelOrCheckpoint(name, opts);
  if ('card' in r) return r;
  throw new UserError(
    `${r.reason.replace(/ For a model type the importer does not know.*$/, '')} ` +
      `(its checkpoint headers give exact totals: run "moe-calc show ${name}"; planning needs an architecture ` +
      'moe-calc derives)',
  );
}

export async function resolveModelOrCheckpoint(
  name: string,
  opts: RegistryOptions = {},
): Promise<ResolvedCard | CheckpointOnly> {
  const trimmed = name.trim();
  if (trimmed === '')
    throw new UserError('model: expected a card id, a card file or a config.json path, got an empty string');
  if (existsSync(trimmed) && (looksLikePath(trimmed) || !/^[a-z0-9.-]+$/i.test(trimmed))) {
    return resolvePath(trimmed, opts);
  }
  const cards = await allCards(opts);
  const n = trimmed.toLowerCase();
  const byId = cards.find((c) => c.card.id === n);
  if (byId) return byId;
  const byAlias = cards.filter((c) => c.card.aliases.includes(n));
  if (byAlias.length === 1) return byAlias[0]!;
  if (byAlias.length > 1) {
    throw new UserError(
      `model "${name}" is ambiguous: it is an alias of ${byAlias.map((c) => c.card.id).join(', ')}; name one of them`,
    );
  }
  if (existsSync(trimmed)) return resolvePath(trimmed, opts);
  const ref = /\.(ya?ml)$/i.test(trimmed) ? undefined : parseModelRef(trimmed);
  if (ref && (ref.quant || /\.gguf$/i.test(ref.file ?? ''))) return resolveGguf(ref, opts);
  if (ref) return resolveHub(ref, cards, opts);
  if (looksLikePath(trimmed)) return resolvePath(trimmed, opts);
  const names = cards.flatMap((c) => [c.card.id, ...c.card.aliases]);
  throw new UserError(
    `unknown model "${name}"${didYouMean(trimmed, names)} (run "moe-calc list" for the built-in cards, ` +
      `or pass a card file, a config.json or a Hugging Face id such as Qwen/Qwen3-30B-A3B)`,
  );
}

async function resolveHub(ref: HubRef, cards: ResolvedCard[], opts: RegistryOptions) {
  const { resolveHubModel, withSuggestion } = await userFiles();
  try {
    const r = await resolveHubModel(ref, opts.hub);
    if (!('card' in r)) return r;
    return {
      card: r.card,
      file: r.file,
      origin: 'config' as const,
      ...(r.checkpoint ? { checkpoint: r.checkpoint } : {}),
    };
  } catch (e) {
    const known = cards.flatMap((c) => (c.card.hf_repo ? [c.card.hf_repo] : []));
    throw withSuggestion(e, ref, known);
  }
}

async function resolveGguf(target: HubRef | string, opts: RegistryOptions): Promise<ResolvedCard | CheckpointOnly> {
  const { resolveGgufModel } = await userFiles();
  const g = await resolveGgufModel(target, opts.hub);
  if (!('card' in g)) return g;
  return { card: g.card, file: g.file, origin: 'config', precision: g.precision, checkpoint: g.checkpoint };
}

async function resolvePath(p: string, opts: RegistryOptions = {}): Promise<ResolvedCard | CheckpointOnly> {
  if (/\.gguf$/i.test(p) && existsSync(p)) return resolveGguf(p, opts);
  let path = p;
  if (existsSync(p) && statSync(p).isDirectory()) {
    const cfg = join(p, 'config.json');
    if (!existsSync(cfg))
      throw new UserError(
        `${p}: is a directory without a config.json, expected a card file or a Hugging Face model folder`,
      );
    path = cfg;
  }
  if (extname(path).toLowerCase() === '.json') {
    const { importConfigFile, checkLocalFolder, localCheckpointOnly, readJsonFile } = await userFiles();
    let r: ReturnType<typeof importConfigFile>;
    try {
      r = importConfigFile(path);
    } catch (e) {
      const only = await localCheckpointOnly(
        path,
        e,
        safeRead(() => readJsonFile(path, 'config.json')),
        opts.hub,
      );
      if (only) return only;
      throw e;
    }
    const checkpoint = await checkLocalFolder(r.card, path, opts.hub);
    return {
      card: r.card,
      file: path,
      origin: 'config',
      ...(r.crossCheck ? { crossCheck: r.crossCheck.note } : {}),
      ...(checkpoint ? { checkpoint } : {}),
    };
  }
  const { loadCardFile } = await userFiles();
  return { card: loadCardFile(path), file: path, origin: 'user' };
}

function safeRead(f: () => unknown): unknown {
  try {
    return f();
  } catch {
    return undefined;
  }
}

/** GPU catalog: built-in plus a user file (--gpus) whose ids replace built-in ones. */
export async function gpuCatalog(userFile?: string): Promise<Gpu[]> {
  const b = await builtinData();
  if (!userFile) return b.gpus;
  const { loadGpuCatalogFile } = await userFiles();
  const extra = loadGpuCatalogFile(userFile);
  // within the file every id and alias names one GPU
  const claimed = new Map<string, number>();
  extra.forEach((g, i) => {
    for (const [name, key] of [[g.id, 'id'], ...g.aliases.map((a, j) => [a, `aliases.${j}`])] as const) {
      const other = claimed.get(name);
      if (other !== undefined && other !== i)
        throw new UserError(
          `${userFile}: gpus.${i}.${key}: "${name}" is already the id or an alias of gpus.${other} ` +
            `(${extra[other]!.id}); ` +
            'each GPU needs its own id and aliases',
        );
      claimed.set(name, i);
    }
  });
  // a user entry replaces the built-in GPU whose id it takes (README: "add or replace"); an alias that names
  // another built-in GPU would shadow it without a word, so it is refused
  const ids = new Set(extra.map((g) => g.id));
  extra.forEach((g, i) => {
    for (const [a, key] of [[g.id, 'id'], ...g.aliases.map((x, j) => [x, `aliases.${j}`])] as const) {
      const hit = b.gpus.find((x) => !ids.has(x.id) && (x.id === a || x.aliases.includes(a)));
      if (hit)
        throw new UserError(
          `${userFile}: gpus.${i}.${key}: "${a}" already names the built-in ${hit.id} (${hit.name}); ` +
            `give id: ${hit.id} to replace that GPU, or choose another name`,
        );
    }
  });
  return [...b.gpus.filter((g) => !ids.has(g.id)), ...extra];
}

export function findGpu(catalog: readonly Gpu[], name: string): Gpu {
  const n = name.trim().toLowerCase();
  const g = catalog.find((x) => x.id === n) ?? catalog.find((x) => x.aliases.includes(n));
  if (g) return g;
  const names = catalog.flatMap((x) => [x.id, ...x.aliases]);
  throw new UserError(`--gpu: unknown GPU "${name}"${didYouMean(n, names)} (run "moe-calc gpus" for the catalog)`);
}
