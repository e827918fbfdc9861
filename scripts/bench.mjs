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
