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
  qkv_bias: boolean;
  o_bias: boolean;
  /** none; per_head: one RMSNorm of head_dim for q and one for k (Qwen3); full: over all q / all k features (OLMoE) */
  qk_norm: 'none' | 'per_head' | 'full';
  /** learned per-head attention-sink logits (gpt-oss) */
  sinks: boolean;
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
}

export type Attention = GqaAttention | MlaAttention;

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
  shared_experts?: SharedExperts | undefined;
  /** a dense MLP that runs beside the experts in every MoE layer (Grok-2's residual MoE) */
  dense_residual_ffn?: number | undefined;
  router_bias: boolean;
  /** a per-expert score-correction bias stored in the checkpoint (DeepSeek-V3 noaux_tc) */
  router_correction_bias: boolean;
  /** biases on the expert projections (gpt-oss) */
  expert_bias: boolean;
}

export interface Ssm {
  kind: 'mamba';
  /** layers that are Mamba mixers instead of attention */
  layers: LayerSet;
  d_state: number;
  d_conv: number;
  expand: number;
  dt_rank: number;
  conv_bias: boolean;
  proj_bias: boolean;
  /** RMSNorms on dt, B and C inside the mixer (Jamba) */
  inner_norms: boolean;
}

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
  /** layers with attention; the rest are SSM layers (default: all) */
  attention_layers: LayerSet;
  sliding_window?: SlidingWindow | undefined;
  mlp: {
    gated: boolean;
    bias: boolean;
    /** FFN width of dense (non-MoE) layers; required when any layer is dense */
    dense_ffn?: number | undefined;
  };
  moe?: Moe | undefined;
  ssm?: Ssm | undefined;
  norms: {
    kind: 'rmsnorm' | 'layernorm';
    bias: boolean;
    /** norms in each decoder layer (2 for most models; Grok uses 4) */
    per_layer: number;
  };
  /** DeepSeek-style multi-token-prediction layers shipped in the checkpoint but not part of the decoder */
  mtp_layers: number;
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
  source: string;
}
