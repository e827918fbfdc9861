// Exact parameter derivation from a card's architecture. Pure: no I/O.
//
// Every tensor the reference implementations build is listed once here, per decoder layer, with
// its role (what a quantiser sees) and component (what the breakdown reports). The shapes follow
// the Hugging Face `transformers` modeling code of each model family (cited in the card that uses
// a feature) and, for Grok, SGLang's grok.py.
import type { Architecture, Card, LayerSet } from './types.js';
import { CalcError } from './errors.js';

export type Component =
  | 'embeddings'
  | 'lmHead'
  | 'attention'
  | 'denseMlp'
  | 'routedExperts'
  | 'sharedExperts'
  | 'routers'
  | 'norms'
  | 'ssm';

export const COMPONENTS: readonly Component[] = [
  'embeddings',
  'lmHead',
  'attention',
  'denseMlp',
  'routedExperts',
  'sharedExperts',
  'routers',
  'norms',
  'ssm',
];

/** What a quantiser sees: a tensor's role decides which format a mixed recipe gives it. */
export type Role =
  | 'embed'
  | 'output'
  | 'attn_q'
  | 'attn_k'
  | 'attn_v'
  | 'attn_o'
  | 'attn_q_a'
  | 'attn_q_b'
  | 'attn_kv_a'
  | 'attn_kv_b'
  | 'ffn_gate_up'
  | 'ffn_down'
  | 'ffn_gate_up_exps'
  | 'ffn_down_exps'
  | 'ffn_gate_up_shexp'
  | 'ffn_down_shexp'
  | 'router'
  | 'ssm_in'
  | 'ssm_x'
  | 'ssm_dt'
  | 'ssm_out'
  | 'ssm_conv'
  | 'vector';

export interface TensorCount {
  component: Component;
  role: Role;
  /** decoder layer index, -1 for embeddings / head / final norm */
  layer: number;
  params: number;
  /** false for 1-D tensors (norms, biases, sinks): quantisers keep them in high precision */
  matrix: boolean;
}

export interface ParamDerivation {
  tensors: TensorCount[];
  breakdown: Record<Component, number>;
  /** every parameter of the text decoder (embeddings and LM head included; MTP and extra components excluded) */
  total: number;
  /** parameters used per token: all but routed experts, plus top_k routed experts in each MoE layer */
  active: number;
  /** active minus the input embedding table (a lookup reads one row per token) */
  activeNonEmbedding: number;
  /** one routed expert of one MoE layer (its matrices and biases) */
  perExpertLayer: number;
  /** one expert index across all MoE layers ("per expert" as articles use it) */
  perExpert: number;
  layers: { attention: number; ssm: number; moe: number; dense: number; sliding: number };
  /** multi-token-prediction layers the checkpoint ships beside the decoder (not in total) */
  mtp: number;
  /** declared parts outside the text decoder, e.g. a vision encoder (not in total) */
  extra: number;
  /** elements in total that transformers keeps as buffers, not nn.Parameters (router correction biases) */
  buffers: number;
}

/** Multiply non-negative integers, refusing results past 2^53 (a count we could not print exactly). */
export function mul(...xs: number[]): number {
  let r = 1;
  for (const x of xs) {
    r *= x;
    if (!Number.isSafeInteger(r)) {
      throw new CalcError(
        'architecture',
        `a parameter count exceeds ${Number.MAX_SAFE_INTEGER} (2^53 - 1), which cannot be computed exactly`,
      );
    }
  }
  return r;
}

export function inLayerSet(set: LayerSet, i: number): boolean {
  if (set === 'all') return true;
  if (set === 'none') return false;
  if ('indices' in set) return set.indices.includes(i);
  if (set.from !== undefined && i < set.from) return false;
  if (set.except?.includes(i)) return false;
  return set.offsets.includes(i % set.period);
}

export function countLayers(set: LayerSet, n: number): number {
  let c = 0;
  for (let i = 0; i < n; i++) if (inLayerSet(set, i)) c++;
  return c;
}

/** Gated MLP (gate, up, down) or plain MLP (up, down) of one FFN width. */
function mlpTensors(
  a: Architecture,
  ffn: number,
  component: Component,
  roles: { gateUp: Role; down: Role },
  layer: number,
  copies: number,
  bias: boolean,
): TensorCount[] {
  const h = a.hidden_size;
  const upMats = a.mlp.gated ? 2 : 1;
  const out: TensorCount[] = [
    { component, role: roles.gateUp, layer, params: mul(copies, upMats, h, ffn), matrix: true },
    { component, role: roles.down, layer, params: mul(copies, ffn, h), matrix: true },
  ];
  if (bias) out.push({ component, role: 'vector', layer, params: mul(copies, upMats * ffn + h), matrix: false });
  return out;
}

function attentionTensors(a: Architecture, layer: number): TensorCount[] {
  const h = a.hidden_size;
  const at = a.attention;
  const c: Component = 'attention';
  const t: TensorCount[] = [];
  const vec = (params: number) => t.push({ component: c, role: 'vector', layer, params, matrix: false });
  if (at.type === 'gqa') {
    const q = at.heads * at.head_dim;
    const kv = at.kv_heads * at.head_dim;
    t.push({ component: c, role: 'attn_q', layer, params: mul(h, q), matrix: true });
    t.push({ component: c, role: 'attn_k', layer, params: mul(h, kv), matrix: true });
    t.push({ component: c, role: 'attn_v', layer, params: mul(h, kv), matrix: true });
    t.push({ component: c, role: 'attn_o', layer, params: mul(q, h), matrix: true });
    if (at.qkv_bias) vec(q + 2 * kv);
    if (at.o_bias) vec(h);
    if (at.qk_norm === 'per_head') vec(2 * at.head_dim);
    if (at.qk_norm === 'full') vec(q + kv);
    if (at.sinks) vec(at.heads);
  } else {
    const qkHead = at.qk_nope_head_dim + at.qk_rope_head_dim;
    if (at.q_lora_rank === null) {
      t.push({ component: c, role: 'attn_q', layer, params: mul(h, at.heads, qkHead), matrix: true });
    } else {
      t.push({ component: c, role: 'attn_q_a', layer, params: mul(h, at.q_lora_rank), matrix: true });
      vec(at.q_lora_rank); // q_a_layernorm
      t.push({ component: c, role: 'attn_q_b', layer, params: mul(at.q_lora_rank, at.heads, qkHead), matrix: true });
      if (at.bias) vec(at.q_lora_rank);
    }
    t.push({
      component: c,
      role: 'attn_kv_a',
      layer,
      params: mul(h, at.kv_lora_rank + at.qk_rope_head_dim),
      matrix: true,
    });
    vec(at.kv_lora_rank); // kv_a_layernorm
    t.push({
      component: c,
      role: 'attn_kv_b',
      layer,
      params: mul(at.kv_lora_rank, at.heads, at.qk_nope_head_dim + at.v_head_dim),
      matrix: true,
    });
    t.push({ component: c, role: 'attn_o', layer, params: mul(at.heads, at.v_head_dim, h), matrix: true });
    if (at.bias) vec(at.kv_lora_rank + at.qk_rope_head_dim + h);
  }
  return t;
}

/** Jamba's Mamba mixer (transformers JambaMambaMixer). */
function ssmTensors(a: Architecture, layer: number): TensorCount[] {
  const s = a.ssm!;
  const h = a.hidden_size;
  const d = mul(s.expand, h);
  const c: Component = 'ssm';
  const t: TensorCount[] = [
    { component: c, role: 'ssm_in', layer, params: mul(h, 2, d), matrix: true },
    { component: c, role: 'ssm_conv', layer, params: mul(d, s.d_conv), matrix: true },
    { component: c, role: 'ssm_x', layer, params: mul(d, s.dt_rank + 2 * s.d_state), matrix: true },
    { component: c, role: 'ssm_dt', layer, params: mul(s.dt_rank, d), matrix: true },
    { component: c, role: 'ssm_out', layer, params: mul(d, h), matrix: true },
    // dt_proj bias, A_log (d x d_state), D
    { component: c, role: 'vector', layer, params: d + mul(d, s.d_state) + d, matrix: false },
  ];
  if (s.conv_bias) t.push({ component: c, role: 'vector', layer, params: d, matrix: false });
  if (s.proj_bias) t.push({ component: c, role: 'vector', layer, params: 2 * d + h, matrix: false });
  if (s.inner_norms) t.push({ component: c, role: 'vector', layer, params: s.dt_rank + 2 * s.d_state, matrix: false });
  return t;
}

function normParams(a: Architecture): number {
  return a.norms.kind === 'layernorm' && a.norms.bias ? 2 * a.hidden_size : a.hidden_size;
}

/** The tensors of decoder layer i. */
export function layerTensors(a: Architecture, i: number): TensorCount[] {
  const h = a.hidden_size;
  const t: TensorCount[] = [];
  const hasAttention = inLayerSet(a.attention_layers, i);
  if (hasAttention) t.push(...attentionTensors(a, i));
  else {
    if (!a.ssm)
      throw new CalcError(
        'architecture.ssm',
        `layer ${i} has no attention (attention_layers), so an ssm block is required`,
      );
    t.push(...ssmTensors(a, i));
  }
  const moe = a.moe && inLayerSet(a.moe.layers, i) ? a.moe : undefined;
  if (moe) {
    const E = moe.experts;
    t.push({ component: 'routers', role: 'router', layer: i, params: mul(E, h), matrix: true });
    if (moe.router_bias) t.push({ component: 'routers', role: 'vector', layer: i, params: E, matrix: false });
    if (moe.router_correction_bias)
      t.push({ component: 'routers', role: 'vector', layer: i, params: E, matrix: false });
    t.push(
      ...mlpTensors(
        a,
        moe.expert_ffn,
        'routedExperts',
        { gateUp: 'ffn_gate_up_exps', down: 'ffn_down_exps' },
        i,
        E,
        moe.expert_bias,
      ),
    );
    const sh = moe.shared_experts;
    if (sh) {
      t.push(
        ...mlpTensors(
          a,
          sh.ffn,
          'sharedExperts',
          { gateUp: 'ffn_gate_up_shexp', down: 'ffn_down_shexp' },
          i,
          sh.count,
          a.mlp.bias,
        ),
      );
      if (sh.gate) t.push({ component: 'sharedExperts', role: 'router', layer: i, params: h, matrix: true });
    }
    if (moe.dense_residual_ffn !== undefined) {
      t.push(
        ...mlpTensors(
          a,
          moe.dense_residual_ffn,
          'denseMlp',
          { gateUp: 'ffn_gate_up', down: 'ffn_down' },
          i,
          1,
          a.mlp.bias,
        ),
      );
    }
  } else {
    const ffn = a.mlp.dense_ffn;
    if (ffn === undefined) {
      throw new CalcError(
        'architecture.mlp.dense_ffn',
        `layer ${i} is dense (not in moe.layers), so a dense FFN width is required`,
      );
    }
    t.push(...mlpTensors(a, ffn, 'denseMlp', { gateUp: 'ffn_gate_up', down: 'ffn_down' }, i, 1, a.mlp.bias));
  }
  if (a.norms.per_layer > 0) {
    t.push({
      component: 'norms',
      role: 'vector',
      layer: i,
      params: mul(a.norms.per_layer, normParams(a)),
      matrix: false,
    });
  }
  return t;
}

function sum(ts: readonly TensorCount[]): number {
  let s = 0;
  for (const t of ts) s += t.params;
  if (!Number.isSafeInteger(s)) throw new CalcError('architecture', 'the parameter total exceeds 2^53 - 1');
  return s;
}

/** Derive every parameter count of a card. Throws CalcError for an inconsistent architecture. */
export function deriveParams(card: Pick<Card, 'architecture' | 'extra_components'>): ParamDerivation {
  const a = card.architecture;
  const h = a.hidden_size;
  const V = a.vocab_size;
  const L = a.num_layers;
  checkArchitecture(a);

  const tensors: TensorCount[] = [];
  tensors.push({ component: 'embeddings', role: 'embed', layer: -1, params: mul(V, h), matrix: true });
  if (!a.tie_embeddings)
    tensors.push({ component: 'lmHead', role: 'output', layer: -1, params: mul(V, h), matrix: true });
  if (a.lm_head_bias) tensors.push({ component: 'lmHead', role: 'vector', layer: -1, params: V, matrix: false });
  tensors.push({ component: 'norms', role: 'vector', layer: -1, params: normParams(a), matrix: false });

  let moeLayers = 0;
  let attnLayers = 0;
  let firstMoeLayer = -1;
  for (let i = 0; i < L; i++) {
    tensors.push(...layerTensors(a, i));
    if (a.moe && inLayerSet(a.moe.layers, i)) {
      moeLayers++;
      if (firstMoeLayer < 0) firstMoeLayer = i;
    }
    if (inLayerSet(a.attention_layers, i)) attnLayers++;
  }

  const breakdown = Object.fromEntries(COMPONENTS.map((c) => [c, 0])) as Record<Component, number>;
  for (const t of tensors) breakdown[t.component] += t.params;
  const total = sum(tensors);

  let perExpertLayer = 0;
  let activeRouted = 0;
  if (a.moe && moeLayers > 0) {
    const routedLayer = sum(tensors.filter((t) => t.component === 'routedExperts' && t.layer === firstMoeLayer));
    perExpertLayer = routedLayer / a.moe.experts;
    activeRouted = perExpertLayer * a.moe.top_k * moeLayers;
  }
  const active = total - breakdown.routedExperts + activeRouted;

  let mtp = 0;
  if (a.mtp_layers > 0) {
    // DeepSeek-V3 README_WEIGHTS.md: each MTP module ships embed_tokens, enorm, hnorm, eh_proj,
    // one full (MoE) decoder layer and shared_head (norm + head) in the checkpoint.
    const lastMoe = a.moe ? L : L - 1;
    const layer = sum(layerTensors(a, lastMoe));
    mtp = mul(a.mtp_layers, layer + mul(2, V, h) + 2 * normParams(a) + mul(2, h, h) + normParams(a));
  }
  let extra = 0;
  for (const e of card.extra_components) extra += e.params;
  const buffers = a.moe?.router_correction_bias ? a.moe.experts * moeLayers : 0;

  return {
    tensors,
    breakdown,
    total,
    active,
    activeNonEmbedding: active - breakdown.embeddings,
    perExpertLayer,
    perExpert: perExpertLayer * moeLayers,
    layers: {
      attention: attnLayers,
      ssm: L - attnLayers,
      moe: moeLayers,
      dense: L - moeLayers,
      sliding: a.sliding_window ? countLayers(a.sliding_window.layers, L) : 0,
    },
    mtp,
    extra,
    buffers,
  };
}

/** Cross-field rules zod cannot express per field; also run by the card loader. */
export function checkArchitecture(a: Architecture): void {
  const at = a.attention;
  if (at.type === 'gqa') {
    if (at.kv_heads > at.heads) {
      throw new CalcError(
        'architecture.attention.kv_heads',
        `expected at most attention.heads (${at.heads}), got ${at.kv_heads}`,
      );
    }
    if (at.heads % at.kv_heads !== 0) {
      throw new CalcError(
        'architecture.attention.kv_heads',
        `expected a divisor of attention.heads (${at.heads}), got ${at.kv_heads}`,
      );
    }
  }
  if (a.moe) {
    if (a.moe.top_k > a.moe.experts) {
      throw new CalcError(
        'architecture.moe.top_k',
        `expected at most moe.experts (${a.moe.experts}), got ${a.moe.top_k}`,
      );
    }
    if (countLayers(a.moe.layers, a.num_layers) === 0) {
      throw new CalcError(
        'architecture.moe.layers',
        'expected at least one MoE layer; remove the moe block for a dense model',
      );
    }
  }
  if (!a.moe || countLayers(a.moe.layers, a.num_layers) < a.num_layers) {
    if (a.mlp.dense_ffn === undefined) {
      throw new CalcError('architecture.mlp.dense_ffn', 'expected a dense FFN width: some layers are not MoE layers');
    }
  }
  if (countLayers(a.attention_layers, a.num_layers) < a.num_layers && !a.ssm) {
    throw new CalcError('architecture.ssm', 'expected an ssm block: some layers have no attention');
  }
  if (countLayers(a.attention_layers, a.num_layers) === 0) {
    throw new CalcError('architecture.attention_layers', 'expected at least one attention layer');
  }
}
