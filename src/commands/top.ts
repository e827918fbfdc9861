// moe-calc top --gpu <id|rig|auto>: every model ranked for this rig (flags -> request -> report -> output).
import { top } from '../api.js';
import { PRECISION_IDS } from '../core/precision.js';
import type { TopSort } from '../core/reports/top.js';
import { topDoc } from '../render/top.js';
import { intFlag, unitOf } from './common.js';
import { emit } from './output.js';
import { type FitFlags, fitRequest } from './fit.js';

export interface TopFlags extends FitFlags {
  sort?: string;
  only?: string;
}

export async function topCommand(f: TopFlags): Promise<number> {
  const q = fitRequest(f);
  const report = await top({
    ...q,
    precision: q.precision === 'all' ? PRECISION_IDS : q.precision,
    count: intFlag('--count', f.count, 1, 4096),
    ...(f.sort !== undefined ? { sort: f.sort.trim().toLowerCase() as TopSort } : {}),
    ...(f.only !== undefined ? { models: f.only.split(',').map((x) => x.trim()) } : {}),
  });
  emit(f, report, () => topDoc(report, unitOf(f)));
  return 0;
}
