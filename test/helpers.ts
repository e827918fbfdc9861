import { spawnSync, execFile } from 'node:child_process';
import { join } from 'node:path';
import { loadBuiltinFromYaml } from '../src/cards/builtin-yaml.js';
import type { Card } from '../src/core/types.js';

export const ROOT = join(__dirname, '..');
export const BIN = join(ROOT, 'bin', 'moe-calc.js');

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run the built CLI as a user would, without colours. */
export function cli(
  args: string[],
  opts: { env?: Record<string, string | undefined>; cwd?: string; input?: string } = {},
): Run {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    cwd: opts.cwd ?? ROOT,
    env: { ...process.env, NO_COLOR: '1', MOE_CALC_MODELS: '', ...opts.env },
    input: opts.input,
    timeout: 20_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

// biome-ignore lint/suspicious/noExplicitAny: tests index into the CLI's JSON output freely; the schema tests type it
export function cliJson<T = any>(args: string[]): T {
  const r = cli([...args, '--json']);
  if (r.code !== 0 && r.code !== 1) throw new Error(`moe-calc ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

let data: ReturnType<typeof loadBuiltinFromYaml> | undefined;
/** Built-in cards and GPUs read from the YAML under models/ with the real loader (once). */
export function builtin() {
  data ??= loadBuiltinFromYaml(join(ROOT, 'models'));
  return data;
}
export function card(id: string): Card {
  const c = builtin().cards.find((x) => x.card.id === id)?.card;
  if (!c) throw new Error(`no card ${id}`);
  return c;
}
export function gpu(id: string) {
  const g = builtin().gpus.find((x) => x.id === id);
  if (!g) throw new Error(`no gpu ${id}`);
  return g;
}

/** The same, without blocking: lets a file run its CLI cases concurrently on both cores. */
export function cliAsync(args: string[], opts: { env?: Record<string, string | undefined> } = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      {
        cwd: ROOT,
        encoding: 'utf8',
        timeout: 20_000,
        env: { ...process.env, NO_COLOR: '1', MOE_CALC_MODELS: '', ...opts.env },
      },
      (err, stdout, stderr) => {
        const code = err
          ? typeof (err as { code?: unknown }).code === 'number'
            ? (err as { code: number }).code
            : -1
          : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}
