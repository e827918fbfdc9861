// A GGUF file as a <model>: the architecture from its metadata keys (mapped to the config.json the importer
// reads), the weights from its tensor headers, byte for byte. fit then plans those bytes as llama.cpp places
// them (layer split, the output layer on the last GPU, expert tensors to host memory under offload) instead
// of modelling the file type's recipe. Architectures without a mapping here are described from the headers
// alone (show), as an unknown config type is.
import { basename } from 'node:path';
import { activeFromRouted, checkCheckpoint, type CheckpointCheck, dtypeRows } from '../core/checkpoint.js';
import { deriveParams } from '../core/params.js';
import { type MeasuredWeights, measuredGgufPrecision, type Precision } from '../core/precision.js';
import type { Card } from '../core/types.js';
import { UserError } from '../errors.js';
import type { GgufInventory, GgufValue, HubRef } from './hub/index.js';
import { quantOf, readGguf } from './hub/index.js';
import { importConfig } from './import/index.js';
import { type CheckpointOnly, type HubAccess, hubOptions } from './model-source.js';

export interface GgufModel {
  card: Card;
  file: string;
  /** the file's own precision: its bytes per layer */
  precision: Precision;
  checkpoint: CheckpointCheck;
}

/** GGUF architecture -> the transformers model_type whose config the importer reads (llama.cpp's
 *  convert_hf_to_gguf.py writes these keys from those configs). */
const MODEL_TYPES: Record<string, (a: GgufInventory) => string> = {
  qwen3moe: () => 'qwen3_moe',
  qwen2moe: () => 'qwen2_moe',
  // llama.cpp stores Mixtral as llama with experts
  llama: (g) => ((g.arch.expertCount ?? 0) > 0 ? 'mixtral' : 'llama'),
  qwen3: () => 'qwen3',
  qwen2: () => 'qwen2',
  'gpt-oss': () => 'gpt_oss',
  // DeepSeek-V2 / V3 / R1: V3 when the router has a correction bias (exp_probs_b) or sigmoid gating
  deepseek2: (g) =>
    g.tensors.some((t) => t.name.endsWith('exp_probs_b.bias')) || num(g.metadata['deepseek2.expert_gating_func']) === 2
      ? 'deepseek_v3'
      : 'deepseek_v2',
};

export async function resolveGgufModel(
  target: HubRef | string,
  access: HubAccess = {},
): Promise<GgufModel | CheckpointOnly> {
  const inv = await readGguf(target, hubOptions(access));
  if (!inv.complete) {
    const missing = inv.files.filter((f) => !f.present).map((f) => basename(f.path));
    throw new UserError(`${inv.source}: split GGUF with shards missing (${missing.join(', ')}): all are needed`);
  }
  const arch = inv.arch.architecture ?? '';
  const toType = MODEL_TYPES[arch];
  const label = quantLabel(inv);
  if (!toType) return describeOnly(inv, arch);
  const config = configOf(inv, toType(inv));
  const name = String(inv.metadata['general.name'] ?? basename(inv.source).replace(/(-\d{5}-of-\d{5})?\.gguf$/i, ''));
  const card = importConfig(config, inv.source, { name, sourceUrl: inv.source }).card;
  const facts = {
    source: inv.source,
    files: inv.files.length,
    tensors: inv.tensors.map((t) => ({ name: t.name, dtype: t.type, elements: t.elements, bytes: t.bytes })),
    byDtype: typeTotals(inv),
    params: inv.totals.elements,
    bytes: inv.totals.bytes,
  };
  return {
    card,
    file: inv.source,
    precision: measuredGgufPrecision(measured(inv, card.architecture.num_layers, label)),
    checkpoint: checkCheckpoint(facts, card.architecture, deriveParams(card)),
  };
}

function num(v: GgufValue | undefined): number | undefined {
  return typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : undefined;
}

function first(v: number | number[] | undefined): number | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/** The config.json keys convert_hf_to_gguf.py turned into these GGUF keys, read back. */
function configOf(g: GgufInventory, modelType: string): Record<string, unknown> {
  const a = g.arch;
  const k = (key: string) => num(g.metadata[`${a.architecture}.${key}`]);
  const need = (v: number | undefined, key: string) => {
    if (v === undefined) throw new UserError(`${g.source}: ${a.architecture}.${key}: missing from the GGUF metadata`);
    return v;
  };
  const hidden = need(a.embeddingLength, 'embedding_length');
  const heads = need(first(a.headCount), 'attention.head_count');
  const names = new Set(g.tensors.map((t) => t.name));
  const cfg: Record<string, unknown> = {
    model_type: modelType,
    hidden_size: hidden,
    num_hidden_layers: need(a.blockCount, 'block_count'),
    num_attention_heads: heads,
    num_key_value_heads: first(a.headCountKv) ?? heads,
    head_dim: a.keyLength ?? hidden / heads,
    // llama.cpp writes <arch>.vocab_size for few architectures; the embedding's rows are the vocabulary
    vocab_size: need(
      a.vocabSize ??
        g.arrayLengths['tokenizer.ggml.tokens'] ??
        g.tensors.find((t) => t.name === 'token_embd.weight')?.shape[1],
      'vocab_size (or tokenizer.ggml.tokens, or token_embd.weight)',
    ),
    max_position_embeddings: a.contextLength ?? 4096,
    rms_norm_eps: k('attention.layer_norm_rms_epsilon') ?? 1e-6,
    rope_theta: k('rope.freq_base') ?? 10000,
    tie_word_embeddings: !names.has('output.weight'),
    torch_dtype: 'bfloat16',
    intermediate_size: first(a.feedForwardLength) ?? 0,
  };
  // bias tensors say whether the projections have them (Qwen2's q/k/v)
  if (modelType === 'qwen2' || modelType === 'qwen2_moe') cfg.qkv_bias = names.has('blk.0.attn_q.bias');
  if ((a.expertCount ?? 0) > 0) {
    Object.assign(cfg, {
      num_experts: a.expertCount,
      num_local_experts: a.expertCount,
      num_experts_per_tok: a.expertUsedCount,
      moe_intermediate_size: a.expertFeedForwardLength ?? first(a.feedForwardLength),
    });
  }
  if (modelType === 'mixtral') cfg.intermediate_size = a.expertFeedForwardLength ?? first(a.feedForwardLength);
  if (modelType === 'deepseek_v3' || modelType === 'deepseek_v2') {
    Object.assign(cfg, deepseekKeys(g, k));
    delete cfg.head_dim; // MLA: the per-head sizes are the qk_nope / qk_rope / v keys
  }
  if (modelType === 'gpt_oss') {
    // gpt-oss: the experts' width is intermediate_size; sliding and full attention alternate, sliding first
    cfg.intermediate_size = a.expertFeedForwardLength ?? first(a.feedForwardLength);
    cfg.sliding_window = k('attention.sliding_window') ?? 128;
    cfg.attention_bias = names.has('blk.0.attn_q.bias');
  }
  if (modelType === 'qwen2_moe') {
    cfg.shared_expert_intermediate_size = k('expert_shared_feed_forward_length') ?? 0;
    cfg.decoder_sparse_step = 1;
    cfg.mlp_only_layers = [];
  }
  return cfg;
}

/** DeepSeek MLA and MoE keys as convert_hf_to_gguf.py's DeepseekV2Model writes them. Since llama.cpp
 *  PR #12801 key_length / value_length describe the absorbed cache (kv_lora_rank + rope, kv_lora_rank)
 *  and key_length_mla / value_length_mla the per-head sizes; older files have only the latter meaning. */
function deepseekKeys(g: GgufInventory, k: (key: string) => number | undefined): Record<string, unknown> {
  const a = g.arch;
  const rope = k('rope.dimension_count') ?? 64;
  const kvLora = a.kvLoraRank ?? k('attention.kv_lora_rank') ?? 512;
  const keyLen = k('attention.key_length_mla') ?? a.keyLength ?? 192;
  const valLen = k('attention.value_length_mla') ?? a.valueLength ?? 128;
  const heads = first(a.headCount) ?? 128;
  return {
    num_key_value_heads: heads,
    q_lora_rank: k('attention.q_lora_rank') ?? null,
    kv_lora_rank: kvLora,
    qk_rope_head_dim: rope,
    qk_nope_head_dim: keyLen - rope,
    v_head_dim: valLen,
    n_routed_experts: a.expertCount,
    n_shared_experts: a.expertSharedCount ?? k('expert_shared_count') ?? 0,
    moe_intermediate_size: a.expertFeedForwardLength,
    first_k_dense_replace: k('leading_dense_block_count') ?? 0,
    moe_layer_freq: 1,
    num_nextn_predict_layers: 0,
    topk_method: g.tensors.some((t) => t.name.endsWith('exp_probs_b.bias')) ? 'noaux_tc' : 'greedy',
  };
}

const BLK = /^blk\.(\d+)\./;
// llama.cpp tensors every TP rank would hold whole (routers and norms); a layer split does not care
const REPLICATED = /(ffn_gate_inp|_norm)\.weight$|\.bias$/;

/** The file's bytes per layer, as llama.cpp's layer split places them. */
function measured(g: GgufInventory, nLayers: number, label: string): MeasuredWeights {
  const z = () => new Array<number>(nLayers).fill(0);
  const w = { sharded: z(), replicated: z(), routed: z(), shared: z(), embed: 0, head: 0, largestExpertTensor: 0 };
  for (const t of g.tensors) {
    const m = BLK.exec(t.name);
    if (!m) {
      if (t.name.startsWith('token_embd')) w.embed += t.bytes;
      else w.head += t.bytes; // output, output_norm (and rope tables) sit with the output layer
      continue;
    }
    const i = Math.min(Number(m[1]), nLayers - 1);
    if (REPLICATED.test(t.name)) w.replicated[i]! += t.bytes;
    else w.sharded[i]! += t.bytes;
    if (t.role === 'routed') {
      w.routed[i]! += t.bytes;
      w.largestExpertTensor = Math.max(w.largestExpertTensor, t.bytes);
    } else if (t.role === 'shared') w.shared[i]! += t.bytes;
  }
  return { ...w, label };
}

/** "Q4_K_M" from the file name, else general.file_type's number. */
function quantLabel(g: GgufInventory): string {
  return quantOf(g.files[0]?.path ?? g.source) ?? `file-type-${g.arch.fileType ?? 'unknown'}`;
}

/** A GGUF's totals per ggml type, parameters being the tensors' elements. */
function typeTotals(g: GgufInventory): Record<string, { tensors: number; params: number; bytes: number }> {
  const out: Record<string, { tensors: number; params: number; bytes: number }> = {};
  for (const [k, v] of Object.entries(g.byType)) out[k] = { tensors: v.tensors, params: v.elements, bytes: v.bytes };
  return out;
}

function describeOnly(g: GgufInventory, arch: string): CheckpointOnly {
  const kv = g.kv;
  const routed = g.routedExperts;
  const experts = g.arch.expertCount;
  const k = g.arch.expertUsedCount;
  return {
    source: g.source,
    modelType: `GGUF ${arch || 'without general.architecture'}`,
    reason:
      `${g.source}: GGUF architecture "${arch}" has no mapping to a model moe-calc derives ` +
      `(supported: ${Object.keys(MODEL_TYPES).join(', ')})`,
    estimate: {
      totalParams: g.totals.elements,
      weightBytes: g.totals.bytes,
      routedParams: routed?.elements ?? 0,
      ...(experts ? { experts } : {}),
      ...(k ? { expertsPerToken: k } : {}),
      ...(routed && experts && k
        ? { activeParams: activeFromRouted(g.totals.elements, routed.elements, k, experts) }
        : {}),
      activeIsEstimate: true,
      ...(kv ? { kv: { layers: kv.layers, kvHeads: 0, headDim: 0, elementsPerToken: kv.elementsPerToken } } : {}),
      notes: ["parameters are the tensors' elements; bytes are the file's, exact"],
    },
    byDtype: dtypeRows(typeTotals(g)),
    files: g.files.length,
    tensors: g.tensors.length,
  };
}
