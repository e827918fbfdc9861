// Number and unit formatting for people. JSON output never uses these: it carries raw integers.
import { groupDigits } from '../core/digits.js';

export type ByteUnit = 'GB' | 'GiB';

/** 46702792704 -> "46,702,792,704" */
export function int(n: number): string {
  return groupDigits(n);
}

/** 46702792704 -> "46.70B" */
export function params(n: number): string {
  if (n >= 1e12) return `${(n / 1e12).toFixed(3)}T`;
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)}B`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}K`;
  return String(n);
}

/** Bytes in GB (10^9, default) or GiB (2^30), labelled. */
export function bytes(n: number, unit: ByteUnit, digits = 2): string {
  const v = unit === 'GB' ? n / 1e9 : n / 2 ** 30;
  return `${v.toFixed(digits)} ${unit}`;
}

/** Small byte counts (KV per token) in bytes / KiB / MiB or kB / MB. */
export function smallBytes(n: number, unit: ByteUnit): string {
  if (unit === 'GB') {
    if (n >= 1e6) return `${(n / 1e6).toFixed(2)} MB`;
    if (n >= 1e3) return `${(n / 1e3).toFixed(1)} kB`;
  } else {
    if (n >= 2 ** 20) return `${(n / 2 ** 20).toFixed(2)} MiB`;
    if (n >= 2 ** 10) return `${(n / 2 ** 10).toFixed(1)} KiB`;
  }
  return `${n} B`;
}

export function tokens(n: number): string {
  if (!Number.isFinite(n) || n >= Number.MAX_SAFE_INTEGER) return 'unbounded';
  return int(n);
}

export function pct(x: number, digits = 1): string {
  return `${(x * 100).toFixed(digits)}%`;
}

/** 0.02 -> "±2%" */
export function pctBand(x: number): string {
  return `±${+(x * 100).toFixed(1)}%`;
}

/** Tokens for a sentence: 88,366 -> "88K", 131,072 -> "131K", 4,096 -> "4,096". */
export function shortTokens(n: number): string {
  if (!Number.isFinite(n) || n >= Number.MAX_SAFE_INTEGER) return 'unbounded';
  return n >= 10_000 ? `${Math.floor(n / 1000)}K` : int(n);
}
