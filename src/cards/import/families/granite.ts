// IBM Granite MoE decoders. granitemoe: experts fused as input_linear (gate + up) and output_linear.
// granitemoeshared: the same plus a dense shared MLP of shared_intermediate_size in every layer.
// granitemoehybrid (Granite 4.0-H): Mamba-2 or attention per layer (layer_types), and in every layer both
// the experts and the shared MLP. transformers modeling_granitemoe.py, modular_granitemoeshared.py,
// modular_granitemoehybrid.py.
import { baseDims, type Family, gqa, headDim, layersWhere, layerTypes, RMS, shared } from '../common.js';

export const granite: Family = {
  types: ['granitemoe', 'granitemoeshared', 'granitemoehybrid'],
  label: 'Granite 3.0 MoE, Granite MoE with shared experts, Granite 4.0-H (Mamba-2 hybrid)',
  flagship: 'ibm-granite/granite-3.0-3b-a800m-base, ibm-granite/granite-4.0-h-small',
  reference: 'transformers modeling_granitemoe.py, modular_granitemoeshared.py, modular_granitemoehybrid.py',
  read(c, { type }) {
    const d = baseDims(c, { ctx: type === 'granitemoehybrid' ? 131072 : 2048 });
    const ab = c.bool('attention_bias', false);
    const sharedW = type === 'granitemoe' ? 0 : c.int('shared_intermediate_size', 0, { min: 0, nullMeans: 0 });
    if (type === 'granitemoe') {
      c.refuse('shared_intermediate_size', (v) => v === 0, 'shared experts belong to model_type granitemoeshared');
    }
    const E = c.int('num_local_experts', 8, { min: 0 });
    const base = {
      vocab_size: d.vocab,
      hidden_size: d.hidden,
      num_layers: d.layers,
      tie_embeddings: c.bool('tie_word_embeddings', type === 'granitemoehybrid'),
      max_context: d.ctx,
      attention: gqa(d.heads, d.kv, headDim(c, d.hidden, d.heads), { qkv_bias: ab, o_bias: ab }),
      norms: RMS,
    };
    const moe =
      E > 0
        ? {
            moe: {
              experts: E,
              top_k: c.int('num_experts_per_tok', 2),
              expert_ffn: c.int('intermediate_size', 11008),
              layers: 'all' as const,
              ...shared(1, sharedW),
            },
          }
        : {};
    if (type !== 'granitemoehybrid') return { a: { ...base, mlp: { gated: true }, ...moe }, notes: [] };
    // granitemoehybrid: layer_types (alias layers_block_type) "mamba" / "attention"; absent: all Mamba
    const key = c.present('layer_types') ? 'layer_types' : 'layers_block_type';
    const kinds = layerTypes(c, key, d.layers, ['mamba', 'attention']) ?? new Array(d.layers).fill('mamba');
    const attention = layersWhere(d.layers, (i) => kinds[i] === 'attention');
    const inner = c.int('mamba_expand', 2) * d.hidden;
    const heads = c.int('mamba_n_heads', 128);
    const headDimM = c.has('mamba_d_head') && c.raw('mamba_d_head') !== 'auto' ? c.int('mamba_d_head') : inner / heads;
    if (headDimM * heads !== inner)
      c.fail('mamba_d_head', `mamba_n_heads x mamba_d_head = mamba_expand x hidden_size (${inner})`);
    return {
      a: {
        ...base,
        attention_layers: attention,
        // without experts, the shared MLP is every layer's dense MLP
        mlp: { gated: true, ...(E > 0 ? {} : { dense_ffn: sharedW }) },
        ...moe,
        ssm: {
          kind: 'mamba2',
          heads,
          head_dim: headDimM,
          groups: c.int('mamba_n_groups', 1),
          d_state: c.int('mamba_d_state', 256),
          d_conv: c.int('mamba_d_conv', 4),
          conv_bias: c.bool('mamba_conv_bias', true),
          proj_bias: c.bool('mamba_proj_bias', false),
          // vLLM has no config hook for Granite: the SSM cache is in the model dtype
          state_dtype: 'bf16',
        },
      },
      notes: [],
    };
  },
};
