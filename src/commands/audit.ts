// moe-calc audit [model...]: which quoted figures hold.
import { audit } from '../api.js';
import { auditDoc } from '../render/audit.js';
import { type GlobalOptions, sourcesOf } from './common.js';
import { emit } from './output.js';

export async function auditCommand(models: string[], o: GlobalOptions & { strict?: boolean }): Promise<number> {
  const report = await audit(models, { ...sourcesOf(o), strict: o.strict ?? false });
  emit(o, report, () => auditDoc(report, o.markdown ?? false));
  return o.strict && report.doesNotHold > 0 ? 1 : 0;
}
