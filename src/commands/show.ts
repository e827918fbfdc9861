// moe-calc show <model>: the exact parameter breakdown, with how each part is formed and its sources.
import { showOrCheckpoint } from '../api.js';
import { showDoc } from '../render/show.js';
import { type GlobalOptions, sourcesOf, unitOf } from './common.js';
import { emit } from './output.js';

export async function showCommand(model: string, o: GlobalOptions): Promise<number> {
  const report = await showOrCheckpoint(model, sourcesOf(o));
  emit(o, report, () => showDoc(report, unitOf(o)));
  return 0;
}
