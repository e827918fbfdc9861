// Writing a command's result: its report as JSON, or its document as markdown or terminal text, collected
// and written once when the command ends.
import { writeSync } from 'node:fs';
import type { Doc } from '../render/doc.js';
import { renderMarkdown } from '../render/markdown.js';
import { renderTerminal } from '../render/terminal.js';
import { outputWidth } from '../render/width.js';
import { UserError } from '../errors.js';
import type { GlobalOptions } from './common.js';

/** Print a command's result: its report as JSON, or its document as markdown or terminal text. */
export function emit(o: GlobalOptions, report: unknown, doc: () => Doc): void {
  checkOutputFlags(o);
  if (o.json) printJson(report);
  else if (o.markdown) print(renderMarkdown(doc()));
  else print(renderTerminal(doc(), { width: outputWidth(), wide: o.wide ?? false }));
}

/** Output is collected and written once, with a blocking write, when the command ends (flushOutput):
 *  no stream set-up at start-up, no lost output on exit. A reader that closes the pipe ends it quietly; a
 *  write that fails otherwise (a full disk:
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
      // a reader that stops early (`moe-calc list | head`) is not an error worth a line: end quietly
      if (code === 'EPIPE') process.exit(process.exitCode ?? 0);
      const why = code === 'ENOSPC' ? 'no space left on the device' : 'write failed';
      throw new OutputError(`cannot write the output: ${why} (${code ?? 'error'})`);
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

/** --json and --markdown ask for two different documents. */
export function checkOutputFlags(o: GlobalOptions & { markdown?: boolean }): void {
  if (o.json && o.markdown) throw new UserError('--json and --markdown conflict: choose one output format');
}
