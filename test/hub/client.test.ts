// The client's pieces on their own: token and cache locations, Retry-After, progress, the bounded pool, and
// the fetch wrapper's redirect memory and range guard (with a stand-in fetch: no sockets).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import {
  cacheDirs,
  hfHome,
  hubClient,
  parseRetryAfter,
  readToken,
  terminalProgress,
} from '../../src/cards/hub/index.js';
import { mapLimit } from '../../src/cards/hub/client.js';

describe('token', () => {
  const home = mkdtempSync(join(tmpdir(), 'moe-calc-token-'));
  afterAll(() => rmSync(home, { recursive: true, force: true }));
  const put = (path: string, token: string) => {
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, `${token}\n`);
  };
  put(join(home, '.cache', 'huggingface', 'token'), 'hf_home_default');
  put(join(home, 'xdg', 'huggingface', 'token'), 'hf_xdg');
  put(join(home, 'hfhome', 'token'), 'hf_hf_home');
  put(join(home, 'elsewhere'), 'hf_token_path');

  test.each([
    [{}, { token: 'hf_home_default', source: join(home, '.cache', 'huggingface', 'token') }],
    [{ XDG_CACHE_HOME: join(home, 'xdg') }, { token: 'hf_xdg', source: join(home, 'xdg', 'huggingface', 'token') }],
    [
      { HF_HOME: join(home, 'hfhome'), XDG_CACHE_HOME: join(home, 'xdg') },
      { token: 'hf_hf_home', source: join(home, 'hfhome', 'token') },
    ],
    [
      { HF_TOKEN_PATH: join(home, 'elsewhere'), HF_HOME: join(home, 'hfhome') },
      { token: 'hf_token_path', source: join(home, 'elsewhere') },
    ],
    [
      { HUGGING_FACE_HUB_TOKEN: ' hf_legacy ', HF_HOME: join(home, 'hfhome') },
      { token: 'hf_legacy', source: 'HUGGING_FACE_HUB_TOKEN' },
    ],
    [
      { HF_TOKEN: 'hf_env', HUGGING_FACE_HUB_TOKEN: 'hf_legacy' },
      { token: 'hf_env', source: 'HF_TOKEN' },
    ],
    [
      { HF_TOKEN: '  ', HF_HOME: join(home, 'hfhome') },
      { token: 'hf_hf_home', source: join(home, 'hfhome', 'token') },
    ],
  ])('%o', (env, want) => {
    expect(readToken({ HOME: home, ...env })).toEqual(want);
  });

  test('none anywhere: anonymous', () => {
    expect(readToken({ HOME: join(home, 'nobody') })).toBeUndefined();
    const c = hubClient({ env: { HOME: join(home, 'nobody') } });
    expect(c.hasToken).toBe(false);
    expect(c.tokenSource).toBeUndefined();
  });
});

test('HF_HOME and the caches', () => {
  expect(hfHome({ HOME: '/h' })).toBe('/h/.cache/huggingface');
  expect(hfHome({ HOME: '/h', XDG_CACHE_HOME: '/x' })).toBe('/x/huggingface');
  expect(hfHome({ HOME: '/h', HF_HOME: '/hf' })).toBe('/hf');
  expect(cacheDirs({ HOME: '/h' })).toEqual({ hub: '/h/.cache/huggingface/hub', own: '/h/.cache/moe-calc' });
  expect(cacheDirs({ HOME: '/h', HF_HOME: '/hf', XDG_CACHE_HOME: '/x' })).toEqual({
    hub: '/hf/hub',
    own: '/x/moe-calc',
  });
  expect(cacheDirs({ HF_HUB_CACHE: '/c', MOE_CALC_CACHE: '/m' })).toEqual({ hub: '/c', own: '/m' });
});

test('HF_HUB_OFFLINE and the timeout', () => {
  for (const v of ['1', 'ON', 'yes', 'true']) expect(hubClient({ env: { HF_HUB_OFFLINE: v } }).offline).toBe(true);
  for (const v of ['0', '', 'off']) expect(hubClient({ env: { HF_HUB_OFFLINE: v } }).offline).toBe(false);
  expect(hubClient({ env: {} }).timeoutMs).toBe(10_000);
  expect(() => hubClient({ env: {}, timeoutMs: 0 })).toThrow(/--timeout/);
});

test('Retry-After: seconds or an HTTP date', () => {
  expect(parseRetryAfter('5')).toBe(5000);
  expect(parseRetryAfter('0')).toBe(0);
  const now = Date.parse('2025-01-01T00:00:00Z');
  expect(parseRetryAfter('Wed, 01 Jan 2025 00:00:30 GMT', now)).toBe(30_000);
  expect(parseRetryAfter('Wed, 01 Jan 2024 00:00:30 GMT', now)).toBe(0);
  expect(parseRetryAfter('soon')).toBeUndefined();
  expect(parseRetryAfter(null)).toBeUndefined();
});

describe('progress', () => {
  test('terminalProgress: nothing when stderr is piped; one rewritten line on a terminal', () => {
    expect(terminalProgress({ isTTY: false } as NodeJS.WriteStream)).toBeUndefined();
    const out: string[] = [];
    const tty = { isTTY: true, columns: 30, write: (s: string) => out.push(s) } as unknown as NodeJS.WriteStream;
    const p = terminalProgress(tty)!;
    p('reading safetensors headers of org/name: 12/163');
    p('');
    expect(out).toEqual(['\rreading safetensors header...\x1b[K', '\r\x1b[K']); // 29 columns used of 30
  });

  test('an operation shows progress only after ~300 ms, and clears it when done', async () => {
    const lines: string[] = [];
    const c = hubClient({ env: {}, progress: (m) => lines.push(m) });
    const quick = c.track('quick');
    quick.update('quick 1/2');
    quick.done();
    const slow = c.track('slow');
    slow.update('slow 1/2');
    await new Promise((r) => setTimeout(r, 350));
    slow.update('slow 2/2');
    slow.done();
    expect(lines).toEqual(['slow 1/2', 'slow 2/2', '']);
  });
});

test('mapLimit: bounded, in order, stops on the first failure', async () => {
  let inFlight = 0;
  let most = 0;
  const out = await mapLimit([...Array(50).keys()], 7, async (x) => {
    inFlight++;
    most = Math.max(most, inFlight);
    await new Promise((r) => setTimeout(r, 1 + (x % 3)));
    inFlight--;
    return x * 2;
  });
  expect(out).toEqual([...Array(50).keys()].map((x) => x * 2));
  expect(most).toBe(7);
  let started = 0;
  await expect(
    mapLimit([...Array(50).keys()], 4, async (x) => {
      started++;
      await new Promise((r) => setTimeout(r, 1));
      if (x === 2) throw new Error('boom');
    }),
  ).rejects.toThrow('boom');
  expect(started).toBeLessThan(50);
});

describe('the fetch wrapper', () => {
  const commit = 'a'.repeat(40);
  const resolve = `https://hub.test/o/n/resolve/${commit}/model.safetensors`;

  test('remembers where a resolve/<commit> URL redirects, and asks again when that goes stale', async () => {
    const calls: string[] = [];
    let cdnOk = true;
    const client = hubClient({
      env: { HF_ENDPOINT: 'https://hub.test', HOME: '/nonexistent' },
      fetch: async (input) => {
        const url = String(input);
        calls.push(url);
        if (url.startsWith('https://hub.test/'))
          return new Response(null, { status: 302, headers: { Location: 'https://cdn.test/blob?sig=1' } });
        return cdnOk ? new Response('data', { status: 206 }) : new Response('expired', { status: 403 });
      },
    });
    await client.fetch(resolve, { headers: { Range: 'bytes=0-9' } });
    await client.fetch(resolve, { headers: { Range: 'bytes=10-19' } });
    expect(calls).toEqual([resolve, 'https://cdn.test/blob?sig=1', 'https://cdn.test/blob?sig=1']);
    cdnOk = false;
    calls.length = 0;
    await expect(client.fetch(resolve)).rejects.toThrow(/file server\) answered 403/);
    expect(calls).toEqual(['https://cdn.test/blob?sig=1', resolve, 'https://cdn.test/blob?sig=1']);
  });

  test('a server that ignores a range request on a large file is refused, not downloaded', async () => {
    const client = hubClient({
      env: { HF_ENDPOINT: 'https://hub.test', HOME: '/nonexistent' },
      fetch: async () => new Response('x', { status: 200, headers: { 'Content-Length': String(5e9) } }),
    });
    await expect(client.fetch(resolve, { headers: { Range: 'bytes=0-99' } })).rejects.toThrow(
      /ignored a range request and would send the whole 5000 MB file/,
    );
  });
});
