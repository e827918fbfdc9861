// The domain types: a model card (identity, architecture, quoted claims) and a GPU. The core computes
// with these; src/cards/ reads files into them and validates them (its zod schema is checked against
// these interfaces at compile time, so the two cannot drift).

/** A set of decoder-layer indices (0-based). */
export type LayerSet =
  | 'all'
  | 'none'
  | { indices: number[] }
  | {
      /** a layer i is in the set when i >= from, (i % period) is one of offsets, and i is not in except */
      period: number;
      offsets: number[];
      from?: number | undefined;
      except?: number[] | undefined;
    };

export interface Source {
  url: string;
  supports: string;
}

export interface GqaAttention {
  type: 'gqa';
  heads: number;
  kv_heads: number;
  head_dim: number;
  /** V width per head when it differs from K's head_dim (MiMo-V2-Flash: K 192, V 128) */
  v_head_dim?: number | undefined;
  /** low-rank query: q_a hidden -> r, an RMSNorm of r, q_b r -> heads x head_dim (Step3's MFA) */
  q_lora_rank?: number | undefined;
  /** no v_proj: V is taken from the k_proj output (Gemma 4 global layers); both are still cached */
  k_eq_v: boolean;
  /** a gate hidden -> heads x head_dim on the attention output (Qwen3-Next's doubled q_proj, Trinity's gate_proj) */
  output_gate: boolean;
  qkv_bias: boolean;
  o_bias: boolean;
  /** none; per_head: one RMSNorm of head_dim for q and one for k (Qwen3); full: over all q / all k features (OLMoE) */
  qk_norm: 'none' | 'per_head' | 'full';
  /** learned per-head attention-sink logits (gpt-oss) */
  sinks: boolean;
}

/** The lightning indexer of DeepSeek Sparse Attention (DeepSeek-V3.2, GLM-5): wq_b q_lora_rank -> heads x
 *  head_dim, wk hidden -> head_dim, a LayerNorm(head_dim) with bias, weights_proj hidden -> heads; it caches
 *  one fp8 key of head_dim plus an fp32 scale per 128 values for every token. */
export interface DsaIndexer {
  heads: number;
  head_dim: number;
}

export interface MlaAttention {
  type: 'mla';
  heads: number;
  q_lora_rank: number | null;
  kv_lora_rank: number;
  qk_nope_head_dim: number;
  qk_rope_head_dim: number;
  v_head_dim: number;
  /** bias on q_a_proj, kv_a_proj_with_mqa and o_proj (DeepSeek `attention_bias`) */
  bias: boolean;
  indexer?: DsaIndexer | undefined;
}

/** Mixture of attention heads (JetMoE): each of `experts` attention experts owns a query projection
 *  hidden -> kv_heads x head_dim and an output projection back; a router picks top_k of them per token;
 *  one key/value projection (kv_heads heads) is shared by all; a bias of hidden on the output. */
export interface MoaAttention {
  type: 'moa';
  experts: number;
  top_k: number;
  kv_heads: number;
  head_dim: number;
}

export type Attention = GqaAttention | MlaAttention | MoaAttention;

/** Layers whose attention differs from the card's default (Gemma 4's global layers, MiMo's full layers). */
export interface AttentionVariant {
  layers: LayerSet;
  attention: Attention;
}

export interface SlidingWindow {
  /** tokens a sliding-window (or chunked-local) layer keeps */
  window: number;
  layers: LayerSet;
}

export interface SharedExperts {
  count: number;
  /** FFN width of one shared expert */
  ffn: number;
  /** a sigmoid gate Linear(hidden, 1) on the shared-expert output (Qwen2-MoE) */
  gate: boolean;
}

export interface Moe {
  experts: number;
  top_k: number;
  /** FFN width of one routed expert */
  expert_ffn: number;
  layers: LayerSet;
  /** gate + up + down (SwiGLU) or up + down (Nemotron-H's relu^2 experts); default: as mlp.gated */
  gated?: boolean | undefined;
  shared_experts?: SharedExperts | undefined;
  /** a dense MLP that runs beside the experts in every MoE layer (Grok-2's residual MoE, Gemma 4, Arctic) */
  dense_residual_ffn?: number | undefined;
  router_bias: boolean;
  /** a per-expert score-correction bias stored in the checkpoint (DeepSeek-V3 noaux_tc) */
  router_correction_bias: boolean;
  /** a learned scale of hidden on the router input and one per expert (Gemma 4) */
  router_scale: boolean;
  /** biases on the expert projections (gpt-oss) */
  expert_bias: boolean;
  /** zero-computation (identity) experts the router may pick besides the real ones (LongCat-Flash): they
   *  have no weights, so a token runs between top_k - zero_experts (at least 0) and top_k real experts */
  zero_experts: number;
}

/** The recurrent state engines keep per sequence is stored in this dtype (conv states in the model's). */
export type StateDtype = 'bf16' | 'fp32';

interface SsmCommon {
  /** layers that are this mixer; default: every layer without attention */
  layers?: LayerSet | undefined;
}

/** Jamba's Mamba (v1) mixer. */
export interface Mamba1 extends SsmCommon {
  kind: 'mamba';
  d_state: number;
  d_conv: number;
  expand: number;
  dt_rank: number;
  conv_bias: boolean;
  proj_bias: boolean;
  /** RMSNorms on dt, B and C inside the mixer (Jamba) */
  inner_norms: boolean;
  state_dtype: StateDtype;
}

/** Mamba-2 (Nemotron-H, Granite 4.0-H): heads x head_dim inner width, `groups` B/C groups of d_state. */
export interface Mamba2 extends SsmCommon {
  kind: 'mamba2';
  heads: number;
  head_dim: number;
  groups: number;
  d_state: number;
  d_conv: number;
  conv_bias: boolean;
  proj_bias: boolean;
  state_dtype: StateDtype;
}

/** Gated DeltaNet (Qwen3-Next, Qwen3.5/3.6). */
export interface GatedDeltaNet extends SsmCommon {
  kind: 'gated_deltanet';
  key_heads: number;
  value_heads: number;
  key_head_dim: number;
  value_head_dim: number;
  d_conv: number;
  state_dtype: StateDtype;
}

/** Kimi Delta Attention (Kimi-Linear); its recurrent state is always fp32. */
export interface Kda extends SsmCommon {
  kind: 'kda';
  heads: number;
  head_dim: number;
  d_conv: number;
}

/** Lightning (linear) attention (MiniMax-Text-01 / M1): a heads x head_dim x head_dim state per sequence. */
export interface Lightning extends SsmCommon {
  kind: 'lightning';
  heads: number;
  head_dim: number;
  state_dtype: StateDtype;
}

/** LFM2's gated short convolution: in_proj hidden -> 3 hidden, a depthwise conv, out_proj. */
export interface ShortConv extends SsmCommon {
  kind: 'short_conv';
  d_conv: number;
  bias: boolean;
}

export type Ssm = Mamba1 | Mamba2 | GatedDeltaNet | Kda | Lightning | ShortConv;

export interface Architecture {
  vocab_size: number;
  hidden_size: number;
  num_layers: number;
  tie_embeddings: boolean;
  lm_head_bias: boolean;
  max_context: number;
  /** precision id (see `moe-calc fit --help`) the released weights use */
  native_precision: string;
  attention: Attention;
  /** layers whose attention differs from `attention` (the first variant that lists a layer wins) */
  attention_variants: AttentionVariant[];
  /** layers with attention; the rest are SSM layers (default: all) */
  attention_layers: LayerSet;
  sliding_window?: SlidingWindow | undefined;
  mlp: {
    gated: boolean;
    bias: boolean;
    /** FFN width of dense (non-MoE) layers; required when any layer is dense */
    dense_ffn?: number | undefined;
    /** layers with a dense MLP; default: every layer that is not a MoE layer (Nemotron-H has layers with none) */
    layers?: LayerSet | undefined;
  };
  moe?: Moe | undefined;
  ssm?: Ssm | undefined;
  norms: {
    kind: 'rmsnorm' | 'layernorm';
    bias: boolean;
    /** norms in each decoder layer (2 for most models; Grok uses 4) */
    per_layer: number;
  };
  /** learned scalars each decoder layer stores besides its tensors (Gemma 4's layer_scalar) */
  per_layer_scalars: number;
  /** DeepSeek-style multi-token-prediction layers shipped in the checkpoint but not part of the decoder */
  mtp_layers: number;
  /** each MTP layer stores its own copies of the embedding and LM head (DeepSeek-V3: yes; Qwen3-Next, GLM-5: no) */
  mtp_embedding_copies: boolean;
}

export const CLAIM_KINDS = [
  'total_params',
  'active_params',
  'per_expert_params',
  'experts',
  'top_k',
  'context',
  'vocab',
  'weight_bytes',
  'gpu_requirement',
  'file_size',
] as const;
export type ClaimKind = (typeof CLAIM_KINDS)[number];

export const CLAIM_UNITS = ['params', 'count', 'tokens', 'characters', 'bytes', 'GB', 'GiB'] as const;
export type ClaimUnit = (typeof CLAIM_UNITS)[number];

export interface Claim {
  quote: string;
  source: string;
  date?: string | undefined;
  kind: ClaimKind;
  value: number;
  unit: ClaimUnit;
  /** the rounding step the quote states: 1e9 for "314B", 1 for "628GB"; 0 = exact; omitted = about (+-5%) */
  rounding?: number | undefined;
  /** weight_bytes / file_size: the precision the figure is about */
  precision?: string | undefined;
  /** gpu_requirement: the cluster the quote names */
  gpus?: { count: number; min_memory_gb: number } | undefined;
  official: boolean;
  /** what the card knows about why the figure differs */
  note?: string | undefined;
}

export interface ExtraComponent {
  name: string;
  params: number;
  source: string;
  /** vision or audio tower, or another part outside the text decoder */
  kind: 'vision' | 'audio' | 'other';
  /** serving engines load it onto the GPU by default (vLLM and SGLang load vision towers); fit counts it
   *  unless --text-only */
  loaded: boolean;
}

export interface Card {
  id: string;
  name: string;
  organisation: string;
  released?: string | undefined;
  licence?: string | undefined;
  aliases: string[];
  hf_repo?: string | undefined;
  sources: Source[];
  notes: string[];
  architecture: Architecture;
  /** parts outside the text decoder (a vision encoder...), counted separately */
  extra_components: ExtraComponent[];
  claims: Claim[];
}

export interface Gpu {
  id: string;
  name: string;
  vendor: string;
  aliases: string[];
  /** memory the runtime can see, in bytes (CUDA totalGlobalMem / nvidia-smi total) */
  memory_bytes: number;
  /** fraction of memory the GPU may use (Apple unified memory); 1 for discrete GPUs */
  usable_fraction: number;
  bandwidth_gbps: number;
  bf16_tflops: number;
  fp8_tflops?: number | undefined;
  fp4_tflops?: number | undefined;
  native_fp8: boolean;
  native_fp4: boolean;
  /** CUDA compute capability ("9.0"): engines pick kernels by it (NVIDIA only) */
  compute_capability?: string | undefined;
  gpus_per_node: number;
  /** GPU-to-GPU bandwidth inside a node, GB/s per direction (NVLink, Infinity Fabric; PCIe without them) */
  link_gbps?: number | undefined;
  /** network bandwidth per GPU between nodes, GB/s per direction (one 400 Gb/s NIC per GPU: 50) */
  network_gbps?: number | undefined;
  source: string;
}
