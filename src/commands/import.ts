// moe-calc import <config.json|folder> [-o card.yaml]: a card from a Hugging Face config.
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { userFiles } from '../cards/lazy.js';
import { deriveParams } from '../core/params.js';
import { UserError } from '../errors.js';
import { int } from '../render/format.js';
import { SCHEMA_VERSION, print, printJson, type GlobalOptions } from './common.js';

export async function importCommand(
  config: string,
  o: GlobalOptions & { output?: string; force?: boolean },
): Promise<number> {
  let path = config;
  if (existsSync(config) && statSync(config).isDirectory()) {
    path = join(config, 'config.json');
    if (!existsSync(path)) throw new UserError(`${config}: is a directory without a config.json`);
  }
  const { importConfigFile, yamlStringify: stringify } = await userFiles();
  const r = importConfigFile(path);
  const d = deriveParams(r.card);
  const header = [
    `# moe-calc card imported from ${path}`,
    `# total ${int(d.total)} parameters, active ${int(d.active)}${d.mtp ? `, MTP ${int(d.mtp)}` : ''}`,
    ...(r.crossCheck ? [`# ${r.crossCheck.note}`] : []),
    '# Fill in name, organisation, released, licence and sources before sharing this card.',
  ].join('\n');
  const yaml = `${header}\n${stringify(r.card, { lineWidth: 0 })}`;
  if (o.output) {
    if (existsSync(o.output) && !o.force)
      throw new UserError(`--output: ${o.output} exists (use --force to overwrite)`);
    try {
      writeFileSync(o.output, yaml);
    } catch (e) {
      throw new UserError(`--output: cannot write ${o.output} (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  }
  if (o.json) {
    printJson({
      schemaVersion: SCHEMA_VERSION,
      source: path,
      output: o.output ?? null,
      card: r.card,
      params: { total: d.total, active: d.active, mtp: d.mtp },
      crossCheck: r.crossCheck ?? null,
    });
  } else if (o.output) {
    print(`wrote ${o.output}: ${r.card.id}, total ${int(d.total)} parameters, active ${int(d.active)}`);
    if (r.crossCheck) print(r.crossCheck.note);
  } else {
    print(yaml);
  }
  return 0;
}
