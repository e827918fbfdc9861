// Everything that reads user files (YAML cards, GPU catalogs, config.json): the only code that
// needs the yaml parser and zod. The CLI loads it on demand (dist/user-files.cjs).
export { loadCardFile, loadGpuCatalogFile, cardFilesIn, readJsonFile } from './load.js';
export { importConfigFile, importConfig, supportedTypes, supportedTypesMarkdown } from './import/index.js';
export { loadBuiltinFromYaml } from './builtin-yaml.js';
export { stringify as yamlStringify } from 'yaml';
export { jsonSchemas } from './json-schemas.js';
export { loadManifestFile } from './manifest.js';
export {
  resolveHubModel,
  checkLocalFolder,
  localCheckpointOnly,
  withSuggestion,
  type HubAccess,
  type RemoteCard,
  type CheckpointOnly,
} from './model-source.js';
export { resolveGgufModel, type GgufModel } from './gguf-model.js';
