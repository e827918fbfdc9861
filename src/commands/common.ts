import type { Sources } from '../api.js';
import { modelDirsFrom } from '../cards/registry.js';
import { UserError } from '../errors.js';
import { groupDigits } from '../core/digits.js';
import type { ByteUnit } from '../render/format.js';

export interface GlobalOptions {
  json?: boolean;
  markdown?: boolean;
  wide?: boolean;
  color?: boolean;
  debug?: boolean;
  /** --models, repeatable: every folder given is added */
  models?: string | string[];
  gpus?: string;
  gib?: boolean;
  timeout?: string;
}

export const SCHEMA_VERSION = 1;

export function unitOf(o: GlobalOptions): ByteUnit {
  return o.gib ? 'GiB' : 'GB';
}

/** The card folders and GPU file the global flags name, for the library API. */
export function sourcesOf(o: GlobalOptions): Sources {
  return {
    modelDirs: modelDirsFrom(o.models),
    ...(o.gpus !== undefined ? { gpusFile: o.gpus } : {}),
    hub: { ...(o.timeout !== undefined && { timeoutMs: timeoutMs(o.timeout) }), progress: !o.json, debug: !!o.debug },
  };
}

function timeoutMs(v: string): number {
  if (v.trim() !== '' && Number(v) > 0 && Number(v) <= 3600) return Number(v) * 1000; // --timeout, seconds
  throw new UserError(`--timeout: expected a number of seconds > 0 and <= 3600, got "${v}"`);
}

/** An integer flag in [min, max]; "32k" means 32 x 1024 where allowK. */
export function intFlag(
  name: string,
  raw: string | undefined,
  min: number,
  max: number,
  allowK = false,
): number | undefined {
  if (raw === undefined) return undefined;
  const s = String(raw).trim();
  // "-0" and "+0" are 0; any other sign is outside every range here
  const m = /^(?:[-+](?=0+$))?(\d+)([kK])?$/.exec(s);
  const k = allowK ? ' (a "k" suffix means x1024)' : '';
  const range = `an integer >= ${groupDigits(min)} and <= ${groupDigits(max)}${k}`;
  if (!m || (m[2] && !allowK)) throw new UserError(`${name}: expected ${range}, got "${s}"`);
  const v = Number(m[1]) * (m[2] ? 1024 : 1);
  if (!Number.isSafeInteger(v) || v < min || v > max) throw new UserError(`${name}: expected ${range}, got "${s}"`);
  return v;
}

/** A decimal flag in (min, max] or [min, max]. */
export function numFlag(
  name: string,
  raw: string | undefined,
  min: number,
  max: number,
  minInclusive = false,
): number | undefined {
  if (raw === undefined) return undefined;
  const s = String(raw).trim();
  const range = `a number ${minInclusive ? '>=' : '>'} ${groupDigits(min)} and <= ${groupDigits(max)}`;
  // "-0" and "-0.0" are 0
  if (!/^(?:-(?=0+(\.0+)?$))?\d+(\.\d+)?$/.test(s)) throw new UserError(`${name}: expected ${range}, got "${s}"`);
  const v = Number(s) + 0;
  if (!Number.isFinite(v) || (minInclusive ? v < min : v <= min) || v > max)
    throw new UserError(`${name}: expected ${range}, got "${s}"`);
  return v;
}
