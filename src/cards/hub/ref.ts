// Hugging Face Hub model references: what a <model> argument looks like when it names a hub repo.
//
//   parseModelRef(s, env?): HubRef | undefined
//
// Accepted forms (revision defaults to "main"; `:QUANT` and a path in the repo select a GGUF file):
//   org/name                     org/name@revision           org/name@refs/pr/3
//   org/name:Q4_K_M              org/name@rev:Q4_K_M         org/name/sub/dir/model-Q4_K_M.gguf
//   hf://org/name[@rev][/path]   hf://models/org/name        hf.co/org/name:Q4_K_M (llama.cpp / Ollama style)
//   https://huggingface.co/org/name[/tree/<rev>] and .../blob|resolve/<rev>/<path>, also on hf.co and on the
//   HF_ENDPOINT origin (a mirror).
//
// The parse is syntactic: "org/name" is also a valid relative path, so a caller resolves an existing local
// file or folder first and asks parseModelRef only for what is not on disk. Strings that look like local
// files (./x, /x, ~/x, x.yaml, a/b/c.json, Windows paths) are never hub references. Returns undefined when
// the string is not a hub reference at all; throws a UserError when it clearly is one but is malformed
// (an hf:// or http(s) URL that names no model repo, a dataset or Space, a URL on another host).
//
// This module has no dependencies beyond errors.ts, so it is cheap to import on the common path.
import { UserError } from '../../errors.js';

export interface HubRef {
  /** "org/name" as typed (the hub treats repo ids case-insensitively, the cache does not) */
  repo: string;
  /** a branch, tag or commit; undefined means the default branch ("main") */
  revision?: string;
  /** a file inside the repo (a .gguf, or the config.json of a subfolder) */
  file?: string;
  /** a GGUF quantization label chosen with "org/name:Q4_K_M" */
  quant?: string;
  /** the string the reference was parsed from */
  input: string;
}

export const DEFAULT_ENDPOINT = 'https://huggingface.co';
const HUB_HOSTS = new Set(['huggingface.co', 'www.huggingface.co', 'hf.co']);
/** One segment of a repo id: the hub allows letters, digits, "-", "_" and "." (not leading). */
const SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._-]{0,95}$/;
const QUANT = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const REVISION = /^(refs\/(pr|convert)\/[A-Za-z0-9._-]+|[A-Za-z0-9._-][A-Za-z0-9._/-]{0,254})$/;
const COMMIT = /^[0-9a-f]{40}$/;

/** The hub endpoint in effect: HF_ENDPOINT without a trailing slash, else https://huggingface.co. */
export function hubEndpoint(env: NodeJS.ProcessEnv = process.env): string {
  const e = env.HF_ENDPOINT?.trim();
  if (!e) return DEFAULT_ENDPOINT;
  let u: URL;
  try {
    u = new URL(e);
  } catch {
    throw new UserError(`HF_ENDPOINT: "${e}" is not a URL (expected e.g. https://huggingface.co or a mirror's URL)`);
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:')
    throw new UserError(`HF_ENDPOINT: "${e}" must be an http(s) URL`);
  return (u.origin + u.pathname).replace(/\/+$/, '');
}

/** True for a 40-hex-digit commit id (a revision that never moves). */
export function isCommit(revision: string | undefined): revision is string {
  return revision !== undefined && COMMIT.test(revision);
}

/** "org/name@rev:file" for messages and cache labels. */
export function formatRef(ref: HubRef): string {
  let s = ref.repo;
  if (ref.revision) s += `@${ref.revision}`;
  if (ref.file) s += `/${ref.file}`;
  if (ref.quant) s += `:${ref.quant}`;
  return s;
}

function looksLocal(s: string): boolean {
  return (
    /^[.~/\\]/.test(s) ||
    s.includes('\\') ||
    /^[A-Za-z]:/.test(s) ||
    /\.(ya?ml|json)$/i.test(s) ||
    s.startsWith('file:') ||
    /\s/.test(s)
  );
}

export function parseModelRef(input: string, env: NodeJS.ProcessEnv = process.env): HubRef | undefined {
  const s = input.trim();
  if (s === '') return undefined;
  if (/^hf:\/\//i.test(s)) return parseHfUrl(s, input);
  if (/^https?:\/\//i.test(s)) return parseWebUrl(s, input, env);
  const bare = /^(?:www\.)?(?:huggingface\.co|hf\.co)\/(.+)$/i.exec(s);
  if (bare) return parsePathForm(bare[1]!, input, true);
  if (looksLocal(s)) return undefined;
  return parsePathForm(s, input, false);
}

function bad(input: string, why: string): UserError {
  return new UserError(`"${input}": ${why}`);
}

/** hf://[models/]org/name[@rev][/path][:quant] */
function parseHfUrl(s: string, input: string): HubRef {
  let rest = s.replace(/^hf:\/\//i, '');
  if (/^(datasets|spaces|buckets)\//.test(rest))
    throw bad(input, 'names a dataset or Space; moe-calc reads model repos (hf://org/name)');
  rest = rest.replace(/^models\//, '');
  const ref = parsePathForm(rest, input, true);
  if (!ref) throw bad(input, 'expected hf://org/name[@revision][/path]');
  return ref;
}

/** https://huggingface.co/org/name[/tree|blob|resolve/<rev>[/path]] */
function parseWebUrl(s: string, input: string, env: NodeJS.ProcessEnv): HubRef {
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    throw bad(input, 'is not a valid URL');
  }
  const endpoint = new URL(hubEndpoint(env));
  const onHub = HUB_HOSTS.has(u.hostname.toLowerCase()) || u.origin === endpoint.origin;
  if (!onHub)
    throw bad(
      input,
      `is not a Hugging Face Hub URL (expected https://huggingface.co/<org>/<name>` +
        (endpoint.origin !== new URL(DEFAULT_ENDPOINT).origin ? ` or ${endpoint.origin}/<org>/<name>` : '') +
        ')',
    );
  // a mirror mounted under a path (https://host/hf/org/name): strip the endpoint's path prefix
  let path = decodeURIComponent(u.pathname);
  const prefix = endpoint.pathname.replace(/\/+$/, '');
  if (u.origin === endpoint.origin && prefix && path.startsWith(`${prefix}/`)) path = path.slice(prefix.length);
  const parts = path.split('/').filter(Boolean);
  if (parts[0] === 'datasets' || parts[0] === 'spaces')
    throw bad(input, 'names a dataset or Space; moe-calc reads model repos');
  if (parts[0] === 'models') parts.shift();
  const [org, name, kind, ...tail] = parts;
  if (!org || !name || !SEGMENT.test(org) || !SEGMENT.test(name))
    throw bad(input, 'expected a model URL such as https://huggingface.co/<org>/<name>');
  const ref: HubRef = { repo: `${org}/${name}`, input };
  if (kind === undefined) return ref;
  if (kind !== 'tree' && kind !== 'blob' && kind !== 'resolve')
    throw bad(input, `expected .../${org}/${name}/tree/<revision> or .../blob/<revision>/<file>`);
  const { revision, rest } = splitRevision(tail);
  if (!revision) throw bad(input, `expected a revision after /${kind}/`);
  ref.revision = revision;
  const file = rest.join('/');
  if (file) {
    if (kind === 'tree') throw bad(input, 'names a folder; give the file (.../blob/<revision>/<file>)');
    ref.file = checkFile(file, input);
  }
  return ref;
}

/** A revision in URL segments: "refs/pr/3" spans three segments, anything else one. */
function splitRevision(segs: string[]): { revision?: string; rest: string[] } {
  if (segs[0] === 'refs' && (segs[1] === 'pr' || segs[1] === 'convert') && segs[2])
    return { revision: segs.slice(0, 3).join('/'), rest: segs.slice(3) };
  return { revision: segs[0], rest: segs.slice(1) };
}

function checkFile(file: string, input: string): string {
  const segs = file.split('/');
  if (segs.some((p) => p === '' || p === '.' || p === '..') || /[\\\0]/.test(file))
    throw bad(input, `"${file}" is not a file path inside the repo`);
  return file;
}

/**
 * org/name[@rev][/path][:quant]. `explicit` (hf://, hf.co/) allows any path in the repo; a bare string
 * allows a path only when it ends in .gguf, so "some/dir/file" stays a local path.
 */
function parsePathForm(s: string, input: string, explicit: boolean): HubRef | undefined {
  let body = s;
  let quant: string | undefined;
  const colon = body.lastIndexOf(':');
  if (colon >= 0) {
    quant = body.slice(colon + 1);
    body = body.slice(0, colon);
    if (!QUANT.test(quant)) {
      if (explicit) throw bad(input, `":${quant}" is not a quantization label (e.g. :Q4_K_M)`);
      return undefined;
    }
  }
  const m = /^([^/@]+)\/([^/@]+)(?:@(refs\/(?:pr|convert)\/[^/@]+|[^/@]+))?(?:\/(.+))?$/.exec(body);
  if (!m) {
    if (explicit) throw bad(input, 'expected org/name[@revision][/path]');
    return undefined;
  }
  const [, org, name, revision, file] = m as unknown as [string, string, string, string?, string?];
  if (!SEGMENT.test(org) || !SEGMENT.test(name) || org.includes('..') || name.includes('..')) {
    if (explicit) throw bad(input, `"${org}/${name}" is not a valid repo id`);
    return undefined;
  }
  if (revision !== undefined && !REVISION.test(revision)) {
    if (explicit) throw bad(input, `"${revision}" is not a valid revision`);
    return undefined;
  }
  if (file !== undefined && !explicit && !/\.gguf$/i.test(file)) return undefined;
  const ref: HubRef = { repo: `${org}/${name}`, input };
  if (revision) ref.revision = decodeURIComponent(revision);
  if (file) ref.file = checkFile(file, input);
  if (quant) {
    if (ref.file) throw bad(input, 'give either a file in the repo or a :QUANT label, not both');
    ref.quant = quant;
  }
  return ref;
}
