// npm test: no line of the project's code is longer than 120 characters (reviewers read diffs at
// 100-120 columns; the formatter wraps code but not long strings and comments).
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

const LIMIT = 120;
const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', 'src', 'scripts', 'bin'], {
  encoding: 'utf8',
})
  .split('\n')
  .filter((f) => /\.(ts|mjs|js)$/.test(f));
const long = [];
for (const f of files) {
  let text;
  try {
    text = readFileSync(f, 'utf8');
  } catch {
    continue; // listed by git but deleted in the work tree
  }
  text.split('\n').forEach((line, i) => {
    if ([...line].length > LIMIT) long.push(`${f}:${i + 1}: ${[...line].length} characters`);
  });
}
if (long.length) {
  console.error(`${long.length} line(s) longer than ${LIMIT} characters:\n${long.join('\n')}`);
  process.exit(1);
}
