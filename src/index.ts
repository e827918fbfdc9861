// moe-calc as a library: the same pure core the CLI uses, typed.
export { deriveParams, inLayerSet, COMPONENTS, type ParamDerivation, type Component, type TensorCount } from './core/params.js';
export { PRECISIONS, FORMATS, findPrecision, getPrecision, weightBytes, type Precision } from './core/precision.js';
export { kvLayout, kvBytesFor, kvPerToken, kvElementsPerLayer, maxContextFor, KV_DTYPES } from './core/kv.js';
export { fitPlan, planForCount, evaluateLayout, tpRejection, type FitOptions, type Plan, type PerGpu } from './core/fit.js';
export { activationBytes, defaultBatchTokens, defaultNonTorchBytes, DEFAULT_UTILIZATION } from './core/overhead.js';
export { explainComponents } from './core/explain.js';
export { CalcError } from './core/errors.js';
export { builtinData, resolveModel, allCards, gpuCatalog, findGpu } from './cards/registry.js';
export type { Card, Gpu, Architecture, Claim } from './cards/schema.js';
