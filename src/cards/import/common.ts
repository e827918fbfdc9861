// Pieces every family importer uses: the family interface, base dimensions, head width, attention
// blocks, layer-set rules and layer_types lists, each as transformers' configuration classes define them.
import type { LayerSet } from '../../core/types.js';
import { UserError } from '../../errors.js';
import type { CardInput } from '../schema.js';
import type { Cfg } from './config.js';

export type Arch = CardInput['architecture'];
export type ArchDraft = Omit<Arch, 'native_precision'>;
export type ExtraDraft = NonNullable<CardInput['extra_components']>[number];

export interface FamilyResult {
  a: ArchDraft;
  notes: string[];
}

export interface ReadContext {
  /** the model_type being read (lower case) */
  type: string;
  /** the top-level config's `architectures` list */
  architectures: string[];
  /** the top-level config (equal to the reader's config unless the text config is nested) */
  root: Cfg;
}

/** One importer module: which model types it reads, the code it follows, and its mapping to a card. */
export interface Family {
  /** model_type strings (as config.json spells them, lower case) */
  types: readonly string[];
  /** the family as the README lists it */
  label: string;
  /** public checkpoints the mapping was checked against (the test pins one) */
  flagship: string;
  /** the reference implementation it follows */
  reference: string;
  read(c: Cfg, ctx: ReadContext): FamilyResult;
}

export const RMS = { kind: 'rmsnorm' as const, per_layer: 2 };

/** vocab, hidden, layers, heads, KV heads (absent: `kv`; null: = heads, as every config class does) and
 *  context (absent: `ctx`). The first four are required: a default would be a guess. */
export function baseDims(c: Cfg, d: { kv?: number; ctx?: number }) {
  const vocab = c.int('vocab_size');
  const hidden = c.int('hidden_size');
  const layers = c.int('num_hidden_layers');
  const heads = c.int('num_attention_heads');
  const kv = c.int('num_key_value_heads', d.kv ?? heads, { nullMeans: heads });
  const ctx = c.int('max_position_embeddings', d.ctx ?? 4096);
  return { vocab, hidden, layers, heads, kv, ctx };
}

/** The fields every family's architecture starts with: vocabulary, width, layers (default: the config's
 *  num_hidden_layers), tied embeddings (transformers' default false) and the context. */
export function baseArch(c: Cfg, d: ReturnType<typeof baseDims>, layers = d.layers) {
  return {
    vocab_size: d.vocab,
    hidden_size: d.hidden,
    num_layers: layers,
    tie_embeddings: c.bool('tie_word_embeddings', false),
    max_context: d.ctx,
  };
}

/** head_dim: the config's value; null or absent: the class default, else hidden // heads
 *  (transformers: `getattr(config, "head_dim", None) or hidden_size // num_attention_heads`). */
export function headDim(c: Cfg, h: number, heads: number, def?: number): number {
  if (c.has('head_dim')) return c.int('head_dim');
  if (def !== undefined && !c.present('head_dim')) return def;
  return Math.floor(h / heads);
}

type Gqa = Extract<Arch['attention'], { type: 'gqa' }>;
type Mla = Extract<Arch['attention'], { type: 'mla' }>;

export function gqa(heads: number, kvHeads: number, hd: number, extra: Partial<Omit<Gqa, 'type'>> = {}): Gqa {
  return { type: 'gqa', heads, kv_heads: kvHeads, head_dim: hd, ...extra };
}

/** DeepSeek-V2/V3 MLA (modeling_deepseek_v3.py): q_lora_rank null means a plain q_proj. */
export function mla(c: Cfg, heads: number): Mla {
  return {
    type: 'mla',
    heads,
    q_lora_rank: c.intOrNull('q_lora_rank', 1536),
    kv_lora_rank: c.int('kv_lora_rank', 512),
    qk_nope_head_dim: c.int('qk_nope_head_dim', 128),
    qk_rope_head_dim: c.int('qk_rope_head_dim', 64),
    v_head_dim: c.int('v_head_dim', 128),
    bias: c.bool('attention_bias', false),
  };
}

/** Layers where pred holds, as a layer set ('all' / 'none' / indices). */
export function layersWhere(n: number, pred: (i: number) => boolean): LayerSet {
  const indices: number[] = [];
  for (let i = 0; i < n; i++) if (pred(i)) indices.push(i);
  if (indices.length === n) return 'all';
  if (indices.length === 0) return 'none';
  return { indices };
}

/** qwen2_moe / qwen3_moe: MoE unless in mlp_only_layers, when (i + 1) % decoder_sparse_step == 0. */
export function qwenMoeLayers(c: Cfg, n: number): LayerSet {
  const step = c.int('decoder_sparse_step', 1);
  const except = new Set(c.intList('mlp_only_layers'));
  for (const i of except) if (i >= n) c.fail('mlp_only_layers', `layer indices from 0 to ${n - 1}`);
  return layersWhere(n, (i) => !except.has(i) && (i + 1) % step === 0);
}

/** DeepSeek rule: i >= first_k_dense_replace and i % moe_layer_freq == 0 (DeepSeek and vLLM code). */
export function deepseekMoeLayers(c: Cfg, n: number, defFirstK: number): LayerSet {
  const from = c.int('first_k_dense_replace', defFirstK, { min: 0 });
  const freq = c.int('moe_layer_freq', 1);
  if (from >= n) c.fail('first_k_dense_replace', `an integer from 0 to ${n - 1} (some layer must be MoE)`);
  return layersWhere(n, (i) => i >= from && i % freq === 0);
}

/** A `layer_types`-style list: exactly n entries, each one of `allowed`; undefined when absent or null. */
export function layerTypes(c: Cfg, key: string, n: number, allowed: readonly string[]): string[] | undefined {
  const lt = c.raw(key);
  if (lt === undefined || lt === null) return undefined;
  if (!Array.isArray(lt) || lt.length !== n || lt.some((t) => !allowed.includes(t as string))) {
    throw new UserError(
      `${c.where(key)}: expected ${n} entries (one per layer), each ${allowed.map((a) => `"${a}"`).join(' or ')}`,
    );
  }
  return lt as string[];
}

/** Sliding-window layers from `layer_types` ("sliding_attention" / "full_attention"). */
export function slidingFromLayerTypes(c: Cfg, layers: number, window: number | undefined): Arch['sliding_window'] {
  const lt = layerTypes(c, 'layer_types', layers, ['sliding_attention', 'full_attention']);
  if (!lt) return undefined;
  const set = layersWhere(layers, (i) => lt[i] === 'sliding_attention');
  if (set === 'none') return undefined;
  if (window === undefined)
    throw new UserError(`${c.where('sliding_window')}: required when layer_types has sliding layers`);
  return { window, layers: set };
}

/** The shared-expert block, or nothing for 0 experts of width 0. */
export function shared(count: number, ffn: number, gate = false) {
  return count > 0 && ffn > 0 ? { shared_experts: { count, ffn, gate } } : {};
}

/** A multi-token-prediction note for the card. */
export function mtpNote(n: number): string {
  return (
    `${n} multi-token-prediction layer(s) ship in the checkpoint but are not loaded for serving: ` +
    'reported separately as mtp'
  );
}
