// A hub repo at a revision: its commit and file list, and its small files (config.json, the safetensors
// index), from the cache when it has them and from the hub otherwise.
//
//   resolveRepo(client, dirs, ref): Promise<RepoState>      commit (+ file list when known)
//   repoFile(client, dirs, state, file): Promise<{ path, bytes }>   a small file, cached under its commit
//   fetchHubConfig(ref, opts): Promise<HubConfig>            config.json, parsed, with its cached path
//   fileUrl(client, repo, commit, file): string              the resolve URL of a file
//
// Network use: a revision that is a commit and is cached costs nothing. A branch or tag is asked of the hub
// (one model-info request: commit, file list, gated) unless the cache confirmed it less than refTtlMs ago
// (24 h by default; HubOptions.refresh asks anyway). HF_HUB_OFFLINE=1 uses whatever the cache has, however old.
// @huggingface/hub is imported only when the network is actually used.
import { UserError, isUserError } from '../../errors.js';
import {
  type CacheDirs,
  cacheDirs,
  readOwn,
  readRef,
  snapshotPath,
  writeOwn,
  writeRef,
  writeSnapshot,
} from './cache.js';
import { type HubClient, type HubOptions, hubCaught, hubClient } from './client.js';
import { type HubRef, formatRef, isCommit } from './ref.js';

export interface RepoState {
  repo: string;
  /** as asked ("main" when the reference named none) */
  revision: string;
  commit: string;
  /** every file path in the repo at that commit; undefined when only a foreign cache entry is known */
  files?: string[];
  gated?: false | 'auto' | 'manual';
  /** answered from the cache, without a request */
  fromCache: boolean;
}

interface RepoRecord {
  files: string[];
  gated?: false | 'auto' | 'manual';
}

export interface HubConfig {
  /** the parsed config.json (or params.json, for a Mistral-format repo without a config.json) */
  config: unknown;
  /** the file it came from, in the repo ("config.json", "params.json", "sub/config.json") */
  file: string;
  /**
   * the cached copy (a path in the hub cache), to import as a local config.json is: the importer's
   * name fallback is the folder, a commit id here, so name the card from `repo` instead; and once
   * readCheckpointHeaders has run, model.safetensors.index.json sits beside it for the cross-check
   */
  path: string;
  repo: string;
  revision: string;
  commit: string;
  /** the repo's file list at that commit, when known */
  files?: string[];
  endpoint: string;
  /** "org/name@abc1234", for labels */
  label: string;
  fromCache: boolean;
}

type HubLib = typeof import('@huggingface/hub');
/** loaded on first network use, so start-up never pays for it */
export const hubLib = (): Promise<HubLib> => import('@huggingface/hub');

export function notCached(ref: HubRef | string, what: string): UserError {
  const r = typeof ref === 'string' ? ref : formatRef(ref);
  return new UserError(
    `${r}: ${what} is not in the cache and the hub is off limits (HF_HUB_OFFLINE=1); ` +
      'run once online, or unset HF_HUB_OFFLINE',
  );
}

function isNetworkFailure(e: unknown): boolean {
  return isUserError(e) && /^cannot reach |did not answer within/.test(e.message);
}

export function shortCommit(commit: string): string {
  return commit.slice(0, 7);
}

export async function resolveRepo(client: HubClient, dirs: CacheDirs, ref: HubRef): Promise<RepoState> {
  const revision = ref.revision ?? 'main';
  const cached = readRef(dirs, ref.repo, revision);
  const record = cached && readOwn<RepoRecord>(dirs, ref.repo, cached.commit, 'repo');
  const fromCacheState = (): RepoState => {
    const s: RepoState = { repo: ref.repo, revision, commit: cached!.commit, fromCache: true };
    if (record) {
      s.files = record.files;
      if (record.gated !== undefined) s.gated = record.gated;
    }
    return s;
  };
  if (cached) {
    if (client.offline) return fromCacheState();
    const fresh = isCommit(revision) || (!client.refresh && cached.ageMs < client.refTtlMs);
    if (fresh && record) return fromCacheState();
  } else if (client.offline) {
    throw notCached(ref, isCommit(revision) ? 'the commit' : `revision ${revision}`);
  }

  const tracker = client.track(`asking ${client.endpoint} about ${ref.repo}`);
  try {
    const { modelInfo } = await hubLib();
    const info = await modelInfo({
      name: ref.repo,
      revision,
      hubUrl: client.endpoint,
      fetch: client.fetch,
      additionalFields: ['sha', 'filePaths'],
    });
    const commit = (info as { sha?: unknown }).sha;
    if (typeof commit !== 'string' || !isCommit(commit))
      throw new UserError(`${ref.repo}: ${client.endpoint} gave no commit id for revision ${revision}`);
    const files = Array.isArray(info.filePaths) ? info.filePaths.filter((f) => typeof f === 'string') : [];
    writeRef(dirs, ref.repo, revision, commit);
    const rec: RepoRecord = { files, gated: info.gated ?? false };
    writeOwn(dirs, ref.repo, commit, 'repo', rec);
    return { repo: ref.repo, revision, commit, files, gated: rec.gated, fromCache: false };
  } catch (e) {
    if (cached && isNetworkFailure(e)) {
      client.opts.warn?.(
        `${(e as Error).message}; using ${ref.repo}@${revision} = ${shortCommit(cached.commit)} from the cache`,
      );
      return fromCacheState();
    }
    return hubCaught(e, client, `reading ${ref.repo} from ${client.endpoint}`);
  } finally {
    tracker.done();
  }
}

export function fileUrl(client: HubClient, repo: string, commit: string, file: string): string {
  return `${client.endpoint}/${repo}/resolve/${commit}/${file.split('/').map(encodeURIComponent).join('/')}`;
}

/**
 * A small repo file (config.json, an index) at the state's commit: from the hub cache, else downloaded
 * (and cached). Undefined when the repo has no such file.
 */
export async function repoFile(
  client: HubClient,
  dirs: CacheDirs,
  state: RepoState,
  file: string,
): Promise<{ path: string; bytes: Uint8Array; cached: boolean } | undefined> {
  const cachedPath = snapshotPath(dirs, state.repo, state.commit, file);
  if (cachedPath) {
    const { readFileSync } = await import('node:fs');
    return { path: cachedPath, bytes: readFileSync(cachedPath), cached: true };
  }
  if (client.offline) throw notCached(`${state.repo}@${state.revision}`, file);
  if (state.files && !state.files.includes(file)) return undefined;
  const tracker = client.track(`fetching ${file} of ${state.repo}`);
  try {
    const { downloadFile } = await hubLib();
    // one GET of the resolve URL (downloadInfo given: no separate probe for the size and ETag)
    const url = fileUrl(client, state.repo, state.commit, file);
    const blob = await downloadFile({
      repo: state.repo,
      path: file,
      revision: state.commit,
      hubUrl: client.endpoint,
      fetch: client.fetch,
      xet: false,
      downloadInfo: { url, size: 0, etag: '' },
    });
    if (!blob) return undefined;
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(await blob.arrayBuffer());
    } catch (e) {
      if ((e as { statusCode?: unknown }).statusCode === 404) return undefined; // EntryNotFound
      throw e;
    }
    let path: string;
    try {
      path = writeSnapshot(dirs, state.repo, state.commit, file, bytes, client.etags.get(url));
    } catch {
      // an unwritable cache: keep going from a private temporary copy
      const { mkdtempSync, writeFileSync } = await import('node:fs');
      const { tmpdir } = await import('node:os');
      const { basename, join } = await import('node:path');
      path = join(mkdtempSync(join(tmpdir(), 'moe-calc-hub-')), basename(file));
      writeFileSync(path, bytes);
      client.opts.warn?.(`could not write the cache under ${dirs.hub}; nothing fetched now is kept`);
    }
    return { path, bytes, cached: false };
  } catch (e) {
    return hubCaught(e, client, `fetching ${file} of ${state.repo}`);
  } finally {
    tracker.done();
  }
}

/** Hints for a repo without the file asked for. */
export function missingHint(state: RepoState): string {
  const f = state.files ?? [];
  if (f.some((x) => /\.gguf$/i.test(x))) return ' (a GGUF repo: name a quantization, e.g. org/name:Q4_K_M)';
  return '';
}

/**
 * config.json of a hub model, fetched and cached (keyed by commit), for the importer to read as it reads a
 * local one. `ref.file` may name another .json (a subfolder's config) or a subfolder holding config.json.
 */
export async function fetchHubConfig(ref: HubRef, opts: HubOptions = {}): Promise<HubConfig> {
  const client = hubClient(opts);
  const dirs = cacheDirs(client.env);
  let file = 'config.json';
  if (ref.file) {
    if (/\.gguf$/i.test(ref.file))
      throw new UserError(`${formatRef(ref)}: is a GGUF file, which has no config.json (read it with readGguf)`);
    file = /\.json$/i.test(ref.file) ? ref.file : `${ref.file.replace(/\/+$/, '')}/config.json`;
  }
  if (ref.quant)
    throw new UserError(
      `${formatRef(ref)}: names a GGUF quantization, which has no config.json (read it with readGguf)`,
    );
  const state = await resolveRepo(client, dirs, ref);
  let got = await repoFile(client, dirs, state, file);
  if (!got && file === 'config.json' && (state.files?.includes('params.json') ?? false)) {
    // a Mistral-format checkpoint (params.json instead of config.json): the importer reads both
    file = 'params.json';
    got = await repoFile(client, dirs, state, file);
  }
  if (!got) throw new UserError(`${state.repo}@${state.revision}: no ${file} in the repo${missingHint(state)}`);
  let config: unknown;
  try {
    config = JSON.parse(new TextDecoder().decode(got.bytes));
  } catch {
    throw new UserError(`${state.repo}@${shortCommit(state.commit)}/${file}: not valid JSON`);
  }
  const out: HubConfig = {
    config,
    file,
    path: got.path,
    repo: state.repo,
    revision: state.revision,
    commit: state.commit,
    endpoint: client.endpoint,
    label: `${state.repo}@${shortCommit(state.commit)}`,
    fromCache: state.fromCache && got.cached,
  };
  if (state.files) out.files = state.files;
  return out;
}
