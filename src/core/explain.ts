// How each component's count is formed, as text a reader can check by hand. Pure.
import type { Architecture } from './types.js';
import type { Component, ParamDerivation } from './params.js';

const x = (...parts: (number | string)[]) => parts.join(' x ');

export function explainComponents(a: Architecture, d: ParamDerivation): Record<Component, string> {
  const h = a.hidden_size;
  const L = a.num_layers;
  const at = a.attention;
  const mats = a.mlp.gated ? 3 : 2;
  const out = {} as Record<Component, string>;
  out.embeddings = `${x(a.vocab_size, h)} (vocab x hidden)`;
  out.lmHead = a.tie_embeddings
    ? 'tied to the embeddings (counted once)'
    : `${x(a.vocab_size, h)}${a.lm_head_bias ? ` + ${a.vocab_size} bias` : ''}`;
  if (at.type === 'gqa') {
    const extras = [
      at.qkv_bias ? 'q/k/v biases' : '',
      at.o_bias ? 'o bias' : '',
      at.qk_norm !== 'none' ? `q/k norms (${at.qk_norm})` : '',
      at.sinks ? 'sinks' : '',
    ].filter(Boolean);
    out.attention =
      `${d.layers.attention} layers x (q ${x(h, at.heads * at.head_dim)} + k,v 2 x ` +
      `${x(h, at.kv_heads * at.head_dim)} + o ` +
      `${x(at.heads * at.head_dim, h)}${extras.length ? ' + ' + extras.join(', ') : ''})`;
  } else {
    const qk = at.qk_nope_head_dim + at.qk_rope_head_dim;
    const q =
      at.q_lora_rank === null
        ? `q ${x(h, at.heads, qk)}`
        : `q_a ${x(h, at.q_lora_rank)} + q_b ${x(at.q_lora_rank, at.heads, qk)}`;
    out.attention =
      `${d.layers.attention} layers x MLA (${q} + kv_a ${x(h, at.kv_lora_rank + at.qk_rope_head_dim)} ` +
      `+ kv_b ${x(at.kv_lora_rank, at.heads, at.qk_nope_head_dim + at.v_head_dim)} + o ` +
      `${x(at.heads * at.v_head_dim, h)} + latent norms)`;
  }
  const moe = a.moe;
  const denseParts: string[] = [];
  if (d.layers.dense > 0 && a.mlp.dense_ffn)
    denseParts.push(`${d.layers.dense} dense layers x ${x(mats, h, a.mlp.dense_ffn)}`);
  if (moe?.dense_residual_ffn)
    denseParts.push(`${d.layers.moe} MoE layers x residual MLP ${x(mats, h, moe.dense_residual_ffn)}`);
  out.denseMlp = denseParts.length ? denseParts.join(' + ') + (a.mlp.bias ? ' + biases' : '') : 'none';
  out.routedExperts = moe
    ? `${d.layers.moe} MoE layers x ${moe.experts} experts x ` +
      `${x(mats, h, moe.expert_ffn)}${moe.expert_bias ? ' + biases' : ''}`
    : 'none';
  out.sharedExperts = moe?.shared_experts
    ? `${d.layers.moe} MoE layers x ${moe.shared_experts.count} x ` +
      `${x(mats, h, moe.shared_experts.ffn)}${moe.shared_experts.gate ? ` + gate ${h}` : ''}`
    : 'none';
  out.routers = moe
    ? `${d.layers.moe} MoE layers x ` +
      `${x(moe.experts, h)}${moe.router_bias ? ' + bias' : ''}${moe.router_correction_bias ? ' + correction bias' : ''}`
    : 'none';
  out.norms =
    `${L} layers x ${a.norms.per_layer} ${a.norms.kind}${a.norms.bias ? ' (weight + bias)' : ''} ` +
    `of ${h} + final norm`;
  out.ssm = a.ssm ? `${d.layers.ssm} Mamba layers (in_proj, conv1d, x_proj, dt_proj, A_log, D, out_proj)` : 'none';
  return out;
}
