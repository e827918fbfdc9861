// Weight formats (bits per weight) and precision recipes (which format each tensor gets).
// Pure: no I/O. One table per fact; each constant names its source.
import type { Role, TensorCount } from './params.js';
import { CalcError } from './errors.js';
import type { Architecture } from './types.js';

export interface Format {
  /** effective bits per weight, scales and zero points included */
  bpw: number;
  /** where the figure comes from */
  source: string;
}

// Block layouts from ggml-org/llama.cpp ggml/src/ggml-common.h (block bytes x 8 / block elements).
// Others as noted. bpw of block formats is exact; per-tensor scales are negligible and left out.
export const FORMATS = {
  f32: { bpw: 32, source: 'IEEE binary32' },
  bf16: { bpw: 16, source: 'bfloat16' },
  f16: { bpw: 16, source: 'IEEE binary16' },
  // one fp32 scale per tensor: negligible
  fp8: { bpw: 8, source: 'fp8 e4m3 with a per-tensor scale (vLLM fp8)' },
  // DeepSeek-V3 README_WEIGHTS.md: e4m3 weights, one fp32 weight_scale_inv per 128x128 block
  fp8_block: {
    bpw: 8 + 32 / (128 * 128),
    source: 'deepseek-ai/DeepSeek-V3 README_WEIGHTS.md: fp8 e4m3, fp32 scale per 128x128 block',
  },
  // W8A8 with an fp32 scale per output channel; 32/4096 assumes ~4096 inputs per row (0.1% effect)
  int8: { bpw: 8 + 32 / 4096, source: 'int8 weights, fp32 scale per output channel' },
  // vLLM awq.py: 4-bit qweight, 4-bit zero and fp16 scale per group of 128: 4 + 20/128
  int4_g128: { bpw: 4 + (16 + 4) / 128, source: 'vllm awq.py layout: int4 + fp16 scale + int4 zero per 128 weights' },
  int4_g64: { bpw: 4 + (16 + 4) / 64, source: 'vllm awq.py layout, group size 64' },
  int4_g32: { bpw: 4 + (16 + 4) / 32, source: 'vllm awq.py layout, group size 32' },
  // symmetric: no zero points stored (AWQ zero_point false; compressed-tensors pack-quantized symmetric)
  int4_g128_sym: { bpw: 4 + 16 / 128, source: 'int4 + 16-bit scale per 128 weights, no zero points' },
  int4_g64_sym: { bpw: 4 + 16 / 64, source: 'int4 + 16-bit scale per 64 weights, no zero points' },
  int4_g32_sym: { bpw: 4 + 16 / 32, source: 'int4 + 16-bit scale per 32 weights, no zero points (Kimi K2.5 experts)' },
  // ggml-common.h block_mxfp4: 32 e2m1 values in 16 B + 1 B e8m0 scale
  mxfp4: { bpw: 4.25, source: 'OCP MXFP4: 17 bytes per 32 weights (ggml-common.h block_mxfp4)' },
  // NVIDIA NVFP4: e2m1 + one fp8 e4m3 scale per 16 weights: (16x4+8)/16
  nvfp4: { bpw: 4.5, source: 'NVIDIA NVFP4: fp8 scale per 16 e2m1 weights' },
  q8_0: { bpw: 8.5, source: 'ggml block_q8_0: 34 B / 32' },
  q6_k: { bpw: 6.5625, source: 'ggml block_q6_K: 210 B / 256' },
  q5_k: { bpw: 5.5, source: 'ggml block_q5_K: 176 B / 256' },
  q5_1: { bpw: 6, source: 'ggml block_q5_1: 24 B / 32' },
  q5_0: { bpw: 5.5, source: 'ggml block_q5_0: 22 B / 32' },
  q4_k: { bpw: 4.5, source: 'ggml block_q4_K: 144 B / 256' },
  q4_0: { bpw: 4.5, source: 'ggml block_q4_0: 18 B / 32' },
  iq4_nl: { bpw: 4.5, source: 'ggml block_iq4_nl: 18 B / 32' },
  iq4_xs: { bpw: 4.25, source: 'ggml block_iq4_xs: 136 B / 256' },
  q3_k: { bpw: 3.4375, source: 'ggml block_q3_K: 110 B / 256' },
  iq3_s: { bpw: 3.4375, source: 'ggml block_iq3_s: 110 B / 256' },
  iq3_xxs: { bpw: 3.0625, source: 'ggml block_iq3_xxs: 98 B / 256' },
  q2_k: { bpw: 2.625, source: 'ggml block_q2_K: 84 B / 256' },
  iq2_xxs: { bpw: 2.0625, source: 'ggml block_iq2_xxs: 66 B / 256' },
  iq1_s: { bpw: 1.5625, source: 'ggml block_iq1_s: 50 B / 256' },
} as const satisfies Record<string, Format>;

export type FormatId = keyof typeof FORMATS;

/** What llama.cpp's type rules read of the model besides one tensor (llama-quant.cpp). */
export interface RecipeModel {
  /** n_head / n_head_kv (hparams.n_gqa()); 1 for MLA, whose attn_kv_b GGUFs keep one KV head per head */
  gqa: number;
  /** each role's row width, ggml ne[0] (the input width): K-quants need a multiple of 256 */
  cols: Partial<Record<Role, number>>;
  /** the routed experts ship in this block format and GGUF files keep them as they are (gpt-oss: MXFP4) */
  expertFormat?: FormatId;
  /** no output.weight: token_embd takes the output tensor's type */
  tied: boolean;
}

const recipeModels = new WeakMap<Architecture, RecipeModel>();

/** The model facts the GGUF recipes need, once per architecture. */
export function recipeModel(a: Architecture): RecipeModel {
  const hit = recipeModels.get(a);
  if (hit) return hit;
  const h = a.hidden_size;
  const at = a.attention;
  const m = a.moe;
  const oIn =
    at.type === 'mla'
      ? at.heads * at.v_head_dim
      : at.type === 'gqa'
        ? at.heads * (at.v_head_dim ?? at.head_dim)
        : undefined;
  const cols: Partial<Record<Role, number>> = {
    embed: h,
    output: h,
    attn_q: h,
    attn_k: h,
    attn_v: h,
    attn_gate: h,
    attn_q_a: h,
    attn_kv_a: h,
    ffn_gate_up: h,
    ffn_gate_up_exps: h,
    ffn_gate_up_shexp: h,
    ssm_in: h,
    ...(oIn ? { attn_o: oIn } : {}),
    ...(at.type === 'mla'
      ? { attn_kv_b: at.kv_lora_rank, ...(at.q_lora_rank ? { attn_q_b: at.q_lora_rank } : {}) }
      : {}),
    ...((a.mlp.dense_ffn ?? m?.dense_residual_ffn) ? { ffn_down: a.mlp.dense_ffn ?? m?.dense_residual_ffn } : {}),
    ...(m ? { ffn_down_exps: m.expert_ffn } : {}),
    // GGUF merges the shared experts into one ffn_down_shexp of count x ffn inputs
    ...(m?.shared_experts ? { ffn_down_shexp: m.shared_experts.count * m.shared_experts.ffn } : {}),
  };
  const r: RecipeModel = {
    gqa: at.type === 'gqa' ? at.heads / at.kv_heads : 1,
    cols,
    // convert_hf_to_gguf.py writes gpt-oss's MXFP4 experts as they are, llama-quantize refuses to requantise a
    // quantised tensor (without --allow-requantize), and the published K-quant files keep them: "all quants keep
    // the feed forward networks at mxfp4" (bartowski/openai_gpt-oss-20b-GGUF README)
    ...(a.native_precision === 'mxfp4' && m ? { expertFormat: 'mxfp4' as const } : {}),
    tied: a.tie_embeddings,
  };
  recipeModels.set(a, r);
  return r;
}

/** Context a recipe sees for one tensor. */
export interface TensorContext {
  tensor: TensorCount;
  nLayers: number;
  nExperts: number;
  /** model facts llama.cpp's GGUF rules read (default: none, which reads as gqa 1, every width a multiple of
   *  256, experts from bf16, untied) */
  model?: RecipeModel;
}

export interface Precision {
  id: string;
  aliases: readonly string[];
  description: string;
  /** the format of one tensor */
  formatOf(ctx: TensorContext): FormatId;
  /** partitions of these widths must be multiples of this under tensor parallelism (block / group quantisation) */
  tpAlign?: number;
  /** true when the GPU needs native fp8 / fp4 support to run it as stored */
  needs?: 'fp8' | 'fp4';
  /** GGUF file: weights only run in llama.cpp-family engines */
  gguf?: boolean;
  /** how serving engines lay the routed experts out in GPU memory, by kernel (differs from the file) */
  expertLayouts?: Readonly<Record<string, ExpertLayout>>;
  /** a real file's bytes per layer (a GGUF's tensor headers): they replace the recipe in layerBytes */
  measured?: MeasuredWeights;
}

/** Weight bytes a checkpoint file really holds, per decoder layer, read from its tensor headers. */
export interface MeasuredWeights {
  /** per layer: bytes split across TP ranks, held by every rank, routed experts, shared experts */
  sharded: readonly number[];
  replicated: readonly number[];
  routed: readonly number[];
  shared: readonly number[];
  embed: number;
  /** output layer and final norm */
  head: number;
  /** the largest single routed-expert tensor of a layer */
  largestExpertTensor: number;
  /** the file type as the file names it ("Q4_K_M") */
  label: string;
}

/** The precision of one real GGUF file: its own bytes per layer, planned as llama.cpp runs it. */
export function measuredGgufPrecision(m: MeasuredWeights): Precision {
  return {
    id: `gguf:${m.label.toLowerCase()}`,
    aliases: [],
    description: `this GGUF file's own tensors (${m.label}), byte for byte`,
    // formats are never asked per tensor: layerBytes takes the measured bytes
    formatOf: () => 'bf16',
    gguf: true,
    measured: m,
  };
}

/** Kernel layout of quantised routed experts on the GPU: the engine pads the expert width of each
 *  TP rank and the hidden width for its kernel, and may keep extra copies of the scales. */
export interface ExpertLayout {
  id: string;
  /** the per-rank expert FFN width is rounded up to a multiple of this */
  ffnMultiple: number;
  /** the hidden width is rounded up to a multiple of this */
  hiddenMultiple: number;
  /** bits per weight kept besides the format's own (a second copy of the scales) */
  extraBpw: number;
  /** bits per element of the experts' biases */
  biasBits: number;
  source: string;
}

/** vLLM's MXFP4 MoE kernels (vllm/model_executor/layers/quantization/mxfp4.py Mxfp4MoEMethod.create_weights
 *  and process_weights_after_loading, v0.10.2-v0.14). Against logged loads: gpt-oss-120b TP1 Triton
 *  64.38 GiB, Marlin 65.97 GiB, Marlin TP2 34.38 GiB per GPU (test/fixtures/vllm-startup-logs.ts). */
export const MXFP4_LAYOUTS = {
  // triton_kernels: intermediate per rank rounded to 64, hidden as is; the swizzled scales are a new
  // tensor while the loaded uint8 scales stay registered (8 more bits per 32 weights); biases fp32
  triton: {
    id: 'triton',
    ffnMultiple: 64,
    hiddenMultiple: 1,
    extraBpw: 8 / 32,
    biasBits: 32,
    source: 'vLLM mxfp4.py, Triton kernels (Hopper and datacenter Blackwell, vLLM >= 0.12)',
  },
  // Marlin weight-only FP4 ("n % 256 == 0 and k % 128 == 0"): intermediate per rank rounded to 128,
  // hidden to 256; e8m0 scales repacked in place; biases bf16
  marlin: {
    id: 'marlin',
    ffnMultiple: 128,
    hiddenMultiple: 256,
    extraBpw: 0,
    biasBits: 16,
    source:
      'vLLM mxfp4.py + marlin_utils_fp4.py, Marlin fallback (GPUs without native FP4 support and no Triton kernels)',
  },
} as const satisfies Record<string, ExpertLayout>;

const LINEAR_ROLES: ReadonlySet<Role> = new Set<Role>([
  'attn_q',
  'attn_gate',
  'attn_indexer',
  'attn_k',
  'attn_v',
  'attn_o',
  'attn_q_a',
  'attn_q_b',
  'attn_kv_a',
  'attn_kv_b',
  'ffn_gate_up',
  'ffn_down',
  'ffn_gate_up_exps',
  'ffn_down_exps',
  'ffn_gate_up_shexp',
  'ffn_down_shexp',
  'ssm_in',
  'ssm_x',
  'ssm_dt',
  'ssm_out',
]);
const EXPERT_ROLES: ReadonlySet<Role> = new Set<Role>(['ffn_gate_up_exps', 'ffn_down_exps']);

/** Engine-quantised recipe: linear layers in `fmt`; embeddings, LM head, routers and vectors in bf16
 *  (vLLM's fp8/int8/AWQ/NVFP4 paths leave embeddings, lm_head and the router gate unquantised;
 *  DeepSeek-V3's fp8 checkpoint does the same: README_WEIGHTS.md). */
function linearIn(fmt: FormatId) {
  return ({ tensor }: TensorContext): FormatId => (tensor.matrix && LINEAR_ROLES.has(tensor.role) ? fmt : 'bf16');
}

// --- llama.cpp file types ----------------------------------------------------------------------
// Rules from ggml-org/llama.cpp src/llama-quant.cpp (llama_tensor_get_type_impl and tensor_type_fallback,
// commit 007dbbf3), for the non-Falcon models moe-calc knows and files made without an imatrix rule change:
// - 1-D tensors, norms and the MoE router (ffn_gate_inp) are never quantised (kept f32);
// - output.weight (and token_embd when tied): Q8_0 for Q8_0 and MXFP4_MOE files and when its width is not a
//   multiple of the block, Q5_K for IQ1/IQ2 files, else Q6_K; token_embd Q2_K in IQ1_S / IQ2_XXS files;
// - attn_v / attn_kv_b: IQ1_S / IQ2_XXS: Q4_K when n_gqa >= 4 or n_expert >= 4, else Q2_K; otherwise Q2_K:
//   Q4_K when n_gqa >= 4, else Q3_K; Q3_K_M: Q5_K for the first two, Q4_K after; IQ4_XS: Q5_K when
//   n_gqa >= 4; Q4_K_M / Q5_K_M: Q6_K on use_more_bits; Q4_K_S: Q5_K for the first four; then Q8_0 for
//   every one of these when n_expert == 8;
// - attn_k: Q8_0 when n_expert == 8 (Q4_K in IQ1_S / IQ2_XXS files);
// - ffn_down (dense, experts and shared experts alike, by layer): Q2_K: Q3_K; Q3_K_M: Q5_K below n/16, else
//   Q4_K; Q4_K_M / Q5_K_M: Q6_K on use_more_bits; Q4_K_S: Q5_K below n/8; IQ1_S / IQ2_XXS: Q2_K below n/8;
// - attn_output: with n_expert == 8, Q5_K in Q2_K, Q3_K_S, Q3_K_M, Q4_K_S, Q4_K_M, IQ4_XS and IQ1/IQ2 files;
//   otherwise Q2_K files: Q3_K, Q3_K_M files: Q4_K, IQ1_S files: IQ2_XXS;
// - a row width that is not a multiple of the type's block falls back: IQ types to IQ4_NL, Q2_K / Q3_K to
//   Q4_0, Q4_K to Q5_0, Q5_K to Q5_1, Q6_K to Q8_0, and to f16 when even 32 does not divide it.
// Not modelled: Falcon's rules, LLM_TYPE_70B's attn_v bump (Llama 80-layer dense), imatrix-only rules
// (IQ4_XS ffn_down, Q4_0 ffn_down), and attention-tensor ordinals of hybrid models (the layer index stands in).

/** llama-quant.cpp use_more_bits: first and last eighth of layers and every third in between. */
export function useMoreBits(i: number, n: number): boolean {
  return i < n / 8 || i >= (7 * n) / 8 || (i - Math.floor(n / 8)) % 3 === 2;
}

type Ftype =
  | 'Q8_0'
  | 'Q6_K'
  | 'Q5_K_M'
  | 'Q5_K_S'
  | 'Q4_K_M'
  | 'Q4_K_S'
  | 'Q4_0'
  | 'IQ4_XS'
  | 'Q3_K_M'
  | 'Q3_K_S'
  | 'Q2_K'
  | 'IQ2_XXS'
  | 'IQ1_S'
  | 'MXFP4_MOE';

const FTYPE_BASE: Record<Ftype, FormatId> = {
  Q8_0: 'q8_0',
  Q6_K: 'q6_k',
  Q5_K_M: 'q5_k',
  Q5_K_S: 'q5_k',
  Q4_K_M: 'q4_k',
  Q4_K_S: 'q4_k',
  Q4_0: 'q4_0',
  IQ4_XS: 'iq4_xs',
  Q3_K_M: 'q3_k',
  Q3_K_S: 'q3_k',
  Q2_K: 'q2_k',
  IQ2_XXS: 'iq2_xxs',
  IQ1_S: 'iq1_s',
  MXFP4_MOE: 'mxfp4',
};

/** ggml block sizes (ggml.c type_traits blck_size): QK_K = 256 for K-quants and IQ types, else 32. */
const BLOCK: Partial<Record<FormatId, number>> = {
  q6_k: 256,
  q5_k: 256,
  q4_k: 256,
  q3_k: 256,
  q2_k: 256,
  iq4_xs: 256,
  iq3_s: 256,
  iq3_xxs: 256,
  iq2_xxs: 256,
  iq1_s: 256,
  q8_0: 32,
  q5_1: 32,
  q5_0: 32,
  q4_0: 32,
  iq4_nl: 32,
  mxfp4: 32,
};

/** llama-quant.cpp tensor_type_fallback: the type a row width the block does not divide gets instead. */
function fallback(f: FormatId, cols: number | undefined): FormatId {
  const block = BLOCK[f];
  if (cols === undefined || block === undefined || cols % block === 0) return f;
  const next: FormatId =
    f === 'q4_k'
      ? 'q5_0'
      : f === 'q5_k'
        ? 'q5_1'
        : f === 'q6_k'
          ? 'q8_0'
          : f === 'q2_k' || f === 'q3_k'
            ? 'q4_0'
            : f.startsWith('iq')
              ? 'iq4_nl'
              : 'f16';
  return next === 'f16' || cols % 32 === 0 ? next : 'f16';
}

const ATTN_O_8_EXPERTS: ReadonlySet<Ftype> = new Set<Ftype>(['Q2_K', 'Q3_K_S', 'Q3_K_M', 'Q4_K_S', 'Q4_K_M', 'IQ4_XS']);

function ggufFormat(ftype: Ftype, { tensor, nLayers, nExperts, model }: TensorContext): FormatId {
  const r = tensor.role;
  if (!tensor.matrix || r === 'router' || r === 'vector' || r === 'ssm_conv') return 'f32';
  if (model?.expertFormat && EXPERT_ROLES.has(r)) return model.expertFormat;
  return fallback(ggufType(ftype, tensor, nLayers, nExperts, model), model?.cols[r]);
}

function ggufType(
  ftype: Ftype,
  tensor: TensorCount,
  nLayers: number,
  nExperts: number,
  model: RecipeModel | undefined,
): FormatId {
  const base = FTYPE_BASE[ftype];
  const r = tensor.role;
  const i = tensor.layer;
  const low = ftype === 'IQ2_XXS' || ftype === 'IQ1_S';
  const gqa = model?.gqa ?? 1;
  const output = r === 'output' || (r === 'embed' && model?.tied);
  if (output) {
    const cols = model?.cols.output;
    if (ftype === 'Q8_0' || ftype === 'MXFP4_MOE' || (cols !== undefined && cols % (BLOCK[base] ?? 1) !== 0)) {
      return 'q8_0';
    }
    return low ? 'q5_k' : 'q6_k';
  }
  if (ftype === 'MXFP4_MOE') return EXPERT_ROLES.has(r) ? 'mxfp4' : 'q8_0';
  if (r === 'embed') return low ? 'q2_k' : base;
  const ffnDown = r === 'ffn_down' || r === 'ffn_down_exps' || r === 'ffn_down_shexp';
  if (low) {
    if (r === 'attn_v' || r === 'attn_kv_b') return gqa >= 4 || nExperts >= 4 ? 'q4_k' : 'q2_k';
    if (r === 'attn_k' && nExperts === 8) return 'q4_k';
    if (ffnDown) return i < nLayers / 8 ? 'q2_k' : base;
    if (r === 'attn_o') return nExperts === 8 ? 'q5_k' : ftype === 'IQ1_S' ? 'iq2_xxs' : base;
    return base;
  }
  const moreBits = useMoreBits(i, nLayers);
  if (r === 'attn_v' || r === 'attn_kv_b') {
    if (nExperts === 8) return 'q8_0';
    if (ftype === 'Q2_K') return gqa >= 4 ? 'q4_k' : 'q3_k';
    if (ftype === 'Q3_K_M') return i < 2 ? 'q5_k' : 'q4_k';
    if (ftype === 'IQ4_XS' && gqa >= 4) return 'q5_k';
    if ((ftype === 'Q4_K_M' || ftype === 'Q5_K_M') && moreBits) return 'q6_k';
    if (ftype === 'Q4_K_S' && i < 4) return 'q5_k';
    return base;
  }
  if (r === 'attn_k' && nExperts === 8) return 'q8_0';
  if (r === 'attn_o') {
    if (nExperts === 8) return ATTN_O_8_EXPERTS.has(ftype) ? 'q5_k' : base;
    if (ftype === 'Q2_K') return 'q3_k';
    if (ftype === 'Q3_K_M') return 'q4_k';
    return base;
  }
  if (ffnDown) {
    if ((ftype === 'Q4_K_M' || ftype === 'Q5_K_M') && moreBits) return 'q6_k';
    if (ftype === 'Q4_K_S' && i < nLayers / 8) return 'q5_k';
    if (ftype === 'Q3_K_M') return i < nLayers / 16 ? 'q5_k' : 'q4_k';
    if (ftype === 'Q2_K') return 'q3_k';
  }
  return base;
}

function gguf(id: string, ftype: Ftype, description: string): Precision {
  return {
    id,
    aliases: [ftype.toLowerCase().replace('_', '-')],
    description,
    formatOf: (ctx) => ggufFormat(ftype, ctx),
    gguf: true,
  };
}

const uniform = (fmt: FormatId) => () => fmt;

/** Every precision moe-calc knows, in the order tables show them (highest first). */
export const PRECISIONS: readonly Precision[] = [
  { id: 'fp32', aliases: ['float32'], description: 'every tensor fp32', formatOf: uniform('f32') },
  {
    id: 'bf16',
    aliases: ['bfloat16'],
    description: 'every tensor bf16 (how most checkpoints ship)',
    formatOf: uniform('bf16'),
  },
  { id: 'fp16', aliases: ['float16', 'half'], description: 'every tensor fp16', formatOf: uniform('f16') },
  {
    id: 'fp8',
    aliases: ['fp8-e4m3', 'w8a8-fp8'],
    description: 'linear layers fp8 e4m3, per-tensor scale; embeddings, LM head, routers, norms bf16',
    formatOf: linearIn('fp8'),
    needs: 'fp8',
  },
  {
    id: 'fp8-block',
    aliases: ['fp8-128', 'fp8-blockwise'],
    description: 'linear layers fp8 e4m3 with fp32 scales per 128x128 block (DeepSeek-V3 format); rest bf16',
    formatOf: linearIn('fp8_block'),
    tpAlign: 128,
    needs: 'fp8',
  },
  {
    id: 'int8',
    aliases: ['w8a8', 'int8-channel'],
    description: 'linear layers int8 with per-channel fp32 scales; rest bf16',
    formatOf: linearIn('int8'),
  },
  {
    id: 'int4',
    aliases: ['awq', 'gptq', 'int4-g128', 'w4a16'],
    description: 'linear layers int4, group size 128 with fp16 scales and int4 zeros (AWQ/GPTQ); rest bf16',
    formatOf: linearIn('int4_g128'),
    tpAlign: 128,
  },
  ...([64, 32] as const).map(
    (g): Precision => ({
      id: `int4-g${g}`,
      aliases: [`awq-g${g}`, `gptq-g${g}`],
      description: `linear layers int4, group size ${g} with fp16 scales and int4 zeros (AWQ/GPTQ); rest bf16`,
      formatOf: linearIn(`int4_g${g}`),
      tpAlign: g,
    }),
  ),
  ...([128, 64, 32] as const).map(
    (g): Precision => ({
      id: `int4-g${g}-sym`,
      aliases: [],
      description: `linear layers int4, group size ${g} with 16-bit scales and no zero points (symmetric); rest bf16`,
      formatOf: linearIn(`int4_g${g}_sym`),
      tpAlign: g,
    }),
  ),
  {
    id: 'fp8-block-mla',
    aliases: [],
    description:
      'fp8 128x128 blocks with the MLA down-projections q_a / kv_a left in bf16 (Mistral Large 3 release format)',
    formatOf: (ctx) =>
      ctx.tensor.role === 'attn_q_a' || ctx.tensor.role === 'attn_kv_a' ? 'bf16' : linearIn('fp8_block')(ctx),
    tpAlign: 128,
    needs: 'fp8',
  },
  {
    id: 'int4-experts',
    aliases: ['int4-moe'],
    description:
      'routed experts int4, group size 32, symmetric with bf16 scales; rest bf16 ' +
      '(Kimi K2 Thinking / K2.5 release format)',
    formatOf: ({ tensor }) => (tensor.matrix && EXPERT_ROLES.has(tensor.role) ? 'int4_g32_sym' : 'bf16'),
  },
  // on the GPU vLLM pads the experts for its kernel: see MXFP4_LAYOUTS (fit picks one per GPU)
  {
    id: 'mxfp4',
    aliases: ['mx-fp4'],
    description: 'routed experts MXFP4 (4.25 bpw); everything else bf16 (gpt-oss release format)',
    formatOf: ({ tensor }) => (tensor.matrix && EXPERT_ROLES.has(tensor.role) ? 'mxfp4' : 'bf16'),
    needs: 'fp4',
    expertLayouts: MXFP4_LAYOUTS,
  },
  {
    id: 'nvfp4',
    aliases: ['fp4'],
    description: 'linear layers NVFP4 (4.5 bpw); rest bf16',
    formatOf: linearIn('nvfp4'),
    needs: 'fp4',
  },
  gguf('q8_0', 'Q8_0', 'GGUF Q8_0 file (output Q8_0, norms and router f32)'),
  gguf('q6_k', 'Q6_K', 'GGUF Q6_K file'),
  gguf('q5_k_m', 'Q5_K_M', 'GGUF Q5_K_M mix (Q5_K base, Q6_K on attn_v/ffn_down of use_more_bits layers)'),
  gguf('q5_k_s', 'Q5_K_S', 'GGUF Q5_K_S file'),
  gguf('q4_k_m', 'Q4_K_M', 'GGUF Q4_K_M mix (Q4_K base, Q6_K on attn_v/ffn_down of use_more_bits layers, Q6_K output)'),
  gguf('q4_k_s', 'Q4_K_S', 'GGUF Q4_K_S mix'),
  gguf('q4_0', 'Q4_0', 'GGUF Q4_0 file (output Q6_K)'),
  gguf('iq4_xs', 'IQ4_XS', 'GGUF IQ4_XS file'),
  gguf('q3_k_m', 'Q3_K_M', 'GGUF Q3_K_M mix'),
  gguf('q3_k_s', 'Q3_K_S', 'GGUF Q3_K_S file'),
  gguf('q2_k', 'Q2_K', 'GGUF Q2_K mix (ffn_down and attn_v Q3_K)'),
  gguf('iq2_xxs', 'IQ2_XXS', 'GGUF IQ2_XXS file'),
  gguf('iq1_s', 'IQ1_S', 'GGUF IQ1_S file'),
  gguf('mxfp4_moe', 'MXFP4_MOE', 'GGUF MXFP4_MOE file (experts MXFP4, other matrices Q8_0)'),
];

export const PRECISION_IDS: readonly string[] = PRECISIONS.map((p) => p.id);

export function normalisePrecisionName(s: string): string {
  return s.trim().toLowerCase().replace(/_/g, '-');
}

/** Look up a precision by id or alias (case-insensitive, "_" and "-" alike); undefined if unknown. */
export function findPrecision(name: string): Precision | undefined {
  const n = normalisePrecisionName(name);
  return PRECISIONS.find(
    (p) => normalisePrecisionName(p.id) === n || p.aliases.some((a) => normalisePrecisionName(a) === n),
  );
}

export function getPrecision(name: string, field = '--precision'): Precision {
  const p = findPrecision(name);
  if (!p) throw new CalcError(field, `unknown precision "${name}"`);
  return p;
}

export interface WeightBytes {
  total: number;
  /** average bits per weight over all parameters */
  bpw: number;
}

/** Bytes of every tensor under a precision: bits are summed, then rounded up to bytes once. */
export function weightBytes(
  tensors: readonly TensorCount[],
  precision: Precision,
  nLayers: number,
  nExperts: number,
  /** the model, for the GGUF rules that read it (row widths, n_gqa, MXFP4 experts) */
  a?: Architecture,
): WeightBytes {
  const model = a ? recipeModel(a) : undefined;
  let bits = 0;
  let params = 0;
  for (const tensor of tensors) {
    bits += tensor.params * FORMATS[precision.formatOf({ tensor, nLayers, nExperts, ...(model ? { model } : {}) })].bpw;
    params += tensor.params;
  }
  return { total: Math.ceil(bits / 8), bpw: params > 0 ? bits / params : 0 };
}
