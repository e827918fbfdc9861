// The hub client: environment, token, and the one fetch every hub request goes through.
//
//   hubClient(opts?: HubOptions): HubClient          settings resolved once per command
//   client.fetch: typeof fetch                         origin-bound auth, redirects, timeout, one 429 retry
//   readToken(env): { token, source } | undefined     HF_TOKEN, else the token file (never printed)
//   terminalProgress(stream?): ((msg) => void) | undefined   a progress line writer for a TTY, else undefined
//   hubCaught(e, client, what): never                  any failure as a one-line UserError (exit 2)
//
// Environment (as huggingface_hub reads it): HF_ENDPOINT (a mirror; default https://huggingface.co),
// HF_TOKEN (or HUGGING_FACE_HUB_TOKEN), else the file HF_TOKEN_PATH or <HF_HOME>/token (HF_HOME defaults to
// $XDG_CACHE_HOME/huggingface, else ~/.cache/huggingface), HF_HUB_OFFLINE=1 (no network at all).
//
// The token is a secret. @huggingface/hub is never given it: client.fetch adds "Authorization: Bearer" itself,
// and only to requests whose origin is the endpoint's own. Redirects are followed here (redirect: 'manual'),
// so the header never follows a redirect to another origin (the hub sends large files to its CDN that way).
// Any Authorization header a caller passes is dropped for another origin too. Debug lines name the method,
// origin and path (no query string: CDN URLs carry signatures) and whether auth was attached, never the
// token; error messages name the token's source ("HF_TOKEN", the token file's path), never its value.
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { UserError, isUserError } from '../../errors.js';
import { hubEndpoint } from './ref.js';

export interface HubOptions {
  /** environment to read HF_* from (default process.env) */
  env?: NodeJS.ProcessEnv;
  /** per-request limit in ms (default 10 000; the CLI's --timeout) */
  timeoutMs?: number;
  /** never touch the network (also set by HF_HUB_OFFLINE=1) */
  offline?: boolean;
  /**
   * Progress sink: called only once an operation has run for ~300 ms, with a one-line status; '' clears it.
   * Pass terminalProgress() for a TTY; leave undefined for --json or a pipe.
   */
  progress?: (msg: string) => void;
  /** one line per HTTP request (method, origin + path, status, time, whether auth was sent) for --debug */
  debug?: (msg: string) => void;
  /** non-fatal notes (e.g. "hub unreachable, using the cached commit") */
  warn?: (msg: string) => void;
  /** header reads in flight at once (default 64) */
  concurrency?: number;
  /** check a cached branch/tag against the hub even when the cached answer is fresh */
  refresh?: boolean;
  /** how long a cached branch -> commit answer is used without asking the hub (default 24 h) */
  refTtlMs?: number;
  /** longest Retry-After honoured before giving up on a 429 (default 30 000 ms) */
  maxRetryAfterMs?: number;
  /** the fetch underneath (default globalThis.fetch); tests and proxies */
  fetch?: typeof fetch;
  /** cancels everything in flight */
  signal?: AbortSignal;
}

export interface HubClient {
  endpoint: string;
  origin: string;
  env: NodeJS.ProcessEnv;
  offline: boolean;
  timeoutMs: number;
  concurrency: number;
  refresh: boolean;
  refTtlMs: number;
  /** where the token came from ("HF_TOKEN", a file path); undefined when there is none */
  tokenSource?: string;
  hasToken: boolean;
  /** fetch for @huggingface/hub and @huggingface/gguf: see the module comment */
  fetch: typeof fetch;
  /** the ETag of each URL fetched so far (X-Linked-ETag of a redirect, else the answer's), unquoted */
  etags: Map<string, string>;
  opts: HubOptions;
  /** progress for one operation: shown only after ~300 ms, cleared by done() */
  track(label: string): Tracker;
}

export interface Tracker {
  update(msg: string): void;
  done(): void;
}

export const DEFAULT_TIMEOUT_MS = 10_000;
export const PROGRESS_DELAY_MS = 300;
const MAX_REDIRECTS = 10;

function truthy(v: string | undefined): boolean {
  return v !== undefined && ['1', 'on', 'yes', 'true'].includes(v.trim().toLowerCase());
}

/** HF_HOME: $HF_HOME, else $XDG_CACHE_HOME/huggingface, else ~/.cache/huggingface. */
export function hfHome(env: NodeJS.ProcessEnv): string {
  if (env.HF_HOME) return env.HF_HOME;
  return join(env.XDG_CACHE_HOME || join(env.HOME || homedir(), '.cache'), 'huggingface');
}

/** The token and where it came from; the token file is read only when HF_TOKEN is unset. */
export function readToken(env: NodeJS.ProcessEnv): { token: string; source: string } | undefined {
  for (const name of ['HF_TOKEN', 'HUGGING_FACE_HUB_TOKEN']) {
    const t = env[name]?.trim();
    if (t) return { token: t, source: name };
  }
  const file = env.HF_TOKEN_PATH || join(hfHome(env), 'token');
  try {
    const t = readFileSync(file, 'utf8').trim();
    if (t) return { token: t, source: file };
  } catch {
    // no token file: anonymous
  }
  return undefined;
}

export function hubClient(opts: HubOptions = {}): HubClient {
  const env = opts.env ?? process.env;
  const endpoint = hubEndpoint(env);
  const origin = new URL(endpoint).origin;
  const tok = readToken(env);
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (!(timeoutMs > 0)) throw new UserError(`--timeout: expected a positive number of seconds`);
  const client: HubClient = {
    endpoint,
    origin,
    env,
    offline: opts.offline ?? truthy(env.HF_HUB_OFFLINE),
    timeoutMs,
    concurrency: Math.max(1, Math.floor(opts.concurrency ?? 64)),
    refresh: opts.refresh ?? false,
    refTtlMs: opts.refTtlMs ?? 24 * 3600_000,
    hasToken: tok !== undefined,
    fetch: fetch,
    etags: new Map(),
    opts,
    track: (label) => tracker(opts.progress, label),
  };
  if (tok) client.tokenSource = tok.source;
  client.fetch = originBoundFetch(client, tok?.token);
  return client;
}

// ---------------------------------------------------------------------------------------------------------
// fetch

/** Request context recovered from a hub URL, for messages: /api/models/o/n/revision/r, /o/n/resolve/r/f. */
interface UrlContext {
  repo?: string;
  revision?: string;
  file?: string;
}

function urlContext(client: HubClient, url: URL): UrlContext {
  const base = new URL(client.endpoint).pathname.replace(/\/+$/, '');
  let p = url.pathname;
  if (base && p.startsWith(base)) p = p.slice(base.length);
  const segs = p.split('/').filter(Boolean).map(safeDecode);
  if (segs[0] === 'api' && segs[1] === 'models' && segs[2] && segs[3]) {
    const ctx: UrlContext = { repo: `${segs[2]}/${segs[3]}` };
    if ((segs[4] === 'revision' || segs[4] === 'paths-info' || segs[4] === 'tree') && segs[5]) ctx.revision = segs[5];
    return ctx;
  }
  if (segs[0] && segs[1] && (segs[2] === 'resolve' || segs[2] === 'raw') && segs[3])
    return { repo: `${segs[0]}/${segs[1]}`, revision: segs[3], file: segs.slice(4).join('/') };
  return {};
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Origin + path, never the query (signed CDN URLs) and never credentials in the URL. */
export function safeUrl(url: URL | string): string {
  const u = typeof url === 'string' ? new URL(url) : url;
  return `${u.origin}${u.pathname}`;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        reject(signal.reason);
      },
      { once: true },
    );
  });

/** Retry-After: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(v: string | null, now = Date.now()): number | undefined {
  if (v === null || v.trim() === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(v.trim())) return Math.round(Number(v) * 1000);
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : Math.max(0, t - now);
}

function originBoundFetch(client: HubClient, token: string | undefined): typeof fetch {
  const base = client.opts.fetch ?? globalThis.fetch;
  const { debug } = client.opts;
  const maxRetryAfter = client.opts.maxRetryAfterMs ?? 30_000;
  // resolve/<commit>/<file> never changes, so its redirect target is reused for this command's later ranges
  const redirects = new Map<string, string>();

  return async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const first = new URL(input instanceof Request ? input.url : String(input));
    const ctx = urlContext(client, first);
    const method = (init?.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase();
    const given = new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined));
    given.delete('authorization'); // the library never has the token; nothing else may smuggle one through
    let url = first;
    let linkedEtag: string | undefined;
    let hops = 0;
    let retried = false;
    let body = init?.body;
    let verb = method;
    const memoKey = /\/resolve\/[0-9a-f]{40}\//.test(first.pathname) && verb === 'GET' ? first.href : undefined;
    let memo = memoKey && redirects.get(memoKey);
    if (memo) url = new URL(memo);

    for (;;) {
      const headers = new Headers(given);
      const auth = token !== undefined && url.origin === client.origin;
      if (auth) headers.set('authorization', `Bearer ${token}`);
      const signals = [AbortSignal.timeout(client.timeoutMs)];
      if (init?.signal) signals.push(init.signal);
      if (client.opts.signal) signals.push(client.opts.signal);
      const t0 = performance.now();
      let res: Response;
      try {
        res = await base(url, {
          method: verb,
          headers,
          body: body ?? null,
          redirect: 'manual',
          signal: anySignal(signals),
        });
      } catch (e) {
        debug?.(`${verb} ${safeUrl(url)} failed (${Math.round(performance.now() - t0)} ms)`);
        throw networkError(client, e, url);
      }
      debug?.(
        `${verb} ${safeUrl(url)}${headers.has('range') ? ` [${headers.get('range')}]` : ''} -> ${res.status} ` +
          `(${Math.round(performance.now() - t0)} ms${auth ? ', auth' : ''})`,
      );

      if (res.status >= 300 && res.status < 400 && res.headers.has('location')) {
        await discard(res);
        linkedEtag ??= res.headers.get('x-linked-etag') ?? undefined;
        if (++hops > MAX_REDIRECTS) throw new UserError(`${safeUrl(first)}: too many redirects`);
        const next = new URL(res.headers.get('location')!, url);
        if (next.protocol !== 'https:' && next.protocol !== 'http:')
          throw new UserError(`${safeUrl(first)}: redirected to a non-http URL`);
        if (url.protocol === 'https:' && next.protocol === 'http:' && !isLoopback(next))
          throw new UserError(`${safeUrl(first)}: refused a redirect from https to plain http`);
        if (res.status === 303 || ((res.status === 301 || res.status === 302) && verb === 'POST')) {
          verb = 'GET';
          body = undefined;
        }
        url = next;
        continue;
      }

      if (res.status === 429 && !retried) {
        const wait = parseRetryAfter(res.headers.get('retry-after')) ?? 1000;
        await discard(res);
        if (wait > maxRetryAfter) throw rateLimited(client, wait);
        retried = true;
        await sleep(wait, client.opts.signal);
        continue;
      }
      if (memoKey && url.href !== first.href) {
        if (res.ok) redirects.set(memoKey, url.href);
        else if (memo) {
          // a remembered CDN URL went stale (signatures expire): ask the hub again
          redirects.delete(memoKey);
          memo = undefined;
          await discard(res);
          url = first;
          continue;
        }
      }
      if (res.status >= 400) {
        // EntryNotFound (a file that is not there) and 416 are answers the library handles itself
        const code = res.headers.get('x-error-code');
        if (!(res.status === 404 && code === 'EntryNotFound') && res.status !== 416) {
          const message = res.headers.get('x-error-message') ?? (await errorText(res));
          if (url.origin !== client.origin && res.status !== 429)
            throw new UserError(
              `${url.origin} (the hub's file server) answered ${res.status} for ` +
                `${ctx.repo ? `${ctx.repo}/${ctx.file}` : safeUrl(url)}; try again later`,
            );
          throw statusError(client, res.status, code, message, ctx, res.headers.get('retry-after'));
        }
      }
      if (method === 'GET' && given.has('range') && res.status === 200) {
        const len = Number(res.headers.get('content-length'));
        if (len > 64 * 1024 * 1024) {
          await res.body?.cancel();
          throw new UserError(
            `${safeUrl(url)}: the server ignored a range request and would send the whole ` +
              `${Math.round(len / 1e6)} MB file; it cannot be used to read checkpoint headers`,
          );
        }
      }
      const etag = linkedEtag ?? res.headers.get('x-linked-etag') ?? res.headers.get('etag');
      if (etag && res.ok) client.etags.set(first.href, etag.replace(/^W\//, '').replace(/"/g, ''));
      if (url.href !== first.href) Object.defineProperty(res, 'url', { value: url.href });
      return res;
    }
  };
}

/**
 * Done with a response: read a small body to its end, so the connection goes back to the pool (cancelling
 * it closes the socket, and the next request pays for a new connection); cancel a large one.
 */
async function discard(res: Response): Promise<void> {
  const len = Number(res.headers.get('content-length') ?? 0); // none: chunked, a redirect's empty body
  try {
    if (len <= 64 * 1024) await res.arrayBuffer();
    else await res.body?.cancel();
  } catch {
    // a failed drain costs the connection, nothing else
  }
}

/** AbortSignal.any, which Node gained in 20.3. */
function anySignal(signals: AbortSignal[]): AbortSignal {
  if (signals.length === 1) return signals[0]!;
  if (typeof AbortSignal.any === 'function') return AbortSignal.any(signals);
  const c = new AbortController();
  for (const s of signals) {
    if (s.aborted) {
      c.abort(s.reason);
      break;
    }
    s.addEventListener('abort', () => c.abort(s.reason), { once: true });
  }
  return c.signal;
}

function isLoopback(u: URL): boolean {
  return u.hostname === 'localhost' || u.hostname === '127.0.0.1' || u.hostname === '[::1]';
}

async function errorText(res: Response): Promise<string> {
  try {
    const text = (await res.text()).slice(0, 2000);
    try {
      const j = JSON.parse(text) as { error?: unknown; message?: unknown };
      const m = j.error ?? j.message;
      return typeof m === 'string' ? m : '';
    } catch {
      return '';
    }
  } catch {
    return '';
  }
}

// ---------------------------------------------------------------------------------------------------------
// errors: one line each, exit code 2

function rateLimited(client: HubClient, waitMs: number | undefined): UserError {
  const after = waitMs !== undefined ? `; try again in ${Math.ceil(waitMs / 1000)} s` : '; try again later';
  return new UserError(`${client.endpoint} is rate-limiting requests (429)${after}`);
}

function statusError(
  client: HubClient,
  status: number,
  code: string | null,
  message: string,
  ctx: UrlContext,
  retryAfter: string | null,
): UserError {
  const repo = ctx.repo ?? 'the repo';
  const page = `${client.endpoint}/${ctx.repo ?? ''}`;
  const src = client.tokenSource;
  if (status === 401 && src && /invalid (credentials|username or password)|invalid token|bad token/i.test(message))
    return new UserError(
      `the Hugging Face token from ${src} was rejected by ${client.endpoint} (invalid or expired): ` +
        `create a read token at ${client.endpoint}/settings/tokens`,
    );
  if (code === 'GatedRepo')
    return new UserError(
      src
        ? `${repo} is gated and the token from ${src} has no access yet: accept the licence at ${page} ` +
            `with that account`
        : `${repo} is gated: accept the licence at ${page}, then set HF_TOKEN`,
    );
  if (code === 'RevisionNotFound')
    return new UserError(`${repo}@${ctx.revision ?? '?'}: no such revision on ${client.endpoint}`);
  if (code === 'RepoNotFound' || (status === 401 && !src) || (status === 404 && ctx.repo && !ctx.file))
    return new UserError(
      `${repo}: no such model on ${client.endpoint}` +
        (src ? ` (or the token from ${src} cannot see it)` : ' (if it is private, set HF_TOKEN)'),
    );
  if (code === 'DisabledRepo' || /disabled/i.test(message))
    return new UserError(`${repo}: access to this repo is disabled on ${client.endpoint}`);
  if (status === 401 || status === 403)
    return new UserError(
      `${client.endpoint} refused access to ${repo} (${status})` +
        (src ? `: the token from ${src} has no read access to it` : ': if it is private, set HF_TOKEN'),
    );
  if (status === 404)
    return new UserError(`${repo}${ctx.revision ? `@${ctx.revision}` : ''}: no file ${ctx.file ?? '?'}`);
  if (status === 429) return rateLimited(client, parseRetryAfter(retryAfter));
  if (status >= 500)
    return new UserError(
      `${client.endpoint} answered ${status} for ${repo}: the hub is having trouble; try again later`,
    );
  return new UserError(`${client.endpoint} answered ${status} for ${repo}${message ? `: ${oneLine(message)}` : ''}`);
}

function oneLine(s: string): string {
  const l = s.replace(/\s+/g, ' ').trim();
  return l.length > 200 ? `${l.slice(0, 197)}...` : l;
}

function isTimeout(e: unknown): boolean {
  return (
    e instanceof Error && (e.name === 'TimeoutError' || (e.cause instanceof Error && e.cause.name === 'TimeoutError'))
  );
}

function timeoutError(client: HubClient): UserError {
  const s = client.timeoutMs / 1000;
  return new UserError(
    `${client.endpoint} did not answer within ${Number.isInteger(s) ? s : s.toFixed(1)} s ` +
      '(a slow network? raise --timeout, or set HF_HUB_OFFLINE=1 to use the cache)',
  );
}

function networkError(client: HubClient, e: unknown, url: URL): Error {
  if (isUserError(e)) return e;
  if (isTimeout(e)) return timeoutError(client);
  if (e instanceof Error && e.name === 'AbortError') return e;
  const cause = e instanceof Error && e.cause instanceof Error ? e.cause : undefined;
  const code = (cause as NodeJS.ErrnoException | undefined)?.code ?? (e as NodeJS.ErrnoException).code;
  const where = url.origin === client.origin ? client.endpoint : `${url.origin} (the hub's file server)`;
  return new UserError(
    `cannot reach ${where}${code ? ` (${code})` : ''}: check the network, HF_ENDPOINT, ` +
      'or set HF_HUB_OFFLINE=1 to use the cache',
  );
}

/**
 * Any failure from the hub layer or the libraries under it as a one-line UserError. `what` says what
 * was being read ("safetensors headers of org/name"); it is used for errors that carry no message of ours.
 */
export function hubCaught(e: unknown, client: HubClient, what: string): never {
  if (isUserError(e)) throw e;
  if (isTimeout(e)) throw timeoutError(client);
  if (e instanceof Error && e.name === 'AbortError') throw e;
  const err = e as { statusCode?: unknown; message?: unknown; name?: unknown };
  if (typeof err.statusCode === 'number') throw new UserError(`${what}: ${client.endpoint} answered ${err.statusCode}`);
  const msg = e instanceof Error ? e.message : String(e);
  if (e instanceof TypeError && /fetch failed|terminated|socket/i.test(msg))
    throw networkError(client, e, new URL(client.endpoint));
  throw new UserError(`${what}: ${oneLine(msg)}`);
}

// ---------------------------------------------------------------------------------------------------------
// progress

/** Progress for one operation: shown on `sink` only after PROGRESS_DELAY_MS, cleared by done(). */
export function tracker(sink: ((msg: string) => void) | undefined, label: string): Tracker {
  if (!sink) return { update() {}, done() {} };
  let last = label;
  let shown = false;
  const timer = setTimeout(() => {
    shown = true;
    sink(last);
  }, PROGRESS_DELAY_MS);
  timer.unref?.();
  return {
    update(msg) {
      last = msg;
      if (shown) sink(msg);
    },
    done() {
      clearTimeout(timer);
      if (shown) sink('');
    },
  };
}

/**
 * A progress writer for `stream` (default stderr) when it is a terminal: rewrites one line in place, ''
 * clears it. Undefined when the stream is not a TTY (piped, redirected): callers pass it as
 * HubOptions.progress, and pass nothing under --json.
 */
export function terminalProgress(stream: NodeJS.WriteStream = process.stderr): ((msg: string) => void) | undefined {
  if (!stream.isTTY) return undefined;
  return (msg: string) => {
    const width = Math.max(20, (stream.columns || 80) - 1);
    const line = msg.length > width ? `${msg.slice(0, width - 3)}...` : msg;
    stream.write(line ? `\r${line}\x1b[K` : '\r\x1b[K');
  };
}

/** Run `fn` over `items` with at most `limit` in flight; results in input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (x: T, i: number) => Promise<R>) {
  const out = new Array<R>(items.length);
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < items.length) {
      const i = next++;
      try {
        out[i] = await fn(items[i]!, i);
      } catch (e) {
        failed = true;
        throw e;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
