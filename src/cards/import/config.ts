// Reading a Hugging Face config.json: typed accessors that name the file and the key in every error.
// An absent key takes the config class's default (as transformers does); a null takes only the meaning
// the reference implementation gives it (`nullMeans`), and is refused otherwise: a flagship's value is
// never filled into a null.
import { UserError } from '../../errors.js';

export type Json = Record<string, unknown>;

export interface IntOptions {
  /** smallest allowed value (default 1) */
  min?: number;
  /** what null means in the reference code for this key; absent: null is refused */
  nullMeans?: number;
}

const show = (v: unknown) => (JSON.stringify(v) ?? String(v)).slice(0, 40);

export class Cfg {
  constructor(
    readonly data: Json,
    readonly file: string,
    readonly prefix: string,
  ) {}

  /** present and not null */
  has(k: string): boolean {
    return this.data[k] !== undefined && this.data[k] !== null;
  }
  /** present, possibly null */
  present(k: string): boolean {
    return this.data[k] !== undefined;
  }
  raw(k: string): unknown {
    return this.data[k];
  }
  where(k: string): string {
    return `${this.file}: ${this.prefix}${k}`;
  }
  fail(k: string, expected: string): never {
    throw new UserError(`${this.where(k)}: expected ${expected}, got ${show(this.data[k])}`);
  }
  private nullRefused(k: string, expected: string): never {
    throw new UserError(
      `${this.where(k)}: null is not a value this model_type defines (expected ${expected}); ` +
        'remove the key to use the default, or give a value',
    );
  }

  /** An integer; `def` when absent (required when no default). */
  int(k: string, def?: number, o: IntOptions = {}): number {
    const min = o.min ?? 1;
    const v = this.data[k];
    if (v === undefined) {
      if (def === undefined) throw new UserError(`${this.where(k)}: required: expected an integer >= ${min}`);
      return def;
    }
    if (v === null) {
      if (o.nullMeans !== undefined) return o.nullMeans;
      this.nullRefused(k, `an integer >= ${min}`);
    }
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) this.fail(k, `an integer >= ${min}`);
    return v;
  }
  /** An integer or undefined when absent; null refused unless `nullMeans`. */
  optInt(k: string, o: IntOptions = {}): number | undefined {
    if (this.data[k] === undefined) return undefined;
    return this.int(k, undefined, o);
  }
  /** An integer, or null where the reference code gives null its own meaning (the caller decides). */
  intOrNull(k: string, def: number | null, min = 1): number | null {
    const v = this.data[k];
    if (v === undefined) return def;
    if (v === null) return null;
    return this.int(k, undefined, { min });
  }
  num(k: string, def: number): number {
    const v = this.data[k];
    if (v === undefined) return def;
    if (typeof v !== 'number' || !Number.isFinite(v)) this.fail(k, 'a number');
    return v;
  }
  bool(k: string, def: boolean, nullMeans?: boolean): boolean {
    const v = this.data[k];
    if (v === undefined) return def;
    if (v === null) {
      if (nullMeans !== undefined) return nullMeans;
      this.nullRefused(k, 'true or false');
    }
    if (typeof v !== 'boolean') this.fail(k, 'true or false');
    return v;
  }
  str(k: string, def?: string): string | undefined {
    const v = this.data[k];
    if (v === undefined || v === null) return def;
    if (typeof v !== 'string') this.fail(k, 'a string');
    return v;
  }
  /** A list of non-negative integers (layer indices); absent or null: []. */
  intList(k: string): number[] {
    const v = this.data[k];
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'number' || !Number.isSafeInteger(x) || x < 0)) {
      this.fail(k, 'a list of layer indices (integers >= 0)');
    }
    return v as number[];
  }
  /** A list of strings; undefined when absent or null. */
  strList(k: string): string[] | undefined {
    const v = this.data[k];
    if (v === undefined || v === null) return undefined;
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) this.fail(k, 'a list of strings');
    return v as string[];
  }
  /** A nested object; an empty one when absent or null. */
  obj(k: string): Cfg {
    const v = this.data[k];
    if (v === undefined || v === null) return new Cfg({}, this.file, `${this.prefix}${k}.`);
    if (typeof v !== 'object' || Array.isArray(v)) this.fail(k, 'an object');
    return new Cfg(v as Json, this.file, `${this.prefix}${k}.`);
  }
  /** Refuse a key whose value (other than the harmless ones) changes the count in a way not modelled. */
  refuse(k: string, harmless: (v: unknown) => boolean, why: string): void {
    if (this.present(k) && !harmless(this.data[k])) {
      throw new UserError(
        `${this.where(k)}: ${show(this.data[k])} is not supported for this model_type (${why}); ` +
          'moe-calc refuses rather than guess',
      );
    }
  }
}
