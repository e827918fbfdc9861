// The Hugging Face Hub access layer: any model on the hub by its id, and checkpoints checked by their headers.
// Import it dynamically, only when a <model> is a hub reference or a .gguf (it loads @huggingface/hub and
// @huggingface/gguf on first network use or header parse; a cached answer loads neither):
//
//   const hub = await import('./cards/hub/index.js');
//   const ref = hub.parseModelRef(arg);                        // undefined: not a hub reference
//   const opts: HubOptions = { timeoutMs, progress: json ? undefined : hub.terminalProgress() };
//   const { config, path, commit } = await hub.fetchHubConfig(ref, opts);   // path: the cached config.json
//   const inv = await hub.readCheckpointHeaders(ref ?? localFolder, opts);  // exact params/bytes by dtype
//                       (for a local folder, only when hub.hasLocalSafetensors(folder))
//   const est = hub.estimateFromCheckpoint(inv, config);                     // unknown model types
//   const g = await hub.readGguf(ref ?? 'model-00001-of-00003.gguf', opts);  // GGUF types, bytes, arch keys
//
// Every failure a user can fix is a one-line UserError (exit 2): gated repo, rejected token, unknown repo or
// revision or file, offline and not cached, unreachable / timed out (HubOptions.timeoutMs, 10 s), rate-limited
// after the one retry Retry-After allows. The token (HF_TOKEN or the token file) goes only to the endpoint's
// own origin and never into messages, debug lines, results or the cache. See each module for details:
//   ref.ts          parseModelRef, hubEndpoint, formatRef
//   client.ts       HubOptions, hubClient (origin-bound fetch), readToken, terminalProgress
//   cache.ts        the hub cache layout (shared with huggingface_hub) and moe-calc's own cache
//   repo.ts         resolveRepo, fetchHubConfig
//   safetensors.ts  readCheckpointHeaders, hasLocalSafetensors, estimateFromCheckpoint, expertRole
//   gguf.ts         readGguf, ggmlType, ggmlBytes, ggufKv, pickGgufFile
export { type HubRef, parseModelRef, hubEndpoint, formatRef, isCommit, DEFAULT_ENDPOINT } from './ref.js';
export {
  type HubOptions,
  type HubClient,
  hubClient,
  readToken,
  hfHome,
  terminalProgress,
  parseRetryAfter,
  DEFAULT_TIMEOUT_MS,
  PROGRESS_DELAY_MS,
} from './client.js';
export { type CacheDirs, cacheDirs, repoFolder } from './cache.js';
export { type HubConfig, type RepoState, fetchHubConfig, resolveRepo } from './repo.js';
export {
  type CheckpointInventory,
  type CheckpointEstimate,
  type SafetensorsTensor,
  type DtypeTotals,
  type ExpertTotals,
  type ExpertRole,
  type ShardHeader,
  readCheckpointHeaders,
  hasLocalSafetensors,
  estimateFromCheckpoint,
  expertRole,
  parseSafetensorsHeader,
} from './safetensors.js';
export {
  type GgufInventory,
  type GgufTensor,
  type GgufArch,
  type GgufValue,
  type GgufKv,
  readGguf,
  ggufKv,
  ggmlType,
  ggmlBytes,
  pickGgufFile,
  quantOf,
} from './gguf.js';
