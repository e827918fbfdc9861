// fetchHubConfig against the loopback hub: the cache, offline use, and every one-line error.
import { lstatSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { isUserError } from '../../src/errors.js';
import { type HubOptions, type HubRef, fetchHubConfig, parseModelRef } from '../../src/cards/hub/index.js';
import { importConfigFile } from '../../src/cards/import/index.js';
import { type HubServer, hubEnv, safetensorsFile, removeHubEnvs, startHubServer } from './server.js';

const fixture = (f: string) => JSON.parse(readFileSync(join(__dirname, '../fixtures/configs', f), 'utf8'));
const qwen = fixture('qwen3-30b-a3b.json');
const mixtral = fixture('mixtral-8x7b.json');
// a Mistral-format repo ships params.json (the importer reads it too); its keys, abridged
const mistralParams = { dim: 7168, n_layers: 61, head_dim: 128, n_heads: 128, n_kv_heads: 128, vocab_size: 131072 };
const GOOD = 'hf_goodtoken_0123456789';
const NOACCESS = 'hf_noaccess_0123456789';
const DEV = 'de0de0de0de0de0de0de0de0de0de0de0de0de0d';

let hub: HubServer;
beforeAll(async () => {
  hub = await startHubServer({
    validTokens: [GOOD, NOACCESS],
    repos: [
      { id: 'Qwen/Qwen3-30B-A3B', refs: { dev: DEV }, files: { 'config.json': qwen, 'README.md': '# Qwen' } },
      { id: 'mistralai/Mixtral-8x7B-v0.1', gated: true, access: [GOOD], files: { 'config.json': mixtral } },
      { id: 'acme/private-moe', private: true, access: [GOOD], files: { 'config.json': mixtral } },
      { id: 'acme/gguf-only', files: { 'model-Q4_K_M.gguf': safetensorsFile([]).file } },
      { id: 'acme/broken', files: { 'config.json': '{"model_type": ' } },
      { id: 'mistralai/Mistral-Large-3-675B-Instruct-2512', files: { 'params.json': mistralParams } },
    ],
  });
});
afterAll(async () => {
  await hub.close();
  removeHubEnvs();
});

const ref = (s: string): HubRef => parseModelRef(s)!;
const count = () => hub.requests.length;

/** The UserError a promise rejects with (exit code 2, one line). */
async function userError(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    expect(isUserError(e)).toBe(true);
    expect((e as { exitCode: number }).exitCode).toBe(2);
    const msg = (e as Error).message;
    expect(msg).not.toContain('\n');
    return msg;
  }
  throw new Error('expected a rejection');
}

describe('fetchHubConfig', () => {
  test('fetches config.json into the hub cache (huggingface_hub layout); it imports as a local one', async () => {
    const env = hubEnv(hub.endpoint);
    const r = await fetchHubConfig(ref('Qwen/Qwen3-30B-A3B'), { env });
    const commit = hub.commitOf('Qwen/Qwen3-30B-A3B');
    expect(r).toMatchObject({ repo: 'Qwen/Qwen3-30B-A3B', revision: 'main', commit, fromCache: false });
    expect(r.label).toBe(`Qwen/Qwen3-30B-A3B@${commit.slice(0, 7)}`);
    expect(r.config).toEqual(qwen);
    expect(r.files).toEqual(['config.json', 'README.md']);
    const folder = join(env.HF_HOME!, 'hub', 'models--Qwen--Qwen3-30B-A3B');
    expect(r.path).toBe(join(folder, 'snapshots', commit, 'config.json'));
    expect(lstatSync(r.path).isSymbolicLink()).toBe(true);
    expect(JSON.parse(readFileSync(r.path, 'utf8'))).toEqual(qwen);
    expect(readFileSync(join(folder, 'refs', 'main'), 'utf8')).toBe(commit);
    const imported = importConfigFile(r.path);
    expect(imported.card.architecture).toBeDefined();
  });

  test('a Mistral-format repo without config.json: its params.json', async () => {
    const r = await fetchHubConfig(ref('mistralai/Mistral-Large-3-675B-Instruct-2512'), { env: hubEnv(hub.endpoint) });
    expect(r.file).toBe('params.json');
    expect(r.path.endsWith('/params.json')).toBe(true);
    expect(r.config).toEqual(mistralParams);
  });

  test('a second run asks nothing of the hub', async () => {
    const env = hubEnv(hub.endpoint);
    await fetchHubConfig(ref('Qwen/Qwen3-30B-A3B'), { env });
    const before = count();
    const t = performance.now();
    const r = await fetchHubConfig(ref('Qwen/Qwen3-30B-A3B'), { env });
    expect(performance.now() - t).toBeLessThan(200);
    expect(count()).toBe(before);
    expect(r.fromCache).toBe(true);
    expect(r.config).toEqual(qwen);
  });

  test('a commit is never asked again; a stale branch costs one model-info request, not a download', async () => {
    const env = hubEnv(hub.endpoint);
    const first = await fetchHubConfig(ref('Qwen/Qwen3-30B-A3B@dev'), { env });
    expect(first.commit).toBe(DEV);
    let before = count();
    await fetchHubConfig(ref(`Qwen/Qwen3-30B-A3B@${DEV}`), { env, refTtlMs: 0 });
    expect(count()).toBe(before);
    before = count();
    await fetchHubConfig(ref('Qwen/Qwen3-30B-A3B@dev'), { env, refTtlMs: 0 });
    expect(hub.requests.slice(before).map((q) => q.path)).toEqual([expect.stringMatching(/^\/api\/models\/.+\/dev\?/)]);
    before = count();
    await fetchHubConfig(ref('Qwen/Qwen3-30B-A3B@dev'), { env, refresh: true });
    expect(count()).toBe(before + 1);
  });

  test('HF_HUB_OFFLINE=1: a clear error when not cached, the cache (however old) when it is', async () => {
    const env = hubEnv(hub.endpoint, { HF_HUB_OFFLINE: '1' });
    const before = count();
    expect(await userError(fetchHubConfig(ref('Qwen/Qwen3-30B-A3B'), { env }))).toBe(
      'Qwen/Qwen3-30B-A3B: revision main is not in the cache and the hub is off limits (HF_HUB_OFFLINE=1); ' +
        'run once online, or unset HF_HUB_OFFLINE',
    );
    await fetchHubConfig(ref('Qwen/Qwen3-30B-A3B'), { env: { ...env, HF_HUB_OFFLINE: '' } });
    const online = count();
    const r = await fetchHubConfig(ref('Qwen/Qwen3-30B-A3B'), { env, refTtlMs: 0 });
    expect(r.config).toEqual(qwen);
    expect(count()).toBe(online);
    expect(online - before).toBe(2); // model info + config.json
    const opt = await fetchHubConfig(ref('Qwen/Qwen3-30B-A3B'), { env: { ...env, HF_HUB_OFFLINE: '' }, offline: true });
    expect(opt.fromCache).toBe(true);
  });

  test('a config.json put in the hub cache by huggingface_hub is found offline', async () => {
    const env = hubEnv(hub.endpoint, { HF_HUB_OFFLINE: '1' });
    const commit = 'c0ffee0c0ffee0c0ffee0c0ffee0c0ffee0c0ffe';
    const folder = join(env.HF_HOME!, 'hub', 'models--acme--elsewhere');
    mkdirSync(join(folder, 'refs'), { recursive: true });
    mkdirSync(join(folder, 'snapshots', commit), { recursive: true });
    writeFileSync(join(folder, 'refs', 'main'), commit);
    writeFileSync(join(folder, 'snapshots', commit, 'config.json'), JSON.stringify(mixtral));
    const r = await fetchHubConfig(ref('acme/elsewhere'), { env });
    expect(r).toMatchObject({ commit, config: mixtral, fromCache: true });
    expect(r.files).toBeUndefined();
  });

  test('the hub unreachable after the cached answer went stale: a warning, and the cache', async () => {
    const env = hubEnv(hub.endpoint);
    await fetchHubConfig(ref('Qwen/Qwen3-30B-A3B'), { env });
    const warnings: string[] = [];
    const down = { ...env, HF_ENDPOINT: await closedPort() };
    const r = await fetchHubConfig(ref('Qwen/Qwen3-30B-A3B'), {
      env: down,
      refTtlMs: 0,
      warn: (m) => warnings.push(m),
    });
    expect(r.config).toEqual(qwen);
    expect(warnings).toEqual([
      expect.stringMatching(/^cannot reach .*using Qwen\/Qwen3-30B-A3B@main = \w{7} from the cache$/),
    ]);
  });
});

describe('errors: one line, exit code 2', () => {
  const env = () => hubEnv(hub.endpoint);

  test('unknown repo, without and with a token', async () => {
    expect(await userError(fetchHubConfig(ref('acme/nope'), { env: env() }))).toBe(
      `acme/nope: no such model on ${hub.endpoint} (if it is private, set HF_TOKEN)`,
    );
    expect(await userError(fetchHubConfig(ref('acme/nope'), { env: { ...env(), HF_TOKEN: GOOD } }))).toBe(
      `acme/nope: no such model on ${hub.endpoint} (or the token from HF_TOKEN cannot see it)`,
    );
  });

  test('a private repo needs a token that can see it', async () => {
    expect(await userError(fetchHubConfig(ref('acme/private-moe'), { env: env() }))).toMatch(/set HF_TOKEN\)$/);
    expect(await userError(fetchHubConfig(ref('acme/private-moe'), { env: { ...env(), HF_TOKEN: NOACCESS } }))).toMatch(
      /cannot see it\)$/,
    );
    const r = await fetchHubConfig(ref('acme/private-moe'), { env: { ...env(), HF_TOKEN: GOOD } });
    expect(r.config).toEqual(mixtral);
  });

  test('unknown revision', async () => {
    expect(await userError(fetchHubConfig(ref('Qwen/Qwen3-30B-A3B@nope'), { env: env() }))).toBe(
      `Qwen/Qwen3-30B-A3B@nope: no such revision on ${hub.endpoint}`,
    );
  });

  test('no config.json (a GGUF-only repo), or one that is not JSON', async () => {
    expect(await userError(fetchHubConfig(ref('acme/gguf-only'), { env: env() }))).toBe(
      'acme/gguf-only@main: no config.json in the repo (a GGUF repo: name a quantization, e.g. org/name:Q4_K_M)',
    );
    expect(await userError(fetchHubConfig(ref('acme/broken'), { env: env() }))).toMatch(
      /^acme\/broken@\w{7}\/config\.json: not valid JSON$/,
    );
    expect(await userError(fetchHubConfig(ref('acme/gguf-only:Q4_K_M'), { env: env() }))).toMatch(/readGguf/);
  });

  test('a gated repo without a token: accept the licence, then set HF_TOKEN', async () => {
    expect(await userError(fetchHubConfig(ref('mistralai/Mixtral-8x7B-v0.1'), { env: env() }))).toBe(
      `mistralai/Mixtral-8x7B-v0.1 is gated: accept the licence at ${hub.endpoint}/mistralai/Mixtral-8x7B-v0.1, ` +
        'then set HF_TOKEN',
    );
  });

  test('a gated repo with a token that has not accepted it', async () => {
    const msg = await userError(
      fetchHubConfig(ref('mistralai/Mixtral-8x7B-v0.1'), { env: { ...env(), HF_TOKEN: NOACCESS } }),
    );
    expect(msg).toBe(
      'mistralai/Mixtral-8x7B-v0.1 is gated and the token from HF_TOKEN has no access yet: accept the licence at ' +
        `${hub.endpoint}/mistralai/Mixtral-8x7B-v0.1 with that account`,
    );
  });

  test('a gated repo with the token file under HF_HOME (no HF_TOKEN)', async () => {
    const e = env();
    mkdirSync(e.HF_HOME!, { recursive: true });
    writeFileSync(join(e.HF_HOME!, 'token'), `${GOOD}\n`);
    const r = await fetchHubConfig(ref('mistralai/Mixtral-8x7B-v0.1'), { env: e });
    expect(r.config).toEqual(mixtral);
  });

  test('a wrong token: rejected, and never printed', async () => {
    const bad = 'hf_wrongwrongwrong_secret';
    const msg = await userError(fetchHubConfig(ref('Qwen/Qwen3-30B-A3B'), { env: { ...env(), HF_TOKEN: bad } }));
    expect(msg).toBe(
      `the Hugging Face token from HF_TOKEN was rejected by ${hub.endpoint} (invalid or expired): ` +
        `create a read token at ${hub.endpoint}/settings/tokens`,
    );
    expect(msg).not.toContain(bad);
  });

  test('rate-limited: one retry after Retry-After, then a clear error', async () => {
    hub.fault({ match: /^GET \/api\/models\/Qwen/, status: 429, headers: { 'Retry-After': '0' } });
    const before = count();
    const r = await fetchHubConfig(ref('Qwen/Qwen3-30B-A3B'), { env: env() });
    expect(r.config).toEqual(qwen);
    expect(hub.requests.slice(before).filter((q) => q.path.startsWith('/api/models/')).length).toBe(2);

    hub.fault({ match: /^GET \/api\/models\/Qwen/, status: 429, headers: { 'Retry-After': '0' } });
    hub.fault({ match: /^GET \/api\/models\/Qwen/, status: 429, headers: { 'Retry-After': '2' } });
    expect(await userError(fetchHubConfig(ref('Qwen/Qwen3-30B-A3B'), { env: env() }))).toBe(
      `${hub.endpoint} is rate-limiting requests (429); try again in 2 s`,
    );
  });

  test('rate-limited for longer than we would wait: fails at once', async () => {
    hub.fault({ match: /^GET \/api\/models\/Qwen/, status: 429, headers: { 'Retry-After': '3600' } });
    const t = performance.now();
    expect(await userError(fetchHubConfig(ref('Qwen/Qwen3-30B-A3B'), { env: env() }))).toMatch(/try again in 3600 s$/);
    expect(performance.now() - t).toBeLessThan(2000);
  });

  test('a hub that does not answer: the timeout (--timeout)', async () => {
    hub.fault({ match: /^GET \/api\/models\/Qwen/, hang: true });
    const t = performance.now();
    expect(await userError(fetchHubConfig(ref('Qwen/Qwen3-30B-A3B'), { env: env(), timeoutMs: 300 }))).toBe(
      `${hub.endpoint} did not answer within 0.3 s (a slow network? raise --timeout, or set HF_HUB_OFFLINE=1 to use ` +
        'the cache)',
    );
    expect(performance.now() - t).toBeLessThan(3000);
  });

  test('a hub that cannot be reached', async () => {
    const endpoint = await closedPort();
    expect(await userError(fetchHubConfig(ref('Qwen/Qwen3-30B-A3B'), { env: hubEnv(endpoint) }))).toBe(
      `cannot reach ${endpoint} (ECONNREFUSED): check the network, HF_ENDPOINT, ` +
        'or set HF_HUB_OFFLINE=1 to use the cache',
    );
  });

  test('a hub in trouble (5xx)', async () => {
    hub.fault({ match: /^GET \/api\/models\/Qwen/, status: 503 });
    expect(await userError(fetchHubConfig(ref('Qwen/Qwen3-30B-A3B'), { env: env() }))).toBe(
      `${hub.endpoint} answered 503 for Qwen/Qwen3-30B-A3B: the hub is having trouble; try again later`,
    );
  });
});

describe('progress', () => {
  test('a slow fetch (over ~300 ms) reports progress, then clears the line', async () => {
    const lines: string[] = [];
    hub.latencyMs = 400;
    try {
      await fetchHubConfig(ref('Qwen/Qwen3-30B-A3B'), { env: hubEnv(hub.endpoint), progress: (m) => lines.push(m) });
    } finally {
      hub.latencyMs = 0;
    }
    expect(lines).toContain(`asking ${hub.endpoint} about Qwen/Qwen3-30B-A3B`);
    expect(lines).toContain('fetching config.json of Qwen/Qwen3-30B-A3B');
    expect(lines.at(-1)).toBe('');
  });

  test('a fast one reports nothing', async () => {
    const lines: string[] = [];
    const opts: HubOptions = { env: hubEnv(hub.endpoint), progress: (m) => lines.push(m) };
    await fetchHubConfig(ref('Qwen/Qwen3-30B-A3B'), opts);
    expect(lines).toEqual([]);
  });
});

/** An http URL on a loopback port nothing listens on. */
async function closedPort(): Promise<string> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const { port } = s.address() as { port: number };
  await new Promise<void>((r) => s.close(() => r()));
  return `http://127.0.0.1:${port}`;
}
