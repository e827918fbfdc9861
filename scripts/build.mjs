// Build: validate the built-in cards and GPU catalog (the same zod schema the tests use), then
// bundle the CLI and the library into dist/ with that data inlined as plain JSON, so the common
// path neither parses YAML nor loads zod. YAML/zod live in a lazily loaded chunk for user files.
import { build } from 'esbuild';
import { mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tmp = join(root, 'dist', '.gen');
rmSync(join(root, 'dist'), { recursive: true, force: true });
mkdirSync(tmp, { recursive: true });

// CommonJS dependencies call require() for Node built-ins; give the ESM bundle one.
const banner = { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" };

// 1. Validate the YAML with the real loader.
await build({
  entryPoints: [join(root, 'src/cards/builtin-yaml.ts')],
  bundle: true, platform: 'node', format: 'esm', target: 'node20', outfile: join(tmp, 'gen.mjs'), logLevel: 'error', banner,
});
const { loadBuiltinFromYaml } = await import(pathToFileURL(join(tmp, 'gen.mjs')).href);
let data;
try {
  data = loadBuiltinFromYaml(join(root, 'models'));
} catch (e) {
  console.error(`build: built-in data is invalid: ${e.message}`);
  process.exit(2);
}
rmSync(tmp, { recursive: true, force: true });
const json = JSON.stringify(data);
writeFileSync(join(root, 'dist', 'builtin.json'), json);

// 2. Bundle.
await build({
  entryPoints: { cli: join(root, 'src/cli.ts'), index: join(root, 'src/index.ts') },
  bundle: true, splitting: true, minify: true, platform: 'node', format: 'esm', target: 'node20',
  outdir: join(root, 'dist'), define: { __MOE_CALC_BUILTIN__: json }, logLevel: 'error',
  banner,
});
console.error(`build: ${data.cards.length} cards and ${data.gpus.length} GPUs validated; dist/cli.js written`);
