// Hub header-read benchmark: a 163-shard safetensors repo (DeepSeek-V3's shard count) on the loopback hub
// of the tests (test/hub/server.ts), with latency injected into every request on both the hub and its
// CDN, read cold (empty cache: model info, config.json, index, paths-info, then one range read per shard,
// each redirected to the CDN) and warm (from the cache). The goal is a cold read under 1 s at 50 ms.
// The cold read runs in a fresh process, as a CLI run would (new connections, the library loaded on first
// use); it is also timed in this process, where the connections are already open.
// For reference it also times @huggingface/hub's parseSafetensorsMetadata on the same repo (20 files in
// flight, three requests per file), which is why the layer reads headers itself through the library's
// range-read blobs.
//   node scripts/bench-hub.mjs [--shards 163] [--latency 50] [--runs 5] [--concurrency 64] [--no-reference]
// Never touches the network: everything is served from 127.0.0.1.
import { build } from 'esbuild';
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { Worker } from 'node:worker_threads';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const run = promisify(execFile);
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const SHARDS = arg('shards', 163);
const LATENCY = arg('latency', 50);
const RUNS = arg('runs', 5);
const CONCURRENCY = arg('concurrency', 64); // HubOptions.concurrency's default

// the TypeScript sources, bundled once (dependencies stay in node_modules, resolved from inside the repo)
const out = join(root, 'node_modules', '.cache', 'moe-calc-bench-hub');
mkdirSync(out, { recursive: true });
await build({
  entryPoints: { hub: join(root, 'src/cards/hub/index.ts'), server: join(root, 'test/hub/server.ts') },
  outdir: out,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  logLevel: 'error',
});
const hub = await import(pathToFileURL(join(out, 'hub.js')).href);
const { hubEnv } = await import(pathToFileURL(join(out, 'server.js')).href);

// the loopback hub runs in a worker thread, so its work does not queue behind the client's on one event loop
const config = {
  architectures: ['AcmeMoeForCausalLM'],
  model_type: 'acme_moe',
  num_experts: 4,
  num_experts_per_tok: 2,
};
const workerCode = `
  import { parentPort, workerData } from 'node:worker_threads';
  const { startHubServer, shardedRepo } = await import(workerData.server);
  const s = await startHubServer({
    repos: [shardedRepo('acme/big-moe', workerData.shards, workerData.config)],
    latencyMs: workerData.latency,
  });
  parentPort.postMessage({ endpoint: s.endpoint });
  parentPort.on('message', async () => { await s.close(); parentPort.postMessage('closed'); });
`;
const worker = new Worker(new URL(`data:text/javascript,${encodeURIComponent(workerCode)}`), {
  workerData: { server: pathToFileURL(join(out, 'server.js')).href, shards: SHARDS, latency: LATENCY, config },
});
const server = await new Promise((resolve) => worker.once('message', resolve));
const ref = hub.parseModelRef('acme/big-moe');
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const time = async (fn) => {
  const t = performance.now();
  const r = await fn();
  return [performance.now() - t, r];
};

// one cold read in a fresh process, as a CLI run does it: new connections, @huggingface/hub loaded on first use
const child = join(out, 'cold-run.mjs');
writeFileSync(
  child,
  `const hub = await import(${JSON.stringify(pathToFileURL(join(out, 'hub.js')).href)});
  const env = JSON.parse(process.argv[2]);
  let requests = 0;
  const t = performance.now();
  const opts = { env, debug: () => requests++, concurrency: Number(process.argv[3]) };
  const inv = await hub.readCheckpointHeaders(hub.parseModelRef('acme/big-moe'), opts);
  const ms = performance.now() - t;
  const t2 = performance.now();
  await hub.readCheckpointHeaders(hub.parseModelRef('acme/big-moe'), { env });
  console.log(JSON.stringify({ ms, warm: performance.now() - t2, requests, files: inv.files.length }));`,
);
const freshProcess = async (env) => {
  const { stdout } = await run(process.execPath, [child, JSON.stringify(env), String(CONCURRENCY)]);
  return JSON.parse(stdout);
};

const cold = [];
const warm = [];
const pooled = [];
let requests = 0;
let files = 0;
for (let i = 0; i < RUNS; i++) {
  const r = await freshProcess(hubEnv(server.endpoint));
  cold.push(r.ms);
  warm.push(r.warm);
  requests = r.requests;
  files = r.files;
  // in this process: connections already open, the library already loaded
  pooled.push(
    (await time(() => hub.readCheckpointHeaders(ref, { env: hubEnv(server.endpoint), concurrency: CONCURRENCY })))[0],
  );
}
const f = (ms) => `${ms.toFixed(0)} ms`;
console.log(
  `${files} shards, ${LATENCY} ms per request on both origins, ${CONCURRENCY} in flight, median of ${RUNS} runs`,
);
console.log(`  cold cache, fresh process      ${f(median(cold))}  (${requests} requests)`);
console.log(`  cold cache, connections open   ${f(median(pooled))}`);
console.log(`  cached (second run)            ${f(median(warm))}  (no requests)`);

if (!process.argv.includes('--no-reference')) {
  const lib = await import('@huggingface/hub');
  const client = hub.hubClient({ env: hubEnv(server.endpoint) });
  const [ms] = await time(() =>
    lib.parseSafetensorsMetadata({
      repo: 'acme/big-moe',
      hubUrl: client.endpoint,
      fetch: client.fetch,
      computeParametersCount: true,
    }),
  );
  console.log(`  reference: @huggingface/hub's parseSafetensorsMetadata, connections open: ${f(ms)}`);
}
await new Promise((resolve) => {
  worker.once('message', resolve);
  worker.postMessage('close');
});
await worker.terminate();
const ok = median(cold) < 1000;
console.log(ok ? 'goal met: cold read under 1 s' : 'goal missed: cold read over 1 s');
