// moe-calc import <config.json|folder> [-o card.yaml]: a card from a Hugging Face config.
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { userFiles } from '../cards/lazy.js';
import { buildImportReport } from '../core/reports/import.js';
import { UserError } from '../errors.js';
import { int } from '../render/format.js';
import { checkOutputFlags, type GlobalOptions, print, printJson } from './common.js';

export async function importCommand(
  config: string,
  o: GlobalOptions & { output?: string; force?: boolean },
): Promise<number> {
  checkOutputFlags(o);
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
    try {
      writeFileSync(o.output, report.yaml);
    } catch (e) {
      throw new UserError(`--output: cannot write ${o.output} (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
    }
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
