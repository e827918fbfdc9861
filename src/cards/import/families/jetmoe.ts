// JetMoE (jetmoe): transformers modular_jetmoe.py / modeling_jetmoe.py (JetMoeMoA, JetMoeAttention, JetMoeMoE)
// and configuration_jetmoe.py. Traps handled:
// - mixture of attention heads: num_local_experts attention experts, each a query projection hidden ->
//   num_key_value_heads x kv_channels and an output projection back, top num_experts_per_tok of them per token,
//   one shared kv_proj (K and V) and an output bias of hidden (attention type "moa");
// - num_attention_heads is always num_key_value_heads x num_experts_per_tok (the config class overwrites any
//   value); head_dim is an alias of kv_channels;
// - the MoE MLP (the same expert count and top-k, GLU experts of intermediate_size, a router without bias)
//   adds one bias of hidden after merging the experts: no expert construct has it, so it is counted as a third
//   per-layer vector next to the two RMSNorms (norms.per_layer 3);
// - tied embeddings by default; no dense layer, no shared expert.
import type { Cfg } from '../config.js';
import { type Family, RMS } from '../common.js';

function kvChannels(c: Cfg): number {
  const v = c.int('kv_channels', c.int('head_dim', 128));
  if (c.present('kv_channels') && c.present('head_dim') && c.int('head_dim') !== v) {
    c.fail('head_dim', `the same value as kv_channels (${v}): head_dim is its alias`);
  }
  return v;
}

export const jetmoe: Family = {
  types: ['jetmoe'],
  label: 'JetMoE (mixture of attention heads)',
  flagship: 'jetmoe/jetmoe-8b',
  reference: 'transformers modeling_jetmoe.py',
  read(c) {
    const E = c.int('num_local_experts', 8);
    const k = c.int('num_experts_per_tok', 2);
    if (k > E) c.fail('num_experts_per_tok', `at most num_local_experts (${E})`);
    return {
      a: {
        vocab_size: c.int('vocab_size'),
        hidden_size: c.int('hidden_size'),
        num_layers: c.int('num_hidden_layers'),
        tie_embeddings: c.bool('tie_word_embeddings', true),
        max_context: c.int('max_position_embeddings', 4096),
        attention: {
          type: 'moa',
          experts: E,
          top_k: k,
          kv_heads: c.int('num_key_value_heads', 16),
          head_dim: kvChannels(c),
        },
        mlp: { gated: true },
        moe: { experts: E, top_k: k, expert_ffn: c.int('intermediate_size', 5632), layers: 'all' },
        norms: { ...RMS, per_layer: 3 },
      },
      notes: [
        'norms.per_layer 3 = the two RMSNorms plus the MoE MLP output bias (one vector of hidden per layer)',
        'attention: a token uses the query and output projections of top_k attention experts; K and V are shared',
      ],
    };
  },
};
