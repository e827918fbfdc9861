// Terminal tables (box drawing, ANSI-colour aware) and markdown tables from the same rows.
// A small renderer of our own: cli-table3 cost ~10 ms of start-up per table (profiled), most of the
// time budget of `moe-calc fit` (see README "Speed").

export interface Columns {
  head: string[];
  rows: string[][];
  /** columns to right-align (numbers) */
  right?: number[];
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: ESC starts the ANSI colour sequences this strips
const ANSI = /\u001b\[[0-9;]*m/g;

/** Display width: ANSI codes take none; CJK and full-width characters take two cells. */
export function displayWidth(s: string): number {
  if (/^[\x20-\x7e]*$/.test(s)) return s.length;
  let w = 0;
  for (const ch of s.replace(ANSI, '')) {
    const c = ch.codePointAt(0)!;
    w +=
      (c >= 0x1100 && c <= 0x115f) ||
      (c >= 0x2e80 && c <= 0xa4cf) ||
      (c >= 0xac00 && c <= 0xd7a3) ||
      (c >= 0xf900 && c <= 0xfaff) ||
      (c >= 0xfe30 && c <= 0xfe4f) ||
      (c >= 0xff00 && c <= 0xff60) ||
      (c >= 0xffe0 && c <= 0xffe6) ||
      (c >= 0x20000 && c <= 0x3fffd)
        ? 2
        : 1;
  }
  return w;
}

function pad(s: string, width: number, right: boolean): string {
  const fill = ' '.repeat(Math.max(0, width - displayWidth(s)));
  return right ? fill + s : s + fill;
}

export function terminalTable({ head, rows, right = [] }: Columns): string {
  const cells = [head, ...rows].map((r) => r.map((c) => String(c).split('\n')));
  const widths = head.map((_, i) => Math.max(...cells.map((r) => Math.max(...(r[i] ?? ['']).map(displayWidth)))));
  const line = (l: string, m: string, r: string) => l + widths.map((w) => '─'.repeat(w + 2)).join(m) + r;
  const out = [line('┌', '┬', '┐')];
  cells.forEach((r, ri) => {
    const height = Math.max(...r.map((c) => c.length));
    for (let k = 0; k < height; k++) {
      out.push('│' + widths.map((w, i) => ` ${pad(r[i]?.[k] ?? '', w, right.includes(i))} `).join('│') + '│');
    }
    if (ri === 0) out.push(line('├', '┼', '┤'));
  });
  out.push(line('└', '┴', '┘'));
  return out.join('\n');
}

export function markdownTable({ head, rows, right = [] }: Columns): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const lines = [
    `| ${head.map(esc).join(' | ')} |`,
    `|${head.map((_, i) => (right.includes(i) ? '---:' : '---')).join('|')}|`,
    ...rows.map((r) => `| ${r.map(esc).join(' | ')} |`),
  ];
  return lines.join('\n');
}

/** A bar of `width` cells filled to used/total. */
export function bar(parts: { value: number; char: string }[], total: number, width = 40): string {
  let out = '';
  let used = 0;
  for (const p of parts) {
    const n = Math.max(0, Math.round((p.value / total) * width));
    const k = Math.min(n, width - used);
    out += p.char.repeat(k);
    used += k;
  }
  return out + '.'.repeat(Math.max(0, width - used));
}
