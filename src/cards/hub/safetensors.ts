// Checkpoint headers: what a safetensors checkpoint holds, read from its headers alone.
//
//   readCheckpointHeaders(target: HubRef | string, opts?): Promise<CheckpointInventory>
//       target: a hub reference, a local model folder, or one local .safetensors file
//   estimateFromCheckpoint(inv, config?): CheckpointEstimate      totals, routed experts, active (an estimate), KV
//   expertRole(name, shape): ExpertRole | undefined                 routed / shared expert tensor, by name
//   parseSafetensorsHeader(bytes, file, size?): ShardHeader         the 8-byte length + JSON header
//   hasLocalSafetensors(dir): boolean                                 a folder with weights to read?
//
// A safetensors file is an 8-byte little-endian header length, a JSON header {name: {dtype, shape,
// data_offsets: [begin, end]}, __metadata__?}, then the tensor data. Only the header is read: from the hub,
// with one range request per file sized from the index (a second one only when the header is longer than
// estimated), 64 files at a time (HubOptions.concurrency); locally, two reads per file, 16 files at a time.
// The files are the ones model.safetensors.index.json names, else model.safetensors, else every *.safetensors
// at the top (a consolidated*.safetensors beside sharded files is the same weights in another layout, left out).
//
// Reported, exactly, per dtype and in total: tensors, stored elements, weight bytes (sum of data spans: the
// bytes a runtime loads), and file bytes. "params" are logical parameters by @huggingface/hub's rules (what
// the hub shows): sub-byte weights packed in integer containers count per weight, and quantization
// bookkeeping (block scales, zero points) does not count; for a plain bf16/fp16/fp32 checkpoint params ==
// elements. Routed-expert tensors are recognised by name: per-expert ("...experts.<N>....") and fused
// ("...experts.gate_up_proj", "...experts.down_proj_blocks", "block_sparse_moe.input_linear"); shared
// experts ("shared_expert(s)") are not routed. A hub inventory is cached under its commit (cache.ts).
import { activeFromRouted } from '../../core/checkpoint.js';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { UserError } from '../../errors.js';
import { cacheDirs, readOwn, writeOwn } from './cache.js';
import { type HubOptions, hubCaught, hubClient, mapLimit, tracker } from './client.js';
import { type HubRef, formatRef } from './ref.js';
import { fileUrl, hubLib, missingHint, notCached, repoFile, resolveRepo, shortCommit } from './repo.js';

/** One tensor as its header declares it. */
export interface SafetensorsTensor {
  name: string;
  dtype: string;
  shape: number[];
  /** stored elements (product of the shape) */
  elements: number;
  /** data bytes (end - begin of its data_offsets) */
  bytes: number;
  /** the file it is in, relative to the repo or folder */
  file: string;
  /** set for expert tensors: routed (per-expert or fused) or shared */
  role?: 'routed' | 'shared';
  /** the expert index of a per-expert routed tensor */
  expert?: number;
}

export interface DtypeTotals {
  tensors: number;
  elements: number;
  /** logical parameters (see the module comment) */
  params: number;
  bytes: number;
}

export interface ExpertTotals extends DtypeTotals {
  /** experts per layer, from the tensor names (per-expert) or the leading dimension (fused) */
  experts?: number;
  layout: 'per-expert' | 'fused' | 'mixed';
}

export interface CheckpointInventory {
  /** "org/name@abc1234" or the local folder / file */
  source: string;
  repo?: string;
  revision?: string;
  commit?: string;
  files: Array<{ path: string; bytes: number; headerBytes: number; tensors: number }>;
  tensors: SafetensorsTensor[];
  /** by safetensors dtype ("BF16", "F8_E4M3", "U8", ...) */
  byDtype: Record<string, DtypeTotals>;
  totals: DtypeTotals & {
    /** sum of the files' sizes: weight bytes + headers (+ any padding) */
    fileBytes: number;
  };
  /** routed-expert tensors; undefined for a dense checkpoint */
  routedExperts?: ExpertTotals;
  sharedExperts?: DtypeTotals;
  /** the first file's __metadata__ (e.g. {format: "pt"}) */
  metadata?: Record<string, string>;
  /** what model.safetensors.index.json claims, for a cross-check */
  index?: { path: string; totalSize?: number; totalParameters?: number };
  /** the quantization_config.quant_method the params were counted under */
  quantMethod?: string;
  fromCache: boolean;
}

/** A file's header in compact form (also the cache format). */
export interface ShardHeader {
  path: string;
  /** file size in bytes */
  bytes: number;
  /** 8 + the JSON header's length */
  headerBytes: number;
  metadata?: Record<string, string>;
  /** [name, dtype, shape, begin, end] */
  tensors: Array<[string, string, number[], number, number]>;
}

const MAX_HEADER = 100 * 1024 * 1024;
const DEFAULT_GUESS = 256 * 1024;

/** Parse an 8-byte length + JSON header (bytes may run past the header). `size` is the file's size, if known. */
export function parseSafetensorsHeader(bytes: Uint8Array, file: string, size?: number): ShardHeader {
  const fail = (why: string) => new UserError(`${file}: not a readable safetensors file (${why})`);
  if (bytes.length < 8) throw fail('shorter than 8 bytes');
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
  if (n < 2 || n > MAX_HEADER) throw fail(`header length ${n}`);
  if (size !== undefined && 8 + n > size) throw fail(`header length ${n} runs past the end of the file`);
  if (bytes.length < 8 + n) throw fail('header cut short');
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
  } catch {
    throw fail('header is not JSON');
  }
  if (!json || typeof json !== 'object' || Array.isArray(json)) throw fail('header is not a JSON object');
  const dataBytes = size === undefined ? undefined : size - 8 - n;
  const out: ShardHeader = { path: file, bytes: size ?? 8 + n, headerBytes: 8 + n, tensors: [] };
  for (const [name, v] of Object.entries(json as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (v && typeof v === 'object' && !Array.isArray(v)) {
        const md: Record<string, string> = {};
        for (const [k, x] of Object.entries(v)) if (typeof x === 'string') md[k] = x;
        out.metadata = md;
      }
      continue;
    }
    const t = v as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    const shape = t?.shape;
    const off = t?.data_offsets;
    if (
      typeof t?.dtype !== 'string' ||
      !Array.isArray(shape) ||
      !shape.every((d) => Number.isSafeInteger(d) && d >= 0) ||
      !Array.isArray(off) ||
      off.length !== 2 ||
      !off.every((d) => Number.isSafeInteger(d) && d >= 0) ||
      off[1] < off[0]
    )
      throw fail(`tensor "${name}" is malformed`);
    if (dataBytes !== undefined && off[1] > dataBytes) throw fail(`tensor "${name}" runs past the end of the file`);
    out.tensors.push([name, t.dtype, shape as number[], off[0], off[1]]);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// expert tensors by name

export type ExpertRole = { role: 'routed'; expert?: number; fusedExperts?: number } | { role: 'shared' };

const SHARED = /(^|[._])(shared_experts?|shared_mlp|shexp)([._]|$)/;
const PER_EXPERT = /(?:^|\.)(?:experts|local_experts)\.(\d+)\./;
const FUSED = /(?:^|\.)experts\.(?!\d+\.)[A-Za-z_]/;
const FUSED_LINEAR = /(?:^|\.)(?:block_sparse_moe|mlp|moe)\.(?:input_linear|output_linear)\.(weight|bias)$/;
const GGUF_EXPS = /_exps\.(weight|bias|scale)$/;

/**
 * Whether a tensor belongs to a routed expert (only k of E run per token) or a shared one (always on), by
 * the names transformers, vLLM and llama.cpp use. A fused tensor holds every expert of its layer; its
 * expert count is its leading dimension when it has three or more (GGUF: its last of three).
 */
export function expertRole(name: string, shape: readonly number[] = []): ExpertRole | undefined {
  if (SHARED.test(name)) return /experts?|shexp/.test(name) ? { role: 'shared' } : undefined;
  const m = PER_EXPERT.exec(name);
  if (m) return { role: 'routed', expert: Number(m[1]) };
  if (FUSED.test(name) || FUSED_LINEAR.test(name)) {
    // [experts, out, in] (or [experts, out, groups, block] for MXFP4 blocks); a 2-D fused tensor (DBRX's
    // [experts x ffn, hidden]) does not say how many experts it holds
    return shape.length >= 3 ? { role: 'routed', fusedExperts: shape[0]! } : { role: 'routed' };
  }
  if (GGUF_EXPS.test(name)) {
    // GGUF lists dimensions innermost first: [ne0, ne1, n_expert]
    return shape.length === 3 ? { role: 'routed', fusedExperts: shape[2]! } : { role: 'routed' };
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------
// inventory

interface QuantHints {
  quantConfig?: Record<string, unknown>;
  expertDtype?: string;
}

function quantHints(config: unknown): QuantHints {
  const c = (config && typeof config === 'object' ? config : {}) as Record<string, unknown>;
  const text = (c.text_config && typeof c.text_config === 'object' ? c.text_config : {}) as Record<string, unknown>;
  const obj = (x: unknown) =>
    x && typeof x === 'object' && !Array.isArray(x) ? (x as Record<string, unknown>) : undefined;
  let q = obj(c.quantization_config) ?? obj(text.quantization_config);
  const mlx = obj(c.quantization) ?? obj(text.quantization);
  if (mlx && (mlx.quant_method === undefined || mlx.quant_method === 'mlx') && ('bits' in mlx || 'group_size' in mlx))
    q = { ...mlx, quant_method: 'mlx', mode: mlx.mode ?? 'affine' };
  else if (q && q.quant_method === undefined && ('bits' in q || 'group_size' in q))
    q = { ...q, quant_method: 'mlx', mode: q.mode ?? 'affine' };
  const expertDtype = [c.expert_dtype, text.expert_dtype].find((x) => typeof x === 'string') as string | undefined;
  const out: QuantHints = {};
  if (q) out.quantConfig = q;
  if (expertDtype) out.expertDtype = expertDtype;
  return out;
}

export interface LogicalParams {
  all: Record<string, number>;
  routed: Record<string, number>;
  shared: Record<string, number>;
}

/** Logical parameters per dtype by @huggingface/hub's rules: all tensors, routed experts, shared experts. */
async function logicalParams(shards: readonly ShardHeader[], config: unknown): Promise<LogicalParams> {
  const { quantConfig, expertDtype } = quantHints(config);
  type Entry = { dtype: string; shape: number[]; data_offsets: [number, number] };
  const all: Record<string, Entry> = {};
  const routed: Record<string, Entry> = {};
  const shared: Record<string, Entry> = {};
  for (const s of shards)
    for (const [name, dtype, shape, b, e] of s.tensors) {
      const t = { dtype, shape, data_offsets: [b, e] as [number, number] };
      all[name] = t;
      const r = expertRole(name, shape)?.role;
      if (r === 'routed') routed[name] = t;
      else if (r === 'shared') shared[name] = t;
    }
  const { computeNumOfParamsByDtypeSingleFile } = await hubLib();
  type H = Parameters<typeof computeNumOfParamsByDtypeSingleFile>[0];
  type Q = Parameters<typeof computeNumOfParamsByDtypeSingleFile>[1];
  const count = (h: Record<string, Entry>) =>
    Object.keys(h).length === 0
      ? {}
      : (computeNumOfParamsByDtypeSingleFile(h as unknown as H, quantConfig as Q, expertDtype) as Record<
          string,
          number
        >);
  return { all: count(all), routed: count(routed), shared: count(shared) };
}

const zero = (): DtypeTotals => ({ tensors: 0, elements: 0, params: 0, bytes: 0 });
function add(t: DtypeTotals, elements: number, bytes: number): void {
  t.tensors++;
  t.elements += elements;
  t.bytes += bytes;
}

/** Build the inventory from the files' headers; `params` distributes the logical counts per dtype. */
export function buildInventory(
  source: string,
  shards: readonly ShardHeader[],
  params: LogicalParams,
): Omit<CheckpointInventory, 'fromCache'> {
  const tensors: SafetensorsTensor[] = [];
  const byDtype: Record<string, DtypeTotals> = {};
  const totals = { ...zero(), fileBytes: 0 };
  let routed: ExpertTotals | undefined;
  let shared: DtypeTotals | undefined;
  let maxExpert = -1;
  let fusedExperts = 0;
  let perExpert = false;
  let fused = false;
  for (const s of shards) {
    totals.fileBytes += s.bytes;
    for (const [name, dtype, shape, b, e] of s.tensors) {
      const elements = shape.reduce((a, d) => a * d, 1);
      const bytes = e - b;
      const t: SafetensorsTensor = { name, dtype, shape, elements, bytes, file: s.path };
      const r = expertRole(name, shape);
      if (r?.role === 'routed') {
        t.role = 'routed';
        routed ??= { ...zero(), layout: 'per-expert' };
        add(routed, elements, bytes);
        if (r.expert !== undefined) {
          t.expert = r.expert;
          perExpert = true;
          maxExpert = Math.max(maxExpert, r.expert);
        } else {
          fused = true;
          if (r.fusedExperts) fusedExperts = Math.max(fusedExperts, r.fusedExperts);
        }
      } else if (r?.role === 'shared') {
        t.role = 'shared';
        shared ??= zero();
        add(shared, elements, bytes);
      }
      byDtype[dtype] ??= zero();
      add(byDtype[dtype], elements, bytes);
      add(totals, elements, bytes);
      tensors.push(t);
    }
  }
  for (const [dtype, p] of Object.entries(params.all)) if (byDtype[dtype]) byDtype[dtype].params = p;
  totals.params = Object.values(params.all).reduce((a, b) => a + b, 0);
  if (routed) {
    routed.params = Object.values(params.routed).reduce((a, b) => a + b, 0);
    routed.layout = perExpert && fused ? 'mixed' : fused ? 'fused' : 'per-expert';
    const experts = Math.max(maxExpert + 1, fusedExperts);
    if (experts > 0) routed.experts = experts;
  }
  if (shared) shared.params = Object.values(params.shared).reduce((a, b) => a + b, 0);
  const inv: Omit<CheckpointInventory, 'fromCache'> = {
    source,
    files: shards.map((s) => ({ path: s.path, bytes: s.bytes, headerBytes: s.headerBytes, tensors: s.tensors.length })),
    tensors,
    byDtype,
    totals,
  };
  if (routed) inv.routedExperts = routed;
  if (shared) inv.sharedExperts = shared;
  const md = shards[0]?.metadata;
  if (md) inv.metadata = md;
  return inv;
}

// ---------------------------------------------------------------------------------------------------------
// which files

interface IndexJson {
  weight_map?: Record<string, string>;
  metadata?: { total_size?: unknown; total_parameters?: unknown };
}

function chooseFiles(all: readonly string[], dir: string): string[] {
  const inDir = all.filter((f) => dirname(f) === (dir || '.') && /\.safetensors$/i.test(f));
  const single = join(dir, 'model.safetensors').replace(/^\.\//, '');
  if (inDir.includes(single)) return [single];
  const nonConsolidated = inDir.filter((f) => !/^consolidated/i.test(basename(f)));
  return (nonConsolidated.length ? nonConsolidated : inDir).sort();
}

function shardsFromIndex(idx: IndexJson, indexPath: string, where: string): string[] {
  const map = idx.weight_map;
  if (!map || typeof map !== 'object') throw new UserError(`${where}: ${indexPath} has no weight_map`);
  const dir = dirname(indexPath) === '.' ? '' : `${dirname(indexPath)}/`;
  const names = [...new Set(Object.values(map))];
  for (const n of names)
    if (typeof n !== 'string' || n === '' || n.startsWith('/') || n.split('/').some((p) => p === '..' || p === '.'))
      throw new UserError(`${where}: ${indexPath} names an unsafe file "${String(n)}"`);
  return names.map((n) => dir + n).sort();
}

/** Expected header length of each file from the index: tensor names plus ~100 bytes of JSON per entry. */
function headerGuesses(idx: IndexJson | undefined, indexPath: string): Map<string, number> {
  const out = new Map<string, number>();
  if (!idx?.weight_map) return out;
  const dir = dirname(indexPath) === '.' ? '' : `${dirname(indexPath)}/`;
  for (const [name, file] of Object.entries(idx.weight_map))
    out.set(dir + file, (out.get(dir + file) ?? 512) + name.length + 100);
  return out;
}

function indexSummary(idx: IndexJson | undefined, path: string): CheckpointInventory['index'] {
  if (!idx) return undefined;
  const num = (x: unknown) =>
    typeof x === 'number' ? x : typeof x === 'string' && /^\d+$/.test(x) ? Number(x) : undefined;
  const out: NonNullable<CheckpointInventory['index']> = { path };
  const ts = num(idx.metadata?.total_size);
  const tp = num(idx.metadata?.total_parameters);
  if (ts !== undefined) out.totalSize = ts;
  if (tp !== undefined) out.totalParameters = tp;
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// reading

/** Whether a local folder holds safetensors weights to read (a cheap check before readCheckpointHeaders). */
export function hasLocalSafetensors(dir: string): boolean {
  try {
    return readdirSync(dir).some((f) => /\.safetensors$/i.test(f));
  } catch {
    return false;
  }
}

export async function readCheckpointHeaders(
  target: HubRef | string,
  opts: HubOptions = {},
): Promise<CheckpointInventory> {
  return typeof target === 'string' ? readLocal(target, opts) : readHub(target, opts);
}

function readJson(path: string, what: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    throw new UserError(`${path}: ${what} is not valid JSON`);
  }
}

async function readLocalHeader(path: string, rel: string): Promise<ShardHeader> {
  let fh: FileHandle;
  try {
    fh = await open(path, 'r');
  } catch {
    throw new UserError(`${path}: cannot be read`);
  }
  try {
    const { size } = await fh.stat();
    const head = Buffer.alloc(8);
    if ((await fh.read(head, 0, 8, 0)).bytesRead < 8)
      throw new UserError(`${path}: not a safetensors file (shorter than 8 bytes)`);
    const n = Number(head.readBigUInt64LE(0));
    if (n < 2 || n > MAX_HEADER || 8 + n > size)
      throw new UserError(`${path}: not a safetensors file (header length ${n})`);
    const buf = Buffer.alloc(8 + n);
    head.copy(buf);
    await fh.read(buf, 8, n, 8);
    return parseSafetensorsHeader(buf, rel, size);
  } finally {
    await fh.close();
  }
}

async function readLocal(target: string, opts: HubOptions): Promise<CheckpointInventory> {
  if (!existsSync(target)) throw new UserError(`${target}: no such file or folder`);
  const isDir = statSync(target).isDirectory();
  const dir = isDir ? target : dirname(target);
  let files: string[];
  let idx: IndexJson | undefined;
  let idxName = 'model.safetensors.index.json';
  if (!isDir && /\.safetensors\.index\.json$/i.test(target)) idxName = basename(target);
  const idxPath = join(dir, idxName);
  if (!isDir && /\.safetensors$/i.test(target)) files = [basename(target)];
  else if (existsSync(idxPath)) {
    idx = readJson(idxPath, 'the safetensors index') as IndexJson;
    files = shardsFromIndex(idx, idxName, target);
  } else if (isDir) {
    files = chooseFiles(readdirSync(dir), '');
  } else throw new UserError(`${target}: expected a model folder, a .safetensors file or its index`);
  if (files.length === 0) throw new UserError(`${target}: no .safetensors files here`);
  const missing = files.filter((f) => !existsSync(join(dir, f)));
  if (missing.length)
    throw new UserError(
      `${target}: ${missing.length} of ${files.length} safetensors files are missing ` +
        `(${missing.slice(0, 3).join(', ')}` +
        `${missing.length > 3 ? ', ...' : ''})`,
    );
  const progress = tracker(opts.progress, `reading safetensors headers in ${target}`);
  let shards: ShardHeader[];
  try {
    let done = 0;
    shards = await mapLimit(files, Math.min(opts.concurrency ?? 16, 16), async (f) => {
      const h = await readLocalHeader(join(dir, f), f);
      progress.update(`reading safetensors headers in ${target}: ${++done}/${files.length}`);
      return h;
    });
  } finally {
    progress.done();
  }
  const cfgPath = join(dir, 'config.json');
  const config = existsSync(cfgPath) ? readJson(cfgPath, 'config.json') : undefined;
  const params = await logicalParams(shards, config);
  const inv: CheckpointInventory = { ...buildInventory(target, shards, params), fromCache: false };
  const summary = indexSummary(idx, idxPath);
  if (summary) inv.index = summary;
  const qm = quantHints(config).quantConfig?.quant_method;
  if (typeof qm === 'string') inv.quantMethod = qm;
  return inv;
}

/** What the cache keeps per commit: the headers and the counts that needed the library. */
interface CachedCheckpoint {
  v: 1;
  shards: ShardHeader[];
  params: LogicalParams;
  index?: CheckpointInventory['index'];
  quantMethod?: string;
}

function fromCached(c: CachedCheckpoint, source: string, extra: Partial<CheckpointInventory>): CheckpointInventory {
  const inv: CheckpointInventory = { ...buildInventory(source, c.shards, c.params), ...extra, fromCache: true };
  if (c.index) inv.index = c.index;
  if (c.quantMethod) inv.quantMethod = c.quantMethod;
  return inv;
}

async function readHub(ref: HubRef, opts: HubOptions): Promise<CheckpointInventory> {
  if (ref.quant) throw new UserError(`${formatRef(ref)}: names a GGUF quantization; its header is read with readGguf`);
  const client = hubClient(opts);
  const dirs = cacheDirs(client.env);
  const state = await resolveRepo(client, dirs, ref);
  const source = `${state.repo}@${shortCommit(state.commit)}`;
  const ident = { repo: state.repo, revision: state.revision, commit: state.commit };
  const key = ref.file ? `safetensors-${hashName(ref.file)}` : 'safetensors';
  const cached = readOwn<CachedCheckpoint>(dirs, state.repo, state.commit, key);
  if (cached?.v === 1) return fromCached(cached, source, ident);
  if (client.offline) throw notCached(ref, 'the checkpoint headers');
  const files = state.files;
  if (!files) throw new UserError(`${formatRef(ref)}: the hub gave no file list`);

  // which files: an index (named or the default), one named file, model.safetensors, or all at the top
  let indexPath: string | undefined;
  let single: string | undefined;
  if (ref.file && /\.safetensors\.index\.json$/i.test(ref.file)) indexPath = ref.file;
  else if (ref.file && /\.safetensors$/i.test(ref.file)) single = ref.file;
  else if (ref.file) throw new UserError(`${formatRef(ref)}: expected a .safetensors file or its index`);
  else if (files.includes('model.safetensors.index.json')) indexPath = 'model.safetensors.index.json';
  if (indexPath && !files.includes(indexPath)) throw new UserError(`${state.repo}: no ${indexPath} in the repo`);
  if (single && !files.includes(single)) throw new UserError(`${state.repo}: no ${single} in the repo`);
  const dir = indexPath ? dirname(indexPath) : single ? dirname(single) : '';
  const candidates = files.filter((f) => (dirname(f) === '.' ? '' : dirname(f)) === (dir === '.' ? '' : dir));
  const stFiles = candidates.filter((f) => /\.safetensors$/i.test(f));
  if (!indexPath && !single && stFiles.length === 0)
    throw new UserError(`${state.repo}@${state.revision}: no safetensors files in the repo${missingHint(state)}`);

  const tracker = client.track(`reading safetensors headers of ${state.repo}`);
  try {
    const { pathsInfo, downloadFile } = await hubLib();
    const [idxFile, infos, cfgFile] = await Promise.all([
      indexPath ? repoFile(client, dirs, state, indexPath) : undefined,
      pathsInfo({
        repo: state.repo,
        paths: single ? [single] : stFiles,
        revision: state.commit,
        hubUrl: client.endpoint,
        fetch: client.fetch,
      }),
      files.includes('config.json') ? repoFile(client, dirs, state, 'config.json') : undefined,
    ]);
    let idx: IndexJson | undefined;
    if (idxFile) {
      try {
        idx = JSON.parse(new TextDecoder().decode(idxFile.bytes)) as IndexJson;
      } catch {
        throw new UserError(`${source}/${indexPath}: not valid JSON`);
      }
    }
    const shardNames = single ? [single] : idx ? shardsFromIndex(idx, indexPath!, source) : chooseFiles(stFiles, dir);
    const sizes = new Map(infos.map((i) => [i.path, i]));
    for (const s of shardNames)
      if (!sizes.has(s))
        throw new UserError(`${source}: ${indexPath ?? 'the repo'} names ${s}, which is not in the repo`);
    const guesses = headerGuesses(idx, indexPath ?? '');
    let done = 0;
    const shards = await mapLimit(shardNames, client.concurrency, async (path) => {
      const info = sizes.get(path)!;
      const size = info.lfs?.size ?? info.size;
      const blob = await downloadFile({
        repo: state.repo,
        path,
        revision: state.commit,
        hubUrl: client.endpoint,
        fetch: client.fetch,
        xet: false,
        downloadInfo: {
          url: fileUrl(client, state.repo, state.commit, path),
          size,
          etag: info.lfs?.oid ?? info.oid ?? '',
        },
      });
      if (!blob) throw new UserError(`${source}: ${path} is not in the repo`);
      const guess = Math.ceil((guesses.get(path) ?? DEFAULT_GUESS) * 1.1) + 4096;
      let buf = new Uint8Array(await blob.slice(0, Math.min(size, 8 + guess)).arrayBuffer());
      if (buf.length >= 8) {
        const n = Number(new DataView(buf.buffer, buf.byteOffset, 8).getBigUint64(0, true));
        if (n <= MAX_HEADER && 8 + n > buf.length && 8 + n <= size) {
          const rest = new Uint8Array(await blob.slice(buf.length, 8 + n).arrayBuffer());
          const all = new Uint8Array(buf.length + rest.length);
          all.set(buf);
          all.set(rest, buf.length);
          buf = all;
        }
      }
      const h = parseSafetensorsHeader(buf, path, size);
      tracker.update(`reading safetensors headers of ${state.repo}: ${++done}/${shardNames.length}`);
      return h;
    });
    const config = cfgFile ? safeJson(cfgFile.bytes) : undefined;
    const params = await logicalParams(shards, config);
    const rec: CachedCheckpoint = { v: 1, shards, params };
    const summary = indexSummary(idx, indexPath ?? '');
    if (summary) rec.index = summary;
    const qm = quantHints(config).quantConfig?.quant_method;
    if (typeof qm === 'string') rec.quantMethod = qm;
    writeOwn(dirs, state.repo, state.commit, key, rec);
    return { ...fromCached(rec, source, ident), fromCache: false };
  } catch (e) {
    return hubCaught(e, client, `reading the safetensors headers of ${state.repo}`);
  } finally {
    tracker.done();
  }
}

function safeJson(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return undefined;
  }
}

/** A short stable name for a path, for cache keys. */
export function hashName(s: string): string {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 16777619) >>> 0;
    h2 = Math.imul(h2 ^ c, 2246822519) >>> 0;
  }
  return h1.toString(16).padStart(8, '0') + h2.toString(16).padStart(8, '0');
}

// ---------------------------------------------------------------------------------------------------------
// estimates for a model type the importer does not know

const EXPERT_KEYS = ['num_local_experts', 'num_experts', 'n_routed_experts', 'moe_num_experts', 'num_routed_experts'];
const TOPK_KEYS = [
  'num_experts_per_tok',
  'num_experts_per_token',
  'moe_top_k',
  'top_k',
  'experts_per_token',
  'moe_k',
  'num_selected_experts',
  'n_activated_experts',
];

function configLookup(config: unknown, keys: readonly string[]): number | undefined {
  const levels: Record<string, unknown>[] = [];
  const push = (x: unknown) => {
    if (x && typeof x === 'object' && !Array.isArray(x)) levels.push(x as Record<string, unknown>);
  };
  push(config);
  const root = levels[0];
  if (root) {
    push(root.text_config);
    push(root.ffn_config);
    push(root.moe_config);
    push((root.thinker_config as Record<string, unknown> | undefined)?.text_config);
  }
  for (const l of levels)
    for (const k of keys) {
      const v = l[k];
      if (typeof v === 'number' && Number.isFinite(v) && v > 0) return v;
    }
  return undefined;
}

export interface CheckpointEstimate {
  /** exact, from the headers */
  totalParams: number;
  weightBytes: number;
  routedParams: number;
  /** experts per layer and experts per token, from the config (else the tensor names for experts) */
  experts?: number;
  expertsPerToken?: number;
  /** total - routed x (1 - k/E): an estimate (assumes every routed tensor is one of E equal experts) */
  activeParams?: number;
  activeIsEstimate: true;
  /** K + V elements cached per token over all layers, from num_hidden_layers, num_key_value_heads, head_dim */
  kv?: { layers: number; kvHeads: number; headDim: number; elementsPerToken: number };
  notes: string[];
}

/**
 * Totals and an active-parameter estimate from a checkpoint's headers, for a model type the importer does
 * not know. KV comes from the config's standard keys when present (standard multi-head / grouped-query
 * attention only: MLA, sliding windows and linear-attention layers are not recognised from generic keys).
 */
export function estimateFromCheckpoint(inv: CheckpointInventory, config?: unknown): CheckpointEstimate {
  const notes: string[] = [];
  const routed = inv.routedExperts;
  const out: CheckpointEstimate = {
    totalParams: inv.totals.params,
    weightBytes: inv.totals.bytes,
    routedParams: routed?.params ?? 0,
    activeIsEstimate: true,
    notes,
  };
  const experts = configLookup(config, EXPERT_KEYS) ?? routed?.experts;
  const k = configLookup(config, TOPK_KEYS);
  if (experts) out.experts = experts;
  if (k) out.expertsPerToken = k;
  if (!routed) {
    out.activeParams = out.totalParams;
    notes.push('no routed-expert tensors by name: dense, every parameter is active');
  } else if (experts && k && k <= experts) {
    out.activeParams = activeFromRouted(out.totalParams, routed.params, k, experts);
    notes.push(
      `active estimated as total - routed experts x (1 - ${k}/${experts}), from ${routed.tensors} routed-expert ` +
        `tensors (${routed.layout}) recognised by name`,
    );
  } else {
    notes.push('routed experts found, but experts per token is not in the config: no active estimate');
  }
  const layers = configLookup(config, ['num_hidden_layers', 'n_layers', 'num_layers', 'n_layer']);
  const heads = configLookup(config, ['num_attention_heads', 'n_heads', 'n_head', 'num_heads']);
  const kvHeads = configLookup(config, ['num_key_value_heads', 'num_kv_heads', 'n_kv_heads', 'multi_query_group_num']);
  const hidden = configLookup(config, ['hidden_size', 'd_model', 'n_embd', 'dim']);
  const headDim = configLookup(config, ['head_dim', 'kv_channels']) ?? (hidden && heads ? hidden / heads : undefined);
  if (layers && (kvHeads ?? heads) && headDim && Number.isInteger(headDim)) {
    const kvh = kvHeads ?? heads!;
    out.kv = { layers, kvHeads: kvh, headDim, elementsPerToken: 2 * layers * kvh * headDim };
    notes.push('KV from num_hidden_layers, num_key_value_heads and head_dim (standard attention assumed)');
  }
  return out;
}
