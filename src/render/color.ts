// Colours via chalk, off when NO_COLOR is set, --no-color is given, or stdout is not a terminal.
// chalk (and the tty probing it does on import) loads only when colours are on: a piped or
// redirected run never pays for it.
import { fstatSync, statSync } from 'node:fs';

export interface Painter {
  bold(s: string): string;
  green(s: string): string;
  red(s: string): string;
  yellow(s: string): string;
  dim(s: string): string;
}

/** stdout is a terminal (a character device), checked without loading the tty module. */
function isTerminal(): boolean {
  try {
    const st = fstatSync(1);
    if (!st.isCharacterDevice() || process.env.TERM === 'dumb') return false;
    // /dev/null is a character device too, but not a terminal
    return st.rdev !== statSync('/dev/null').rdev;
  } catch {
    return false;
  }
}

const plain: Painter = { bold: (s) => s, green: (s) => s, red: (s) => s, yellow: (s) => s, dim: (s) => s };
let instance: Painter = plain;

export async function setColor(enabled: boolean): Promise<void> {
  const env = process.env.NO_COLOR;
  const on = enabled && (env === undefined || env === '') && isTerminal();
  if (!on) {
    instance = plain;
    return;
  }
  const { Chalk } = await import('chalk');
  instance = new Chalk({ level: 1 });
}

export function c(): Painter {
  return instance;
}
