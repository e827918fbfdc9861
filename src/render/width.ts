// Display width of text in a terminal and the width to lay output out in. Used by the table back end
// (cli-table3's string-width dependency is replaced by this function at build time: same rules,
// with a fast path for ASCII; see scripts/build.mjs) and by line wrapping.
import { fstatSync, statSync } from 'node:fs';

// biome-ignore lint/suspicious/noControlCharactersInRegex: ESC starts the ANSI colour sequences this strips
const ANSI = /\u001b\[[0-9;]*m/g;

/** East Asian wide and full-width ranges (Unicode EastAsianWidth W/F) and emoji take two cells. */
function wide(c: number): boolean {
  return (
    (c >= 0x1100 && c <= 0x115f) ||
    (c >= 0x2e80 && c <= 0x303e) ||
    (c >= 0x3041 && c <= 0x33ff) ||
    (c >= 0x3400 && c <= 0x4dbf) ||
    (c >= 0x4e00 && c <= 0x9fff) ||
    (c >= 0xa000 && c <= 0xa4cf) ||
    (c >= 0xac00 && c <= 0xd7a3) ||
    (c >= 0xf900 && c <= 0xfaff) ||
    (c >= 0xfe30 && c <= 0xfe4f) ||
    (c >= 0xff00 && c <= 0xff60) ||
    (c >= 0xffe0 && c <= 0xffe6) ||
    (c >= 0x1f300 && c <= 0x1f64f) ||
    (c >= 0x1f900 && c <= 0x1f9ff) ||
    (c >= 0x20000 && c <= 0x3fffd)
  );
}

/** Combining marks and zero-width characters take no cell. */
function zeroWidth(c: number): boolean {
  return (
    (c >= 0x0300 && c <= 0x036f) ||
    (c >= 0x200b && c <= 0x200f) ||
    (c >= 0xfe00 && c <= 0xfe0f) ||
    (c >= 0x20d0 && c <= 0x20ff) ||
    c === 0xfeff
  );
}

/** Cells a string takes in a terminal: ANSI colour codes none, CJK and emoji two. */
export function displayWidth(s: string): number {
  if (/^[\x20-\x7e]*$/.test(s)) return s.length;
  let w = 0;
  for (const ch of s.replace(ANSI, '')) {
    const c = ch.codePointAt(0)!;
    if (c < 0x20 || (c >= 0x7f && c < 0xa0) || zeroWidth(c)) continue;
    w += wide(c) ? 2 : 1;
  }
  return w;
}

/** stdout is a terminal (a character device other than /dev/null), checked without loading tty. */
export function stdoutIsTerminal(): boolean {
  try {
    const st = fstatSync(1);
    if (!st.isCharacterDevice() || process.env.TERM === 'dumb') return false;
    return st.rdev !== statSync('/dev/null').rdev;
  } catch {
    return false;
  }
}

/** Columns to lay output out in: the terminal's when stdout is one, else $COLUMNS, else unbounded
 *  (scripts and files get whole lines). At least 40. */
export function outputWidth(env: NodeJS.ProcessEnv = process.env): number {
  if (stdoutIsTerminal()) {
    const cols = process.stdout.columns;
    if (cols && cols > 0) return Math.max(40, cols);
  }
  const c = env.COLUMNS?.trim();
  if (c && /^\d+$/.test(c) && Number(c) > 0) return Math.max(40, Number(c));
  return Number.POSITIVE_INFINITY;
}
