// Exact parameter derivation from a card's architecture. Pure: no I/O.
//
// Every tensor the reference implementations build is listed once here, per decoder layer, with its
// role (what a quantiser sees) and component (what the breakdown reports). Shapes follow the Hugging
// Face `transformers` modeling code of each family, or vLLM's model file where transformers has none
// (each card and importer module names the file it follows). The building blocks:
// - attention: GQA/MHA (with a low-rank query, an output gate, K-as-V, different V width, biases, q/k
//   norms, sinks), MLA (with DeepSeek Sparse Attention's indexer), mixture-of-attention-heads (JetMoE);
//   layers may use a variant of the default attention (attention_variants);
// - token mixers without attention: Mamba, Mamba-2, Gated DeltaNet, KDA, lightning attention, short conv;
// - feed-forward: dense MLP, routed experts (+ zero-computation experts), shared experts, a dense MLP
//   beside the experts, routers with biases, correction biases and scales.
import { CalcError } from './errors.js';
import { checkLayerSet, countLayers, inLayerSet, layerMask, layerPlan } from './layers.js';
import type { Architecture, Attention, Card, Ssm } from './types.js';

export { countLayers, inLayerSet };

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
  | 'attn_gate'
  | 'attn_q_a'
  | 'attn_q_b'
  | 'attn_kv_a'
  | 'attn_kv_b'
  | 'attn_indexer'
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
  /** routed tensors (experts, attention experts): the share of them one token uses, at most and at least */
  active?: { max: number; min: number };
}

export interface ParamDerivation {
  tensors: TensorCount[];
  breakdown: Record<Component, number>;
  /** every parameter of the text decoder (embeddings and LM head included; MTP and extra components excluded) */
  total: number;
  /** parameters used per token: all but routed experts, plus top_k routed experts in each MoE layer
   *  (with zero-computation experts, the most: every pick a real expert) */
  active: number;
  /** the fewest parameters a token may use (differs from active only with zero-computation experts) */
  activeMin: number;
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
  /** of those, the parts engines load onto the GPU by default (vision/audio towers) */
  extraLoaded: number;
  /** elements in total that transformers keeps as buffers, not nn.Parameters (router correction biases,
   *  Gemma 4's layer scalars) */
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

/** Gated MLP (gate, up, down) or plain MLP (up, down) of one FFN width, `copies` times. */
function mlpTensors(
  h: number,
  ffn: number,
  gated: boolean,
  component: Component,
  roles: { gateUp: Role; down: Role },
  layer: number,
  copies: number,
  bias: boolean,
  active?: TensorCount['active'],
): TensorCount[] {
  const upMats = gated ? 2 : 1;
  const out: TensorCount[] = [
    { component, role: roles.gateUp, layer, params: mul(copies, upMats, h, ffn), matrix: true, active },
    { component, role: roles.down, layer, params: mul(copies, ffn, h), matrix: true, active },
  ];
  if (bias)
    out.push({ component, role: 'vector', layer, params: mul(copies, upMats * ffn + h), matrix: false, active });
  return out;
}

/** Every tensor of one attention block. */
export function attentionTensors(at: Attention, h: number, layer: number): TensorCount[] {
  const c: Component = 'attention';
  const t: TensorCount[] = [];
  const mat = (role: Role, params: number, active?: TensorCount['active']) =>
    t.push({ component: c, role, layer, params, matrix: true, active });
  const vec = (params: number) => t.push({ component: c, role: 'vector', layer, params, matrix: false });
  if (at.type === 'gqa') {
    const q = mul(at.heads, at.head_dim);
    const k = mul(at.kv_heads, at.head_dim);
    const vDim = at.v_head_dim ?? at.head_dim;
    const v = at.k_eq_v ? 0 : mul(at.kv_heads, vDim);
    if (at.q_lora_rank !== undefined) {
      mat('attn_q_a', mul(h, at.q_lora_rank));
      vec(at.q_lora_rank); // the low-rank query's RMSNorm
      mat('attn_q_b', mul(at.q_lora_rank, q));
    } else mat('attn_q', mul(h, q));
    if (at.output_gate) mat('attn_gate', mul(h, q));
    mat('attn_k', mul(h, k));
    if (v > 0) mat('attn_v', mul(h, v));
    mat('attn_o', mul(at.heads, vDim, h));
    if (at.qkv_bias) vec(q + k + v);
    if (at.o_bias) vec(h);
    if (at.qk_norm === 'per_head') vec(2 * at.head_dim);
    if (at.qk_norm === 'full') vec(q + k);
    if (at.sinks) vec(at.heads);
  } else if (at.type === 'mla') {
    const qkHead = at.qk_nope_head_dim + at.qk_rope_head_dim;
    if (at.q_lora_rank === null) {
      mat('attn_q', mul(h, at.heads, qkHead));
    } else {
      mat('attn_q_a', mul(h, at.q_lora_rank));
      vec(at.q_lora_rank); // q_a_layernorm
      mat('attn_q_b', mul(at.q_lora_rank, at.heads, qkHead));
      if (at.bias) vec(at.q_lora_rank);
    }
    mat('attn_kv_a', mul(h, at.kv_lora_rank + at.qk_rope_head_dim));
    vec(at.kv_lora_rank); // kv_a_layernorm
    mat('attn_kv_b', mul(at.kv_lora_rank, at.heads, at.qk_nope_head_dim + at.v_head_dim));
    mat('attn_o', mul(at.heads, at.v_head_dim, h));
    if (at.bias) vec(at.kv_lora_rank + at.qk_rope_head_dim + h);
    const ix = at.indexer;
    if (ix) {
      // DeepSeek-V3.2 inference/model.py Indexer: wq_b from the q latent, wk, k_norm (LayerNorm), weights_proj
      if (at.q_lora_rank === null)
        throw new CalcError('architecture.attention.indexer', 'needs q_lora_rank (wq_b reads the q latent)');
      mat('attn_indexer', mul(at.q_lora_rank, ix.heads, ix.head_dim));
      mat('attn_indexer', mul(h, ix.head_dim));
      vec(2 * ix.head_dim);
      mat('attn_indexer', mul(h, ix.heads));
    }
  } else {
    // JetMoE mixture of attention heads: per expert q (hidden -> kv_heads x head_dim) and o, one shared kv_proj
    const w = mul(at.kv_heads, at.head_dim);
    const share = { max: at.top_k / at.experts, min: at.top_k / at.experts };
    mat('attn_q', mul(at.experts, h, w), share);
    mat('attn_o', mul(at.experts, w, h), share);
    mat('router', mul(at.experts, h));
    vec(h);
    mat('attn_k', mul(h, w));
    mat('attn_v', mul(h, w));
  }
  return t;
}

/** The tensors of one SSM / linear-attention mixer. */
export function ssmTensors(s: Ssm, h: number, layer: number): TensorCount[] {
  const c: Component = 'ssm';
  const t: TensorCount[] = [];
  const mat = (role: Role, params: number) => t.push({ component: c, role, layer, params, matrix: true });
  const vec = (params: number) => t.push({ component: c, role: 'vector', layer, params, matrix: false });
  switch (s.kind) {
    case 'mamba': {
      // transformers JambaMambaMixer
      const d = mul(s.expand, h);
      mat('ssm_in', mul(h, 2, d));
      mat('ssm_conv', mul(d, s.d_conv));
      mat('ssm_x', mul(d, s.dt_rank + 2 * s.d_state));
      mat('ssm_dt', mul(s.dt_rank, d));
      mat('ssm_out', mul(d, h));
      vec(d + mul(d, s.d_state) + d); // dt_proj bias, A_log, D
      if (s.conv_bias) vec(d);
      if (s.proj_bias) vec(2 * d + h);
      if (s.inner_norms) vec(s.dt_rank + 2 * s.d_state);
      break;
    }
    case 'mamba2': {
      // vLLM MambaMixer2 / transformers BambaMixer: in_proj to z, x, B, C, dt; conv over x, B, C
      const inner = mul(s.heads, s.head_dim);
      const bc = mul(2, s.groups, s.d_state);
      const inProj = 2 * inner + bc + s.heads;
      mat('ssm_in', mul(h, inProj));
      mat('ssm_conv', mul(inner + bc, s.d_conv));
      if (s.conv_bias) vec(inner + bc);
      vec(3 * s.heads); // dt_bias, A_log, D
      vec(inner); // gated RMSNorm
      mat('ssm_out', mul(inner, h));
      if (s.proj_bias) vec(inProj + h);
      break;
    }
    case 'gated_deltanet': {
      // transformers Qwen3NextGatedDeltaNet: in_proj_qkvz, in_proj_ba, depthwise conv over q, k, v
      const key = mul(s.key_heads, s.key_head_dim);
      const value = mul(s.value_heads, s.value_head_dim);
      mat('ssm_in', mul(h, 2 * key + 2 * value));
      mat('ssm_in', mul(h, 2 * s.value_heads));
      mat('ssm_conv', mul(2 * key + value, s.d_conv));
      vec(2 * s.value_heads); // dt_bias, A_log
      vec(s.value_head_dim); // gated RMSNorm over one value head
      mat('ssm_out', mul(value, h));
      break;
    }
    case 'kda': {
      // vLLM KimiDeltaAttention: q, k, v, low-rank f and g gates, b, three short convs, o
      const p = mul(s.heads, s.head_dim);
      mat('ssm_in', mul(3, h, p));
      mat('ssm_x', mul(2, h, s.head_dim)); // f_a, g_a
      mat('ssm_x', mul(2, s.head_dim, p)); // f_b, g_b
      mat('ssm_dt', mul(h, s.heads)); // b_proj
      mat('ssm_conv', mul(3, p, s.d_conv));
      vec(p + s.heads + s.head_dim); // dt_bias, A_log, o_norm
      mat('ssm_out', mul(p, h));
      break;
    }
    case 'lightning': {
      // MiniMax-M1 modeling_minimax_m1.py lightning attention: qkv, output gate, norm, out_proj
      const w = mul(s.heads, s.head_dim);
      mat('ssm_in', mul(h, 3, w));
      mat('ssm_in', mul(h, w));
      vec(w);
      mat('ssm_out', mul(w, h));
      break;
    }
    case 'short_conv': {
      // transformers Lfm2ShortConv: in_proj hidden -> 3 hidden, depthwise conv, out_proj
      mat('ssm_in', mul(h, 3, h));
      mat('ssm_conv', mul(h, s.d_conv));
      mat('ssm_out', mul(h, h));
      if (s.bias) vec(3 * h + h + h);
      break;
    }
  }
  return t;
}

function normParams(a: Architecture): number {
  return a.norms.kind === 'layernorm' && a.norms.bias ? 2 * a.hidden_size : a.hidden_size;
}

/** The tensors of decoder layer i. */
export function layerTensors(a: Architecture, i: number): TensorCount[] {
  const h = a.hidden_size;
  const plan = layerPlan(a);
  const t: TensorCount[] = [];
  const att = plan.attention[i]!;
  if (att >= 0) t.push(...attentionTensors(plan.specs[att]!, h, i));
  if (plan.ssm[i]) t.push(...ssmTensors(a.ssm!, h, i));
  const moe = plan.moe[i] && a.moe ? a.moe : undefined;
  if (moe) {
    const E = moe.experts;
    const slots = E + moe.zero_experts;
    const gated = moe.gated ?? a.mlp.gated;
    t.push({ component: 'routers', role: 'router', layer: i, params: mul(slots, h), matrix: true });
    if (moe.router_bias) t.push({ component: 'routers', role: 'vector', layer: i, params: slots, matrix: false });
    if (moe.router_correction_bias)
      t.push({ component: 'routers', role: 'vector', layer: i, params: slots, matrix: false });
    if (moe.router_scale) t.push({ component: 'routers', role: 'vector', layer: i, params: h + E, matrix: false });
    const share = { max: Math.min(moe.top_k, E) / E, min: Math.max(0, moe.top_k - moe.zero_experts) / E };
    const roles = { gateUp: 'ffn_gate_up_exps', down: 'ffn_down_exps' } as const;
    t.push(...mlpTensors(h, moe.expert_ffn, gated, 'routedExperts', roles, i, E, moe.expert_bias, share));
    const sh = moe.shared_experts;
    if (sh) {
      const shRoles = { gateUp: 'ffn_gate_up_shexp', down: 'ffn_down_shexp' } as const;
      t.push(...mlpTensors(h, sh.ffn, gated, 'sharedExperts', shRoles, i, sh.count, a.mlp.bias));
      if (sh.gate) t.push({ component: 'sharedExperts', role: 'router', layer: i, params: h, matrix: true });
    }
    if (moe.dense_residual_ffn !== undefined) {
      const roles = { gateUp: 'ffn_gate_up', down: 'ffn_down' } as const;
      t.push(...mlpTensors(h, moe.dense_residual_ffn, a.mlp.gated, 'denseMlp', roles, i, 1, a.mlp.bias));
    }
  }
  if (plan.mlp[i]) {
    const ffn = a.mlp.dense_ffn;
    if (ffn === undefined) {
      throw new CalcError('architecture.mlp.dense_ffn', `layer ${i} has a dense MLP, so a dense FFN width is required`);
    }
    const roles = { gateUp: 'ffn_gate_up', down: 'ffn_down' } as const;
    t.push(...mlpTensors(h, ffn, a.mlp.gated, 'denseMlp', roles, i, 1, a.mlp.bias));
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
  if (a.per_layer_scalars > 0) {
    t.push({ component: 'norms', role: 'vector', layer: i, params: a.per_layer_scalars, matrix: false });
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
  const plan = layerPlan(a);

  const tensors: TensorCount[] = [];
  tensors.push({ component: 'embeddings', role: 'embed', layer: -1, params: mul(V, h), matrix: true });
  if (!a.tie_embeddings)
    tensors.push({ component: 'lmHead', role: 'output', layer: -1, params: mul(V, h), matrix: true });
  if (a.lm_head_bias) tensors.push({ component: 'lmHead', role: 'vector', layer: -1, params: V, matrix: false });
  tensors.push({ component: 'norms', role: 'vector', layer: -1, params: normParams(a), matrix: false });

  let moeLayers = 0;
  let attnLayers = 0;
  let ssmLayers = 0;
  let denseLayers = 0;
  let slidingLayers = 0;
  let firstMoeLayer = -1;
  for (let i = 0; i < L; i++) {
    tensors.push(...layerTensors(a, i));
    if (plan.moe[i]) {
      moeLayers++;
      if (firstMoeLayer < 0) firstMoeLayer = i;
    }
    if (plan.attention[i]! >= 0) {
      attnLayers++;
      if (plan.sliding[i]) slidingLayers++;
    }
    if (plan.ssm[i]) ssmLayers++;
    if (plan.mlp[i]) denseLayers++;
  }

  const breakdown = Object.fromEntries(COMPONENTS.map((c) => [c, 0])) as Record<Component, number>;
  let active = 0;
  let activeMin = 0;
  for (const t of tensors) {
    breakdown[t.component] += t.params;
    active += t.active ? t.params * t.active.max : t.params;
    activeMin += t.active ? t.params * t.active.min : t.params;
  }
  const total = sum(tensors);
  active = Math.round(active);
  activeMin = Math.round(activeMin);

  let perExpertLayer = 0;
  if (a.moe && moeLayers > 0) {
    const routedLayer = sum(tensors.filter((t) => t.component === 'routedExperts' && t.layer === firstMoeLayer));
    perExpertLayer = routedLayer / a.moe.experts;
  }

  let mtp = 0;
  if (a.mtp_layers > 0) {
    // DeepSeek-V3 README_WEIGHTS.md: each MTP module ships enorm, hnorm, eh_proj, one full decoder layer
    // (the last layer with attention and, in a MoE model, experts) and shared_head's norm, plus copies of
    // embed_tokens and the head unless mtp_embedding_copies is false (Qwen3-Next, GLM-5)
    let last = L - 1;
    while (last > 0 && (plan.attention[last]! < 0 || (a.moe !== undefined && !plan.moe[last]))) last--;
    const layer = sum(layerTensors(a, last));
    const copies = a.mtp_embedding_copies ? mul(2, V, h) : 0;
    mtp = mul(a.mtp_layers, layer + copies + 3 * normParams(a) + mul(2, h, h));
  }
  let extra = 0;
  let extraLoaded = 0;
  for (const e of card.extra_components) {
    extra += e.params;
    if (e.loaded) extraLoaded += e.params;
  }
  const slots = a.moe ? a.moe.experts + a.moe.zero_experts : 0;
  const buffers = (a.moe?.router_correction_bias ? slots * moeLayers : 0) + a.per_layer_scalars * L;

  return {
    tensors,
    breakdown,
    total,
    active,
    activeMin,
    activeNonEmbedding: active - breakdown.embeddings,
    perExpertLayer,
    perExpert: perExpertLayer * moeLayers,
    layers: { attention: attnLayers, ssm: ssmLayers, moe: moeLayers, dense: denseLayers, sliding: slidingLayers },
    mtp,
    extra,
    extraLoaded,
    buffers,
  };
}

function checkAttention(at: Attention, field: string): void {
  if (at.type === 'gqa') {
    if (at.kv_heads > at.heads) {
      throw new CalcError(`${field}.kv_heads`, `expected at most attention.heads (${at.heads}), got ${at.kv_heads}`);
    }
    if (at.heads % at.kv_heads !== 0) {
      throw new CalcError(
        `${field}.kv_heads`,
        `expected a divisor of attention.heads (${at.heads}), got ${at.kv_heads}`,
      );
    }
    if (at.k_eq_v && at.v_head_dim !== undefined && at.v_head_dim !== at.head_dim) {
      throw new CalcError(`${field}.v_head_dim`, 'with k_eq_v the values are the keys: v_head_dim must equal head_dim');
    }
  } else if (at.type === 'moa' && at.top_k > at.experts) {
    throw new CalcError(`${field}.top_k`, `expected at most ${field}.experts (${at.experts}), got ${at.top_k}`);
  }
}

/** Cross-field rules zod cannot express per field; also run by the card loader. Every field either
 *  changes a result or is refused here with the range it may take. */
export function checkArchitecture(a: Architecture): void {
  const n = a.num_layers;
  checkAttention(a.attention, 'architecture.attention');
  a.attention_variants.forEach((v, k) => {
    checkLayerSet(v.layers, n, `architecture.attention_variants.${k}.layers`);
    checkAttention(v.attention, `architecture.attention_variants.${k}.attention`);
  });
  checkLayerSet(a.attention_layers, n, 'architecture.attention_layers');
  if (a.sliding_window) checkLayerSet(a.sliding_window.layers, n, 'architecture.sliding_window.layers');
  if (a.mlp.layers) checkLayerSet(a.mlp.layers, n, 'architecture.mlp.layers');
  if (a.ssm?.layers) checkLayerSet(a.ssm.layers, n, 'architecture.ssm.layers');
  if (a.moe) {
    checkLayerSet(a.moe.layers, n, 'architecture.moe.layers');
    if (a.moe.top_k > a.moe.experts + a.moe.zero_experts) {
      throw new CalcError(
        'architecture.moe.top_k',
        `expected at most moe.experts (${a.moe.experts}), got ${a.moe.top_k}`,
      );
    }
    if (countLayers(a.moe.layers, n) === 0) {
      throw new CalcError(
        'architecture.moe.layers',
        'expected at least one MoE layer; remove the moe block for a dense model',
      );
    }
  }
  if (countLayers(a.attention_layers, n) === 0) {
    throw new CalcError('architecture.attention_layers', 'expected at least one attention layer');
  }
  const plan = layerPlan(a);
  const attn = layerMask(a.attention_layers, n);
  let dense = 0;
  let mixerless = 0;
  for (let i = 0; i < n; i++) {
    if (plan.mlp[i] && plan.moe[i]) {
      throw new CalcError(
        'architecture.mlp.layers',
        `layer ${i} is also a MoE layer: a dense MLP beside the experts is moe.dense_residual_ffn`,
      );
    }
    if (a.ssm?.layers && plan.ssm[i] && attn[i]) {
      throw new CalcError(
        'architecture.ssm.layers',
        `layer ${i} is also an attention layer: a layer has one token mixer`,
      );
    }
    dense += plan.mlp[i]!;
    if (!attn[i] && !plan.ssm[i]) mixerless++;
  }
  if (dense > 0 && a.mlp.dense_ffn === undefined) {
    throw new CalcError('architecture.mlp.dense_ffn', 'expected a dense FFN width: some layers are not MoE layers');
  }
  if (mixerless > 0 && !a.ssm) {
    throw new CalcError('architecture.ssm', 'expected an ssm block: some layers have no attention');
  }
  if (a.mlp.bias && dense === 0 && !a.moe?.shared_experts && a.moe?.dense_residual_ffn === undefined) {
    throw new CalcError(
      'architecture.mlp.bias',
      'no layer has a dense MLP or a shared expert for the bias to apply to (expert biases are moe.expert_bias)',
    );
  }
  if (a.mlp.dense_ffn !== undefined && dense === 0) {
    throw new CalcError(
      'architecture.mlp.dense_ffn',
      'no layer has a dense MLP (every layer is a MoE layer): remove it',
    );
  }
  if (a.norms.bias && a.norms.kind === 'rmsnorm') {
    throw new CalcError('architecture.norms.bias', 'RMSNorm has no bias: use kind: layernorm, or remove bias');
  }
}
