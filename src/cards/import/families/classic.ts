// The first generation of open MoE decoders, one block each: DBRX, Phi-3.5-MoE, gpt-oss, Jamba, Grok-1/2.
// transformers modeling_dbrx.py, modeling_phimoe.py, modeling_gpt_oss.py, modeling_jamba.py; SGLang grok.py.
import { UserError } from '../../../errors.js';
import { baseDims, type Family, gqa, headDim, RMS, slidingFromLayerTypes, baseArch } from '../common.js';

export const dbrx: Family = {
  types: ['dbrx'],
  label: 'DBRX',
  flagship: 'databricks/dbrx-instruct',
  reference: 'transformers modeling_dbrx.py',
  read(c) {
    const attn = c.obj('attn_config');
    const ffn = c.obj('ffn_config');
    const hidden = c.int('d_model');
    const heads = c.int('n_heads');
    // DbrxConfig.validate_architecture rejects tied embeddings
    c.refuse('tie_word_embeddings', (v) => v === false, 'DBRX never ties its embeddings');
    if (hidden % heads !== 0) throw new UserError(`${c.where('n_heads')}: ${heads} does not divide d_model ${hidden}`);
    return {
      a: {
        vocab_size: c.int('vocab_size'),
        hidden_size: hidden,
        num_layers: c.int('n_layers'),
        tie_embeddings: false,
        max_context: c.int('max_seq_len', 2048),
        attention: gqa(heads, attn.int('kv_n_heads', 1), hidden / heads),
        mlp: { gated: true },
        moe: {
          experts: ffn.int('moe_num_experts', 4),
          top_k: ffn.int('moe_top_k', 1),
          expert_ffn: ffn.int('ffn_hidden_size', 3584),
          layers: 'all',
        },
        norms: { kind: 'layernorm', bias: false, per_layer: 2 },
      },
      notes: [],
    };
  },
};

export const phimoe: Family = {
  types: ['phimoe'],
  label: 'Phi-3.5-MoE',
  flagship: 'microsoft/Phi-3.5-MoE-instruct',
  reference: 'transformers modeling_phimoe.py',
  read(c) {
    const d = baseDims(c, { kv: 8, ctx: 131072 });
    const ab = c.bool('attention_bias', false);
    return {
      a: {
        vocab_size: d.vocab,
        hidden_size: d.hidden,
        num_layers: d.layers,
        tie_embeddings: c.bool('tie_word_embeddings', false),
        lm_head_bias: c.bool('lm_head_bias', false),
        max_context: d.ctx,
        attention: gqa(d.heads, d.kv, headDim(c, d.hidden, d.heads), { qkv_bias: ab, o_bias: ab }),
        mlp: { gated: true },
        moe: {
          experts: c.int('num_local_experts', 16),
          top_k: c.int('num_experts_per_tok', 2),
          expert_ffn: c.int('intermediate_size', 6400),
          layers: 'all',
        },
        norms: { kind: 'layernorm', bias: true, per_layer: 2 },
      },
      notes: [],
    };
  },
};

export const gptOss: Family = {
  types: ['gpt_oss'],
  label: 'gpt-oss',
  flagship: 'openai/gpt-oss-120b, openai/gpt-oss-20b',
  reference: 'transformers modeling_gpt_oss.py',
  read(c) {
    const d = baseDims(c, { kv: 8, ctx: 131072 });
    const ab = c.bool('attention_bias', true);
    const window = c.optInt('sliding_window');
    return {
      a: {
        ...baseArch(c, d),
        attention: gqa(d.heads, d.kv, headDim(c, d.hidden, d.heads, 64), { qkv_bias: ab, o_bias: ab, sinks: true }),
        sliding_window: slidingFromLayerTypes(c, d.layers, window) ?? {
          window: window ?? 128,
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
        norms: RMS,
      },
      notes: [],
    };
  },
};

export const jamba: Family = {
  types: ['jamba'],
  label: 'Jamba',
  flagship: 'ai21labs/Jamba-v0.1',
  reference: 'transformers modeling_jamba.py',
  read(c) {
    const d = baseDims(c, { kv: 8, ctx: 262144 });
    const attnPeriod = c.int('attn_layer_period', 8);
    const attnOffset = c.int('attn_layer_offset', 4, { min: 0 });
    const expPeriod = c.int('expert_layer_period', 2);
    const expOffset = c.int('expert_layer_offset', 1, { min: 0 });
    if (attnOffset >= attnPeriod) c.fail('attn_layer_offset', `an integer from 0 to ${attnPeriod - 1}`);
    if (expOffset >= expPeriod) c.fail('expert_layer_offset', `an integer from 0 to ${expPeriod - 1}`);
    const E = c.int('num_experts', c.int('num_local_experts', 16));
    const rank = c.raw('mamba_dt_rank');
    const dtRank = rank === undefined || rank === 'auto' ? Math.ceil(d.hidden / 16) : c.int('mamba_dt_rank');
    const I = c.int('intermediate_size', 14336);
    return {
      a: {
        ...baseArch(c, d),
        attention: gqa(d.heads, d.kv, headDim(c, d.hidden, d.heads)),
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
          d_state: c.int('mamba_d_state', 16),
          d_conv: c.int('mamba_d_conv', 4),
          expand: c.int('mamba_expand', 2),
          dt_rank: dtRank,
          conv_bias: c.bool('mamba_conv_bias', true),
          proj_bias: c.bool('mamba_proj_bias', false),
          inner_norms: true,
        },
        norms: RMS,
      },
      notes: [],
    };
  },
};

export const grok: Family = {
  types: ['grok-1', 'grok'],
  label: 'Grok-1, Grok-2',
  flagship: 'xai-org/grok-2',
  reference: 'SGLang grok.py',
  read(c) {
    const d = baseDims(c, { kv: 8, ctx: 8192 });
    const residual = c.bool('residual_moe', false);
    return {
      a: {
        vocab_size: d.vocab,
        hidden_size: d.hidden,
        num_layers: d.layers,
        tie_embeddings: c.bool('tie_word_embeddings', !residual),
        max_context: d.ctx,
        attention: gqa(d.heads, d.kv, headDim(c, d.hidden, d.heads, 128)),
        mlp: { gated: true },
        moe: {
          experts: c.int('num_local_experts', c.int('num_experts', 8)),
          top_k: c.int('num_experts_per_tok', 2),
          expert_ffn: c.int('moe_intermediate_size', c.int('intermediate_size', 32768)),
          layers: 'all',
          ...(residual ? { dense_residual_ffn: c.int('intermediate_size') } : {}),
        },
        norms: { kind: 'rmsnorm', per_layer: 4 },
      },
      notes: [],
    };
  },
};
