// npm run calibrate: refit the decode-speed profiles to test/fixtures/decode-measurements.ts, cross-validate
// by leaving one source out at a time, and print in-sample and held-out error side by side.
//   node scripts/fit-speed.mjs           report; says whether src/core/speed.ts holds the current fit
//   node scripts/fit-speed.mjs --write   also rewrite the fitted block of src/core/speed.ts
//   node scripts/fit-speed.mjs --rows    also print every row
// The calibration code is TypeScript (scripts/speed-calibration.ts, shared with the tests): it is bundled to
// a temporary file with esbuild first.
import { build } from 'esbuild';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dir = mkdtempSync(join(tmpdir(), 'moe-calc-fit-'));
const out = join(dir, 'calibration.cjs');
try {
  await build({
    entryPoints: [join(root, 'scripts/speed-calibration.ts')],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    outfile: out,
    logLevel: 'error',
  });
  const cal = createRequire(import.meta.url)(out);
  const t0 = Date.now();
  const c = cal.calibrate(join(root, 'models'));
  const used = cal.used(c.rows);
  console.log(
    `decode calibration: ${used.length} measurements from ${new Set(used.map((p) => p.row.source)).size} sources ` +
      `(${c.rows.length - used.length} kept but excluded), fit + leave-one-source-out in ${Date.now() - t0} ms\n`,
  );
  console.log(cal.summaryTable(c));
  console.log(
    '\nin-sample: the fit on every row, bands from its own errors. held-out: each source predicted by the fit ' +
      'without it,\nbands from those errors (what the tool prints). cover: rows inside the band printed for their ' +
      'regime. nested:\nthe same with each source checked against the band built from the other sources only ' +
      '("none": fewer than 3 sources\nremain, so the tool would print no band).',
  );
  if (process.argv.includes('--rows')) console.log(`\n${cal.rowTable(c)}`);
  const file = join(root, 'src/core/speed.ts');
  const text = readFileSync(file, 'utf8');
  const begin = text.indexOf('// BEGIN FITTED');
  const end = text.indexOf('// END FITTED');
  if (begin < 0 || end < 0) throw new Error('src/core/speed.ts: BEGIN FITTED / END FITTED markers not found');
  const block = cal.fittedBlock(c);
  if (process.argv.includes('--write')) {
    writeFileSync(file, text.slice(0, begin) + block + text.slice(end + '// END FITTED'.length));
    execFileSync(join(root, 'node_modules/.bin/biome'), ['format', '--write', file], { stdio: 'ignore' });
    console.log('\nwrote the fitted block of src/core/speed.ts');
  } else {
    const st = cal.staleness(c);
    console.log(
      st.params <= 0.01 && st.bands <= 0.01
        ? '\nsrc/core/speed.ts holds this fit'
        : `\nsrc/core/speed.ts differs from this fit (${st.worst}; bands by ${st.bands.toFixed(3)}): ` +
            'node scripts/fit-speed.mjs --write',
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
