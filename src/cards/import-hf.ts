// Hugging Face config.json -> model card, per model_type, following how the `transformers`
// modeling code of each type builds its layers (huggingface/transformers
// src/transformers/models/<type>/modeling_<type>.py and configuration_<type>.py, v4.57 / v5.x).
// Config-class defaults are applied where a key is absent, as transformers does.
// Anything that would change the count in a way this mapping does not model is refused.
import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { CardInput } from './schema.js';
import type { Card } from '../core/types.js';
import { CardSchema } from './schema.js';
import { readJsonFile, validate, checkCard } from './load.js';
import { UserError } from '../errors.js';
import { deriveParams } from '../core/params.js';
import { getPrecision, weightBytes } from '../core/precision.js';
import { groupDigits } from '../core/digits.js';

type Json = Record<string, unknown>;

export const SUPPORTED_TYPES = [
  'mixtral',
  'qwen2_moe',
  'qwen3_moe',
  'deepseek_v2',
  'deepseek_v3',
  'kimi_k2',
  'dbrx',
  'olmoe',
  'phimoe',
  'gpt_oss',
  'llama4',
  'llama4_text',
  'jamba',
  'granitemoe',
  'glm4_moe',
  'grok-1',
  'grok',
  'llama',
  'mistral',
  'qwen2',
  'qwen3',
] as const;

class Cfg {
  constructor(
    readonly data: Json,
    readonly file: string,
    readonly prefix: string,
  ) {}
  has(k: string): boolean {
    return this.data[k] !== undefined && this.data[k] !== null;
  }
  raw(k: string): unknown {
    return this.data[k];
  }
  private where(k: string): string {
    return `${this.file}: ${this.prefix}${k}`;
  }
  /** A positive (or non-negative) integer; `def` when absent or null. */
  int(k: string, def?: number, min = 1): number {
    const v = this.data[k];
    if (v === undefined || v === null) {
      if (def === undefined) throw new UserError(`${this.where(k)}: required: expected an integer`);
      return def;
    }
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) {
      throw new UserError(`${this.where(k)}: expected an integer >= ${min}, got ${JSON.stringify(v)?.slice(0, 40)}`);
    }
    return v;
  }
  optInt(k: string, min = 1): number | undefined {
    return this.has(k) ? this.int(k, undefined, min) : undefined;
  }
  bool(k: string, def: boolean): boolean {
    const v = this.data[k];
    if (v === undefined || v === null) return def;
    if (typeof v !== 'boolean')
      throw new UserError(`${this.where(k)}: expected true or false, got ${JSON.stringify(v)?.slice(0, 40)}`);
    return v;
  }
  str(k: string, def?: string): string | undefined {
    const v = this.data[k];
    if (v === undefined || v === null) return def;
    if (typeof v !== 'string')
      throw new UserError(`${this.where(k)}: expected a string, got ${JSON.stringify(v)?.slice(0, 40)}`);
    return v;
  }
  intList(k: string): number[] {
    const v = this.data[k];
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'number' || !Number.isSafeInteger(x) || x < 0)) {
      throw new UserError(`${this.where(k)}: expected a list of layer indices`);
    }
    return v as number[];
  }
  obj(k: string): Cfg {
    const v = this.data[k];
    if (v === undefined || v === null) return new Cfg({}, this.file, `${this.prefix}${k}.`);
    if (typeof v !== 'object' || Array.isArray(v)) throw new UserError(`${this.where(k)}: expected an object`);
    return new Cfg(v as Json, this.file, `${this.prefix}${k}.`);
  }
  /** Refuse a key whose presence (with a value other than the harmless ones) changes the count unmodelled. */
  refuse(k: string, harmless: (v: unknown) => boolean, why: string): void {
    if (this.has(k) && !harmless(this.data[k])) {
      throw new UserError(
        `${this.where(k)}: ${JSON.stringify(this.data[k])?.slice(0, 40)} is not supported for this model_type (${why}); moe-calc refuses rather than guess`,
      );
    }
  }
}

type Arch = CardInput['architecture'];

/** head_dim: explicit value (null = absent) or hidden / heads. */
/** head_dim: an explicit value (null = absent), else the config class default, else hidden // heads
 *  (floor division, as transformers' `getattr(config, "head_dim", hidden // heads)`). */
function headDim(c: Cfg, h: number, heads: number, def?: number): number {
  if (c.has('head_dim')) return c.int('head_dim');
  if (def !== undefined) return def;
  return Math.floor(h / heads);
}

/** The dimensions every real config states are required (a default here would be a guess);
 *  secondary keys take the config class's default as transformers does. */
function baseDims(c: Cfg, d: { kv?: number; ctx?: number }) {
  const vocab = c.int('vocab_size');
  const hidden = c.int('hidden_size');
  const layers = c.int('num_hidden_layers');
  const heads = c.int('num_attention_heads');
  const kv = c.int('num_key_value_heads', d.kv ?? heads);
  const ctx = c.int('max_position_embeddings', d.ctx ?? 4096);
  return { vocab, hidden, layers, heads, kv, ctx };
}

/** MoE layer set from qwen2_moe / qwen3_moe rules: not in mlp_only_layers and (i + 1) % step == 0. */
function qwenMoeLayers(c: Cfg, experts: number) {
  const step = c.int('decoder_sparse_step', 1);
  const except = c.intList('mlp_only_layers');
  if (experts === 0) return 'none' as const;
  return { period: step, offsets: [step - 1], ...(except.length ? { except } : {}) };
}

/** DeepSeek rule: i >= first_k_dense_replace and i % moe_layer_freq == 0 (DeepSeek and vLLM code). */
function deepseekMoeLayers(c: Cfg, defFirstK: number) {
  const from = c.int('first_k_dense_replace', defFirstK, 0);
  const freq = c.int('moe_layer_freq', 1);
  return { period: freq, offsets: [0], ...(from > 0 ? { from } : {}) };
}

function mla(c: Cfg, heads: number) {
  return {
    type: 'mla' as const,
    heads,
    q_lora_rank: c.raw('q_lora_rank') === null ? null : c.int('q_lora_rank', 1536),
    kv_lora_rank: c.int('kv_lora_rank', 512),
    qk_nope_head_dim: c.int('qk_nope_head_dim', 128),
    qk_rope_head_dim: c.int('qk_rope_head_dim', 64),
    v_head_dim: c.int('v_head_dim', 128),
    bias: c.bool('attention_bias', false),
  };
}

function slidingFromLayerTypes(c: Cfg, layers: number, window: number | undefined): Arch['sliding_window'] {
  const lt = c.raw('layer_types');
  if (lt === undefined || lt === null) return undefined;
  if (
    !Array.isArray(lt) ||
    lt.length !== layers ||
    lt.some((t) => t !== 'sliding_attention' && t !== 'full_attention')
  ) {
    throw new UserError(
      `${c.file}: ${c.prefix}layer_types: expected ${layers} entries of "sliding_attention" or "full_attention"`,
    );
  }
  const indices = lt.flatMap((t, i) => (t === 'sliding_attention' ? [i] : []));
  if (indices.length === 0) return undefined;
  if (window === undefined)
    throw new UserError(`${c.file}: ${c.prefix}sliding_window: required when layer_types has sliding layers`);
  return { window, layers: { indices } };
}

function arch(partial: Omit<Arch, 'native_precision'>): Omit<Arch, 'native_precision'> {
  return partial;
}

/** Per-type mapping to a card architecture (without native precision). */
function mapType(type: string, c: Cfg): { a: Omit<Arch, 'native_precision'>; notes: string[] } {
  const notes: string[] = [];
  const rms = { kind: 'rmsnorm' as const, per_layer: 2 };
  switch (type) {
    case 'llama':
    case 'mistral':
    case 'qwen2':
    case 'qwen3': {
      const defs =
        type === 'llama'
          ? { I: 11008, ctx: 2048 }
          : type === 'mistral'
            ? { kv: 8, I: 14336, ctx: 131072 }
            : { I: 22016, ctx: 32768 };
      const d = baseDims(c, defs);
      const hd = headDim(c, d.hidden, d.heads, type === 'qwen3' ? 128 : undefined);
      const ab = type === 'llama' || type === 'qwen3' ? c.bool('attention_bias', false) : false;
      const mlpBias = type === 'llama' ? c.bool('mlp_bias', false) : false;
      let sliding: Arch['sliding_window'];
      if (type === 'mistral' && c.has('sliding_window')) {
        notes.push(
          `sliding_window ${c.int('sliding_window')} applies to every layer in transformers' Mistral; the KV cache is bounded by it`,
        );
        sliding = { window: c.int('sliding_window'), layers: 'all' };
      }
      return {
        a: arch({
          vocab_size: d.vocab,
          hidden_size: d.hidden,
          num_layers: d.layers,
          tie_embeddings: c.bool('tie_word_embeddings', false),
          max_context: d.ctx,
          attention: {
            type: 'gqa',
            heads: d.heads,
            kv_heads: d.kv,
            head_dim: hd,
            qkv_bias: type === 'qwen2' ? true : ab,
            o_bias: ab,
            qk_norm: type === 'qwen3' ? 'per_head' : 'none',
          },
          ...(sliding ? { sliding_window: sliding } : {}),
          mlp: { gated: true, bias: mlpBias, dense_ffn: c.int('intermediate_size', defs.I) },
          norms: rms,
        }),
        notes,
      };
    }
    case 'mixtral': {
      const d = baseDims(c, { kv: 8, ctx: 131072 });
      const E = c.int('num_local_experts', c.int('num_experts', 8));
      return {
        a: arch({
          vocab_size: d.vocab,
          hidden_size: d.hidden,
          num_layers: d.layers,
          tie_embeddings: c.bool('tie_word_embeddings', false),
          max_context: d.ctx,
          attention: { type: 'gqa', heads: d.heads, kv_heads: d.kv, head_dim: headDim(c, d.hidden, d.heads) },
          mlp: { gated: true },
          moe: {
            experts: E,
            top_k: c.int('num_experts_per_tok', 2),
            expert_ffn: c.int('intermediate_size', 14336),
            layers: 'all',
          },
          norms: rms,
        }),
        notes,
      };
    }
    case 'qwen2_moe':
    case 'qwen3_moe': {
      const q2 = type === 'qwen2_moe';
      const d = baseDims(c, q2 ? { kv: 16, ctx: 8192 } : { kv: 4, ctx: 32768 });
      const E = q2 ? c.int('num_experts', 60, 0) : c.int('num_experts', c.int('num_local_experts', 128), 0);
      const sharedW = q2 ? c.int('shared_expert_intermediate_size', 5632, 0) : 0;
      if (!q2) c.refuse('shared_expert_intermediate_size', (v) => v === 0, 'qwen3_moe builds no shared expert');
      const ab = q2 ? false : c.bool('attention_bias', false);
      const moeLayers = qwenMoeLayers(c, E);
      const dense = c.int('intermediate_size', q2 ? 5632 : 6144);
      return {
        a: arch({
          vocab_size: d.vocab,
          hidden_size: d.hidden,
          num_layers: d.layers,
          tie_embeddings: c.bool('tie_word_embeddings', false),
          max_context: d.ctx,
          attention: {
            type: 'gqa',
            heads: d.heads,
            kv_heads: d.kv,
            head_dim: headDim(c, d.hidden, d.heads),
            qkv_bias: q2 ? c.bool('qkv_bias', true) : ab,
            o_bias: ab,
            qk_norm: q2 ? 'none' : 'per_head',
          },
          mlp: { gated: true, dense_ffn: dense },
          ...(moeLayers === 'none'
            ? {}
            : {
                moe: {
                  experts: E,
                  top_k: c.int('num_experts_per_tok', q2 ? 4 : 8),
                  expert_ffn: c.int('moe_intermediate_size', q2 ? 1408 : 768),
                  layers: moeLayers,
                  ...(sharedW > 0 ? { shared_experts: { count: 1, ffn: sharedW, gate: true } } : {}),
                },
              }),
          norms: rms,
        }),
        notes,
      };
    }
    case 'olmoe': {
      const d = baseDims(c, { ctx: 4096 });
      const hd = headDim(c, d.hidden, d.heads);
      if (hd * d.heads !== d.hidden)
        c.refuse(
          'head_dim',
          () => false,
          'OLMoE q/k norms are sized from hidden_size / heads; a different head_dim is not modelled',
        );
      return {
        a: arch({
          vocab_size: d.vocab,
          hidden_size: d.hidden,
          num_layers: d.layers,
          tie_embeddings: c.bool('tie_word_embeddings', false),
          max_context: d.ctx,
          attention: {
            type: 'gqa',
            heads: d.heads,
            kv_heads: d.kv,
            head_dim: hd,
            qkv_bias: c.bool('attention_bias', false),
            o_bias: c.bool('attention_bias', false),
            qk_norm: 'full',
          },
          mlp: { gated: true },
          moe: {
            experts: c.int('num_experts', c.int('num_local_experts', 64)),
            top_k: c.int('num_experts_per_tok', 8),
            expert_ffn: c.int('intermediate_size', 2048),
            layers: 'all',
          },
          norms: rms,
        }),
        notes,
      };
    }
    case 'granitemoe': {
      const d = baseDims(c, { ctx: 2048 });
      const ab = c.bool('attention_bias', false);
      c.refuse('shared_intermediate_size', (v) => v === 0, 'shared experts belong to model_type granitemoeshared');
      return {
        a: arch({
          vocab_size: d.vocab,
          hidden_size: d.hidden,
          num_layers: d.layers,
          tie_embeddings: c.bool('tie_word_embeddings', false),
          max_context: d.ctx,
          attention: {
            type: 'gqa',
            heads: d.heads,
            kv_heads: d.kv,
            head_dim: headDim(c, d.hidden, d.heads),
            qkv_bias: ab,
            o_bias: ab,
          },
          mlp: { gated: true },
          moe: {
            experts: c.int('num_local_experts', 8),
            top_k: c.int('num_experts_per_tok', 2),
            expert_ffn: c.int('intermediate_size', 11008),
            layers: 'all',
          },
          norms: rms,
        }),
        notes,
      };
    }
    case 'deepseek_v2':
    case 'deepseek_v3':
    case 'kimi_k2': {
      const v3 = type !== 'deepseek_v2';
      const d = baseDims(c, v3 ? { ctx: 4096 } : { ctx: 2048 });
      const E = c.int('n_routed_experts', c.int('num_local_experts', v3 ? 256 : 64));
      const shared = c.int('n_shared_experts', v3 ? 1 : 2, 0);
      const moeI = c.int('moe_intermediate_size', v3 ? 2048 : 1407);
      const topk = c.str('topk_method', v3 ? 'noaux_tc' : 'greedy');
      const mtp = c.int('num_nextn_predict_layers', 0, 0);
      if (mtp > 0)
        notes.push(
          `${mtp} multi-token-prediction layer(s) ship in the checkpoint but are not built by transformers: reported separately as mtp`,
        );
      const mlpBias = v3 ? false : c.bool('mlp_bias', false);
      return {
        a: arch({
          vocab_size: d.vocab,
          hidden_size: d.hidden,
          num_layers: d.layers,
          tie_embeddings: c.bool('tie_word_embeddings', false),
          max_context: d.ctx,
          attention: mla(c, d.heads),
          mlp: { gated: true, bias: mlpBias, dense_ffn: c.int('intermediate_size', v3 ? 18432 : 11008) },
          moe: {
            experts: E,
            top_k: c.int('num_experts_per_tok', v3 ? 8 : 6),
            expert_ffn: moeI,
            layers: deepseekMoeLayers(c, v3 ? 3 : 0),
            ...(shared > 0 ? { shared_experts: { count: shared, ffn: moeI } } : {}),
            // e_score_correction_bias: a persistent buffer saved in the checkpoint for noaux_tc routing
            router_correction_bias: topk === 'noaux_tc',
          },
          norms: rms,
          mtp_layers: mtp,
        }),
        notes,
      };
    }
    case 'glm4_moe': {
      const d = baseDims(c, { kv: 8, ctx: 131072 });
      const E = c.int('n_routed_experts', 128);
      const moeI = c.int('moe_intermediate_size', 1408);
      const shared = c.int('n_shared_experts', 1, 0);
      const ab = c.bool('attention_bias', false);
      const mtp = c.int('num_nextn_predict_layers', 0, 0);
      if (mtp > 0)
        notes.push(
          `${mtp} multi-token-prediction layer(s) ship in the checkpoint but are not built by transformers: reported separately as mtp`,
        );
      return {
        a: arch({
          vocab_size: d.vocab,
          hidden_size: d.hidden,
          num_layers: d.layers,
          tie_embeddings: c.bool('tie_word_embeddings', false),
          max_context: d.ctx,
          attention: {
            type: 'gqa',
            heads: d.heads,
            kv_heads: d.kv,
            head_dim: headDim(c, d.hidden, d.heads),
            qkv_bias: ab,
            o_bias: false,
            qk_norm: c.bool('use_qk_norm', false) ? 'per_head' : 'none',
          },
          mlp: { gated: true, dense_ffn: c.int('intermediate_size', 10944) },
          moe: {
            experts: E,
            top_k: c.int('num_experts_per_tok', 8),
            expert_ffn: moeI,
            layers: deepseekMoeLayers(c, 1),
            ...(shared > 0 ? { shared_experts: { count: shared, ffn: moeI } } : {}),
            router_correction_bias: true,
          },
          norms: rms,
          mtp_layers: mtp,
        }),
        notes,
      };
    }
    case 'dbrx': {
      const attn = c.obj('attn_config');
      const ffn = c.obj('ffn_config');
      const hidden = c.int('d_model');
      const heads = c.int('n_heads');
      // DbrxConfig.validate_architecture rejects tied embeddings
      c.refuse('tie_word_embeddings', (v) => v === false, 'DBRX never ties its embeddings');
      if (hidden % heads !== 0) throw new UserError(`${c.file}: n_heads: ${heads} does not divide d_model ${hidden}`);
      return {
        a: arch({
          vocab_size: c.int('vocab_size'),
          hidden_size: hidden,
          num_layers: c.int('n_layers'),
          tie_embeddings: c.bool('tie_word_embeddings', false),
          max_context: c.int('max_seq_len', 2048),
          attention: { type: 'gqa', heads, kv_heads: attn.int('kv_n_heads', 1), head_dim: hidden / heads },
          mlp: { gated: true },
          moe: {
            experts: ffn.int('moe_num_experts', 4),
            top_k: ffn.int('moe_top_k', 1),
            expert_ffn: ffn.int('ffn_hidden_size', 3584),
            layers: 'all',
          },
          norms: { kind: 'layernorm', bias: false, per_layer: 2 },
        }),
        notes,
      };
    }
    case 'phimoe': {
      const d = baseDims(c, { kv: 8, ctx: 131072 });
      const ab = c.bool('attention_bias', false);
      return {
        a: arch({
          vocab_size: d.vocab,
          hidden_size: d.hidden,
          num_layers: d.layers,
          tie_embeddings: c.bool('tie_word_embeddings', false),
          lm_head_bias: c.bool('lm_head_bias', false),
          max_context: d.ctx,
          attention: {
            type: 'gqa',
            heads: d.heads,
            kv_heads: d.kv,
            head_dim: headDim(c, d.hidden, d.heads),
            qkv_bias: ab,
            o_bias: ab,
          },
          mlp: { gated: true },
          moe: {
            experts: c.int('num_local_experts', 16),
            top_k: c.int('num_experts_per_tok', 2),
            expert_ffn: c.int('intermediate_size', 6400),
            layers: 'all',
          },
          norms: { kind: 'layernorm', bias: true, per_layer: 2 },
        }),
        notes,
      };
    }
    case 'gpt_oss': {
      const d = baseDims(c, { kv: 8, ctx: 131072 });
      const ab = c.bool('attention_bias', true);
      return {
        a: arch({
          vocab_size: d.vocab,
          hidden_size: d.hidden,
          num_layers: d.layers,
          tie_embeddings: c.bool('tie_word_embeddings', false),
          max_context: d.ctx,
          attention: {
            type: 'gqa',
            heads: d.heads,
            kv_heads: d.kv,
            head_dim: headDim(c, d.hidden, d.heads, 64),
            qkv_bias: ab,
            o_bias: ab,
            sinks: true,
          },
          sliding_window: slidingFromLayerTypes(c, d.layers, c.optInt('sliding_window')) ?? {
            window: c.int('sliding_window', 128),
            layers: { period: 2, offsets: [0] },
          },
          mlp: { gated: true },
          moe: {
            experts: c.int('num_local_experts', c.int('num_experts', 128)),
            top_k: c.int('num_experts_per_tok', c.int('experts_per_token', 4)),
            expert_ffn: c.int('intermediate_size', 2880),
            layers: 'all',
            router_bias: true,
            expert_bias: true,
          },
          norms: rms,
        }),
        notes,
      };
    }
    case 'llama4':
    case 'llama4_text': {
      const d = baseDims(c, { kv: 8, ctx: 131072 });
      const step = c.int('interleave_moe_layer_step', 1, 0);
      const explicit = c.intList('moe_layers');
      const moeLayers = c.has('moe_layers')
        ? explicit.length
          ? { indices: explicit }
          : undefined
        : step === 0
          ? undefined
          : { period: step, offsets: [step - 1] };
      const ab = c.bool('attention_bias', false);
      const chunk = c.optInt('attention_chunk_size');
      const noRopeInterval = 4;
      const ffn = c.int('intermediate_size', 8192);
      return {
        a: arch({
          vocab_size: d.vocab,
          hidden_size: d.hidden,
          num_layers: d.layers,
          tie_embeddings: c.bool('tie_word_embeddings', false),
          max_context: d.ctx,
          attention: {
            type: 'gqa',
            heads: d.heads,
            kv_heads: d.kv,
            head_dim: headDim(c, d.hidden, d.heads, 128),
            qkv_bias: ab,
            o_bias: ab,
          },
          ...(chunk
            ? { sliding_window: { window: chunk, layers: { period: noRopeInterval, offsets: [0, 1, 2] } } }
            : {}),
          mlp: { gated: true, dense_ffn: c.int('intermediate_size_mlp', 16384) },
          ...(moeLayers
            ? {
                moe: {
                  experts: c.int('num_local_experts', 16),
                  top_k: c.int('num_experts_per_tok', 1),
                  expert_ffn: ffn,
                  layers: moeLayers,
                  shared_experts: { count: 1, ffn },
                },
              }
            : {}),
          norms: rms,
        }),
        notes,
      };
    }
    case 'jamba': {
      const d = baseDims(c, { kv: 8, ctx: 262144 });
      const attnPeriod = c.int('attn_layer_period', 8);
      const attnOffset = c.int('attn_layer_offset', 4, 0);
      const expPeriod = c.int('expert_layer_period', 2);
      const expOffset = c.int('expert_layer_offset', 1, 0);
      const E = c.int('num_experts', c.int('num_local_experts', 16));
      const rank = c.raw('mamba_dt_rank');
      const dtRank =
        rank === undefined || rank === null || rank === 'auto' ? Math.ceil(d.hidden / 16) : c.int('mamba_dt_rank');
      const I = c.int('intermediate_size', 14336);
      return {
        a: arch({
          vocab_size: d.vocab,
          hidden_size: d.hidden,
          num_layers: d.layers,
          tie_embeddings: c.bool('tie_word_embeddings', false),
          max_context: d.ctx,
          attention: { type: 'gqa', heads: d.heads, kv_heads: d.kv, head_dim: headDim(c, d.hidden, d.heads) },
          attention_layers: { period: attnPeriod, offsets: [attnOffset] },
          mlp: { gated: true, dense_ffn: I },
          ...(E > 1
            ? {
                moe: {
                  experts: E,
                  top_k: c.int('num_experts_per_tok', 2),
                  expert_ffn: I,
                  layers: { period: expPeriod, offsets: [expOffset] },
                },
              }
            : {}),
          ssm: {
            kind: 'mamba',
            layers: 'all',
            d_state: c.int('mamba_d_state', 16),
            d_conv: c.int('mamba_d_conv', 4),
            expand: c.int('mamba_expand', 2),
            dt_rank: dtRank,
            conv_bias: c.bool('mamba_conv_bias', true),
            proj_bias: c.bool('mamba_proj_bias', false),
            inner_norms: true,
          },
          norms: rms,
        }),
        notes,
      };
    }
    case 'grok-1':
    case 'grok': {
      const d = baseDims(c, { kv: 8, ctx: 8192 });
      const E = c.int('num_local_experts', c.int('num_experts', 8));
      const residual = c.bool('residual_moe', false);
      const moeI = c.int('moe_intermediate_size', c.int('intermediate_size', 32768));
      return {
        a: arch({
          vocab_size: d.vocab,
          hidden_size: d.hidden,
          num_layers: d.layers,
          tie_embeddings: c.bool('tie_word_embeddings', !residual),
          max_context: d.ctx,
          attention: { type: 'gqa', heads: d.heads, kv_heads: d.kv, head_dim: headDim(c, d.hidden, d.heads, 128) },
          mlp: { gated: true },
          moe: {
            experts: E,
            top_k: c.int('num_experts_per_tok', 2),
            expert_ffn: moeI,
            layers: 'all',
            ...(residual ? { dense_residual_ffn: c.int('intermediate_size') } : {}),
          },
          norms: { kind: 'rmsnorm', per_layer: 4 },
        }),
        notes,
      };
    }
  }
  throw new UserError(`${c.file}: model_type: "${type}" is not supported; supported: ${SUPPORTED_TYPES.join(', ')}`);
}

/** Native precision from quantization_config, else torch_dtype / dtype. */
function nativePrecision(c: Cfg, type: string): string {
  const q = c.raw('quantization_config');
  if (q !== undefined && q !== null) {
    const qc = c.obj('quantization_config');
    const method = qc.str('quant_method', '')!.toLowerCase();
    if (method === 'fp8') return qc.has('weight_block_size') ? 'fp8-block' : 'fp8';
    if (method === 'mxfp4') return 'mxfp4';
    if ((method === 'awq' || method === 'gptq') && qc.int('bits', 4) === 4) return 'int4';
    throw new UserError(
      `${c.file}: quantization_config.quant_method: "${method}" is not supported (fp8, mxfp4, awq/gptq 4-bit are); the native weight size would be a guess`,
    );
  }
  const dt = (c.str('torch_dtype') ?? c.str('dtype') ?? 'bfloat16').toLowerCase();
  if (dt === 'bfloat16') return 'bf16';
  if (dt === 'float16') return 'fp16';
  if (dt === 'float32') return 'fp32';
  void type;
  throw new UserError(`${c.file}: torch_dtype: "${dt}" is not supported (bfloat16, float16, float32)`);
}

/** A config's model name: its `_name_or_path` (metadata: any value that names nothing falls back), else
 *  the file's name when it is not config.json ("zai-org--GLM-4.5-Air.json"), else the folder's. */
export function modelName(nameOrPath: unknown, file: string): string {
  const fromPath = typeof nameOrPath === 'string' ? basename(nameOrPath.trim().replace(/[\\/]+$/, '')) : '';
  if (fromPath && /[a-z0-9]/i.test(fromPath) && fromPath.length <= 200) return fromPath;
  const stem = basename(file).replace(/\.json$/i, '');
  if (stem && stem.toLowerCase() !== 'config') return stem;
  const folder = basename(dirname(file));
  return folder && folder !== '.' && folder !== '/' ? folder : 'imported model';
}

function kebabId(s: string): string {
  const id = s
    .toLowerCase()
    .replace(/[^a-z0-9.]+/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '')
    .replace(/-+/g, '-')
    .slice(0, 64)
    .replace(/[-.]+$/, '');
  return /^[a-z0-9]/.test(id) && id.length > 0 ? id : 'imported-model';
}

export interface ImportResult {
  card: Card;
  /** model.safetensors.index.json beside the config, compared with the derived bytes */
  crossCheck?: { totalSize: number; derivedBytes: number; agrees: boolean; note: string };
}

/** Map a parsed config.json to a validated card. */
export function importConfig(data: unknown, file: string): ImportResult {
  if (!data || typeof data !== 'object' || Array.isArray(data))
    throw new UserError(`${file}: (top level): expected a JSON object (a config.json)`);
  const root = new Cfg(data as Json, file, '');
  const topType = root.str('model_type');
  if (topType === undefined)
    throw new UserError(`${file}: model_type: required; supported: ${SUPPORTED_TYPES.join(', ')}`);
  let c = root;
  let type = topType.toLowerCase();
  const extraNotes: string[] = [];
  if (type === 'llama4' && root.has('text_config')) {
    c = root.obj('text_config');
    type = 'llama4_text';
    if (root.has('vision_config'))
      extraNotes.push(
        'vision_config present: the vision encoder and projector are not counted (text decoder only); declare them under extra_components',
      );
  } else if (root.has('text_config') && !['llama4'].includes(type)) {
    throw new UserError(
      `${file}: text_config: nested text configs are supported for llama4 only (model_type "${topType}")`,
    );
  }
  if (
    type === 'git' &&
    Array.isArray(root.raw('architectures')) &&
    String((root.raw('architectures') as unknown[])[0]).startsWith('Grok')
  )
    type = 'grok';
  if (!(SUPPORTED_TYPES as readonly string[]).includes(type)) {
    throw new UserError(`${file}: model_type: "${topType}" is not supported; supported: ${SUPPORTED_TYPES.join(', ')}`);
  }
  const { a, notes } = mapType(type, c);
  // quantization / dtype live on the top-level config even when the text config is nested
  const native = nativePrecision(root.has('quantization_config') || !c.has('torch_dtype') ? root : c, type);
  const name = modelName(root.raw('_name_or_path'), file);
  const card: CardInput = {
    id: kebabId(name),
    name,
    organisation: 'unknown (imported)',
    released: undefined,
    licence: undefined,
    sources: [{ url: file, supports: `Hugging Face config.json (model_type ${topType}), imported by moe-calc` }],
    notes: [...notes, ...extraNotes],
    architecture: { ...a, native_precision: native },
  };
  const valid = validate(CardSchema, card, file);
  checkCard(valid, file);
  const result: ImportResult = { card: valid };
  const idx = join(dirname(file), 'model.safetensors.index.json');
  if (existsSync(idx)) result.crossCheck = crossCheck(valid, idx);
  return result;
}

function crossCheck(card: Card, idxPath: string): ImportResult['crossCheck'] {
  const idx = readJsonFile(idxPath, 'safetensors index') as { metadata?: { total_size?: unknown } };
  const ts = idx?.metadata?.total_size;
  if (typeof ts !== 'number' || !Number.isSafeInteger(ts) || ts <= 0) {
    return {
      totalSize: 0,
      derivedBytes: 0,
      agrees: false,
      note: `${idxPath}: metadata.total_size missing or not an integer`,
    };
  }
  const d = deriveParams(card);
  const a = card.architecture;
  const p = getPrecision(a.native_precision);
  const derived = weightBytes(d.tensors, p, a.num_layers, a.moe?.experts ?? 0).total;
  const withMtp = derived + Math.round(d.mtp * (derived / d.total));
  const diff = ts - derived;
  const rel = diff / ts;
  const agrees = Math.abs(rel) < 0.001 || (d.mtp > 0 && Math.abs((ts - withMtp) / ts) < 0.001);
  const note = agrees
    ? `model.safetensors.index.json total_size ${groupDigits(ts)} bytes agrees with the derived ${groupDigits(derived)} bytes at ${p.id}${diff !== 0 ? ` (${diff > 0 ? '+' : ''}${groupDigits(diff)} bytes)` : ' exactly'}`
    : `model.safetensors.index.json total_size ${groupDigits(ts)} bytes differs from the derived ${groupDigits(derived)} bytes at ${p.id} by ${(rel * 100).toFixed(2)}%${d.mtp > 0 ? ' (MTP layers included: ' + groupDigits(withMtp) + ')' : ''}`;
  return { totalSize: ts, derivedBytes: derived, agrees, note };
}

export function importConfigFile(path: string): ImportResult {
  return importConfig(readJsonFile(path, 'config.json'), path);
}
