// Reading and validating user files: YAML cards, GPU catalogs, JSON configs.
// Loaded lazily: the common path (built-in cards) never imports yaml or zod.
import { readFileSync, statSync, readdirSync, lstatSync } from 'node:fs';
import { join, extname } from 'node:path';
import { parseDocument, visit } from 'yaml';
import type { z } from 'zod';
import { CardSchema, GpuCatalogSchema } from './schema.js';
import type { Card, Gpu } from '../core/types.js';
import { UserError, didYouMean } from '../errors.js';
import { CalcError } from '../core/errors.js';
import { checkArchitecture } from '../core/params.js';
import { findPrecision, PRECISION_IDS } from '../core/precision.js';
import { groupDigits } from '../core/digits.js';

/** Cards and configs are small; anything larger is refused before parsing. */
export const MAX_FILE_BYTES = 1024 * 1024;
const MAX_DEPTH = 32;
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** A safetensors index lists every tensor (DeepSeek-V3's is about 9 MB): it gets a larger limit. */
export const MAX_INDEX_BYTES = 64 * 1024 * 1024;

// a flow list of plain integers, whitespace around the commas (the long-list fast path below)
const WS = '[ \\t\\r\\n]*';
const NUM = '(?:0|[1-9]\\d*)';

export function readTextFile(path: string, what: string, maxBytes = MAX_FILE_BYTES): string {
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UserError(
      code === 'ENOENT' ? `${path}: no such ${what} file` : `${path}: cannot read ${what} (${code ?? 'error'})`,
    );
  }
  if (st.isDirectory()) throw new UserError(`${path}: is a directory, expected a ${what} file`);
  if (!st.isFile()) throw new UserError(`${path}: not a regular file, expected a ${what} file`);
  if (st.size > maxBytes) {
    const limit = `${maxBytes / 1024 / 1024} MiB`;
    throw new UserError(`${path}: file is ${(st.size / 1e6).toFixed(1)} MB; a ${what} file may be at most ${limit}`);
  }
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (e) {
    throw new UserError(`${path}: cannot read ${what} (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  if (buf.includes(0)) throw new UserError(`${path}: binary data (a NUL byte), expected a UTF-8 text ${what} file`);
  let text: string;
  try {
    // fatal: a byte sequence that is not UTF-8 is refused; a U+FFFD written in the file is a character like any other
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(buf);
  } catch {
    throw new UserError(`${path}: not valid UTF-8 text, expected a ${what} file`);
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  return text;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  // YAML 1.1 reads 2024-01-31 as a date (YAML 1.2, read here, as text): name it so
  if (typeof v === 'string' && /^\d{4}-\d\d?-\d\d?([Tt ]\d\d?:\d\d(:\d\d(\.\d*)?)?)?$/.test(v)) return `the date ${v}`;
  if (typeof v === 'string') return `"${v.length > 40 ? v.slice(0, 40) + '...' : v}"`;
  if (typeof v === 'number') return String(v);
  if (typeof v === 'object') return 'a mapping';
  return String(v);
}

/** Reject prototype keys, over-deep nesting and non-finite numbers; return plain data. */
export function sanitize(v: unknown, file: string, path: string[] = []): unknown {
  if (path.length > MAX_DEPTH)
    throw new UserError(`${file}: ${path.join('.')}: nesting deeper than ${MAX_DEPTH} levels`);
  if (typeof v === 'number' && !Number.isFinite(v)) {
    throw new UserError(`${file}: ${path.join('.') || '(top)'}: expected a finite number, got ${v}`);
  }
  if (Object.is(v, -0)) return 0; // -0 is 0 (it would print as "-0" in places)
  if (Array.isArray(v)) return v.map((x, i) => sanitize(x, file, [...path, String(i)]));
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v)) {
      if (FORBIDDEN_KEYS.has(k)) throw new UserError(`${file}: ${[...path, k].join('.')}: key "${k}" is not allowed`);
      out[k] = sanitize((v as Record<string, unknown>)[k], file, [...path, k]);
    }
    return out;
  }
  return v;
}

/** Lists of at least this many plain integers are read without the YAML library (see liftIntegerLists). */
const LONG_LIST = 128;
/** The yaml library spends ~15 us per sequence item: a card listing 100,000 layer indices would take seconds.
 *  Long runs of plain integers ("- 12" lines at one indentation, or "[0, 2, 4, ...]") are lifted out with a
 *  linear scan, replaced by a placeholder scalar on as many lines, and put back after parsing; anything the
 *  scan does not recognise is left to the library. */
interface Lifted {
  text: string;
  lists: Map<string, number[]>;
  tag: string;
  /** a line number of the lifted text -> the file's (block lists leave no blank lines: those cost time too) */
  line: (n: number) => number;
}
function liftIntegerLists(text: string): Lifted {
  const removed: [at: number, count: number][] = [];
  const line = (n: number) => {
    let out = n;
    for (const [at, count] of removed) if (n > at) out += count;
    return out;
  };
  const lists = new Map<string, number[]>();
  const tag = `moe-calc-list-${Math.random().toString(36).slice(2)}-`;
  const put = (items: number[], lines: number, indent: string) => {
    const key = `${tag}${lists.size}`;
    lists.set(key, items);
    return `${indent}${key}${'\n'.repeat(lines)}`;
  };
  if (text.length < LONG_LIST * 3) return { text, lists, tag, line };
  // block sequences: runs of "- N" lines at one indentation, right after a "key:" line
  const lines: (string | undefined)[] = text.split('\n');
  const item = /^([ \t]*)- (0|[1-9]\d*)[ \t]*\r?$/;
  for (let i = 0; i < lines.length; ) {
    const m = item.exec(lines[i]!);
    if (!m || i === 0 || !/:[ \t]*\r?$/.test(lines[i - 1] ?? '')) {
      i++;
      continue;
    }
    const indent = m[1]!;
    let j = i;
    const items: number[] = [];
    for (; j < lines.length; j++) {
      const k = item.exec(lines[j]!);
      if (!k || k[1] !== indent) break;
      items.push(Number(k[2]));
    }
    const next = lines[j];
    const deeper = next !== undefined && next.trim() !== '' && /^[ \t]*/.exec(next)![0].length > indent.length;
    if (items.length >= LONG_LIST && !deeper) {
      // one more space than the dashes: deeper than the key the list belongs to
      lines[i] = put(items, 0, `${indent} `);
      for (let k = i + 1; k < j; k++) lines[k] = undefined;
      const kept = lines.slice(0, i + 1).filter((l) => l !== undefined).length;
      removed.push([kept, j - i - 1]);
    }
    i = j;
  }
  let out = lines.filter((l) => l !== undefined).join('\n');
  out = out.replace(new RegExp(`\\[${WS}(?:${NUM}${WS},${WS}){${LONG_LIST - 1},}${NUM}${WS}\\]`, 'g'), (flow) =>
    put(
      flow
        .slice(1, -1)
        .split(',')
        .map((x) => Number(x.trim())),
      flow.split('\n').length - 1,
      '',
    ),
  );
  return { text: out, lists, tag, line };
}

/** Put the lifted lists back; false when a placeholder ended up anywhere but as a whole value. */
function restoreLists(v: unknown, lists: Map<string, number[]>, tag: string): { value: unknown; ok: boolean } {
  let ok = true;
  const walk = (x: unknown): unknown => {
    if (typeof x === 'string') {
      if (!x.includes(tag)) return x;
      const l = lists.get(x);
      if (l === undefined) ok = false;
      return l ?? x;
    }
    if (Array.isArray(x)) {
      for (let i = 0; i < x.length; i++) x[i] = walk(x[i]);
      return x;
    }
    if (x && typeof x === 'object') {
      for (const k of Object.keys(x)) {
        if (k.includes(tag)) ok = false;
        (x as Record<string, unknown>)[k] = walk((x as Record<string, unknown>)[k]);
      }
    }
    return x;
  };
  const value = walk(v);
  return { value, ok };
}

const QUOTED = Symbol('a lifted list was inside a quoted scalar');

export function parseYamlText(text: string, file: string): unknown {
  const lifted = liftIntegerLists(text);
  if (lifted.lists.size > 0) {
    const data = parseYamlDoc(lifted.text, file, lifted.line, lifted.tag);
    if (data !== QUOTED) {
      const r = restoreLists(data, lifted.lists, lifted.tag);
      if (r.ok) return r.value;
    }
  }
  return parseYamlDoc(text, file);
}

function parseYamlDoc(text: string, file: string, lineOf: (n: number) => number = (n) => n, tag?: string): unknown {
  let doc: ReturnType<typeof parseDocument>;
  try {
    // maxAliasCount stops "billion laughs" alias bombs; uniqueKeys rejects duplicate keys.
    doc = parseDocument(text, { uniqueKeys: true, prettyErrors: false, strict: true, maxAliasCount: 50 } as never);
  } catch (e) {
    throw new UserError(
      `${file}: YAML could not be parsed (${e instanceof RangeError ? 'nesting too deep' : firstLine(e)})`,
    );
  }
  if (doc.errors.length > 0) {
    const err = doc.errors[0]!;
    if (err.code === 'MULTIPLE_DOCS')
      throw new UserError(
        `${file}: the file holds several YAML documents (a "---" line starts a second one); expected one document`,
      );
    const at = err.linePos?.[0]?.line;
    const line = at === undefined ? undefined : lineOf(at);
    throw new UserError(`${file}:${line ?? '?'}: invalid YAML: ${firstLine(err.message)}`);
  }
  // a placeholder of liftIntegerLists inside a quoted or block scalar was text, not a list: read it all again
  if (tag !== undefined) {
    let quoted = false;
    visit(doc, {
      Scalar(_k, node) {
        if (node.type !== 'PLAIN' && typeof node.value === 'string' && node.value.includes(tag)) quoted = true;
        return quoted ? visit.BREAK : undefined;
      },
    });
    if (quoted) return QUOTED;
  }
  try {
    return doc.toJS({ maxAliasCount: 50 });
  } catch (e) {
    throw new UserError(
      `${file}: YAML could not be read (${e instanceof RangeError ? 'nesting too deep' : firstLine(e)})`,
    );
  }
}

function firstLine(e: unknown): string {
  const s = e instanceof Error ? e.message : String(e);
  return s.split('\n')[0]!.trim().slice(0, 200);
}

let knownKeys: string[] | undefined;
/** Every key the card schema knows, for "did you mean" on typos. */
function allSchemaKeys(): string[] {
  if (knownKeys) return knownKeys;
  const keys = new Set<string>();
  const walk = (s: unknown, depth: number): void => {
    if (!s || depth > 12) return;
    const def =
      (s as { def?: Record<string, unknown> }).def ?? (s as { _zod?: { def?: Record<string, unknown> } })._zod?.def;
    if (!def) return;
    const shape = (def as { shape?: Record<string, unknown> }).shape;
    if (shape)
      for (const [k, v] of Object.entries(shape)) {
        keys.add(k);
        walk(v, depth + 1);
      }
    for (const k of ['innerType', 'element', 'in', 'out']) walk((def as Record<string, unknown>)[k], depth + 1);
    const opts = (def as { options?: unknown[] }).options;
    if (Array.isArray(opts)) for (const o of opts) walk(o, depth + 1);
  };
  walk(CardSchema, 0);
  walk(GpuCatalogSchema, 0);
  knownKeys = [...keys];
  return knownKeys;
}

type Issue = z.core.$ZodIssue;
const NUMERIC = new Set(['number', 'int', 'bigint']);

function issueMessage(issue: Issue, data: unknown): { path: string; text: string } {
  const path = issue.path.map(String).join('.');
  let input: unknown = data;
  for (const p of issue.path)
    input = input && typeof input === 'object' ? (input as Record<PropertyKey, unknown>)[p as PropertyKey] : undefined;
  switch (issue.code) {
    case 'invalid_type': {
      const exp =
        issue.expected === 'int'
          ? 'an integer'
          : issue.expected === 'object'
            ? 'a mapping'
            : issue.expected === 'array'
              ? 'a list'
              : `a ${issue.expected}`;
      return {
        path,
        text: input === undefined ? `required: expected ${exp}` : `expected ${exp}, got ${describe(input)}`,
      };
    }
    case 'too_small': {
      const min = issue.minimum;
      const kind =
        issue.origin === 'array' ? 'a list with at least' : issue.origin === 'string' ? 'text of at least' : 'a number';
      if (NUMERIC.has(String(issue.origin)))
        return { path, text: `expected a number ${issue.inclusive ? '>=' : '>'} ${min}, got ${describe(input)}` };
      return { path, text: `expected ${kind} ${min} ${issue.origin === 'array' ? 'items' : 'characters'}` };
    }
    case 'too_big': {
      if (NUMERIC.has(String(issue.origin))) {
        const max = Number(issue.maximum);
        // the schema's integers all stop at the largest exact one (2^53 - 1); a YAML number past it has lost digits
        if (max === Number.MAX_SAFE_INTEGER)
          return {
            path,
            text:
              `expected an integer <= ${groupDigits(max)} (2^53 - 1, the largest exact integer), ` +
              'got a larger number',
          };
        return {
          path,
          text: `expected a number ${issue.inclusive ? '<=' : '<'} ${groupDigits(max)}, got ${describe(input)}`,
        };
      }
      return { path, text: `expected at most ${issue.maximum} ${issue.origin === 'array' ? 'items' : 'characters'}` };
    }
    case 'unrecognized_keys': {
      const k = issue.keys[0]!;
      return { path: path ? `${path}.${k}` : k, text: `unknown key "${k}"${didYouMean(k, allSchemaKeys())}` };
    }
    case 'invalid_value':
      return {
        path,
        text: `expected ${issue.values.map((v) => JSON.stringify(v)).join(' or ')}, got ${describe(input)}`,
      };
    case 'invalid_union': {
      const nested = issue.errors?.flat() ?? [];
      // the only discriminated union in the schemas is attention.type
      if ((issue as { note?: string }).note === 'No matching discriminator') {
        return { path, text: `expected "gqa" or "mla", got ${describe(input)}` };
      }
      if (nested.length > 0 && issue.path.at(-1) !== 'layers') {
        const inner = issueMessage({ ...nested[0]!, path: [...issue.path, ...nested[0]!.path] } as Issue, data);
        return inner;
      }
      return {
        path,
        text: `expected "all", "none", {indices: [...]} or {period, offsets, from?, except?}, got ${describe(input)}`,
      };
    }
    default:
      return { path, text: issue.message };
  }
}

/** Validate data against a zod schema; one line naming file, field path and what was expected. */
export function validate<T>(schema: z.ZodType<T>, data: unknown, file: string): T {
  const r = schema.safeParse(data);
  if (r.success) return r.data;
  const issues = r.error.issues;
  const { path, text } = issueMessage(issues[0]!, data);
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more problem${issues.length > 2 ? 's' : ''})` : '';
  throw new UserError(`${file}: ${path || '(top level)'}: ${text}${more}`);
}

/** Validate a parsed card document: schema, cross-field rules, precision names. */
export function validateCard(data: unknown, file: string): Card {
  if (data === null || data === undefined)
    throw new UserError(
      `${file}: (top level): empty file, expected a model card (a mapping with id, name, architecture...)`,
    );
  if (typeof data !== 'object' || Array.isArray(data)) {
    throw new UserError(`${file}: (top level): expected a model card (a mapping), got ${describe(data)}`);
  }
  const clean = sanitize(data, file);
  const card = validate(CardSchema, clean, file);
  checkCard(card, file);
  return card;
}

/** Rules across fields; shared by the build-time check of built-in cards. */
export function checkCard(card: Card, file: string): void {
  try {
    checkArchitecture(card.architecture);
  } catch (e) {
    if (e instanceof CalcError) throw new UserError(`${file}: ${e.field}: ${e.message}`);
    throw e;
  }
  const np = card.architecture.native_precision;
  if (!findPrecision(np)) {
    throw new UserError(
      `${file}: architecture.native_precision: unknown precision "${np}"${didYouMean(np, PRECISION_IDS)}`,
    );
  }
  card.claims.forEach((c, i) => {
    if (c.precision !== undefined && !findPrecision(c.precision)) {
      throw new UserError(
        `${file}: claims.${i}.precision: unknown precision "${c.precision}"${didYouMean(c.precision, PRECISION_IDS)}`,
      );
    }
    if (c.kind === 'gpu_requirement' && !c.gpus)
      throw new UserError(`${file}: claims.${i}.gpus: required for a gpu_requirement claim`);
  });
}

export function loadCardFile(path: string): Card {
  const text = readTextFile(path, 'card');
  return validateCard(parseYamlText(text, path), path);
}

export function loadGpuCatalogFile(path: string): Gpu[] {
  const text = readTextFile(path, 'GPU catalog');
  const data = parseYamlText(text, path);
  if (!data || typeof data !== 'object' || Array.isArray(data)) {
    throw new UserError(`${path}: (top level): expected a mapping with a "gpus" list, got ${describe(data)}`);
  }
  return validate(GpuCatalogSchema, sanitize(data, path), path).gpus;
}

export function readJsonFile(path: string, what: string, maxBytes = MAX_FILE_BYTES): unknown {
  const text = readTextFile(path, what, maxBytes);
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new UserError(`${path}: invalid JSON (${firstLine(e)})`);
  }
  return sanitize(data, path);
}

/** The YAML card files directly inside a folder. A symbolic link to a card is followed (statSync resolves it;
 *  a link loop or a dangling link is refused by name); sub-folders are not read. */
export function cardFilesIn(dir: string): string[] {
  let entries: string[];
  try {
    if (!statSync(dir).isDirectory()) throw new UserError(`${dir}: not a directory (a models folder was expected)`);
    entries = readdirSync(dir);
  } catch (e) {
    if (e instanceof UserError) throw e;
    throw new UserError(`${dir}: cannot read models folder (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  return entries
    .filter((f) => ['.yaml', '.yml'].includes(extname(f).toLowerCase()))
    .map((f) => join(dir, f))
    .filter((p) => {
      try {
        return statSync(p).isFile();
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (lstatOr(p)?.isSymbolicLink())
          throw new UserError(
            `${p}: ${code === 'ELOOP' ? 'a loop of symbolic links' : 'a symbolic link to nothing'} (${code}), ` +
              'expected a card file',
          );
        return false;
      }
    })
    .sort();
}

function lstatOr(p: string): ReturnType<typeof lstatSync> | undefined {
  try {
    return lstatSync(p);
  } catch {
    return undefined;
  }
}
