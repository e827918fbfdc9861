// moe-calc list: every known card with its headline figures.
import { list } from '../api.js';
import { listDoc } from '../render/catalog.js';
import { type GlobalOptions, sourcesOf } from './common.js';
import { emit } from './output.js';

export async function listCommand(o: GlobalOptions): Promise<number> {
  const report = await list(sourcesOf(o));
  emit(o, report, () => listDoc(report, o.markdown ?? false));
  return 0;
}
