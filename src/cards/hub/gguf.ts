// GGUF files: tensor types and exact bytes, and the architecture keys, from the header alone.
//
//   readGguf(target: HubRef | string, opts?): Promise<GgufInventory>
//       target: a local .gguf (the first shard of a split reads every shard beside it), or a hub reference
//       naming a file ("org/name/path/x.gguf") or a quantization ("org/name:Q4_K_M")
//   ggmlType(id): { name, blockSize, typeSize } | undefined        ggml's block layout per tensor type
//   ggmlBytes(id, elements): number | undefined                     exact bytes of a tensor of that type
//   pickGgufFile(files, quant): string                              which file a ":QUANT" names
//   ggufKv(arch): { layers, elementsPerToken } | undefined          KV per token from the attention keys
//
// Parsing is @huggingface/gguf's (range reads of 2 MB chunks, through the hub client's origin-bound fetch for
// hub files). A tensor's bytes are ggml's row size (elements / block size x block bytes) for its type, the
// same number llama.cpp allocates; per-tensor, per-type and total. Architecture keys come from the metadata
// of the first shard: general.architecture, then <arch>.block_count, .context_length, .embedding_length,
// .feed_forward_length, .expert_feed_forward_length, .expert_count, .expert_used_count,
// .expert_shared_count, .attention.head_count, .attention.head_count_kv (a number, or one per layer),
// .attention.key_length / .value_length, .attention.kv_lora_rank, .vocab_size. Routed-expert tensors are
// the fused "*_exps" ones; "*_shexp" are shared experts. A hub file's inventory is cached under its commit.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { UserError, isUserError } from '../../errors.js';
import { cacheDirs, readOwn, writeOwn } from './cache.js';
import { type HubOptions, hubCaught, hubClient, mapLimit, tracker } from './client.js';
import { type HubRef, formatRef } from './ref.js';
import { fileUrl, hubLib, notCached, resolveRepo, shortCommit } from './repo.js';
import { type DtypeTotals, expertRole, hashName } from './safetensors.js';

/** ggml tensor types: [name, elements per block, bytes per block] (ggml.c type_traits / gguf-py constants). */
const GGML_TYPES: Record<number, [string, number, number]> = {
  0: ['F32', 1, 4],
  1: ['F16', 1, 2],
  2: ['Q4_0', 32, 18],
  3: ['Q4_1', 32, 20],
  6: ['Q5_0', 32, 22],
  7: ['Q5_1', 32, 24],
  8: ['Q8_0', 32, 34],
  9: ['Q8_1', 32, 36],
  10: ['Q2_K', 256, 84],
  11: ['Q3_K', 256, 110],
  12: ['Q4_K', 256, 144],
  13: ['Q5_K', 256, 176],
  14: ['Q6_K', 256, 210],
  15: ['Q8_K', 256, 292],
  16: ['IQ2_XXS', 256, 66],
  17: ['IQ2_XS', 256, 74],
  18: ['IQ3_XXS', 256, 98],
  19: ['IQ1_S', 256, 50],
  20: ['IQ4_NL', 32, 18],
  21: ['IQ3_S', 256, 110],
  22: ['IQ2_S', 256, 82],
  23: ['IQ4_XS', 256, 136],
  24: ['I8', 1, 1],
  25: ['I16', 1, 2],
  26: ['I32', 1, 4],
  27: ['I64', 1, 8],
  28: ['F64', 1, 8],
  29: ['IQ1_M', 256, 56],
  30: ['BF16', 1, 2],
  34: ['TQ1_0', 256, 54],
  35: ['TQ2_0', 256, 66],
  39: ['MXFP4', 32, 17],
  40: ['NVFP4', 64, 36],
  41: ['Q1_0', 128, 18],
  42: ['Q2_0', 64, 18],
};

export function ggmlType(id: number): { name: string; blockSize: number; typeSize: number } | undefined {
  const t = GGML_TYPES[id];
  return t && { name: t[0], blockSize: t[1], typeSize: t[2] };
}

/** Exact bytes of `elements` values of ggml type `id` (rows are whole blocks), or undefined for an unknown type. */
export function ggmlBytes(id: number, elements: number): number | undefined {
  const t = GGML_TYPES[id];
  if (!t) return undefined;
  return Math.ceil(elements / t[1]) * t[2];
}

export type GgufValue = string | number | boolean | Array<string | number | boolean>;

export interface GgufTensor {
  name: string;
  /** ggml type name ("Q4_K", "F32", or "type 57" when unknown) */
  type: string;
  typeId: number;
  /** dimensions as GGUF stores them, innermost first */
  shape: number[];
  elements: number;
  bytes: number;
  /** index into GgufInventory.files */
  shard: number;
  role?: 'routed' | 'shared';
}

export interface GgufArch {
  architecture?: string;
  name?: string;
  fileType?: number;
  blockCount?: number;
  contextLength?: number;
  embeddingLength?: number;
  feedForwardLength?: number | number[];
  expertFeedForwardLength?: number;
  expertCount?: number;
  expertUsedCount?: number;
  expertSharedCount?: number;
  headCount?: number | number[];
  headCountKv?: number | number[];
  keyLength?: number;
  valueLength?: number;
  kvLoraRank?: number;
  vocabSize?: number;
}

/** K + V elements cached per token, over all layers, from the attention keys (standard attention). */
export interface GgufKv {
  layers: number;
  elementsPerToken: number;
}

/**
 * KV per token from <arch>.block_count, .attention.head_count_kv (one number, or one per layer: 0 for a layer
 * without attention) and .attention.key_length / .value_length (default embedding_length / head_count).
 * Undefined when a key is missing, or for MLA (kv_lora_rank), whose cache is not per head.
 */
export function ggufKv(a: GgufArch): GgufKv | undefined {
  const layers = a.blockCount;
  if (!layers || a.kvLoraRank !== undefined) return undefined;
  const heads = typeof a.headCount === 'number' ? a.headCount : undefined;
  const dflt = a.embeddingLength && heads ? a.embeddingLength / heads : undefined;
  const k = a.keyLength ?? dflt;
  const v = a.valueLength ?? dflt;
  const kvh = a.headCountKv ?? a.headCount;
  if (!k || !v || kvh === undefined) return undefined;
  const perLayer = Array.isArray(kvh) ? kvh : Array.from({ length: layers }, () => kvh);
  if (perLayer.length !== layers) return undefined;
  return { layers, elementsPerToken: perLayer.reduce((s, h) => s + h * (k + v), 0) };
}

export interface GgufInventory {
  /** the local path, or "org/name@abc1234/path" */
  source: string;
  repo?: string;
  revision?: string;
  commit?: string;
  /** every shard of the file (one entry for an unsplit file), in order */
  files: Array<{ path: string; bytes?: number; tensors: number; present: boolean }>;
  /** false when shards of a local split are missing: the totals then cover the present ones only */
  complete: boolean;
  arch: GgufArch;
  /** from the arch keys, when they give it (ggufKv) */
  kv?: GgufKv;
  /** the first shard's metadata; arrays over 64 entries (the tokenizer's) are left out, see arrayLengths */
  metadata: Record<string, GgufValue>;
  arrayLengths: Record<string, number>;
  tensors: GgufTensor[];
  byType: Record<string, DtypeTotals>;
  totals: DtypeTotals;
  routedExperts?: DtypeTotals;
  sharedExperts?: DtypeTotals;
  fromCache: boolean;
}

const SHARD = /^(.*)-(\d{5})-of-(\d{5})\.gguf$/i;

function shardNames(file: string): string[] {
  const m = SHARD.exec(file);
  if (!m) return [file];
  const total = Number(m[3]);
  return Array.from({ length: total }, (_, i) => `${m[1]}-${String(i + 1).padStart(5, '0')}-of-${m[3]}.gguf`);
}

/** Quantization label of a GGUF file name ("Q4_K_M", "UD-Q2_K_XL", "BF16"), upper-cased, or undefined. */
export function quantOf(path: string): string | undefined {
  const b = basename(path).replace(/-\d{5}-of-\d{5}\.gguf$/i, '.gguf');
  const m = /(?:^|[-_.])((?:UD-)?(?:I?Q\d[A-Z0-9_]*|TQ\d_\d|MXFP4(?:_MOE)?|BF16|F16|F32))\.gguf$/i.exec(b);
  return m?.[1]?.toUpperCase();
}

/**
 * The file (the first shard of a split) a quantization label names: a file whose label is the quant
 * (case-insensitive; also "Q4_K_M/...-00001-of-...gguf" folders). Projector files (mmproj) never match.
 */
export function pickGgufFile(files: readonly string[], quant: string, where = 'the repo'): string {
  const q = quant.toUpperCase();
  const ggufs = files.filter((f) => /\.gguf$/i.test(f) && !/mmproj/i.test(basename(f)));
  const firsts = ggufs.filter((f) => !SHARD.test(basename(f)) || /-00001-of-\d{5}\.gguf$/i.test(f));
  const matches = firsts.filter(
    (f) =>
      quantOf(f) === q ||
      dirname(f)
        .split('/')
        .some((d) => d.toUpperCase() === q),
  );
  if (matches.length === 1) return matches[0]!;
  if (matches.length > 1)
    throw new UserError(`${where}: ${matches.length} files match :${quant} (${matches.join(', ')}); name one by path`);
  const labels = [...new Set(firsts.map(quantOf).filter((x): x is string => !!x))].sort();
  if (ggufs.length === 0) throw new UserError(`${where}: no .gguf files in the repo`);
  throw new UserError(
    `${where}: no GGUF file for :${quant}` + (labels.length ? `; the repo has ${labels.join(', ')}` : ''),
  );
}

function plain(v: unknown): GgufValue | undefined {
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  if (Array.isArray(v)) {
    const out = v.map(plain);
    return out.every((x) => x !== undefined && !Array.isArray(x))
      ? (out as Array<string | number | boolean>)
      : undefined;
  }
  return undefined;
}

function archOf(md: Record<string, GgufValue>): GgufArch {
  const arch = typeof md['general.architecture'] === 'string' ? (md['general.architecture'] as string) : undefined;
  const out: GgufArch = {};
  const num = (k: string) => (typeof md[k] === 'number' ? (md[k] as number) : undefined);
  const numOrList = (k: string) => {
    const v = md[k];
    if (typeof v === 'number') return v;
    if (Array.isArray(v) && v.every((x) => typeof x === 'number')) return v as number[];
    return undefined;
  };
  const set = <K extends keyof GgufArch>(k: K, v: GgufArch[K] | undefined) => {
    if (v !== undefined) out[k] = v;
  };
  set('architecture', arch);
  set('name', typeof md['general.name'] === 'string' ? (md['general.name'] as string) : undefined);
  set('fileType', num('general.file_type'));
  if (!arch) return out;
  const a = (k: string) => `${arch}.${k}`;
  set('blockCount', num(a('block_count')));
  set('contextLength', num(a('context_length')));
  set('embeddingLength', num(a('embedding_length')));
  set('feedForwardLength', numOrList(a('feed_forward_length')));
  set('expertFeedForwardLength', num(a('expert_feed_forward_length')));
  set('expertCount', num(a('expert_count')));
  set('expertUsedCount', num(a('expert_used_count')));
  set('expertSharedCount', num(a('expert_shared_count')));
  set('headCount', numOrList(a('attention.head_count')));
  set('headCountKv', numOrList(a('attention.head_count_kv')));
  set('keyLength', num(a('attention.key_length')));
  set('valueLength', num(a('attention.value_length')));
  set('kvLoraRank', num(a('attention.kv_lora_rank')));
  set('vocabSize', num(a('vocab_size')));
  return out;
}

type Parsed = Awaited<ReturnType<typeof import('@huggingface/gguf').gguf>>;

/** The cache form: what the parse gave, in plain JSON. */
interface GgufRecord {
  v: 1;
  files: GgufInventory['files'];
  metadata: Record<string, GgufValue>;
  arrayLengths: Record<string, number>;
  /** [name, typeId, shape, shard] */
  tensors: Array<[string, number, number[], number]>;
}

function record(files: GgufInventory['files'], parsed: Array<Parsed | undefined>): GgufRecord {
  const metadata: Record<string, GgufValue> = {};
  const arrayLengths: Record<string, number> = {};
  const first = parsed.find((p) => p !== undefined);
  for (const [k, v] of Object.entries(first?.metadata ?? {})) {
    if (Array.isArray(v) && v.length > 64) {
      arrayLengths[k] = v.length;
      continue;
    }
    const p = plain(v);
    if (p !== undefined) metadata[k] = p;
  }
  const tensors: GgufRecord['tensors'] = [];
  parsed.forEach((p, shard) => {
    for (const t of p?.tensorInfos ?? []) tensors.push([t.name, Number(t.dtype), t.shape.map(Number), shard]);
  });
  return { v: 1, files, metadata, arrayLengths, tensors };
}

function inventory(rec: GgufRecord, source: string, fromCache: boolean): GgufInventory {
  const zero = (): DtypeTotals => ({ tensors: 0, elements: 0, params: 0, bytes: 0 });
  const add = (t: DtypeTotals, el: number, by: number) => {
    t.tensors++;
    t.elements += el;
    t.params += el;
    t.bytes += by;
  };
  const byType: Record<string, DtypeTotals> = {};
  const totals = zero();
  let routed: DtypeTotals | undefined;
  let shared: DtypeTotals | undefined;
  const tensors: GgufTensor[] = rec.tensors.map(([name, typeId, shape, shard]) => {
    const elements = shape.reduce((a, d) => a * d, 1);
    const t = ggmlType(typeId);
    const bytes = ggmlBytes(typeId, elements);
    if (bytes === undefined)
      throw new UserError(`${source}: tensor ${name} has ggml type ${typeId}, which moe-calc does not know yet`);
    const out: GgufTensor = { name, type: t!.name, typeId, shape, elements, bytes, shard };
    const role = expertRole(name, shape)?.role;
    if (role === 'routed') {
      routed ??= zero();
      add(routed, elements, bytes);
    } else if (role === 'shared') {
      shared ??= zero();
      add(shared, elements, bytes);
    }
    if (role) out.role = role;
    byType[out.type] ??= zero();
    add(byType[out.type]!, elements, bytes);
    add(totals, elements, bytes);
    return out;
  });
  const inv: GgufInventory = {
    source,
    files: rec.files,
    complete: rec.files.every((f) => f.present),
    arch: archOf(rec.metadata),
    metadata: rec.metadata,
    arrayLengths: rec.arrayLengths,
    tensors,
    byType,
    totals,
    fromCache,
  };
  if (routed) inv.routedExperts = routed;
  if (shared) inv.sharedExperts = shared;
  const kv = ggufKv(inv.arch);
  if (kv) inv.kv = kv;
  return inv;
}

/** A parse failure as a one-line UserError; failures to fetch go on to hubCaught. */
function ggufError(e: unknown, where: string): never {
  if (isUserError(e) || !(e instanceof Error) || e.name === 'TimeoutError' || e.name === 'AbortError') throw e;
  if (e instanceof TypeError && /fetch failed|terminated|socket/i.test(e.message)) throw e;
  const msg = e.message.replace(/^not a valid gguf file: /i, '');
  if (/magic number|unsupported version/i.test(e.message)) throw new UserError(`${where}: not a GGUF file (${msg})`);
  throw new UserError(`${where}: not a readable GGUF file (${msg})`);
}

export async function readGguf(target: HubRef | string, opts: HubOptions = {}): Promise<GgufInventory> {
  return typeof target === 'string' ? readLocal(target, opts) : readHub(target, opts);
}

async function readLocal(path: string, opts: HubOptions): Promise<GgufInventory> {
  if (!existsSync(path)) throw new UserError(`${path}: no such file`);
  if (statSync(path).isDirectory()) {
    const ggufs = readdirSync(path).filter((f) => /\.gguf$/i.test(f) && !/mmproj/i.test(f));
    const firsts = ggufs.filter((f) => !SHARD.test(f) || /-00001-of-/.test(f));
    if (firsts.length !== 1)
      throw new UserError(
        `${path}: ${firsts.length === 0 ? 'no .gguf file here' : `${firsts.length} GGUF files here`}; name the file`,
      );
    return readLocal(join(path, firsts[0]!), opts);
  }
  const dir = dirname(path);
  const names = shardNames(basename(path));
  if (names.length > 1 && names[0] !== basename(path))
    throw new UserError(
      `${path}: is shard ${SHARD.exec(basename(path))?.[2]} of a split; name the first (${names[0]})`,
    );
  const progress = tracker(opts.progress, `reading the GGUF header of ${basename(path)}`);
  try {
    const { gguf } = await import('@huggingface/gguf');
    const files: GgufInventory['files'] = names.map((n) => {
      const p = join(dir, n);
      const present = existsSync(p);
      const f: GgufInventory['files'][number] = { path: p, tensors: 0, present };
      if (present) f.bytes = statSync(p).size;
      return f;
    });
    let done = 0;
    const parsed = await mapLimit(files, Math.min(opts.concurrency ?? 8, 8), async (f) => {
      if (!f.present) return undefined;
      const r = await gguf(f.path, { allowLocalFile: true }).catch((e) => ggufError(e, f.path));
      f.tensors = r.tensorInfos.length;
      progress.update(`reading GGUF headers of ${basename(path)}: ${++done}/${files.length}`);
      return r;
    });
    return inventory(record(files, parsed), path, false);
  } finally {
    progress.done();
  }
}

async function readHub(ref: HubRef, opts: HubOptions): Promise<GgufInventory> {
  const client = hubClient(opts);
  const dirs = cacheDirs(client.env);
  const state = await resolveRepo(client, dirs, ref);
  const where = `${state.repo}@${state.revision}`;
  let file: string;
  if (ref.file) {
    if (!/\.gguf$/i.test(ref.file)) throw new UserError(`${formatRef(ref)}: expected a .gguf file`);
    file = ref.file;
  } else if (ref.quant) {
    if (!state.files) {
      if (client.offline) throw notCached(ref, 'the file list');
      throw new UserError(`${formatRef(ref)}: the hub gave no file list`);
    }
    file = pickGgufFile(state.files, ref.quant, where);
  } else {
    const ggufs = (state.files ?? []).filter((f) => /\.gguf$/i.test(f) && !/mmproj/i.test(basename(f)));
    const firsts = ggufs.filter((f) => !SHARD.test(basename(f)) || /-00001-of-/.test(f));
    if (firsts.length !== 1)
      throw new UserError(
        `${where}: ${firsts.length === 0 ? 'no .gguf files in the repo' : `${firsts.length} GGUF files`}; ` +
          'name one with org/name:QUANT or org/name/<file>.gguf',
      );
    file = firsts[0]!;
  }
  const names = shardNames(file.split('/').pop()!).map((n) => (file.includes('/') ? `${dirname(file)}/${n}` : n));
  if (names.length > 1 && names[0] !== file)
    throw new UserError(`${formatRef(ref)}: is one shard of a split; name the first (${names[0]})`);
  if (state.files) {
    const missing = names.filter((n) => !state.files!.includes(n));
    if (missing.length) throw new UserError(`${where}: no ${missing[0]} in the repo`);
  }
  const source = `${state.repo}@${shortCommit(state.commit)}/${file}`;
  const key = `gguf-${hashName(file)}`;
  const cached = readOwn<GgufRecord>(dirs, state.repo, state.commit, key);
  const ident = { repo: state.repo, revision: state.revision, commit: state.commit };
  if (cached?.v === 1) return { ...inventory(cached, source, true), ...ident };
  if (client.offline) throw notCached(ref, `the header of ${file}`);

  const tracker = client.track(`reading the GGUF header of ${state.repo}/${file}`);
  try {
    const [{ gguf }, { pathsInfo }] = await Promise.all([import('@huggingface/gguf'), hubLib()]);
    let done = 0;
    const [infos, parsed] = await Promise.all([
      pathsInfo({
        repo: state.repo,
        paths: names,
        revision: state.commit,
        hubUrl: client.endpoint,
        fetch: client.fetch,
      }),
      mapLimit(names, Math.min(client.concurrency, 8), async (n) => {
        const url = fileUrl(client, state.repo, state.commit, n);
        const r = await gguf(url, { fetch: client.fetch }).catch((e) => ggufError(e, `${state.repo}/${n}`));
        tracker.update(`reading GGUF headers of ${state.repo}/${file}: ${++done}/${names.length}`);
        return r;
      }),
    ]);
    const size = new Map(infos.map((i) => [i.path, i.lfs?.size ?? i.size]));
    const files: GgufInventory['files'] = names.map((n, i) => {
      const f: GgufInventory['files'][number] = { path: n, tensors: parsed[i]!.tensorInfos.length, present: true };
      const b = size.get(n);
      if (b !== undefined) f.bytes = b;
      return f;
    });
    const rec = record(files, parsed);
    const inv = { ...inventory(rec, source, false), ...ident };
    writeOwn(dirs, state.repo, state.commit, key, rec);
    return inv;
  } catch (e) {
    return hubCaught(e, client, `reading the GGUF header of ${state.repo}/${file}`);
  } finally {
    tracker.done();
  }
}
