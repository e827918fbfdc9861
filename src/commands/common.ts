// Shared pieces of the command modules: global options, flag parsing, output.
import { UserError } from '../errors.js';
import type { ByteUnit } from '../render/format.js';
import { modelDirsFrom } from '../cards/registry.js';

export interface GlobalOptions {
  json?: boolean;
  color?: boolean;
  debug?: boolean;
  models?: string;
  gpus?: string;
  gib?: boolean;
}

export const SCHEMA_VERSION = 1;

export function unitOf(o: GlobalOptions): ByteUnit {
  return o.gib ? 'GiB' : 'GB';
}

export function registryOptions(o: GlobalOptions) {
  return { modelDirs: modelDirsFrom(o.models) };
}

export function printJson(doc: unknown): void {
  process.stdout.write(JSON.stringify(doc, null, 2) + '\n');
}

export function print(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : text + '\n');
}

/** An integer flag in [min, max]; "32k" means 32 x 1024 where allowK. */
export function intFlag(name: string, raw: string | undefined, min: number, max: number, allowK = false): number | undefined {
  if (raw === undefined) return undefined;
  const s = String(raw).trim();
  const m = /^(\d+)([kK])?$/.exec(s);
  const range = `an integer from ${min} to ${max}${allowK ? ' (a "k" suffix means x1024)' : ''}`;
  if (!m || (m[2] && !allowK)) throw new UserError(`${name}: expected ${range}, got "${s}"`);
  const v = Number(m[1]) * (m[2] ? 1024 : 1);
  if (!Number.isSafeInteger(v) || v < min || v > max) throw new UserError(`${name}: expected ${range}, got "${s}"`);
  return v;
}

/** A decimal flag in (min, max] or [min, max]. */
export function numFlag(name: string, raw: string | undefined, min: number, max: number, minInclusive = false): number | undefined {
  if (raw === undefined) return undefined;
  const s = String(raw).trim();
  const range = `a number ${minInclusive ? '>=' : '>'} ${min} and <= ${max}`;
  if (!/^\d+(\.\d+)?$/.test(s)) throw new UserError(`${name}: expected ${range}, got "${s}"`);
  const v = Number(s);
  if (!Number.isFinite(v) || (minInclusive ? v < min : v <= min) || v > max) throw new UserError(`${name}: expected ${range}, got "${s}"`);
  return v;
}
