// moe-calc import <config.json|folder> [-o card.yaml]: a card from a Hugging Face config.
import {
  closeSync,
  existsSync,
  fsyncSync,
  openSync,
  realpathSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { userFiles } from '../cards/lazy.js';
import { buildImportReport } from '../core/reports/import.js';
import { UserError } from '../errors.js';
import { int } from '../render/format.js';
import type { GlobalOptions } from './common.js';
import { checkOutputFlags, print, printJson } from './output.js';

export async function importCommand(
  config: string,
  o: GlobalOptions & { output?: string; force?: boolean },
): Promise<number> {
  checkOutputFlags(o);
  if (o.output !== undefined && o.output.trim() === '')
    throw new UserError('--output: expected a file name, got an empty string (leave -o out to print the card)');
  let path = config;
  if (existsSync(config) && statSync(config).isDirectory()) {
    path = join(config, 'config.json');
    if (!existsSync(path)) throw new UserError(`${config}: is a directory without a config.json`);
  }
  const { importConfigFile, yamlStringify } = await userFiles();
  const r = importConfigFile(path);
  const report = buildImportReport(path, o.output ?? null, r.card, r.crossCheck ?? null, (c) =>
    yamlStringify(c, { lineWidth: 0 }),
  );
  if (o.output) {
    if (existsSync(o.output) && !o.force)
      throw new UserError(`--output: ${o.output} exists (use --force to overwrite)`);
    if (existsSync(o.output) && statSync(o.output).isDirectory())
      throw new UserError(`--output: ${o.output} is a directory, expected a file name`);
    writeAtomically(o.output, report.yaml);
  }
  if (o.json) {
    const { yaml: _yaml, ...rest } = report;
    printJson(rest);
  } else if (o.output) {
    print(
      `wrote ${o.output}: ${r.card.id}, total ${int(report.params.total)} parameters, active ` +
        `${int(report.params.active)}`,
    );
    if (r.crossCheck) print(r.crossCheck.note);
  } else print(report.yaml);
  return 0;
}

/** Write a file so that it is either the old one or the whole new one: a temporary file in the same folder,
 *  flushed to disk (fsync), then renamed over the target (rename is atomic within one file system). On any
 *  failure, a full disk (ENOSPC) included, the target is untouched and the temporary file removed.
 *  MOE_CALC_TEST_WRITE_LIMIT (tests only) makes writing fail with ENOSPC after that many bytes. */
export function writeAtomically(path: string, text: string): void {
  // through a symbolic link the file it names is replaced (not the link), keeping that file's permissions
  let target = path;
  let mode = 0o644;
  try {
    target = realpathSync(path);
    mode = statSync(target).mode & 0o7777;
  } catch {
    // a new file
  }
  const tmp = join(dirname(target), `.${basename(target)}.${process.pid}.${Date.now().toString(36)}.tmp`);
  const data = Buffer.from(text, 'utf8');
  const limit = process.env.MOE_CALC_TEST_WRITE_LIMIT;
  let fd: number | undefined;
  try {
    fd = openSync(tmp, 'wx', mode);
    let off = 0;
    while (off < data.length) {
      const n = limit !== undefined ? Math.min(data.length - off, Math.max(0, Number(limit) - off)) : data.length - off;
      if (n <= 0) throw Object.assign(new Error('injected write failure'), { code: 'ENOSPC' });
      off += writeSync(fd, data, off, n);
    }
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, target);
  } catch (e) {
    if (fd !== undefined) {
      try {
        closeSync(fd);
      } catch {
        // already failing: the cause below is what the user needs
      }
    }
    try {
      unlinkSync(tmp);
    } catch {
      // never created, or already gone
    }
    const code = (e as NodeJS.ErrnoException).code ?? 'error';
    const why =
      code === 'ENOSPC' ? 'no space left on the device' : code === 'EACCES' ? 'permission denied' : 'write failed';
    throw new UserError(
      `--output: cannot write ${target}: ${why} (${code}); ` +
        (existsSync(target) ? 'the existing file is unchanged' : 'nothing was written'),
    );
  }
}
