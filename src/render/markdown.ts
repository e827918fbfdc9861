// The markdown back end: the same Doc as GitHub-flavoured markdown for pull requests and READMEs.
// Every column is kept (a rendered page scrolls sideways); cells are escaped for table syntax.
import type { Doc } from './doc.js';
import { textOf } from './doc.js';
import { safeText } from './terminal.js';

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, '<br>');

export function markdownTable(head: string[], rows: string[][], right: boolean[] = []): string {
  return [
    `| ${head.map(cell).join(' | ')} |`,
    `|${head.map((_, i) => (right[i] ? '---:' : '---')).join('|')}|`,
    ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`),
  ].join('\n');
}

/** The Doc as markdown (no trailing newline). */
export function renderMarkdown(doc: Doc): string {
  const out: string[] = [];
  for (const b of doc) {
    switch (b.kind) {
      case 'title':
        out.push(`### ${b.text}${b.detail ? ` ${b.detail}` : ''}`, '');
        break;
      case 'heading':
        out.push(`**${b.text}**`, '');
        break;
      case 'line':
        out.push(textOf(b.text), '');
        break;
      case 'blank':
        break;
      case 'table':
        if (b.title) out.push(`**${b.title}**`, '');
        out.push(
          markdownTable(
            b.columns.map((col) => col.header),
            b.rows.map((r) => r.map(textOf)),
            b.columns.map((col) => col.align === 'right'),
          ),
          '',
        );
        break;
      case 'bar':
        out.push(`- ${b.label}: ${b.text}`);
        break;
      case 'code':
        out.push('```sh', b.text, '```', '');
        break;
      case 'list':
        out.push(...b.items.map((i) => `- ${textOf(i)}`), '');
        break;
    }
  }
  while (out.at(-1) === '') out.pop();
  // text from cards and configs: control characters shown as escapes, as in terminal output
  return safeText(out.join('\n'));
}
