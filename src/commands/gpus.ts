// moe-calc gpus: the GPU catalog.
import { gpus } from '../api.js';
import { gpusDoc } from '../render/catalog.js';
import { type GlobalOptions, sourcesOf, unitOf } from './common.js';
import { emit } from './output.js';

export async function gpusCommand(o: GlobalOptions): Promise<number> {
  const report = await gpus(sourcesOf(o));
  emit(o, report, () => gpusDoc(report, unitOf(o), o.markdown ?? false));
  return 0;
}
