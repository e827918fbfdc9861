// moe-calc as a library. The report functions are what the CLI runs: each resolves names and returns
// the report object the CLI renders (and prints with --json):
//   import { fit, show, compare } from 'moe-calc';
//   const r = await fit('grok-2', { gpu: 'a100-40g' });
// Below them, the pure core they are built from, typed.
export {
  audit,
  type CompareRequest,
  compare,
  type FitRequest,
  fit,
  gpus,
  list,
  type Sources,
  show,
  showOrCheckpoint,
  speed,
  top,
  type TopRequest,
  resolveRig,
} from './api.js';
export type { TopReport } from './core/reports/top.js';
export type { CheckpointOnlyReport } from './core/reports/show.js';
export type { CheckpointCheck } from './core/checkpoint.js';
export { llamaCppSplit, type Rig } from './core/fit.js';
export type { AuditClaim, AuditReport } from './core/reports/audit.js';
export type { GpusReport, ListReport } from './core/reports/catalog.js';
export type { CompareReport } from './core/reports/compare.js';
export type { FitPlanRow, FitReport } from './core/reports/fit.js';
export type { ShowReport } from './core/reports/show.js';
export type { SpeedReport, SpeedTuning } from './core/reports/speed.js';
export { UserError } from './errors.js';

export {
  deriveParams,
  inLayerSet,
  COMPONENTS,
  type ParamDerivation,
  type Component,
  type TensorCount,
} from './core/params.js';
export {
  PRECISIONS,
  FORMATS,
  MXFP4_LAYOUTS,
  findPrecision,
  getPrecision,
  weightBytes,
  type Precision,
  type ExpertLayout,
} from './core/precision.js';
export { kvLayout, kvBytesFor, kvPerToken, kvBytesPerLayer, maxContextFor, KV_DTYPES } from './core/kv.js';
export {
  fitPlan,
  planForCount,
  evaluateLayout,
  tpRejection,
  runtimeOverheads,
  expertLayoutFor,
  type FitOptions,
  type Plan,
  type PerGpu,
  type RuntimeOverheads,
} from './core/fit.js';
export {
  forwardActivationBytes,
  samplerActivationBytes,
  defaultBatchTokens,
  defaultMaxNumSeqs,
  defaultNonTorchBytes,
  vllmGeneration,
  VLLM_GENERATIONS,
  CURRENT_GENERATION,
  DEFAULT_UTILIZATION,
  type EngineGeneration,
} from './core/overhead.js';
export { explainComponents } from './core/explain.js';
export { CalcError } from './core/errors.js';
export { builtinData, resolveModel, allCards, gpuCatalog, findGpu } from './cards/registry.js';
export type { Card, Gpu, Architecture, Claim, LayerSet } from './core/types.js';
