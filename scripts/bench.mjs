// npm run bench: start-up time of the CLI against bare Node, measured side by side (alternating
// runs, medians), and an in-process sweep of every card x GPU x precision.
//   node scripts/bench.mjs [--runs N]
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, 'bin', 'moe-calc.js');
const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 30;

const userCard = join(mkdtempSync(join(tmpdir(), 'moe-calc-bench-')), 'my-model.yaml');
writeFileSync(
  userCard,
  readFileSync(join(root, 'models', 'mixtral-8x7b.yaml'), 'utf8').replace('id: mixtral-8x7b', 'id: my-model'),
);

// a hub model already in the standard Hugging Face cache (as huggingface-cli leaves it), read offline
const hfHome = mkdtempSync(join(tmpdir(), 'moe-calc-bench-hf-'));
const commit = 'a'.repeat(40);
const snap = join(hfHome, 'hub', 'models--Qwen--Qwen3-30B-A3B');
mkdirSync(join(snap, 'refs'), { recursive: true });
mkdirSync(join(snap, 'snapshots', commit), { recursive: true });
writeFileSync(join(snap, 'refs', 'main'), commit);
const qwenConfig = join(root, 'test', 'fixtures', 'configs', 'qwen3-30b-a3b.json');
copyFileSync(qwenConfig, join(snap, 'snapshots', commit, 'config.json'));
const offline = { HF_HOME: hfHome, HF_HUB_OFFLINE: '1', XDG_CACHE_HOME: join(hfHome, 'xdg') };

const cases = [
  ['node -e 0', [process.execPath, '-e', '0']],
  ['fit grok-2 --gpu a100-40g', [process.execPath, bin, 'fit', 'grok-2', '--gpu', 'a100-40g']],
  ['show grok-2', [process.execPath, bin, 'show', 'grok-2']],
  ['compare (all cards) --gpu h100', [process.execPath, bin, 'compare', '--gpu', 'h100']],
  ['show <user card file>', [process.execPath, bin, 'show', userCard]],
  ['show <config.json>', [process.execPath, bin, 'show', qwenConfig]],
  ['show Qwen/Qwen3-30B-A3B (cached hub)', [process.execPath, bin, 'show', 'Qwen/Qwen3-30B-A3B'], offline],
];

function once([, argv, env = {}]) {
  const t = process.hrtime.bigint();
  const r = spawnSync(argv[0], argv.slice(1), {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1', ...env },
  });
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  if (r.status !== 0) throw new Error(`${argv.join(' ')} exited ${r.status}: ${r.stderr}`);
  return ms;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

for (const c of cases) once(c); // warm the file cache
const times = cases.map(() => []);
for (let r = 0; r < RUNS; r++) for (const [i, c] of cases.entries()) times[i].push(once(c));

const base = median(times[0]);
console.log(
  `moe-calc start-up, ${RUNS} alternating runs each, Node ${process.version}, ` +
    `${cpus().length} x ` +
    `${cpus()[0]?.model ?? 'cpu'}`,
);
console.log('command'.padEnd(36) + 'median ms'.padStart(10) + 'vs node'.padStart(10));
cases.forEach(([name], i) => {
  const m = median(times[i]);
  console.log(name.padEnd(36) + m.toFixed(1).padStart(10) + `${(m / base).toFixed(2)}x`.padStart(10));
});

// In-process sweep: every card x every GPU x every precision, with KV for the default context.
const lib = await import(pathToFileURL(join(root, 'dist', 'index.js')).href);
const data = await lib.builtinData();
const t0 = process.hrtime.bigint();
let plans = 0;
for (const { card } of data.cards) {
  const d = lib.deriveParams(card);
  const ctx = Math.min(8192, card.architecture.max_context);
  for (const gpu of data.gpus) {
    for (const precision of lib.PRECISIONS) {
      lib.fitPlan(card, d, gpu, {
        precision,
        kvBytes: 2,
        context: ctx,
        batch: 1,
        utilization: lib.DEFAULT_UTILIZATION,
        gpusPerNode: gpu.gpus_per_node,
      });
      plans++;
    }
  }
}
const sweepMs = Number(process.hrtime.bigint() - t0) / 1e6;
console.log(
  `sweep: ${plans} plans (${data.cards.length} cards x ${data.gpus.length} GPUs x ` +
    `${lib.PRECISIONS.length} ` +
    `precisions) in ${sweepMs.toFixed(0)} ms = ${Math.round((plans / sweepMs) * 1000)} plans/s`,
);

// Loading large valid files (issue 16): a 100,000-layer card with 50,000-entry index lists (block and flow
// style) and a 100,000-layer config.json with a 33,334-entry mlp_only_layers; each must load well under 1 s.
{
  const bigDir = mkdtempSync(join(tmpdir(), 'moe-calc-bench-big-'));
  const base = readFileSync(join(root, 'models', 'mixtral-8x7b.yaml'), 'utf8')
    .replace('id: mixtral-8x7b', 'id: big-model')
    .replace(/^aliases: .*$/m, 'aliases: []')
    .replace(/num_layers: \d+/, 'num_layers: 100000');
  const even = Array.from({ length: 50_000 }, (_, i) => 2 * i);
  const withLayers = (layers) =>
    base
      .replace(/^ {2}mlp: .*$/m, '  mlp:\n    gated: true\n    dense_ffn: 14336')
      .replace(/^ {2}moe: .*$/m, `  moe:\n    experts: 8\n    top_k: 2\n    expert_ffn: 14336\n    layers:\n${layers}`);
  const block = join(bigDir, 'block.yaml');
  writeFileSync(block, withLayers(`      indices:\n${even.map((i) => `        - ${i}\n`).join('')}`));
  const flow = join(bigDir, 'flow.yaml');
  writeFileSync(flow, withLayers(`      indices: [${even.join(', ')}]\n`));
  const cfg = JSON.parse(readFileSync(join(root, 'test', 'fixtures', 'configs', 'qwen3-30b-a3b.json'), 'utf8'));
  cfg.num_hidden_layers = 100_000;
  cfg.mlp_only_layers = Array.from({ length: 33_334 }, (_, i) => 3 * i);
  const config = join(bigDir, 'config.json');
  writeFileSync(config, JSON.stringify(cfg));
  for (const [name, file] of [
    ['100,000-layer card, block index list', block],
    ['100,000-layer card, flow index list', flow],
    ['100,000-layer config.json', config],
  ]) {
    const t = process.hrtime.bigint();
    const r = await lib.resolveModel(file);
    const ms = Number(process.hrtime.bigint() - t) / 1e6;
    const a = r.card.architecture;
    const n = a.moe?.layers && typeof a.moe.layers === 'object' && 'indices' in a.moe.layers;
    console.log(
      `load ${name}: ${ms.toFixed(0)} ms ` +
        `(${a.num_layers} layers${n ? `, ${a.moe.layers.indices.length} MoE indices` : ''})`,
    );
  }
}
