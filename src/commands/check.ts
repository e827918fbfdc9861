// moe-calc check [manifest]: every deployment of a manifest (moe-calc.yaml) through `fit` with its
// precision on its GPU count; exit 0 when every requirement holds, 1 when one does not, 2 for a bad
// manifest. For CI: a checked-in manifest fails the build when a model stops fitting.
import type { Command } from 'commander';
import { type FitRequest, fit } from '../api.js';
import { userFiles } from '../cards/lazy.js';
import type { Deployment } from '../cards/manifest.js';
import { isCalcError } from '../core/errors.js';
import { buildCheckReport } from '../core/reports/check.js';
import type { FitReport } from '../core/reports/fit.js';
import { isUserError, UserError } from '../errors.js';
import { checkDoc } from '../render/check.js';
import { type GlobalOptions, sourcesOf, unitOf } from './common.js';
import { checkOutputFlags, emit } from './output.js';

const DEFAULT_MANIFEST = 'moe-calc.yaml';

/** Declares `check` on the program; `run` receives the manifest path and the command. */
export function defineCheckCommand(program: Command, run: (manifest: string | undefined, cmd: Command) => void): void {
  program
    .command('check')
    .description('check a deployment manifest: every model still fits its GPUs (exit 1 when one does not)')
    .argument('[manifest]', `manifest file (default ${DEFAULT_MANIFEST} in the current folder)`)
    .addHelpText(
      'after',
      `
A manifest lists deployments: a model (card id, or a card / config path relative to the manifest), a
GPU and count, and what must hold on them; "defaults" applies to every deployment:

  defaults: { engine: vllm, release: "0.11.2", utilization: 0.9 }
  deployments:
    - { name: chat, model: qwen3-30b-a3b, gpu: rtx-4090, count: 1, precision: q4_k_m,
        context: 32768, sequences: 1, min_decode_tokens_per_second: 30 }

Also: min_kv_cache_tokens, kv_precision, tp, max_num_seqs, enforce_eager. Format:
schema/manifest.schema.json; examples/moe-calc.yaml; README "Use in CI".

Exit codes:
  0  every deployment holds
  1  a deployment does not fit or misses a requirement (named, with the shortfall per GPU)
  2  bad manifest (file, field path and what was expected) or unknown model / GPU

Examples:
  moe-calc check                              ./moe-calc.yaml
  moe-calc check examples/moe-calc.yaml --markdown   a table for a pull-request comment`,
    )
    .action((manifest: string | undefined, _o, cmd: Command) => run(manifest, cmd));
}

/** fit's flag names in the errors it raises, and the manifest fields that set them. */
const FIELD_OF_FLAG: Record<string, string> = {
  '--gpu': 'gpu',
  '--precision': 'precision',
  '--count': 'count',
  '--context': 'context',
  '--batch': 'sequences',
  '--kv-precision': 'kv_precision',
  '--utilization': 'utilization',
  '--tp': 'tp',
  '--max-num-seqs': 'max_num_seqs',
  '--vllm': 'release',
  '--engine': 'engine',
};

/** An error of one deployment as a manifest error: file, field path, what was wrong (exit 2). */
function manifestError(file: string, d: Deployment, e: unknown): unknown {
  let message: string;
  if (isCalcError(e)) message = `${e.field}: ${e.message}`;
  else if (isUserError(e)) message = e.message;
  else return e;
  const m = /^(--[a-z-]+): /.exec(message);
  const field = m ? (FIELD_OF_FLAG[m[1]!] ?? m[1]!) : 'model';
  let rest = m ? message.slice(m[0].length) : message;
  for (const [flag, f] of Object.entries(FIELD_OF_FLAG)) rest = rest.replaceAll(`${flag} `, `${f} `);
  return new UserError(`${file}: deployments.${d.index}.${field}: ${rest}`, 2);
}

function requestFor(d: Deployment, o: GlobalOptions): FitRequest {
  return {
    ...sourcesOf(o),
    gpu: d.gpu,
    precision: [d.precision],
    count: d.count,
    context: d.context,
    batch: d.sequences,
    kvPrecision: d.kvPrecision,
    utilization: d.utilization,
    tp: d.tp,
    maxNumSeqs: d.maxNumSeqs,
    vllm: d.release,
    enforceEager: d.enforceEager,
    engine: d.engine,
  };
}

type ManifestReader = Pick<typeof import('../cards/manifest.js'), 'loadManifestFile'>;

/** The manifest reader needs yaml and zod. From the user-file chunk when it exports the reader (a line
 *  in src/cards/user-files.ts: `export { loadManifestFile } from './manifest.js';`), else imported
 *  here, which bundles yaml and zod into the CLI itself (about 30 ms more start-up for every command)
 *  until that line is there and the fallback below is removed. */
// the manifest reader lives in the lazily loaded user-files chunk (yaml + zod stay out of the CLI bundle)
async function manifestReader(): Promise<ManifestReader> {
  const { loadManifestFile } = (await userFiles()) as ManifestReader;
  return { loadManifestFile };
}

export async function checkCommand(manifestArg: string | undefined, o: GlobalOptions): Promise<number> {
  checkOutputFlags(o);
  const file = manifestArg ?? DEFAULT_MANIFEST;
  const { loadManifestFile } = await manifestReader();
  const manifest = loadManifestFile(file);
  const entries: { target: Deployment; fit: FitReport }[] = [];
  for (const d of manifest.deployments) {
    try {
      entries.push({ target: d, fit: await fit(d.modelRef, requestFor(d, o)) });
    } catch (e) {
      throw manifestError(file, d, e);
    }
  }
  const report = buildCheckReport(file, entries);
  emit(o, report, () => checkDoc(report, { unit: unitOf(o), markdown: o.markdown ?? false }));
  return report.ok ? 0 : 1;
}
