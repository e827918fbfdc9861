// What a command's renderer produces from its report: a short list of blocks (lines, tables, bars,
// commands) that the terminal and markdown back ends lay out. Renderers say what to show and how
// important each column is; the back ends decide what fits.

export type Style = 'bold' | 'green' | 'red' | 'yellow' | 'dim';

/** Text with an optional colour; a cell or a line. */
export interface Span {
  text: string;
  style?: Style | undefined;
}
export type Text = string | Span;

export interface Column {
  header: string;
  align?: 'left' | 'right';
  /** 0 = always shown; larger numbers are hidden first when the terminal is too narrow */
  priority: number;
  /** long text that may wrap inside its cell (quotes, reasons, derivations) */
  wrap?: boolean;
}

export type Block =
  | { kind: 'title'; text: string; detail?: string }
  /** a paragraph: wrapped to the width with a hanging indent of `indent` spaces */
  | { kind: 'line'; text: Text; indent?: number }
  | { kind: 'blank' }
  | { kind: 'table'; columns: Column[]; rows: Text[][]; title?: string }
  /** a usage bar: `parts` fill `total`; the label and the text beside it are kept whole */
  | { kind: 'bar'; label: string; parts: { value: number; char: string }[]; total: number; text: string; style?: Style }
  /** a command to copy: never wrapped, fenced in markdown */
  | { kind: 'code'; text: string }
  | { kind: 'list'; items: Text[] }
  | { kind: 'heading'; text: string };

export type Doc = Block[];

export const span = (text: string, style?: Style): Span => ({ text, style });
export const textOf = (t: Text): string => (typeof t === 'string' ? t : t.text);
export const styleOf = (t: Text): Style | undefined => (typeof t === 'string' ? undefined : t.style);
