// Regenerates README.md's list of supported config.json model types (between the "supported-types" markers)
// from the importer's registry (supportedTypesMarkdown in src/cards/import/index.ts), read from the built
// dist/user-files.cjs. `node scripts/sync-readme.mjs --check` changes nothing and exits 1 when the README is
// out of date; test/cli/readme.test.ts makes the same comparison in `npm test`.
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const START = '<!-- supported-types:start -->';
const END = '<!-- supported-types:end -->';
const bundle = join(root, 'dist/user-files.cjs');
if (!existsSync(bundle)) {
  console.error('sync-readme: dist/user-files.cjs not found; run npm run build first');
  process.exit(2);
}
const table = createRequire(import.meta.url)(bundle).supportedTypesMarkdown();
const file = join(root, 'README.md');
const text = readFileSync(file, 'utf8');
const a = text.indexOf(START);
const b = text.indexOf(END);
if (a < 0 || b < a) {
  console.error(`sync-readme: README.md: expected the markers ${START} and ${END}, in that order`);
  process.exit(2);
}
const next = `${text.slice(0, a + START.length)}\n${table}\n${text.slice(b)}`;
if (process.argv.includes('--check')) {
  if (next !== text) {
    console.error('sync-readme: README.md: the supported-types list is out of date; run npm run readme');
    process.exit(1);
  }
} else if (next !== text) {
  writeFileSync(file, next);
  console.log('README.md: supported-types list updated');
} else {
  console.log('README.md: supported-types list already up to date');
}
