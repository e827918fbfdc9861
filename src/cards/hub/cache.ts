// The on-disk cache: what makes a second run offline and as fast as a local file.
//
//   cacheDirs(env): { hub, own }
//   readRef(dirs, repo, revision) / writeRef(...)              branch or tag -> commit (with its age)
//   snapshotPath(dirs, repo, commit, file) / writeSnapshot(...)  repo files (config.json, the safetensors index)
//   readOwn<T>(dirs, repo, commit, name) / writeOwn(...)        derived JSON (file list, header inventories)
//
// Repo files go where huggingface_hub keeps them, so a model already downloaded with huggingface-cli or
// transformers is found offline, and what moe-calc fetches is found by them:
//   <hub>/models--<org>--<name>/refs/<revision>            the commit a branch or tag pointed to
//   <hub>/models--<org>--<name>/blobs/<etag>               the file's bytes
//   <hub>/models--<org>--<name>/snapshots/<commit>/<file>  a relative symlink to the blob (a copy where
//                                                          symlinks are not allowed)
// <hub> is HF_HUB_CACHE, else HUGGINGFACE_HUB_CACHE, else <HF_HOME>/hub.
// Derived data (never a repo's own bytes) goes to moe-calc's cache, keyed the same way:
//   <own>/hub/models--<org>--<name>/<commit>/<name>.json
// <own> is MOE_CALC_CACHE, else $XDG_CACHE_HOME/moe-calc, else ~/.cache/moe-calc.
// Everything is keyed by commit, and a commit's content never changes, so entries never go stale; only
// refs/<branch> ages (HubOptions.refTtlMs). Writes are atomic (temporary file, then rename). Nothing here
// ever sees the token: the cache holds file contents and the hub's answers about files, nothing else.
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  statSync,
  symlinkSync,
  unlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { hfHome } from './client.js';
import { isCommit } from './ref.js';

export interface CacheDirs {
  /** the Hugging Face hub cache (shared with huggingface_hub) */
  hub: string;
  /** moe-calc's own cache of derived data */
  own: string;
}

export function cacheDirs(env: NodeJS.ProcessEnv): CacheDirs {
  const hub = env.HF_HUB_CACHE || env.HUGGINGFACE_HUB_CACHE || join(hfHome(env), 'hub');
  const own = env.MOE_CALC_CACHE || join(env.XDG_CACHE_HOME || join(env.HOME || homedir(), '.cache'), 'moe-calc');
  return { hub, own };
}

/** "models--org--name", huggingface_hub's folder name for a model repo. */
export function repoFolder(repo: string): string {
  return `models--${repo.split('/').join('--')}`;
}

function safeRel(file: string): boolean {
  return file !== '' && !file.startsWith('/') && !file.split('/').some((p) => p === '' || p === '.' || p === '..');
}

/** Write bytes to `path` atomically (a temporary file beside it, then rename). */
export function writeAtomic(path: string, data: string | Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}

export interface CachedRef {
  commit: string;
  /** ms since the hub last confirmed it */
  ageMs: number;
}

export function readRef(dirs: CacheDirs, repo: string, revision: string): CachedRef | undefined {
  if (isCommit(revision)) return { commit: revision, ageMs: 0 };
  const path = join(dirs.hub, repoFolder(repo), 'refs', revision);
  try {
    const commit = readFileSync(path, 'utf8').trim();
    if (!isCommit(commit)) return undefined;
    return { commit, ageMs: Math.max(0, Date.now() - statSync(path).mtimeMs) };
  } catch {
    return undefined;
  }
}

/** Record (or re-confirm: the file's time is the last confirmation) what a branch or tag points at. */
export function writeRef(dirs: CacheDirs, repo: string, revision: string, commit: string): void {
  if (isCommit(revision) || !isCommit(commit) || !safeRel(revision)) return;
  const path = join(dirs.hub, repoFolder(repo), 'refs', revision);
  try {
    if (readFileSync(path, 'utf8').trim() === commit) {
      const now = new Date();
      utimesSync(path, now, now);
      return;
    }
  } catch {
    // not there yet
  }
  writeAtomic(path, commit);
}

/** The cached copy of a repo file at a commit, or undefined. */
export function snapshotPath(dirs: CacheDirs, repo: string, commit: string, file: string): string | undefined {
  if (!isCommit(commit) || !safeRel(file)) return undefined;
  const path = join(dirs.hub, repoFolder(repo), 'snapshots', commit, file);
  return existsSync(path) ? path : undefined;
}

/** Store a repo file as huggingface_hub does (blob + relative symlink); returns the snapshot path. */
export function writeSnapshot(
  dirs: CacheDirs,
  repo: string,
  commit: string,
  file: string,
  data: Uint8Array,
  etag: string | undefined,
): string {
  if (!isCommit(commit) || !safeRel(file)) throw new Error(`refusing to cache ${repo}@${commit}/${file}`);
  const folder = join(dirs.hub, repoFolder(repo));
  const pointer = join(folder, 'snapshots', commit, file);
  const tag = etag?.replace(/^W\//, '').replace(/"/g, '');
  if (!tag || !/^[A-Za-z0-9._-]{8,128}$/.test(tag)) {
    writeAtomic(pointer, data);
    return pointer;
  }
  const blob = join(folder, 'blobs', tag);
  if (!existsSync(blob)) writeAtomic(blob, data);
  mkdirSync(dirname(pointer), { recursive: true });
  try {
    if (existsSync(pointer)) unlinkSync(pointer);
    symlinkSync(relative(dirname(pointer), blob), pointer);
  } catch {
    try {
      copyFileSync(blob, pointer); // no symlinks here (Windows without developer mode): a copy, as huggingface_hub
    } catch {
      writeAtomic(pointer, data);
    }
  }
  return pointer;
}

function ownPath(dirs: CacheDirs, repo: string, commit: string, name: string): string {
  if (!isCommit(commit) || !/^[A-Za-z0-9._-]+$/.test(name)) throw new Error(`bad cache key ${commit}/${name}`);
  return join(dirs.own, 'hub', repoFolder(repo), commit, `${name}.json`);
}

export function readOwn<T>(dirs: CacheDirs, repo: string, commit: string, name: string): T | undefined {
  try {
    return JSON.parse(readFileSync(ownPath(dirs, repo, commit, name), 'utf8')) as T;
  } catch {
    return undefined;
  }
}

export function writeOwn(dirs: CacheDirs, repo: string, commit: string, name: string, value: unknown): void {
  try {
    writeAtomic(ownPath(dirs, repo, commit, name), JSON.stringify(value));
  } catch {
    // a read-only or full cache costs speed, not correctness
  }
}
