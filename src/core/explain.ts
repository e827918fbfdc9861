// How each component's count is formed, as text a reader can check by hand. Pure.
import { layerPlan } from './layers.js';
import type { Component, ParamDerivation } from './params.js';
import type { Architecture, Attention, Ssm } from './types.js';

const x = (...parts: (number | string)[]) => parts.join(' x ');

/** One attention block, term by term. */
export function describeAttention(at: Attention, h: number): string {
  if (at.type === 'gqa') {
    const q = at.heads * at.head_dim;
    const vDim = at.v_head_dim ?? at.head_dim;
    const terms = [
      at.q_lora_rank !== undefined
        ? `q_a ${x(h, at.q_lora_rank)} + norm + q_b ${x(at.q_lora_rank, q)}`
        : `q ${x(h, q)}`,
      ...(at.output_gate ? [`output gate ${x(h, q)}`] : []),
      at.k_eq_v ? `k ${x(h, at.kv_heads * at.head_dim)} (V = K)` : `k ${x(h, at.kv_heads * at.head_dim)}`,
      ...(at.k_eq_v ? [] : [`v ${x(h, at.kv_heads * vDim)}`]),
      `o ${x(at.heads * vDim, h)}`,
    ];
    const extras = [
      at.qkv_bias ? 'q/k/v biases' : '',
      at.o_bias ? 'o bias' : '',
      at.qk_norm !== 'none' ? `q/k norms (${at.qk_norm})` : '',
      at.sinks ? 'sinks' : '',
    ].filter(Boolean);
    const rest = extras.length ? ` + ${extras.join(', ')}` : '';
    return `${at.heads} heads / ${at.kv_heads} KV heads: ${terms.join(' + ')}${rest}`;
  }
  if (at.type === 'mla') {
    const qk = at.qk_nope_head_dim + at.qk_rope_head_dim;
    const q =
      at.q_lora_rank === null
        ? `q ${x(h, at.heads, qk)}`
        : `q_a ${x(h, at.q_lora_rank)} + q_b ${x(at.q_lora_rank, at.heads, qk)}`;
    const ix = at.indexer
      ? ` + DSA indexer (wq_b ${x(at.q_lora_rank ?? 0, at.indexer.heads, at.indexer.head_dim)} + wk ` +
        `${x(h, at.indexer.head_dim)} + k_norm + weights_proj ${x(h, at.indexer.heads)})`
      : '';
    return (
      `MLA (${q} + kv_a ${x(h, at.kv_lora_rank + at.qk_rope_head_dim)} + kv_b ` +
      `${x(at.kv_lora_rank, at.heads, at.qk_nope_head_dim + at.v_head_dim)} + o ${x(at.heads * at.v_head_dim, h)} ` +
      `+ latent norms${ix})`
    );
  }
  const w = at.kv_heads * at.head_dim;
  return (
    `mixture of ${at.experts} attention experts, ${at.top_k} per token (q ${x(at.experts, h, w)} + o ` +
    `${x(at.experts, w, h)} + router ${x(at.experts, h)} + bias) + shared kv ${x(h, 2 * w)}`
  );
}

function describeSsm(s: Ssm, h: number): string {
  switch (s.kind) {
    case 'mamba':
      return `Mamba (in_proj ${x(h, 2 * s.expand * h)}, conv1d, x_proj, dt_proj, A_log, D, out_proj)`;
    case 'mamba2':
      return (
        `Mamba-2 (${s.heads} heads x ${s.head_dim}, ${s.groups} groups x d_state ${s.d_state}: ` +
        'in_proj, conv1d, dt_bias, A_log, D, norm, out_proj)'
      );
    case 'gated_deltanet':
      return (
        `Gated DeltaNet (${s.key_heads} key / ${s.value_heads} value heads: in_proj_qkvz, in_proj_ba, conv1d, ` +
        'dt_bias, A_log, gated norm, out_proj)'
      );
    case 'kda':
      return `Kimi Delta Attention (${s.heads} heads x ${s.head_dim}: q/k/v, f and g gates, b, three short convs, o)`;
    case 'lightning':
      return (
        `lightning attention (${s.heads} heads x ${s.head_dim}: qkv ${x(h, 3 * s.heads * s.head_dim)}, ` +
        'output gate, norm, out_proj)'
      );
    case 'short_conv':
      return `short convolution (in_proj ${x(h, 3 * h)}, conv1d kernel ${s.d_conv}, out_proj ${x(h, h)})`;
  }
}

export function explainComponents(a: Architecture, d: ParamDerivation): Record<Component, string> {
  const h = a.hidden_size;
  const L = a.num_layers;
  const plan = layerPlan(a);
  const out = {} as Record<Component, string>;
  out.embeddings = `${x(a.vocab_size, h)} (vocab x hidden)`;
  out.lmHead = a.tie_embeddings
    ? 'tied to the embeddings (counted once)'
    : `${x(a.vocab_size, h)}${a.lm_head_bias ? ` + ${a.vocab_size} bias` : ''}`;
  const counts = plan.specs.map(() => 0);
  for (let i = 0; i < L; i++) if (plan.attention[i]! >= 0) counts[plan.attention[i]!]!++;
  out.attention = plan.specs
    .map((s, k) => (counts[k] ? `${counts[k]} layers x ${describeAttention(s, h)}` : ''))
    .filter(Boolean)
    .join('; ');
  const moe = a.moe;
  const mats = a.mlp.gated ? 3 : 2;
  const moeMats = (moe?.gated ?? a.mlp.gated) ? 3 : 2;
  const denseParts: string[] = [];
  if (d.layers.dense > 0 && a.mlp.dense_ffn)
    denseParts.push(`${d.layers.dense} dense layers x ${x(mats, h, a.mlp.dense_ffn)}`);
  if (moe?.dense_residual_ffn)
    denseParts.push(`${d.layers.moe} MoE layers x MLP beside the experts ${x(mats, h, moe.dense_residual_ffn)}`);
  out.denseMlp = denseParts.length ? denseParts.join(' + ') + (a.mlp.bias ? ' + biases' : '') : 'none';
  out.routedExperts = moe
    ? `${d.layers.moe} MoE layers x ${moe.experts} experts x ` +
      `${x(moeMats, h, moe.expert_ffn)}${moe.expert_bias ? ' + biases' : ''}` +
      (moe.zero_experts ? ` (+ ${moe.zero_experts} zero-computation experts without weights)` : '')
    : 'none';
  out.sharedExperts = moe?.shared_experts
    ? `${d.layers.moe} MoE layers x ${moe.shared_experts.count} x ` +
      `${x(moeMats, h, moe.shared_experts.ffn)}${moe.shared_experts.gate ? ` + gate ${h}` : ''}`
    : 'none';
  out.routers = moe
    ? `${d.layers.moe} MoE layers x ${x(moe.experts + moe.zero_experts, h)}` +
      `${moe.router_bias ? ' + bias' : ''}${moe.router_correction_bias ? ' + correction bias' : ''}` +
      `${moe.router_scale ? ' + scales' : ''}`
    : 'none';
  out.norms =
    `${L} layers x ${a.norms.per_layer} ${a.norms.kind}${a.norms.bias ? ' (weight + bias)' : ''} of ${h} + final norm` +
    (a.per_layer_scalars ? ` + ${a.per_layer_scalars} scalar${a.per_layer_scalars > 1 ? 's' : ''} per layer` : '');
  out.ssm = a.ssm ? `${d.layers.ssm} layers x ${describeSsm(a.ssm, h)}` : 'none';
  return out;
}
