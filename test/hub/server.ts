// A loopback Hugging Face Hub for tests and the benchmark: never the network.
//
//   const hub = await startHubServer({ repos: [...], validTokens: ['hf_good'] });
//   hub.endpoint   http://127.0.0.1:<port>       (HF_ENDPOINT)
//   hub.cdnOrigin  http://127.0.0.1:<other port> (where /resolve/ redirects large files, as the hub does)
//   hub.requests   every request both servers saw: server, method, path, range, authorization
//   hub.fault({ match: /resolve/, status: 429, headers: { 'Retry-After': '0' } })   the next matching request
//   hub.latencyMs = 50                            injected before every answer, on both servers
//
// Routes, with the hub's status codes and X-Error-Code headers:
//   GET  /api/models/<org>/<name>[/revision/<rev>]    model info: sha, siblings, gated, private
//   POST /api/models/<org>/<name>/paths-info/<rev>    sizes, oids, lfs
//   GET  /<org>/<name>/resolve/<rev>/<path>           small files served here (200/206, ETag, X-Repo-Commit);
//                                                     LFS files answered 302 to the CDN origin
//   GET  <cdn>/blobs/<key>                            range reads of LFS files
// 401 RepoNotFound / 404 RepoNotFound (with a token) for unknown or private repos, 404 RevisionNotFound,
// 404 EntryNotFound, 401 / 403 GatedRepo, 401 "Invalid credentials in Authorization header" for a bad token.
//
// Fixture writers: safetensorsFile (8-byte length + JSON header; the data after it is virtual, zeros of the
// right size served only as far as range reads touch), safetensorsIndex, ggufFile (a GGUF v3 header written
// here, independently of the reader), writeFixtureFolder (a local model folder, sparse), and generators of
// real architectures' tensor lists (qwen3MoeTensors) and of a many-shard repo (shardedRepo).
import { createHash } from 'node:crypto';
import { closeSync, ftruncateSync, mkdirSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';

export interface FixtureFile {
  /** the bytes there are (a header); the file is `size` long, zeros after `data` */
  data: Uint8Array;
  size?: number;
  /** stored in LFS: /resolve/ redirects it to the CDN (default: over 1 MB virtual size, or .safetensors/.gguf) */
  lfs?: boolean;
}

export interface FixtureRepo {
  id: string;
  /** default: sha1 of the id */
  commit?: string;
  /** extra branch or tag names -> commit (main always points at `commit`) */
  refs?: Record<string, string>;
  /** path -> file; a string or object is served as JSON/text */
  files: Record<string, FixtureFile | string | object>;
  gated?: boolean;
  private?: boolean;
  /** tokens with access to a gated or private repo */
  access?: string[];
}

export interface LoggedRequest {
  server: 'hub' | 'cdn';
  method: string;
  path: string;
  range?: string;
  authorization?: string;
}

export interface Fault {
  /** tested against "METHOD /path" */
  match: RegExp;
  status?: number;
  headers?: Record<string, string>;
  body?: string;
  /** never answer (for timeouts) */
  hang?: boolean;
  /** how many matching requests it answers (default 1) */
  times?: number;
}

export interface HubServer {
  endpoint: string;
  cdnOrigin: string;
  requests: LoggedRequest[];
  latencyMs: number;
  fault(f: Fault): void;
  addRepo(r: FixtureRepo): void;
  commitOf(id: string): string;
  close(): Promise<void>;
}

export interface HubServerOptions {
  repos: FixtureRepo[];
  validTokens?: string[];
  latencyMs?: number;
}

export function sha1(s: string | Uint8Array): string {
  return createHash('sha1').update(s).digest('hex');
}
function sha256(s: string | Uint8Array): string {
  return createHash('sha256').update(s).digest('hex');
}

interface Stored {
  data: Uint8Array;
  size: number;
  lfs: boolean;
  oid: string;
  sha256: string;
}

function toStored(path: string, f: FixtureFile | string | object): Stored {
  let file: FixtureFile;
  if (typeof f === 'string') file = { data: new TextEncoder().encode(f) };
  else if (f instanceof Uint8Array) file = { data: f };
  else if ('data' in f && (f as FixtureFile).data instanceof Uint8Array) file = f as FixtureFile;
  else file = { data: new TextEncoder().encode(JSON.stringify(f, null, 2)) };
  const size = file.size ?? file.data.length;
  const lfs = file.lfs ?? (size > 1_000_000 || /\.(safetensors|gguf)$/.test(path));
  const digestOf = new Uint8Array([...file.data.subarray(0, 4096), ...new TextEncoder().encode(`${path}:${size}`)]);
  return { data: file.data, size, lfs, oid: sha1(digestOf), sha256: sha256(digestOf) };
}

/** Bytes [start, end) of a virtual file: its data, then zeros. */
function slice(s: Stored, start: number, end: number): Buffer {
  const out = Buffer.alloc(Math.max(0, end - start));
  if (start < s.data.length) Buffer.from(s.data.subarray(start, Math.min(end, s.data.length))).copy(out, 0);
  return out;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startHubServer(opts: HubServerOptions): Promise<HubServer> {
  const repos = new Map<string, FixtureRepo & { stored: Map<string, Stored>; commitId: string }>();
  const blobs = new Map<string, Stored>();
  const faults: Fault[] = [];
  const validTokens = new Set(opts.validTokens ?? []);
  const hanging = new Set<ServerResponse>();
  const requests: LoggedRequest[] = [];

  const addRepo = (r: FixtureRepo) => {
    const stored = new Map<string, Stored>();
    for (const [p, f] of Object.entries(r.files)) {
      const s = toStored(p, f);
      stored.set(p, s);
      if (s.lfs) blobs.set(s.sha256, s);
    }
    repos.set(r.id.toLowerCase(), { ...r, stored, commitId: r.commit ?? sha1(r.id) });
  };
  for (const r of opts.repos) addRepo(r);

  let cdnOrigin = '';
  const state: HubServer = {
    endpoint: '',
    cdnOrigin: '',
    requests,
    latencyMs: opts.latencyMs ?? 0,
    fault: (f) => faults.push({ times: 1, ...f }),
    addRepo,
    commitOf: (id) => repos.get(id.toLowerCase())?.commitId ?? sha1(id),
    close: async () => {
      for (const res of hanging) res.destroy();
      await Promise.all([close(hub), close(cdn)]);
    },
  };

  const log = (server: 'hub' | 'cdn', req: IncomingMessage) => {
    const entry: LoggedRequest = { server, method: req.method ?? 'GET', path: req.url ?? '/' };
    if (req.headers.range) entry.range = req.headers.range;
    if (req.headers.authorization) entry.authorization = req.headers.authorization;
    requests.push(entry);
  };

  const applyFault = (req: IncomingMessage, res: ServerResponse): boolean => {
    const key = `${req.method} ${req.url}`;
    const f = faults.find((x) => (x.times ?? 1) > 0 && x.match.test(key));
    if (!f) return false;
    f.times = (f.times ?? 1) - 1;
    if (f.hang) {
      hanging.add(res);
      res.on('close', () => hanging.delete(res));
      return true;
    }
    res.writeHead(f.status ?? 500, f.headers ?? {});
    res.end(f.body ?? '');
    return true;
  };

  const serveRange = (req: IncomingMessage, res: ServerResponse, s: Stored, headers: Record<string, string>) => {
    const range = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range ?? '');
    const common = { 'Accept-Ranges': 'bytes', 'Content-Type': 'application/octet-stream', ...headers };
    if (!range) {
      res.writeHead(200, { ...common, 'Content-Length': String(s.size) });
      if (req.method === 'HEAD') return res.end();
      return res.end(slice(s, 0, s.size));
    }
    let start = range[1] === '' ? Math.max(0, s.size - Number(range[2])) : Number(range[1]);
    let end = range[1] === '' ? s.size - 1 : range[2] === '' ? s.size - 1 : Number(range[2]);
    end = Math.min(end, s.size - 1);
    if (start >= s.size || end < start) {
      res.writeHead(416, { ...common, 'Content-Range': `bytes */${s.size}` });
      return res.end();
    }
    start = Math.max(0, start);
    res.writeHead(206, {
      ...common,
      'Content-Range': `bytes ${start}-${end}/${s.size}`,
      'Content-Length': String(end - start + 1),
    });
    if (req.method === 'HEAD') return res.end();
    res.end(slice(s, start, end + 1));
  };

  const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
    res.end(text);
  };

  const error = (res: ServerResponse, status: number, code: string | undefined, message: string) =>
    json(res, status, { error: message }, { ...(code ? { 'X-Error-Code': code } : {}), 'X-Error-Message': message });

  /** undefined when allowed; else it has answered. `files` = resolving files (gating applies). */
  const authorize = (req: IncomingMessage, res: ServerResponse, id: string, files: boolean) => {
    const auth = req.headers.authorization;
    const token = auth?.startsWith('Bearer ') ? auth.slice(7) : undefined;
    if (auth !== undefined && (token === undefined || !validTokens.has(token))) {
      error(res, 401, undefined, 'Invalid credentials in Authorization header');
      return undefined;
    }
    const repo = repos.get(id.toLowerCase());
    const allowed = (r: FixtureRepo) => token !== undefined && (r.access ?? []).includes(token);
    if (!repo || (repo.private && !allowed(repo))) {
      error(res, token ? 404 : 401, 'RepoNotFound', 'Repository not found');
      return undefined;
    }
    if (repo.gated && files && !allowed(repo)) {
      error(
        res,
        token ? 403 : 401,
        'GatedRepo',
        token ? 'Access to this model is restricted' : 'Access to model is restricted. You must be authenticated.',
      );
      return undefined;
    }
    return repo;
  };

  const commitFor = (repo: FixtureRepo & { commitId: string }, rev: string): string | undefined => {
    if (rev === 'main' || rev === 'HEAD' || rev === repo.commitId) return repo.commitId;
    const extra = repo.refs?.[rev];
    if (extra) return extra;
    return Object.values(repo.refs ?? {}).includes(rev) ? rev : undefined;
  };

  const readBody = (req: IncomingMessage) =>
    new Promise<string>((resolve) => {
      let b = '';
      req.on('data', (c) => {
        b += c;
      });
      req.on('end', () => resolve(b));
    });

  const hub = createServer(async (req, res) => {
    log('hub', req);
    const url = new URL(req.url ?? '/', 'http://x');
    const body = req.method === 'POST' ? await readBody(req) : '';
    if (state.latencyMs) await sleep(state.latencyMs);
    if (applyFault(req, res)) return;
    const segs = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);

    if (segs[0] === 'api' && segs[1] === 'models' && segs.length >= 4) {
      const id = `${segs[2]}/${segs[3]}`;
      const repo = authorize(req, res, id, segs[4] === 'paths-info');
      if (!repo) return;
      const rev = segs[4] === 'revision' || segs[4] === 'paths-info' ? (segs.slice(5).join('/') ?? 'main') : 'main';
      const commit = commitFor(repo, rev || 'main');
      if (!commit) return error(res, 404, 'RevisionNotFound', `Invalid rev id: ${rev}`);
      if (segs[4] === 'paths-info' && req.method === 'POST') {
        const { paths } = JSON.parse(body || '{}') as { paths?: string[] };
        const out = (paths ?? []).flatMap((p) => {
          const s = repo.stored.get(p);
          if (!s) return [];
          return [
            {
              type: 'file',
              path: p,
              size: s.size,
              oid: s.oid,
              ...(s.lfs ? { lfs: { oid: s.sha256, size: s.size, pointerSize: 134 } } : {}),
            },
          ];
        });
        return json(res, 200, out);
      }
      return json(res, 200, {
        _id: sha1(id).slice(0, 24),
        id: repo.id,
        modelId: repo.id,
        sha: commit,
        private: repo.private ?? false,
        gated: repo.gated ? 'manual' : false,
        disabled: false,
        downloads: 0,
        likes: 0,
        lastModified: '2025-01-01T00:00:00.000Z',
        pipeline_tag: 'text-generation',
        siblings: [...repo.stored.keys()].map((rfilename) => ({ rfilename })),
      });
    }

    if (segs.length >= 5 && (segs[2] === 'resolve' || segs[2] === 'raw')) {
      const id = `${segs[0]}/${segs[1]}`;
      const repo = authorize(req, res, id, true);
      if (!repo) return;
      let rev = segs[3]!;
      let rest = segs.slice(4);
      if (rev === 'refs' && (segs[4] === 'pr' || segs[4] === 'convert')) {
        rev = segs.slice(3, 6).join('/');
        rest = segs.slice(6);
      }
      const commit = commitFor(repo, rev);
      if (!commit) return error(res, 404, 'RevisionNotFound', `Invalid rev id: ${rev}`);
      const s = repo.stored.get(rest.join('/'));
      if (!s) return error(res, 404, 'EntryNotFound', 'Entry not found');
      const common = { 'X-Repo-Commit': commit, ETag: `"${s.lfs ? s.sha256 : s.oid}"` };
      if (s.lfs && segs[2] === 'resolve') {
        res.writeHead(302, {
          ...common,
          Location: `${cdnOrigin}/blobs/${s.sha256}?X-Amz-Signature=${sha1(s.sha256).slice(0, 16)}&Expires=9999`,
          'X-Linked-Size': String(s.size),
          'X-Linked-ETag': `"${s.sha256}"`,
        });
        return res.end();
      }
      return serveRange(req, res, s, common);
    }
    error(res, 404, undefined, 'Not found');
  });

  const cdn = createServer(async (req, res) => {
    log('cdn', req);
    if (state.latencyMs) await sleep(state.latencyMs);
    if (applyFault(req, res)) return;
    const url = new URL(req.url ?? '/', 'http://x');
    const m = /^\/blobs\/([0-9a-f]{64})$/.exec(url.pathname);
    const s = m && blobs.get(m[1]!);
    if (!s || !url.searchParams.get('X-Amz-Signature')) {
      res.writeHead(403, { 'Content-Type': 'text/plain' });
      return res.end('AccessDenied');
    }
    serveRange(req, res, s, { ETag: `"${s.sha256}"` });
  });

  await Promise.all([listen(hub), listen(cdn)]);
  state.endpoint = `http://127.0.0.1:${(hub.address() as AddressInfo).port}`;
  cdnOrigin = `http://127.0.0.1:${(cdn.address() as AddressInfo).port}`;
  state.cdnOrigin = cdnOrigin;
  return state;
}

function listen(s: Server): Promise<void> {
  s.keepAliveTimeout = 30_000; // undici reuses a connection only when the hint exceeds its 1 s threshold
  return new Promise((resolve) => s.listen(0, '127.0.0.1', () => resolve()));
}
function close(s: Server): Promise<void> {
  s.closeAllConnections();
  return new Promise((resolve) => s.close(() => resolve()));
}

// ---------------------------------------------------------------------------------------------------------
// fixture writers

/** Bytes per element of safetensors dtypes (F4 packs two per byte). */
const DTYPE_BYTES: Record<string, number> = {
  F64: 8,
  I64: 8,
  U64: 8,
  F32: 4,
  I32: 4,
  U32: 4,
  F16: 2,
  BF16: 2,
  I16: 2,
  U16: 2,
  I8: 1,
  U8: 1,
  BOOL: 1,
  F8_E4M3: 1,
  F8_E5M2: 1,
  F8_E8M0: 1,
  F4: 0.5,
};

export type TensorSpec = [name: string, dtype: string, shape: number[]];

export function tensorBytes(dtype: string, shape: readonly number[]): number {
  const w = DTYPE_BYTES[dtype];
  if (w === undefined) throw new Error(`fixture: unknown dtype ${dtype}`);
  return Math.ceil(shape.reduce((a, d) => a * d, 1) * w);
}

/** A safetensors file: 8-byte length, the JSON header (padded to 8 bytes), then `dataBytes` of virtual data. */
export function safetensorsFile(tensors: readonly TensorSpec[], metadata: Record<string, string> = { format: 'pt' }) {
  const header: Record<string, unknown> = { __metadata__: metadata };
  let off = 0;
  for (const [name, dtype, shape] of tensors) {
    const n = tensorBytes(dtype, shape);
    header[name] = { dtype, shape, data_offsets: [off, off + n] };
    off += n;
  }
  let text = JSON.stringify(header);
  text += ' '.repeat((8 - ((8 + text.length) % 8)) % 8);
  const body = new TextEncoder().encode(text);
  const data = new Uint8Array(8 + body.length);
  new DataView(data.buffer).setBigUint64(0, BigInt(body.length), true);
  data.set(body, 8);
  return { file: { data, size: data.length + off, lfs: true } satisfies FixtureFile, dataBytes: off };
}

/** Split tensors into `n` shards named model-0000i-of-0000n.safetensors, with their index. */
export function shardedCheckpoint(tensors: readonly TensorSpec[], n: number) {
  const files: Record<string, FixtureFile | object> = {};
  const weightMap: Record<string, string> = {};
  let totalSize = 0;
  const per = Math.ceil(tensors.length / n);
  for (let i = 0; i < n; i++) {
    const name = `model-${String(i + 1).padStart(5, '0')}-of-${String(n).padStart(5, '0')}.safetensors`;
    const part = tensors.slice(i * per, (i + 1) * per);
    const { file, dataBytes } = safetensorsFile(part);
    files[name] = file;
    totalSize += dataBytes;
    for (const [t] of part) weightMap[t] = name;
  }
  files['model.safetensors.index.json'] = { metadata: { total_size: totalSize }, weight_map: weightMap };
  return { files, totalSize };
}

/** The tensors of a Qwen3-MoE checkpoint (transformers naming) for a config.json. */
export function qwen3MoeTensors(c: {
  hidden_size: number;
  num_hidden_layers: number;
  num_attention_heads: number;
  num_key_value_heads: number;
  head_dim: number;
  moe_intermediate_size: number;
  num_experts: number;
  vocab_size: number;
  tie_word_embeddings?: boolean;
}): TensorSpec[] {
  const h = c.hidden_size;
  const t: TensorSpec[] = [['model.embed_tokens.weight', 'BF16', [c.vocab_size, h]]];
  for (let l = 0; l < c.num_hidden_layers; l++) {
    const p = `model.layers.${l}`;
    t.push(
      [`${p}.input_layernorm.weight`, 'BF16', [h]],
      [`${p}.post_attention_layernorm.weight`, 'BF16', [h]],
      [`${p}.self_attn.q_proj.weight`, 'BF16', [c.num_attention_heads * c.head_dim, h]],
      [`${p}.self_attn.k_proj.weight`, 'BF16', [c.num_key_value_heads * c.head_dim, h]],
      [`${p}.self_attn.v_proj.weight`, 'BF16', [c.num_key_value_heads * c.head_dim, h]],
      [`${p}.self_attn.o_proj.weight`, 'BF16', [h, c.num_attention_heads * c.head_dim]],
      [`${p}.self_attn.q_norm.weight`, 'BF16', [c.head_dim]],
      [`${p}.self_attn.k_norm.weight`, 'BF16', [c.head_dim]],
      [`${p}.mlp.gate.weight`, 'BF16', [c.num_experts, h]],
    );
    for (let e = 0; e < c.num_experts; e++)
      t.push(
        [`${p}.mlp.experts.${e}.gate_proj.weight`, 'BF16', [c.moe_intermediate_size, h]],
        [`${p}.mlp.experts.${e}.up_proj.weight`, 'BF16', [c.moe_intermediate_size, h]],
        [`${p}.mlp.experts.${e}.down_proj.weight`, 'BF16', [h, c.moe_intermediate_size]],
      );
  }
  t.push(['model.norm.weight', 'BF16', [h]]);
  if (!c.tie_word_embeddings) t.push(['lm_head.weight', 'BF16', [c.vocab_size, h]]);
  return t;
}

/** Write files into a folder as a local model; virtual sizes become sparse files of the full length. */
export function writeFixtureFolder(dir: string, files: Record<string, FixtureFile | string | object>): void {
  for (const [p, f] of Object.entries(files)) {
    const path = join(dir, p);
    mkdirSync(dirname(path), { recursive: true });
    let data: Uint8Array;
    let size: number | undefined;
    if (typeof f === 'string') data = new TextEncoder().encode(f);
    else if ('data' in f && (f as FixtureFile).data instanceof Uint8Array) {
      data = (f as FixtureFile).data;
      size = (f as FixtureFile).size;
    } else data = new TextEncoder().encode(JSON.stringify(f));
    const fd = openSync(path, 'w');
    writeSync(fd, data);
    if (size !== undefined && size > data.length) ftruncateSync(fd, size);
    closeSync(fd);
  }
}

// GGUF v3, written from the spec (github.com/ggml-org/ggml/blob/master/docs/gguf.md)

export type GgufKv =
  | [key: string, type: 'u32' | 'u64' | 'i32' | 'f32' | 'bool', value: number | boolean]
  | [key: string, type: 'string', value: string]
  | [key: string, type: 'u32[]' | 'i32[]', value: number[]]
  | [key: string, type: 'string[]', value: string[]];

/** ggml type ids and their [block elements, block bytes], the few the fixtures use. */
export const GGML: Record<string, [id: number, block: number, bytes: number]> = {
  F32: [0, 1, 4],
  F16: [1, 1, 2],
  Q8_0: [8, 32, 34],
  Q4_K: [12, 256, 144],
  Q5_K: [13, 256, 176],
  Q6_K: [14, 256, 210],
  BF16: [30, 1, 2],
  MXFP4: [39, 32, 17],
};

export interface GgufTensorSpec {
  name: string;
  /** innermost first, as GGUF stores it */
  shape: number[];
  type: keyof typeof GGML;
}

export function ggufTensorBytes(t: GgufTensorSpec): number {
  const [, block, bytes] = GGML[t.type]!;
  return (t.shape.reduce((a, d) => a * d, 1) / block) * bytes;
}

export function ggufFile(kvs: readonly GgufKv[], tensors: readonly GgufTensorSpec[], alignment = 32) {
  const parts: Buffer[] = [];
  const u32 = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(n);
    parts.push(b);
  };
  const u64 = (n: number | bigint) => {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(n));
    parts.push(b);
  };
  const str = (s: string) => {
    const b = Buffer.from(s, 'utf8');
    u64(b.length);
    parts.push(b);
  };
  parts.push(Buffer.from('GGUF'));
  u32(3);
  u64(tensors.length);
  u64(kvs.length);
  for (const [key, type, value] of kvs) {
    str(key);
    switch (type) {
      case 'u32':
        u32(4);
        u32(value as number);
        break;
      case 'i32': {
        u32(5);
        const b = Buffer.alloc(4);
        b.writeInt32LE(value as number);
        parts.push(b);
        break;
      }
      case 'f32': {
        u32(6);
        const b = Buffer.alloc(4);
        b.writeFloatLE(value as number);
        parts.push(b);
        break;
      }
      case 'bool':
        u32(7);
        parts.push(Buffer.from([value ? 1 : 0]));
        break;
      case 'u64':
        u32(10);
        u64(value as number);
        break;
      case 'string':
        u32(8);
        str(value as string);
        break;
      case 'u32[]':
      case 'i32[]':
        u32(9);
        u32(type === 'u32[]' ? 4 : 5);
        u64((value as number[]).length);
        for (const v of value as number[]) u32(v >>> 0);
        break;
      case 'string[]':
        u32(9);
        u32(8);
        u64((value as string[]).length);
        for (const v of value as string[]) str(v);
        break;
    }
  }
  let offset = 0;
  for (const t of tensors) {
    str(t.name);
    u32(t.shape.length);
    for (const d of t.shape) u64(d);
    u32(GGML[t.type]![0]);
    u64(offset);
    offset += ggufTensorBytes(t);
    offset += (alignment - (offset % alignment)) % alignment;
  }
  let header = Buffer.concat(parts);
  header = Buffer.concat([header, Buffer.alloc((alignment - (header.length % alignment)) % alignment)]);
  return { file: { data: new Uint8Array(header), size: header.length + offset, lfs: true } satisfies FixtureFile };
}

/** A repo of `n` safetensors shards, a few tensors each, with its index and a config (the benchmark's). */
export function shardedRepo(id: string, n: number, config: object): FixtureRepo {
  const tensors: TensorSpec[] = [];
  for (let l = 0; l < n * 2; l++)
    for (let e = 0; e < 4; e++) tensors.push([`model.layers.${l}.mlp.experts.${e}.down_proj.weight`, 'BF16', [64, 32]]);
  const { files } = shardedCheckpoint(tensors, n);
  return { id, files: { 'config.json': config, ...files } };
}

let tempRoot: string | undefined;

/** Remove every folder hubEnv made (tests call it in afterAll; a plain process also does it on exit). */
export function removeHubEnvs(): void {
  if (tempRoot) rmSync(tempRoot, { recursive: true, force: true });
  tempRoot = undefined;
}

/**
 * A clean environment for the hub layer: the loopback endpoint, and HOME / HF_HOME / XDG cache in a new
 * temporary folder (all removed when the process exits). Nothing from the real environment: no HF_TOKEN.
 */
export function hubEnv(endpoint: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  if (!tempRoot) {
    tempRoot = mkdtempSync(join(tmpdir(), 'moe-calc-hub-test-'));
    process.once('exit', removeHubEnvs);
  }
  const home = mkdtempSync(join(tempRoot, 'home-'));
  return {
    HOME: home,
    HF_HOME: join(home, 'hf'),
    XDG_CACHE_HOME: join(home, 'cache'),
    HF_ENDPOINT: endpoint,
    ...extra,
  };
}
