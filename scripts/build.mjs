// Build: bundle the user-file reader, validate the built-in cards and GPU catalog with it (the same
// zod schema the tests use), then bundle the CLI and the library with that data inlined as plain
// JSON, so the common path neither parses YAML nor loads zod.
//   dist/cli.cjs          the CLI (CommonJS: loads faster than ESM on Node 20)
//   dist/user-files.cjs   YAML + zod + config import, required only when a user file is named
//   dist/index.js         the library (ESM)
//   dist/builtin.json     the validated built-in data, for tests
//   dist/types/           type declarations of the library
import { build } from 'esbuild';
import { mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const minify = !process.env.MOE_CALC_NO_MINIFY;
const common = { bundle: true, platform: 'node', target: 'node20', logLevel: 'error', minify, legalComments: 'none' };
rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });

// 1. The user-file reader, then the built-in data validated by it. The Hugging Face libraries are chunks of
// their own (dist/hf-hub.cjs, dist/hf-gguf.cjs), required only when a hub id or a GGUF is read, so a card
// file or a config.json does not compile them.
const HF_CHUNKS = { '@huggingface/hub': 'hf-hub.cjs', '@huggingface/gguf': 'hf-gguf.cjs' };
const hfChunks = {
  name: 'hf-chunks',
  setup(b) {
    b.onResolve({ filter: /^@huggingface\/(hub|gguf)$/ }, (a) => ({ path: `./${HF_CHUNKS[a.path]}`, external: true }));
  },
};
await build({
  ...common,
  entryPoints: [join(root, 'src/cards/user-files.ts')],
  format: 'cjs',
  outfile: join(dist, 'user-files.cjs'),
  // the chunk runs from a vm.Script with a V8 code cache, where a real import() has no loader: import()
  // of the Hugging Face chunks (and anything else) becomes a require() call
  supported: { 'dynamic-import': false },
  plugins: [hfChunks],
});
for (const [pkg, out] of Object.entries(HF_CHUNKS)) {
  await build({
    ...common,
    stdin: { contents: `module.exports = require(${JSON.stringify(pkg)});`, resolveDir: root },
    format: 'cjs',
    outfile: join(dist, out),
    supported: { 'dynamic-import': false },
  });
}
const { loadBuiltinFromYaml, jsonSchemas } = createRequire(import.meta.url)(join(dist, 'user-files.cjs'));
// JSON Schemas of the card format and the --json outputs, generated from the zod schemas.
mkdirSync(join(root, 'schema'), { recursive: true });
for (const [name, schema] of Object.entries(jsonSchemas()))
  writeFileSync(join(root, 'schema', name), JSON.stringify(schema, null, 2) + '\n');
let data;
try {
  data = loadBuiltinFromYaml(join(root, 'models'));
} catch (e) {
  console.error(`build: built-in data is invalid: ${e.message}`);
  process.exit(2);
}
const json = JSON.stringify(data);
writeFileSync(join(dist, 'builtin.json'), json);

// 2. The CLI and the library, with the data inlined.
// A JSON string parsed at run time: V8's JSON parser is faster than compiling an object literal.
const define = { __MOE_CALC_BUILTIN_JSON__: JSON.stringify(json), __MOE_CALC_BUNDLE__: 'true' };
const external = ['./user-files.cjs'];
// commander requires child_process for executable subcommands, which moe-calc has none of;
// loading it costs ~5 ms of start-up, so it is required only if something touches it.
// cli-table3 draws the tables; its width measure is replaced by src/render/width.ts (same rules,
// without loading emoji-regex at start-up), and its optional colour package is never reached
// (moe-calc colours cells itself), so it stays out of the bundle.
const tableDeps = {
  name: 'table-deps',
  setup(b) {
    b.onResolve({ filter: /^string-width$/ }, () => ({ path: join(root, 'src/render/string-width.cjs') }));
    b.onResolve({ filter: /^@colors\/colors/ }, (a) => ({ path: a.path, external: true }));
  },
};
const lazyChildProcess = {
  name: 'lazy-child-process',
  setup(b) {
    b.onResolve({ filter: /^(node:)?child_process$/ }, () => ({ path: 'child_process', namespace: 'lazy' }));
    b.onLoad({ filter: /.*/, namespace: 'lazy' }, () => ({
      contents: "const n = 'child_process'; module.exports = new Proxy({}, { get: (_, k) => require(n)[k] });",
      loader: 'js',
    }));
  },
};
await build({
  ...common,
  entryPoints: [join(root, 'src/cli.ts')],
  format: 'cjs',
  outfile: join(dist, 'cli.cjs'),
  define,
  external,
  plugins: [lazyChildProcess, tableDeps],
});
await build({
  ...common,
  entryPoints: [join(root, 'src/index.ts')],
  format: 'esm',
  outfile: join(dist, 'index.js'),
  define,
  external,
  plugins: [tableDeps],
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
});
// Type declarations for library users (package.json "types"), from the same sources.
execFileSync(
  process.execPath,
  [createRequire(import.meta.url).resolve('typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json')],
  {
    stdio: 'inherit',
  },
);
// 3. V8 code cache for the CLI, from one run of the main job.
// A user card run also stores the cache of the YAML/zod reader.
execFileSync(
  process.execPath,
  [join(root, 'bin/moe-calc.js'), 'fit', join(root, 'models/grok-2.yaml'), '--gpu', 'a100-40g'],
  {
    env: { ...process.env, MOE_CALC_WRITE_CODE_CACHE: '1', NO_COLOR: '1' },
    stdio: 'ignore',
  },
);
console.error(`build: ${data.cards.length} cards and ${data.gpus.length} GPUs validated; dist/cli.cjs written`);
