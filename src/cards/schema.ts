// The model-card and GPU-catalog schemas: what a file must hold to become the core's domain types
// (src/core/types.ts; the assertions at the end keep the two identical), and the source of the
// published JSON Schemas. Strict everywhere: an unknown key is an error.
import { z } from 'zod';
import {
  CLAIM_KINDS,
  CLAIM_UNITS,
  type Architecture,
  type Card,
  type Claim,
  type Gpu,
  type LayerSet,
} from '../core/types.js';

const MAX = Number.MAX_SAFE_INTEGER;
const posInt = z.number().int().positive().max(MAX);
const nonNegInt = z.number().int().nonnegative().max(MAX);
const kebab = z
  .string()
  .regex(/^[a-z0-9]+(?:[.-][a-z0-9]+)*$/, 'expected a kebab-case id such as grok-2 (a-z, 0-9, "-" and ".")');

/** A set of decoder-layer indices (0-based). */
export const LayerSetSchema = z.union([
  z.literal('all'),
  z.literal('none'),
  z.strictObject({ indices: z.array(nonNegInt).max(100_000) }),
  z.strictObject({
    /** a layer i is in the set when i >= from, (i % period) is one of offsets, and i is not in except */
    period: posInt,
    offsets: z.array(nonNegInt).min(1).max(1000),
    from: nonNegInt.optional(),
    except: z.array(nonNegInt).max(100_000).optional(),
  }),
]);

const SourceSchema = z.strictObject({
  url: z.string().min(1).max(2000),
  supports: z.string().min(1).max(2000),
});

const GqaSchema = z.strictObject({
  type: z.literal('gqa'),
  heads: posInt,
  kv_heads: posInt,
  head_dim: posInt,
  /** V width per head when it differs from K's head_dim (MiMo-V2-Flash) */
  v_head_dim: posInt.optional(),
  /** low-rank query: q_a hidden -> r, RMSNorm(r), q_b r -> heads x head_dim (Step3) */
  q_lora_rank: posInt.optional(),
  /** no v_proj: V comes from the k_proj output (Gemma 4 global layers) */
  k_eq_v: z.boolean().default(false),
  /** a gate hidden -> heads x head_dim on the attention output (Qwen3-Next, Trinity) */
  output_gate: z.boolean().default(false),
  qkv_bias: z.boolean().default(false),
  o_bias: z.boolean().default(false),
  /** none; per_head: one RMSNorm of head_dim for q and one for k (Qwen3); full: over all q / all k features (OLMoE) */
  qk_norm: z.enum(['none', 'per_head', 'full']).default('none'),
  /** learned per-head attention-sink logits (gpt-oss) */
  sinks: z.boolean().default(false),
});

const MlaSchema = z.strictObject({
  type: z.literal('mla'),
  heads: posInt,
  q_lora_rank: posInt.nullable(),
  kv_lora_rank: posInt,
  qk_nope_head_dim: posInt,
  qk_rope_head_dim: posInt,
  v_head_dim: posInt,
  /** bias on q_a_proj, kv_a_proj_with_mqa and o_proj (DeepSeek `attention_bias`) */
  bias: z.boolean().default(false),
  /** DeepSeek Sparse Attention's lightning indexer (DeepSeek-V3.2, GLM-5) */
  indexer: z.strictObject({ heads: posInt, head_dim: posInt }).optional(),
});

const MoaSchema = z.strictObject({
  type: z.literal('moa'),
  experts: posInt,
  top_k: posInt,
  kv_heads: posInt,
  head_dim: posInt,
});

const AttentionSchema = z.discriminatedUnion('type', [GqaSchema, MlaSchema, MoaSchema]);

const SlidingSchema = z.strictObject({
  /** tokens a sliding-window (or chunked-local) layer keeps */
  window: posInt,
  layers: LayerSetSchema,
});

const MoeSchema = z.strictObject({
  experts: posInt,
  top_k: posInt,
  /** FFN width of one routed expert */
  expert_ffn: posInt,
  layers: LayerSetSchema,
  /** gate + up + down, or up + down (Nemotron-H); default: as mlp.gated */
  gated: z.boolean().optional(),
  shared_experts: z
    .strictObject({
      count: posInt,
      /** FFN width of one shared expert */
      ffn: posInt,
      /** a sigmoid gate Linear(hidden, 1) on the shared-expert output (Qwen2-MoE) */
      gate: z.boolean().default(false),
    })
    .optional(),
  /** a dense MLP that runs beside the experts in every MoE layer (Grok-2's residual MoE, Gemma 4, Arctic) */
  dense_residual_ffn: posInt.optional(),
  router_bias: z.boolean().default(false),
  /** a per-expert score-correction bias stored in the checkpoint (DeepSeek-V3 noaux_tc) */
  router_correction_bias: z.boolean().default(false),
  /** a learned scale of hidden on the router input and one per expert (Gemma 4) */
  router_scale: z.boolean().default(false),
  /** biases on the expert projections (gpt-oss) */
  expert_bias: z.boolean().default(false),
  /** zero-computation experts besides the real ones (LongCat-Flash) */
  zero_experts: nonNegInt.max(100_000).default(0),
});

const stateDtype = z.enum(['bf16', 'fp32']).default('bf16');
const ssmLayers = { layers: LayerSetSchema.optional() };

const SsmSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('mamba'),
    ...ssmLayers,
    d_state: posInt,
    d_conv: posInt,
    expand: posInt,
    dt_rank: posInt,
    conv_bias: z.boolean(),
    proj_bias: z.boolean(),
    /** RMSNorms on dt, B and C inside the mixer (Jamba) */
    inner_norms: z.boolean(),
    state_dtype: stateDtype,
  }),
  z.strictObject({
    kind: z.literal('mamba2'),
    ...ssmLayers,
    heads: posInt,
    head_dim: posInt,
    groups: posInt,
    d_state: posInt,
    d_conv: posInt,
    conv_bias: z.boolean(),
    proj_bias: z.boolean(),
    state_dtype: stateDtype,
  }),
  z.strictObject({
    kind: z.literal('gated_deltanet'),
    ...ssmLayers,
    key_heads: posInt,
    value_heads: posInt,
    key_head_dim: posInt,
    value_head_dim: posInt,
    d_conv: posInt,
    state_dtype: stateDtype,
  }),
  z.strictObject({ kind: z.literal('kda'), ...ssmLayers, heads: posInt, head_dim: posInt, d_conv: posInt }),
  z.strictObject({
    kind: z.literal('lightning'),
    ...ssmLayers,
    heads: posInt,
    head_dim: posInt,
    state_dtype: stateDtype,
  }),
  z.strictObject({ kind: z.literal('short_conv'), ...ssmLayers, d_conv: posInt, bias: z.boolean() }),
]);

export const ArchitectureSchema = z.strictObject({
  vocab_size: posInt,
  hidden_size: posInt,
  num_layers: posInt.max(100_000),
  tie_embeddings: z.boolean(),
  lm_head_bias: z.boolean().default(false),
  max_context: posInt,
  /** precision id (see `moe-calc fit --help`) the released weights use */
  native_precision: z.string().min(1).max(64),
  attention: AttentionSchema,
  /** layers whose attention differs from `attention` (the first variant that lists a layer wins) */
  attention_variants: z
    .array(z.strictObject({ layers: LayerSetSchema, attention: AttentionSchema }))
    .max(16)
    .default([]),
  /** layers with attention; the rest are SSM layers (default: all) */
  attention_layers: LayerSetSchema.default('all'),
  sliding_window: SlidingSchema.optional(),
  mlp: z.strictObject({
    gated: z.boolean().default(true),
    bias: z.boolean().default(false),
    /** FFN width of dense (non-MoE) layers; required when any layer is dense */
    dense_ffn: posInt.optional(),
    /** layers with a dense MLP (default: every non-MoE layer) */
    layers: LayerSetSchema.optional(),
  }),
  moe: MoeSchema.optional(),
  ssm: SsmSchema.optional(),
  norms: z.strictObject({
    kind: z.enum(['rmsnorm', 'layernorm']),
    bias: z.boolean().default(false),
    /** norms in each decoder layer (2 for most models; Grok uses 4) */
    per_layer: nonNegInt.max(16).default(2),
  }),
  /** learned scalars each decoder layer stores besides its tensors (Gemma 4's layer_scalar) */
  per_layer_scalars: nonNegInt.max(1024).default(0),
  /** DeepSeek-style multi-token-prediction layers shipped in the checkpoint but not part of the decoder */
  mtp_layers: nonNegInt.max(16).default(0),
  /** each MTP layer stores its own embedding and LM head copies (DeepSeek-V3 does; Qwen3-Next, GLM-5 do not) */
  mtp_embedding_copies: z.boolean().default(true),
});

export const ClaimSchema = z.strictObject({
  quote: z.string().min(1).max(2000),
  source: z.string().min(1).max(2000),
  date: z.string().max(32).optional(),
  kind: z.enum(CLAIM_KINDS),
  value: z.number().nonnegative().max(1e18),
  unit: z.enum(CLAIM_UNITS),
  /** the rounding step the quote states: 1e9 for "314B", 1 for "628GB"; 0 = exact; omitted = about (+-5%) */
  rounding: z.number().nonnegative().max(1e18).optional(),
  /** weight_bytes / file_size: the precision the figure is about */
  precision: z.string().max(64).optional(),
  /** gpu_requirement: the cluster the quote names */
  gpus: z.strictObject({ count: posInt.max(100_000), min_memory_gb: z.number().positive().max(1e6) }).optional(),
  official: z.boolean().default(false),
  /** what the card knows about why the figure differs */
  note: z.string().max(2000).optional(),
});

export const ExtraComponentSchema = z.strictObject({
  name: z.string().min(1).max(200),
  params: posInt,
  source: z.string().min(1).max(2000),
  kind: z.enum(['vision', 'audio', 'other']).default('other'),
  /** engines load it onto the GPU by default; fit counts it unless --text-only */
  loaded: z.boolean().default(false),
});

export const CardSchema = z.strictObject({
  id: kebab.max(64),
  name: z.string().min(1).max(200),
  organisation: z.string().min(1).max(200),
  released: z
    .string()
    .regex(/^\d{4}-\d{2}(-\d{2})?$/, 'expected a date YYYY-MM-DD or YYYY-MM')
    .optional(),
  licence: z.string().min(1).max(200).optional(),
  aliases: z.array(kebab.max(64)).max(50).default([]),
  hf_repo: z.string().max(200).optional(),
  sources: z.array(SourceSchema).min(1).max(100),
  notes: z.array(z.string().max(4000)).max(100).default([]),
  architecture: ArchitectureSchema,
  /** parts outside the text decoder (a vision encoder...), counted separately */
  extra_components: z.array(ExtraComponentSchema).max(20).default([]),
  claims: z.array(ClaimSchema).max(500).default([]),
});

/** A card before defaults are filled in (what the config importer builds). */
export type CardInput = z.input<typeof CardSchema>;

// --- GPU catalog -------------------------------------------------------------------------------

export const GpuSchema = z.strictObject({
  id: kebab.max(64),
  name: z.string().min(1).max(200),
  vendor: z.string().min(1).max(64),
  aliases: z.array(kebab.max(64)).max(20).default([]),
  /** memory the runtime can see, in bytes (CUDA totalGlobalMem / nvidia-smi total) */
  memory_bytes: posInt,
  /** fraction of memory the GPU may use (Apple unified memory); 1 for discrete GPUs */
  usable_fraction: z.number().positive().max(1).default(1),
  bandwidth_gbps: z.number().positive().max(1e6),
  bf16_tflops: z.number().positive().max(1e6),
  fp8_tflops: z.number().positive().max(1e6).optional(),
  fp4_tflops: z.number().positive().max(1e6).optional(),
  native_fp8: z.boolean(),
  native_fp4: z.boolean(),
  /** CUDA compute capability ("9.0"): engines pick kernels by it (NVIDIA only) */
  compute_capability: z
    .string()
    .regex(/^\d{1,2}\.\d$/, 'a CUDA compute capability such as "9.0"')
    .optional(),
  gpus_per_node: posInt.max(1000).default(8),
  /** GPU-to-GPU bandwidth inside a node, GB/s per direction (NVLink, Infinity Fabric; PCIe without them) */
  link_gbps: z.number().positive().max(1e6).optional(),
  /** network bandwidth per GPU between nodes, GB/s per direction (one 400 Gb/s NIC per GPU: 50) */
  network_gbps: z.number().positive().max(1e6).optional(),
  source: z.string().min(1).max(2000),
});
export const GpuCatalogSchema = z.strictObject({ gpus: z.array(GpuSchema).min(1).max(1000) });

// The schemas produce exactly the core's types: a field added to one and not the other fails the build.
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
export const SCHEMAS_MATCH_CORE_TYPES: [
  Same<z.output<typeof CardSchema>, Card>,
  Same<z.output<typeof ArchitectureSchema>, Architecture>,
  Same<z.output<typeof LayerSetSchema>, LayerSet>,
  Same<z.output<typeof ClaimSchema>, Claim>,
  Same<z.output<typeof GpuSchema>, Gpu>,
] = [true, true, true, true, true];
