// Shared pieces of the command modules: global options, flag parsing, output.
import { writeSync } from 'node:fs';
import type { Sources } from '../api.js';
import { modelDirsFrom } from '../cards/registry.js';
import { UserError } from '../errors.js';
import { groupDigits } from '../core/digits.js';
import type { Doc } from '../render/doc.js';
import type { ByteUnit } from '../render/format.js';
import { renderMarkdown } from '../render/markdown.js';
import { renderTerminal } from '../render/terminal.js';
import { outputWidth } from '../render/width.js';

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
}

export const SCHEMA_VERSION = 1;

export function unitOf(o: GlobalOptions): ByteUnit {
  return o.gib ? 'GiB' : 'GB';
}

export function registryOptions(o: GlobalOptions) {
  return { modelDirs: modelDirsFrom(o.models) };
}

/** The card folders and GPU file the global flags name, for the library API. */
export function sourcesOf(o: GlobalOptions): Sources {
  return { modelDirs: modelDirsFrom(o.models), ...(o.gpus !== undefined ? { gpusFile: o.gpus } : {}) };
}

/** Print a command's result: its report as JSON, or its document as markdown or terminal text. */
export function emit(o: GlobalOptions, report: unknown, doc: () => Doc): void {
  checkOutputFlags(o);
  if (o.json) printJson(report);
  else if (o.markdown) print(renderMarkdown(doc()));
  else print(renderTerminal(doc(), { width: outputWidth(), wide: o.wide ?? false }));
}

/** Output is collected and written once, with a blocking write, when the command ends (flushOutput):
 *  no stream set-up at start-up, no lost output on exit. A write that fails (a closed pipe, a full disk:
 *  `moe-calc list > /dev/full`) is an OutputError: one line on stderr and exit 2, not a bug report. */
const pending: string[] = [];

function out(text: string): void {
  pending.push(text);
}

export function flushOutput(): void {
  const buf = Buffer.from(pending.join(''), 'utf8');
  pending.length = 0;
  let off = 0;
  while (off < buf.length) {
    try {
      off += writeSync(1, buf, off);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') continue;
      throw new OutputError(
        `cannot write the output: ${code === 'EPIPE' ? 'the reader closed the pipe' : code === 'ENOSPC' ? 'no space left on the device' : 'write failed'} (${code ?? 'error'})`,
      );
    }
  }
}

/** Standard output could not be written: exit 2 with one line on stderr. */
export class OutputError extends Error {
  override name = 'OutputError';
}

export function printJson(doc: unknown): void {
  out(JSON.stringify(doc, null, 2) + '\n');
}

export function print(text: string): void {
  out(text.endsWith('\n') ? text : text + '\n');
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
  const range = `an integer >= ${groupDigits(min)} and <= ${groupDigits(max)}${allowK ? ' (a "k" suffix means x1024)' : ''}`;
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

/** --json and --markdown ask for two different documents. */
export function checkOutputFlags(o: GlobalOptions & { markdown?: boolean }): void {
  if (o.json && o.markdown) throw new UserError('--json and --markdown conflict: choose one output format');
}
