// Terminal tables (cli-table3) and markdown tables from the same rows.
import Table from 'cli-table3';

export interface Columns {
  head: string[];
  rows: string[][];
  /** columns to right-align (numbers) */
  right?: number[];
}

export function terminalTable({ head, rows, right = [] }: Columns): string {
  const t = new Table({
    head,
    style: { head: [], border: [] },
    chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
    colAligns: head.map((_, i) => (right.includes(i) ? 'right' : 'left')),
  });
  for (const r of rows) t.push(r);
  return t.toString();
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
