// The deployment manifest `moe-calc check` reads (moe-calc.yaml): which model must fit which GPUs, at
// what precision, context, concurrency, engine and speed. Validated as cards are: strict zod schema,
// one-line errors naming the file, the field path and what was expected. The source of the published
// schema/manifest.schema.json.
import { existsSync } from 'node:fs';
import { dirname, extname, isAbsolute, join } from 'node:path';
import { z } from 'zod';
import { ENGINES, type Engine } from '../core/engines.js';
import { isCalcError } from '../core/errors.js';
import { vllmGeneration } from '../core/overhead.js';
import { parseKvPrecision } from '../core/kv.js';
import { findPrecision, PRECISION_IDS } from '../core/precision.js';
import type { CheckTarget } from '../core/reports/check.js';
import { didYouMean, UserError } from '../errors.js';
import { parseYamlText, readTextFile, sanitize, validate } from './load.js';

const posInt = (max: number) => z.number().int().positive().max(max);

/** What a deployment requires; each may also be set once under `defaults`. */
const REQUIREMENT_FIELDS = {
  /** GPU id or alias from "moe-calc gpus" */
  gpu: z.string().min(1).max(200),
  /** GPUs the deployment runs on (tensor parallel x pipeline stages); default 1 */
  count: posInt(100_000),
  /** weight precision, as fit --precision (q4_k_m, fp8, fp8-block, mxfp4, ...) */
  precision: z.string().min(1).max(50),
  /** tokens per sequence; default 8192, capped at the model's maximum */
  context: posInt(100_000_000),
  /** concurrent sequences of `context` tokens that must fit at once (fit --batch); default 1 */
  sequences: posInt(1_000_000),
  /** the KV cache pool must hold at least this many tokens (vLLM's "GPU KV cache size") */
  min_kv_cache_tokens: posInt(Number.MAX_SAFE_INTEGER),
  /** estimated decode tokens/s per sequence must reach this */
  min_decode_tokens_per_second: z.number().positive().max(1_000_000),
  /** as fit --kv-precision: engine dtypes (bf16, fp8_e4m3, ...) or llama.cpp types (q8_0, k=q8_0,v=q4_0) */
  kv_precision: z
    .string()
    .min(1)
    .max(50)
    .refine((v) => kvSpecError(v) === undefined, { message: 'a KV cache type as fit --kv-precision takes it' }),
  /** the serving engine: its speed profile and launch command */
  engine: z.enum(ENGINES),
  /** the vLLM release whose memory accounting applies (for example 0.10.2; v0 for the V0 engine) */
  release: z.string().min(1).max(50),
  /** fraction of GPU memory the engine may use (vLLM gpu_memory_utilization); default 0.9 */
  utilization: z.number().positive().max(1),
  /** only this tensor-parallel size; the other GPUs become pipeline stages */
  tp: posInt(1024),
  /** sequences in vLLM's profiling batch (max_num_seqs) */
  max_num_seqs: posInt(1_000_000),
  /** no CUDA graphs (vLLM --enforce-eager) */
  enforce_eager: z.boolean(),
};

const optional = <T extends Record<string, z.ZodType>>(fields: T) =>
  Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, v.optional()])) as {
    [K in keyof T]: z.ZodOptional<T[K]>;
  };

const DefaultsSchema = z.strictObject(optional(REQUIREMENT_FIELDS));

const DeploymentSchema = z.strictObject({
  /** how the output names the deployment (default: the model) */
  name: z.string().min(1).max(200).optional(),
  /** card id or alias, card .yaml file, config.json or model folder (relative to the manifest), or hub id */
  model: z.string().min(1).max(1000),
  ...optional(REQUIREMENT_FIELDS),
});

export const ManifestSchema = z.strictObject({
  /** applied to every deployment; a deployment's own value wins */
  defaults: DefaultsSchema.optional(),
  deployments: z.array(DeploymentSchema).min(1).max(1000),
});

export type ManifestInput = z.infer<typeof ManifestSchema>;

/** A deployment with the defaults merged and every name checked that can be checked without the model. */
export interface Deployment extends CheckTarget {
  /** 0-based position in `deployments`, for error paths */
  index: number;
  /** what is handed to model resolution: relative paths joined to the manifest's folder */
  modelRef: string;
  context?: number | undefined;
  sequences?: number | undefined;
  kvPrecision?: string | undefined;
  engine?: Engine | undefined;
  utilization?: number | undefined;
  tp?: number | undefined;
  maxNumSeqs?: number | undefined;
  enforceEager?: boolean | undefined;
}

export interface Manifest {
  file: string;
  deployments: Deployment[];
}

const TOP_KEYS = Object.keys(ManifestSchema.shape);
const DEFAULT_KEYS = Object.keys(REQUIREMENT_FIELDS);
const DEPLOYMENT_KEYS = Object.keys(DeploymentSchema.shape);

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return `"${v.length > 40 ? v.slice(0, 40) + '...' : v}"`;
  return String(v);
}

/** Unknown keys first, with a suggestion among the manifest's own keys (zod's would name card keys). */
function precheck(data: Record<string, unknown>, file: string): void {
  const unknown = (o: unknown, allowed: string[], path: string) => {
    if (!o || typeof o !== 'object' || Array.isArray(o)) return;
    for (const k of Object.keys(o)) {
      if (!allowed.includes(k))
        throw new UserError(`${file}: ${path}${k}: unknown key "${k}"${didYouMean(k, allowed)}`);
    }
  };
  // YAML reads an unquoted release such as 0.10 as the number 0.1: say so rather than "expected a string"
  const release = (o: unknown, path: string) => {
    const v = o && typeof o === 'object' ? (o as Record<string, unknown>).release : undefined;
    if (typeof v === 'number')
      throw new UserError(
        `${file}: ${path}release: expected a quoted string such as "0.10.2", got the number ${v} ` +
          '(YAML reads an unquoted 0.10 as 0.1)',
      );
  };
  unknown(data, TOP_KEYS, '');
  unknown(data.defaults, DEFAULT_KEYS, 'defaults.');
  release(data.defaults, 'defaults.');
  if (Array.isArray(data.deployments))
    data.deployments.forEach((d, i) => {
      unknown(d, DEPLOYMENT_KEYS, `deployments.${i}.`);
      release(d, `deployments.${i}.`);
    });
}

/** Card files, configs and model folders named relative to the manifest are looked up beside it; card
 *  ids and hub ids ("org/name", when no such path exists there) pass through unchanged. */
export function modelRefFor(model: string, dir: string): string {
  const m = model.trim();
  if (isAbsolute(m)) return m;
  const beside = join(dir, m);
  const explicitPath = /^\.\.?[\\/]/.test(m) || ['.yaml', '.yml', '.json'].includes(extname(m).toLowerCase());
  if (explicitPath || (/[\\/]/.test(m) && existsSync(beside))) return beside;
  return m;
}

/** Validate a parsed manifest document; `dir` is the folder relative model paths start from. */
export function validateManifest(data: unknown, file: string, dir: string): Manifest {
  if (data === null || data === undefined)
    throw new UserError(`${file}: (top level): empty file, expected a manifest (a mapping with a "deployments" list)`);
  if (typeof data !== 'object' || Array.isArray(data))
    throw new UserError(
      `${file}: (top level): expected a manifest (a mapping with "deployments"), got ${describe(data)}`,
    );
  const clean = sanitize(data, file) as Record<string, unknown>;
  precheck(clean, file);
  const m = validate(ManifestSchema, clean, file);
  const defaults = m.defaults ?? {};
  const names = new Map<string, number>();
  const deployments = m.deployments.map((raw, index): Deployment => {
    const d = { ...defaults, ...raw };
    const at = (field: string) => `${file}: deployments.${index}.${field}`;
    for (const field of ['gpu', 'precision'] as const) {
      if (d[field] === undefined)
        throw new UserError(`${at(field)}: required (here or under defaults): expected a string`);
    }
    const precision = findPrecision(d.precision!.trim());
    if (!precision) {
      throw new UserError(
        `${at('precision')}: unknown precision "${d.precision}"${didYouMean(d.precision!, PRECISION_IDS)}`,
      );
    }
    if (d.release !== undefined) {
      if (d.engine !== undefined && d.engine !== 'vllm') {
        throw new UserError(
          `${at('release')}: a vLLM release, but engine is ${d.engine}; only vLLM's memory accounting is ` +
            'modelled by release (remove release or set engine: vllm)',
        );
      }
      try {
        vllmGeneration(d.release);
      } catch (e) {
        if (isCalcError(e)) throw new UserError(`${at('release')}: ${e.message}`);
        throw e;
      }
    }
    if (d.tp !== undefined && d.count !== undefined && d.count % d.tp !== 0) {
      throw new UserError(`${at('tp')}: ${d.tp} does not divide count ${d.count} (the GPUs are TP x pipeline stages)`);
    }
    if (raw.name !== undefined) {
      const prev = names.get(raw.name);
      if (prev !== undefined)
        throw new UserError(`${at('name')}: "${raw.name}" already names deployments.${prev}; names must differ`);
      names.set(raw.name, index);
    }
    return {
      index,
      name: raw.name ?? raw.model,
      model: raw.model,
      modelRef: modelRefFor(raw.model, dir),
      gpu: d.gpu!,
      count: d.count ?? 1,
      precision: precision.id,
      context: d.context,
      sequences: d.sequences,
      minKvCacheTokens: d.min_kv_cache_tokens,
      minDecodeTokensPerSecond: d.min_decode_tokens_per_second,
      kvPrecision: d.kv_precision,
      engine: d.engine,
      release: d.release,
      utilization: d.utilization,
      tp: d.tp,
      maxNumSeqs: d.max_num_seqs,
      enforceEager: d.enforce_eager,
    };
  });
  return { file, deployments };
}

export function loadManifestFile(path: string): Manifest {
  const text = readTextFile(path, 'manifest');
  return validateManifest(parseYamlText(text, path), path, dirname(path));
}

function kvSpecError(v: string): string | undefined {
  try {
    parseKvPrecision(v);
    return undefined;
  } catch (e) {
    return e instanceof Error ? e.message : 'invalid';
  }
}
