// The --json output contracts (schemaVersion 1) of show, fit, compare and audit, as zod schemas.
// Published as JSON Schema under schema/ by the build; the CLI tests validate real output against them.
import { z } from 'zod';

const count = z.number().int().nonnegative();
const bytes = z.number().int();

const perGpu = z.object({
  weightsBytes: bytes,
  kvBytes: bytes,
  activationBytes: bytes,
  nonTorchBytes: bytes,
  cudaGraphBytes: bytes,
  overheadBytes: bytes,
  totalBytes: bytes,
  capacityBytes: bytes,
  budgetBytes: bytes,
  freeBytes: bytes,
});

const checkpointCheck = z
  .object({
    source: z.string(),
    files: count,
    tensors: count,
    params: count,
    bytes: bytes,
    byDtype: z.array(z.object({ dtype: z.string(), tensors: count, params: count, bytes: bytes })),
    derivedParams: count,
    derivedNativeBytes: bytes.nullable(),
    groups: z
      .array(z.object({ group: z.enum(['decoder', 'mtp', 'towers']), checkpoint: count, derived: count }))
      .nullable(),
    matches: z.boolean(),
    verdict: z.string(),
  })
  .strict();

/** show of a model type the importer does not know: exact totals from the headers, estimates apart */
export const CheckpointOnlyOutput = z
  .object({
    schemaVersion: z.literal(1),
    kind: z.literal('checkpoint-only'),
    source: z.string(),
    modelType: z.string(),
    reason: z.string(),
    exact: z.object({ totalParams: count, weightBytes: bytes, files: count, tensors: count }),
    byDtype: z.array(z.object({ dtype: z.string(), tensors: count, params: count, bytes: bytes })),
    estimates: z.object({
      routedParams: count,
      experts: count.nullable(),
      expertsPerToken: count.nullable(),
      activeParams: count.nullable(),
      kvElementsPerToken: count.nullable(),
    }),
    notes: z.array(z.string()),
  })
  .strict();

export const ShowCardOutput = z
  .object({
    schemaVersion: z.literal(1),
    checkpoint: checkpointCheck.nullable(),
    model: z
      .object({
        id: z.string(),
        name: z.string(),
        organisation: z.string(),
        file: z.string(),
        origin: z.enum(['builtin', 'user', 'config']),
      })
      .passthrough(),
    params: z.object({
      total: count,
      active: count,
      activeNonEmbedding: count,
      perExpert: count,
      perExpertLayer: count,
      mtp: count,
      extra: count,
      checkpointTotal: count,
      transformersParameters: count,
      breakdown: z.record(z.string(), count),
      derivation: z.record(z.string(), z.string()),
    }),
    layers: z.object({ attention: count, ssm: count, moe: count, dense: count, sliding: count }),
    weights: z.object({ nativePrecision: z.string(), nativeBytes: bytes, bf16Bytes: bytes }),
    kvCache: z.object({
      dtype: z.string(),
      bytesPerToken: count,
      fullAttentionBytesPerToken: count,
      slidingBytesPerToken: count,
      window: count.nullable(),
      stateBytesPerSequence: count,
    }),
  })
  .passthrough();

export const ShowOutput = z.union([ShowCardOutput, CheckpointOnlyOutput]);
/** A rig (--gpu auto, --gpu a+b): its GPUs in device order, what was read, the notes. */
const rigOutput = z
  .object({
    label: z.string(),
    source: z.string(),
    mixed: z.boolean(),
    gpus: z.array(
      z.object({
        id: z.string(),
        name: z.string(),
        reportedName: z.string().nullable(),
        memoryBytes: bytes,
        usableFraction: z.number().positive().max(1),
        usedBytes: bytes.nullable(),
        freeBytes: bytes,
      }),
    ),
    notes: z.array(z.string()),
  })
  .nullable();

/** A llama.cpp layer split over a rig: per stage its GPU and layers, the output layer's stage, -ts. */
const splitOutput = z
  .object({
    gpus: z.array(z.string()),
    layers: z.array(z.tuple([count, count])),
    outputStage: count,
    tensorSplit: z.array(count),
  })
  .optional();

export const FitOutput = z
  .object({
    schemaVersion: z.literal(1),
    model: z.object({ id: z.string(), name: z.string(), totalParams: count, activeParams: count }).passthrough(),
    gpu: z.object({ id: z.string(), memoryBytes: bytes }).passthrough(),
    fits: z.boolean(),
    plans: z.array(
      z.union([
        z
          .object({
            precision: z.string(),
            gpuCount: count,
            tensorParallel: count,
            pipelineParallel: count,
            fits: z.boolean(),
            perGpu,
            stages: z.array(perGpu),
            maxContext: count,
            maxConcurrency: count,
            kvCacheTokens: count,
            shortfallBytes: bytes,
            weightsTotalBytes: bytes,
            split: splitOutput,
          })
          .passthrough(),
        z.object({ precision: z.string(), fits: z.literal(false), gpuCount: z.null(), reason: z.string() }),
      ]),
    ),
    assumptions: z.record(z.string(), z.unknown()),
    rig: rigOutput.optional(),
  })
  .passthrough();

export const TopOutput = z
  .object({
    schemaVersion: z.literal(1),
    rig: rigOutput,
    gpu: z.object({ id: z.string(), name: z.string(), memoryBytes: bytes, count }),
    request: z.object({
      context: count,
      batch: count,
      kvPrecision: z.string(),
      hostMemoryBytes: bytes.nullable(),
      precisions: z.array(z.string()),
      sort: z.enum(['params', 'speed', 'context', 'name']),
    }),
    fitting: count,
    rows: z.array(
      z.object({
        rank: count,
        model: z.object({
          id: z.string(),
          name: z.string(),
          totalParams: count,
          activeParams: count,
          moe: z.boolean(),
        }),
        fits: z.boolean(),
        precision: z.string().nullable(),
        bitsPerWeight: z.number().positive().nullable(),
        weightsTotalBytes: bytes.nullable(),
        layout: z.string().nullable(),
        gpuCount: count.nullable(),
        context: count,
        maxContext: count.nullable(),
        maxContextIsModelLimit: z.boolean(),
        usedBytes: bytes.nullable(),
        budgetBytes: bytes.nullable(),
        decodeTokensPerSecond: z.number().nonnegative().nullable(),
        offload: z.object({ layers: count, hostBytes: bytes }).nullable(),
        shortfallBytes: bytes.nullable(),
        reason: z.string().nullable(),
      }),
    ),
    notes: z.array(z.string()),
  })
  .passthrough();

export const CompareOutput = z
  .object({
    schemaVersion: z.literal(1),
    models: z.array(
      z
        .object({
          id: z.string(),
          params: z.object({ total: count, active: count }),
          weightsBytes: z.record(z.string(), bytes),
          kvBytesPer1kTokens: count,
          gpusNeeded: z.record(z.string(), count.nullable()).nullable(),
          decodeTokensPerSecond: z.record(z.string(), z.number().nonnegative().nullable()).nullable(),
        })
        .passthrough(),
    ),
  })
  .passthrough();

export const AuditOutput = z
  .object({
    schemaVersion: z.literal(1),
    strict: z.boolean(),
    doesNotHold: count,
    models: z.array(
      z
        .object({
          id: z.string(),
          claims: z.array(
            z
              .object({
                quote: z.string(),
                kind: z.string(),
                value: z.number(),
                unit: z.string(),
                verdict: z.enum(['holds', 'close', 'does not hold', 'not checkable']),
                derived: z.number().nullable(),
                reason: z.string(),
                derivation: z.string(),
              })
              .passthrough(),
          ),
        })
        .passthrough(),
    ),
  })
  .passthrough();

const requirementId = z.enum(['layout', 'memory', 'min_kv_cache_tokens', 'min_decode_tokens_per_second']);

export const CheckOutput = z
  .object({
    schemaVersion: z.literal(1),
    manifest: z.string(),
    ok: z.boolean(),
    summary: z.object({ deployments: count, holding: count, failing: count }),
    deployments: z.array(
      z
        .object({
          name: z.string(),
          model: z.object({ spec: z.string(), id: z.string(), name: z.string(), file: z.string() }),
          gpu: z.object({ id: z.string(), name: z.string(), memoryBytes: bytes }),
          count,
          precision: z.string(),
          context: count,
          sequences: count,
          holds: z.boolean(),
          failed: z.array(requirementId),
          requirements: z.array(
            z.object({
              requirement: requirementId,
              holds: z.boolean().nullable(),
              required: z.number(),
              actual: z.number().nullable(),
            }),
          ),
          layout: z.object({ tensorParallel: count, pipelineParallel: count }).nullable(),
          perGpu: z
            .object({ usedBytes: bytes, budgetBytes: bytes, headroomBytes: bytes, shortfallBytes: bytes })
            .nullable(),
          maxContext: count.nullable(),
          maxSequences: count.nullable(),
          kvCacheTokens: count.nullable(),
          decodeTokensPerSecond: z.number().nonnegative().nullable(),
          reason: z.string().nullable(),
          warnings: z.array(z.string()),
        })
        .passthrough(),
    ),
  })
  .passthrough();

export const OUTPUT_SCHEMAS = {
  show: ShowOutput,
  fit: FitOutput,
  compare: CompareOutput,
  audit: AuditOutput,
  check: CheckOutput,
  top: TopOutput,
};
