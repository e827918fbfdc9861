// The published package as a library user gets it: `npm pack`, unpacked beside its dependencies,
// then a TypeScript consumer type-checks against the shipped declarations and a JavaScript consumer
// runs the same report functions the CLI renders. No network: the dependencies are this checkout's.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'moe-calc-consumer-'));
const tsc = createRequire(join(ROOT, 'package.json')).resolve('typescript/bin/tsc');

beforeAll(() => {
  execFileSync('npm', ['pack', '--ignore-scripts', '--pack-destination', dir], { cwd: ROOT, stdio: 'ignore' });
  const tarball = readdirSync(dir).find((f) => f.endsWith('.tgz'))!;
  const pkg = join(dir, 'node_modules', 'moe-calc');
  mkdirSync(pkg, { recursive: true });
  execFileSync('tar', ['-xzf', join(dir, tarball), '-C', pkg, '--strip-components=1']);
  // what `npm install moe-calc` would put beside it: its dependencies (and @types/node for the consumer)
  for (const dep of ['chalk', 'cli-table3', 'commander', 'yaml', 'zod', 'string-width', '@types']) {
    symlinkSync(join(ROOT, 'node_modules', dep), join(dir, 'node_modules', dep));
  }
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        strict: true,
        noEmit: true,
        module: 'nodenext',
        moduleResolution: 'nodenext',
        target: 'es2022',
      },
      files: ['consumer.ts'],
    }),
  );
}, 60_000);

function typecheck(source: string) {
  writeFileSync(join(dir, 'consumer.ts'), source);
  return spawnSync(process.execPath, [tsc, '-p', dir], { encoding: 'utf8' });
}

describe('the packed package as a library', () => {
  it('a TypeScript consumer type-checks against the declarations', () => {
    const r = typecheck(`
import { fit, show, compare, type FitReport, type ShowReport } from 'moe-calc';
const report: FitReport = await fit('grok-2', { gpu: 'a100-40g', precision: ['fp8'] });
const gpus: number | null = report.plans[0]!.gpuCount;
const s: ShowReport = await show('mixtral-8x7b');
const total: number = s.params.total;
const c = await compare({ models: ['grok-1', 'grok-2'], gpu: 'h100' });
console.log(gpus, total, c.models.length);
`);
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
  it('the declarations are real types, not any: a wrong use fails to compile', () => {
    const r = typecheck(`
import { fit } from 'moe-calc';
const report = await fit('grok-2', { gpu: 'a100-40g' });
const wrong: string = report.fits;
console.log(wrong);
`);
    expect(r.status).not.toBe(0);
    expect(r.stdout).toMatch(/Type 'boolean' is not assignable to type 'string'/);
  });
  it('a JavaScript consumer gets the report the CLI prints (Grok-2 fits 8 x A100-40G at fp8)', () => {
    writeFileSync(
      join(dir, 'run.mjs'),
      `import { fit } from 'moe-calc';
const r = await fit('grok-2', { gpu: 'a100-40g', precision: ['fp8'] });
console.log(JSON.stringify({ gpus: r.plans[0].gpuCount, layout: r.plans[0].tensorParallel }));`,
    );
    const r = spawnSync(process.execPath, [join(dir, 'run.mjs')], { cwd: dir, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual({ gpus: 8, layout: 8 });
  });
});
