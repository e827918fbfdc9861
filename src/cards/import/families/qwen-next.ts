// Qwen3-Next (qwen3_next) and the text decoder of Qwen3.5 / 3.6 MoE (qwen3_5_moe_text): Gated DeltaNet
// linear-attention layers, every `full_attention_interval`-th layer gated full attention (q_proj twice
// as wide: query and output gate), a routed MoE with a sigmoid-gated shared expert, MTP weights beside.
// transformers modeling_qwen3_next.py, configuration_qwen3_next.py, modular_qwen3_5_moe.py; vLLM
// qwen3_next.py / qwen3_next_mtp.py / qwen3_5_mtp.py and models/config.py (the SSM-state dtype hook).
// Traps: layer kinds come from `layer_types`, else layer i is full attention iff (i+1) % interval == 0
// (interval default 4); qwen3_next's `intermediate_size` is unused when every layer is MoE; qwen3_5 has
// no dense layers at all (its class drops mlp_only_layers / decoder_sparse_step); the MTP layer (one
// full-attention + MoE layer, fc 2H -> H, three norms) reuses the decoder's embedding and head; the
// qwen3_next config has no MTP key, vLLM's default is one layer; `mamba_ssm_dtype` (float32 in every
// Qwen3.5 / 3.6 config) is the dtype vLLM keeps the recurrent state in, absent = the model dtype.
import type { Cfg } from '../config.js';
import {
  baseDims,
  type Family,
  gqa,
  headDim,
  layersWhere,
  layerTypes,
  mtpNote,
  qwenMoeLayers,
  RMS,
  baseArch,
} from '../common.js';

function ssmDtype(c: Cfg): 'bf16' | 'fp32' {
  const v = c.str('mamba_ssm_dtype');
  if (v === undefined || v === 'auto' || v === 'bfloat16' || v === 'float16') return 'bf16';
  if (v === 'float32') return 'fp32';
  return c.fail('mamba_ssm_dtype', '"float32", "bfloat16", "float16" or "auto"');
}

export const qwenNext: Family = {
  types: ['qwen3_next', 'qwen3_5_moe_text'],
  label: 'Qwen3-Next, Qwen3.5 / 3.6 MoE (Gated DeltaNet + gated attention)',
  flagship: 'Qwen/Qwen3-Next-80B-A3B-Instruct, Qwen/Qwen3.5-397B-A17B, Qwen/Qwen3.6-35B-A3B',
  reference: 'transformers modeling_qwen3_next.py, modular_qwen3_5_moe.py',
  read(c, { type }) {
    const q35 = type === 'qwen3_5_moe_text';
    const d = baseDims(c, { kv: 2, ctx: q35 ? 262144 : 32768 });
    const n = d.layers;
    // layer kinds: layer_types, else every interval-th layer (1-based) is full attention
    const lt = layerTypes(c, 'layer_types', n, ['linear_attention', 'full_attention']);
    const interval = c.int('full_attention_interval', 4);
    const attention = lt
      ? layersWhere(n, (i) => lt[i] === 'full_attention')
      : layersWhere(n, (i) => (i + 1) % interval === 0);
    // vLLM reads attn_output_gate (default true); transformers always builds the doubled q_proj
    c.refuse('attn_output_gate', (v) => v === true, 'transformers always builds the gated q_proj; vLLM would not');
    const ab = c.bool('attention_bias', false);

    const E = c.int('num_experts', q35 ? 256 : 512, { min: q35 ? 1 : 0 });
    let moeLayers: ReturnType<typeof layersWhere>;
    if (q35) {
      // Qwen3_5MoeDecoderLayer always builds the sparse MoE block
      c.refuse('mlp_only_layers', (v) => Array.isArray(v) && v.length === 0, 'qwen3_5_moe builds MoE in every layer');
      c.refuse('decoder_sparse_step', (v) => v === 1, 'qwen3_5_moe builds MoE in every layer');
      moeLayers = 'all';
    } else {
      moeLayers = E === 0 ? 'none' : qwenMoeLayers(c, n);
    }
    const sharedW = c.int('shared_expert_intermediate_size', 512);

    // MTP: qwen3_5 mtp_num_hidden_layers; qwen3_next num_nextn_predict_layers (vLLM default 1)
    const mtp = q35
      ? c.int('mtp_num_hidden_layers', 0, { min: 0, nullMeans: 0 })
      : c.int('num_nextn_predict_layers', 1, { min: 0, nullMeans: 0 });
    c.refuse('mtp_use_dedicated_embeddings', (v) => v === false, 'an MTP embedding of its own is not modelled');
    const state = ssmDtype(c);
    const notes: string[] = [];
    if (mtp > 0) {
      notes.push(
        `${mtpNote(mtp)}; each is one full-attention + MoE layer with fc (2 x hidden -> hidden) and three norms, ` +
          'sharing the decoder embedding and head',
      );
    }
    notes.push(
      `Gated DeltaNet state per sequence and layer: conv (kernel - 1) x (2 x key + value) channels in the model ` +
        `dtype and a value_heads x value_dim x key_dim recurrent state in ${state} ` +
        (state === 'fp32'
          ? '(vLLM copies mamba_ssm_dtype into mamba_ssm_cache_dtype; SGLang defaults to float32)'
          : '(vLLM: model dtype unless --mamba-ssm-cache-dtype float32; SGLang defaults to float32)'),
    );
    return {
      a: {
        ...baseArch(c, d, n),
        attention: gqa(d.heads, d.kv, headDim(c, d.hidden, d.heads, 256), {
          output_gate: true,
          qkv_bias: ab,
          o_bias: ab,
          qk_norm: 'per_head',
        }),
        attention_layers: attention,
        mlp: { gated: true, ...(moeLayers === 'all' ? {} : { dense_ffn: c.int('intermediate_size', 5632) }) },
        ...(moeLayers === 'none'
          ? {}
          : {
              moe: {
                experts: E,
                top_k: c.int('num_experts_per_tok', q35 ? 8 : 10),
                expert_ffn: c.int('moe_intermediate_size', 512),
                layers: moeLayers,
                shared_experts: { count: 1, ffn: sharedW, gate: true },
              },
            }),
        ssm: {
          kind: 'gated_deltanet',
          key_heads: c.int('linear_num_key_heads', 16),
          value_heads: c.int('linear_num_value_heads', 32),
          key_head_dim: c.int('linear_key_head_dim', 128),
          value_head_dim: c.int('linear_value_head_dim', 128),
          d_conv: c.int('linear_conv_kernel_dim', 4),
          state_dtype: state,
        },
        norms: RMS,
        mtp_layers: mtp,
        mtp_embedding_copies: false,
      },
      notes,
    };
  },
};
