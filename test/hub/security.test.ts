// The token is a secret: sent only to the hub endpoint's own origin (never along a redirect to its CDN or
// anywhere else), never printed, never returned, never cached.
import { mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  fetchHubConfig,
  hubClient,
  parseModelRef,
  readCheckpointHeaders,
  readGguf,
} from '../../src/cards/hub/index.js';
import { type HubServer, ggufFile, hubEnv, shardedCheckpoint, removeHubEnvs, startHubServer } from './server.js';

const TOKEN = 'hf_s3cr3t_t0ken_never_to_be_seen';
const config = { model_type: 'acme_moe', num_local_experts: 4, num_experts_per_tok: 1, hidden_size: 64 };
const shards = shardedCheckpoint(
  Array.from(
    { length: 12 },
    (_, i) => [`model.layers.${i}.mlp.experts.${i % 4}.w1.weight`, 'BF16', [64, 64]] as const,
  ).map(([a, b, c]) => [a, b, [...c]] as [string, string, number[]]),
  3,
);
const gguf = ggufFile(
  [
    ['general.architecture', 'string', 'llama'],
    ['llama.block_count', 'u32', 1],
  ],
  [{ name: 'token_embd.weight', shape: [256, 8], type: 'Q8_0' }],
);

let hub: HubServer;
beforeAll(async () => {
  hub = await startHubServer({
    validTokens: [TOKEN],
    repos: [
      {
        id: 'acme/gated-moe',
        gated: true,
        access: [TOKEN],
        files: { 'config.json': config, ...shards.files, 'model-Q8_0.gguf': gguf.file },
      },
    ],
  });
});
afterAll(async () => {
  await hub.close();
  removeHubEnvs();
});

const ref = (s: string) => parseModelRef(s)!;

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    let names: string[];
    try {
      names = readdirSync(d);
    } catch {
      return;
    }
    for (const n of names) {
      const p = join(d, n);
      const s = statSync(p);
      if (s.isDirectory()) walk(p);
      else out.push(p);
    }
  };
  walk(dir);
  return out;
}

describe('with HF_TOKEN, on a gated repo whose large files the hub redirects to its CDN (another origin)', () => {
  const env = hubEnv('', { HF_TOKEN: TOKEN });
  const debug: string[] = [];
  const results: unknown[] = [];
  let before = 0;

  beforeAll(async () => {
    env.HF_ENDPOINT = hub.endpoint;
    before = hub.requests.length;
    const opts = { env, debug: (m: string) => debug.push(m) };
    results.push(await fetchHubConfig(ref('acme/gated-moe'), opts));
    results.push(await readCheckpointHeaders(ref('acme/gated-moe'), opts));
    results.push(await readGguf(ref('acme/gated-moe:Q8_0'), opts));
  });

  test('every request to the hub carried the token; the CDN never saw an Authorization header', () => {
    const seen = hub.requests.slice(before);
    const toHub = seen.filter((q) => q.server === 'hub');
    const toCdn = seen.filter((q) => q.server === 'cdn');
    expect(toHub.length).toBeGreaterThan(5);
    expect(toCdn.length).toBeGreaterThan(3); // the shards and the GGUF were read there
    expect(toHub.every((q) => q.authorization === `Bearer ${TOKEN}`)).toBe(true);
    expect(toCdn.filter((q) => q.authorization !== undefined)).toEqual([]);
  });

  test('debug lines say where auth went, never what it was', () => {
    expect(debug.length).toBeGreaterThan(5);
    expect(debug.join('\n')).not.toContain(TOKEN);
    expect(debug.filter((l) => l.includes(hub.cdnOrigin)).every((l) => !l.includes('auth'))).toBe(true);
    expect(debug.filter((l) => l.includes(hub.endpoint)).every((l) => l.endsWith(', auth)'))).toBe(true);
    expect(debug.some((l) => l.includes('X-Amz-Signature'))).toBe(false); // no signed query strings either
  });

  test('results (what --json prints) do not contain it', () => {
    expect(JSON.stringify(results)).not.toContain(TOKEN);
  });

  test('the cache does not contain it', () => {
    const files = [...filesUnder(env.HF_HOME!), ...filesUnder(env.XDG_CACHE_HOME!)];
    expect(files.length).toBeGreaterThan(3);
    for (const f of files) expect(readFileSync(f, 'utf8')).not.toContain(TOKEN);
  });
});

test('the token file under HF_HOME is used the same way, and named (not shown) in errors', async () => {
  const env = hubEnv(hub.endpoint);
  mkdirSync(env.HF_HOME!, { recursive: true });
  const file = join(env.HF_HOME!, 'token');
  writeFileSync(file, 'hf_wrong_but_secret_value\n');
  const e = await fetchHubConfig(ref('acme/gated-moe'), { env }).catch((x: Error) => x);
  expect((e as Error).message).toContain(`the Hugging Face token from ${file} was rejected`);
  expect((e as Error).message).not.toContain('hf_wrong_but_secret_value');
  writeFileSync(file, TOKEN);
  const before = hub.requests.length;
  await readCheckpointHeaders(ref('acme/gated-moe'), { env });
  const seen = hub.requests.slice(before);
  expect(seen.filter((q) => q.server === 'cdn' && q.authorization)).toEqual([]);
  expect(seen.filter((q) => q.server === 'hub').every((q) => q.authorization === `Bearer ${TOKEN}`)).toBe(true);
});

test("an Authorization header a caller passes is dropped; the client's own goes to the hub origin only", async () => {
  const client = hubClient({ env: hubEnv(hub.endpoint, { HF_TOKEN: TOKEN }) });
  const before = hub.requests.length;
  const headers = { Authorization: 'Bearer hf_from_a_caller' };
  const cdnError = await client
    .fetch(`${hub.cdnOrigin}/blobs/${'0'.repeat(64)}?X-Amz-Signature=x`, { headers })
    .catch((e: Error) => e.message);
  expect(cdnError).toBe(
    `${hub.cdnOrigin} (the hub's file server) answered 403 for ${hub.cdnOrigin}/blobs/${'0'.repeat(64)}; ` +
      'try again later',
  );
  await (await client.fetch(`${hub.endpoint}/api/models/acme/gated-moe/revision/main`, { headers })).text();
  const [cdn, api] = hub.requests.slice(before);
  expect(cdn).toMatchObject({ server: 'cdn' });
  expect(cdn!.authorization).toBeUndefined();
  expect(api).toMatchObject({ server: 'hub', authorization: `Bearer ${TOKEN}` });
});

test('a redirect within the hub origin keeps the token', async () => {
  hub.fault({
    match: /^GET \/api\/models\/acme\/gated-moe\/revision\/main\?/,
    status: 307,
    headers: { Location: '/api/models/acme/gated-moe/revision/main?expand=sha&expand=siblings&expand=gated&again=1' },
  });
  const before = hub.requests.length;
  await fetchHubConfig(ref('acme/gated-moe'), { env: hubEnv(hub.endpoint, { HF_TOKEN: TOKEN }) });
  const api = hub.requests.slice(before).filter((q) => q.path.startsWith('/api/models/'));
  expect(api).toHaveLength(2);
  expect(api.every((q) => q.authorization === `Bearer ${TOKEN}`)).toBe(true);
});

describe('redirects, with a stand-in fetch', () => {
  const calls: Array<{ url: string; auth: string | null }> = [];
  const fake =
    (route: (url: string) => Response): typeof fetch =>
    async (input, init) => {
      const url = String(input);
      calls.push({ url, auth: new Headers(init?.headers).get('authorization') });
      expect(init?.redirect).toBe('manual');
      return route(url);
    };
  const env = { HF_ENDPOINT: 'https://hub.test', HF_TOKEN: TOKEN, HOME: '/nonexistent' };

  test('to another host: followed without the token', async () => {
    calls.length = 0;
    const client = hubClient({
      env,
      fetch: fake((u) =>
        u.startsWith('https://hub.test/')
          ? new Response(null, { status: 302, headers: { Location: 'https://cdn.test/x?sig=1' } })
          : new Response('ok'),
      ),
    });
    const res = await client.fetch('https://hub.test/a/b/resolve/main/x');
    expect(await res.text()).toBe('ok');
    expect(res.url).toBe('https://cdn.test/x?sig=1');
    expect(calls).toEqual([
      { url: 'https://hub.test/a/b/resolve/main/x', auth: `Bearer ${TOKEN}` },
      { url: 'https://cdn.test/x?sig=1', auth: null },
    ]);
  });

  test('to a look-alike host (hub.test.evil): no token', async () => {
    calls.length = 0;
    const client = hubClient({
      env,
      fetch: fake((u) =>
        u.startsWith('https://hub.test/')
          ? new Response(null, { status: 301, headers: { Location: 'https://hub.test.evil/steal' } })
          : new Response('ok'),
      ),
    });
    await client.fetch('https://hub.test/api/models/a/b');
    expect(calls[1]).toEqual({ url: 'https://hub.test.evil/steal', auth: null });
  });

  test('from https to plain http: refused', async () => {
    const client = hubClient({
      env,
      fetch: fake(() => new Response(null, { status: 302, headers: { Location: 'http://hub.test/x' } })),
    });
    await expect(client.fetch('https://hub.test/a/b/resolve/main/x')).rejects.toThrow(/refused a redirect from https/);
  });

  test('a redirect loop ends', async () => {
    const client = hubClient({
      env,
      fetch: fake(() => new Response(null, { status: 302, headers: { Location: '/again' } })),
    });
    await expect(client.fetch('https://hub.test/x')).rejects.toThrow(/too many redirects/);
  });
});
