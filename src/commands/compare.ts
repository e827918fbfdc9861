// moe-calc compare [model...]: models side by side.
import { compare } from '../api.js';
import { compareDoc } from '../render/compare.js';
import { type GlobalOptions, intFlag, sourcesOf, unitOf } from './common.js';
import { emit } from './output.js';

export async function compareCommand(
  models: string[],
  o: GlobalOptions & { gpu?: string; context?: string; precision?: string },
): Promise<number> {
  const report = await compare({
    ...sourcesOf(o),
    models,
    ...(o.precision !== undefined ? { precision: o.precision.split(',') } : {}),
    ...(o.gpu !== undefined ? { gpu: o.gpu } : {}),
    ...(o.context !== undefined ? { context: intFlag('--context', o.context, 1, 100_000_000, true)! } : {}),
  });
  emit(o, report, () => compareDoc(report, unitOf(o), o.markdown ?? false));
  return 0;
}
