// The terminal back end: lays a Doc out in `width` columns. Tables are drawn by cli-table3; columns
// the width cannot hold are hidden lowest priority first and named under the table, long text wraps
// inside its cell, paragraphs wrap with a hanging indent. Text from cards and configs is made safe:
// control characters and bidirectional overrides are shown escaped, never sent to the terminal.
import Table from 'cli-table3';
import { c } from './color.js';
import type { Block, Column, Doc, Style } from './doc.js';
import { styleOf, textOf } from './doc.js';
import { displayWidth } from './width.js';

export interface TerminalOptions {
  /** columns available; Infinity for no limit */
  width: number;
  /** show every column whatever the width (--wide) */
  wide?: boolean;
}

// C0 and C1 controls (but tab and newline), DEL, and the bidirectional embedding/override/isolate marks.
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are exactly what must not reach a terminal
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** Control characters shown as escapes ("\x1b", "\u202e") instead of acting on the terminal. */
export function safeText(s: string): string {
  return s.replace(UNSAFE, (ch) => {
    const n = ch.codePointAt(0)!;
    return n <= 0xff ? `\\x${n.toString(16).padStart(2, '0')}` : `\\u${n.toString(16).padStart(4, '0')}`;
  });
}

function paint(text: string, style: Style | undefined): string {
  if (!style) return text;
  return c()[style](text);
}

/** Greedy word wrap to `width` cells; words longer than the width are cut. */
export function wrapText(text: string, width: number, indent = 0): string[] {
  if (!Number.isFinite(width) || displayWidth(text) <= width) return [text];
  const out: string[] = [];
  const pad = ' '.repeat(indent);
  let line = '';
  let lineW = 0;
  const room = () => (out.length === 0 ? width : width - indent);
  for (const word of text.split(/ +/)) {
    let w = word;
    let ww = displayWidth(w);
    if (lineW > 0 && lineW + 1 + ww > room()) {
      out.push(line);
      line = '';
      lineW = 0;
    }
    while (ww > room() && room() > 0) {
      // cut an over-long word (a URL) at the width
      let cut = '';
      let cw = 0;
      for (const ch of w) {
        const chw = displayWidth(ch);
        if (cw + chw > room() - lineW - (lineW > 0 ? 1 : 0)) break;
        cut += ch;
        cw += chw;
      }
      if (cut === '') break;
      out.push(lineW > 0 ? `${line} ${cut}` : cut);
      line = '';
      lineW = 0;
      w = w.slice(cut.length);
      ww = displayWidth(w);
    }
    if (w === '') continue;
    line = lineW > 0 ? `${line} ${w}` : w;
    lineW = displayWidth(line);
  }
  if (line !== '') out.push(line);
  return out.map((l, i) => (i === 0 ? l : pad + l));
}

interface Laid {
  visible: number[];
  widths: number[];
  hidden: string[];
}

/** Which columns to show and how wide, so that the table is at most `width` cells wide. */
export function layoutColumns(columns: Column[], rows: string[][], width: number, wide: boolean): Laid {
  const n = columns.length;
  const cellNatural = columns.map((_, i) =>
    Math.max(0, ...rows.map((r) => Math.max(...(r[i] ?? '').split('\n').map(displayWidth)))),
  );
  const headNatural = columns.map((col) => displayWidth(col.header));
  const headWord = columns.map((col) => Math.max(...col.header.split(' ').map(displayWidth)));
  const natural = columns.map((_, i) => Math.max(cellNatural[i]!, headNatural[i]!));
  const longestWord = columns.map((_, i) =>
    Math.max(0, ...rows.map((r) => Math.max(...(r[i] ?? '').split(/[\s\n]+/).map(displayWidth)))),
  );
  // a wrapping column may go down to its longest word (8 to 14 cells) or its header's; the others to
  // their widest cell, with the header wrapped at its spaces
  const min = columns.map((col, i) =>
    col.wrap
      ? Math.min(natural[i]!, Math.max(headWord[i]!, 8, Math.min(longestWord[i]!, 14)))
      : Math.max(cellNatural[i]!, headWord[i]!),
  );
  let visible = [...Array(n).keys()];
  const total = (ws: number[], vis: number[]) => vis.reduce((s, i) => s + ws[i]!, 0) + 3 * vis.length + 1;
  const hidden: string[] = [];
  if (wide || !Number.isFinite(width) || total(natural, visible) <= width) {
    return { visible, widths: natural, hidden };
  }
  // wrapping columns should keep about 20 cells to stay readable: hide less important columns first
  const comfortable = columns.map((col, i) => (col.wrap ? Math.max(min[i]!, Math.min(natural[i]!, 20)) : min[i]!));
  while (total(comfortable, visible) > width) {
    // hide the least important column (the rightmost among equals); priority 0 columns stay
    let drop = -1;
    for (const i of visible)
      if (columns[i]!.priority > 0 && (drop < 0 || columns[i]!.priority >= columns[drop]!.priority)) drop = i;
    if (drop < 0) break;
    visible = visible.filter((i) => i !== drop);
    hidden.push(columns[drop]!.header);
  }
  // share the room left over from the minimum among the visible columns, smallest deficit first
  const widths = [...min];
  let spare = width - total(min, visible);
  const wanting = visible
    .filter((i) => natural[i]! > widths[i]!)
    .sort((a, b) => natural[a]! - min[a]! - (natural[b]! - min[b]!));
  for (let k = 0; k < wanting.length && spare > 0; k++) {
    const i = wanting[k]!;
    const fair = Math.floor(spare / (wanting.length - k));
    const give = Math.min(natural[i]! - widths[i]!, fair);
    widths[i]! += give;
    spare -= give;
  }
  // columns listed in display order
  hidden.sort((a, b) => columns.findIndex((x) => x.header === a) - columns.findIndex((x) => x.header === b));
  return { visible, widths, hidden };
}

function table(block: Extract<Block, { kind: 'table' }>, o: TerminalOptions): string[] {
  const plainRows = block.rows.map((r) => r.map((cell) => safeText(textOf(cell))));
  const { visible, widths, hidden } = layoutColumns(block.columns, plainRows, o.width, o.wide ?? false);
  // cells are wrapped here (display width, CJK, over-long words cut) so cli-table3 only draws them
  const fitCell = (text: string, i: number) =>
    text
      .split('\n')
      .flatMap((l) => wrapText(l, widths[i]!))
      .join('\n');
  const t = new Table({
    head: visible.map((i) => c().bold(fitCell(safeText(block.columns[i]!.header), i))),
    colWidths: visible.map((i) => widths[i]! + 2),
    colAligns: visible.map((i) => block.columns[i]!.align ?? 'left'),
    wordWrap: false,
    style: { head: [], border: [], 'padding-left': 1, 'padding-right': 1 },
    // no rule between body rows: a row that wraps is set apart by its alignment
    chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
  });
  block.rows.forEach((r, ri) => {
    t.push(visible.map((i) => paint(fitCell(plainRows[ri]![i] ?? '', i), styleOf(r[i] ?? ''))));
  });
  const out = [t.toString()];
  if (hidden.length) out.push(...wrapText(c().dim(`hidden: ${hidden.join(', ')}; --wide shows all`), o.width));
  return out;
}

function bar(block: Extract<Block, { kind: 'bar' }>, o: TerminalOptions): string[] {
  const label = safeText(block.label);
  const text = safeText(block.text);
  // the bar takes what the label and the text leave, 10 to 40 cells
  const room = Number.isFinite(o.width) ? o.width - displayWidth(label) - displayWidth(text) - 4 : 40;
  const cells = Math.max(10, Math.min(40, room));
  let out = '';
  let used = 0;
  for (const p of block.parts) {
    const k = Math.min(Math.max(0, Math.round((p.value / block.total) * cells)), cells - used);
    out += p.char.repeat(k);
    used += k;
  }
  out += '.'.repeat(Math.max(0, cells - used));
  const line = `${label} ${out}  ${text}`;
  return wrapText(line, o.width, displayWidth(label) + cells + 3).map((l) => paint(l, block.style));
}

/** The Doc as terminal text (no trailing newline). */
export function renderTerminal(doc: Doc, o: TerminalOptions): string {
  const lines: string[] = [];
  for (const b of doc) {
    switch (b.kind) {
      case 'title':
        lines.push(...wrapText(c().bold(safeText(b.text)) + (b.detail ? ` ${safeText(b.detail)}` : ''), o.width));
        break;
      case 'heading':
        lines.push(c().bold(safeText(b.text)));
        break;
      case 'line':
        for (const l of wrapText(safeText(textOf(b.text)), o.width, b.indent ?? 0))
          lines.push(paint(l, styleOf(b.text)));
        break;
      case 'blank':
        lines.push('');
        break;
      case 'table':
        if (b.title) lines.push(c().bold(safeText(b.title)));
        lines.push(...table(b, o));
        break;
      case 'bar':
        lines.push(...bar(b, o));
        break;
      case 'code':
        lines.push(`  ${safeText(b.text)}`);
        break;
      case 'list':
        for (const item of b.items) {
          for (const l of wrapText(`  - ${safeText(textOf(item))}`, o.width, 4)) lines.push(paint(l, styleOf(item)));
        }
        break;
    }
  }
  return lines.join('\n');
}
