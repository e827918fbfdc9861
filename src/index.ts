// moe-calc as a library: the same pure core the CLI uses, typed.
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
export { kvLayout, kvBytesFor, kvPerToken, kvElementsPerLayer, maxContextFor, KV_DTYPES } from './core/kv.js';
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
