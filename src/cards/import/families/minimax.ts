// MiniMax decoders: MiniMax-M2 (minimax_m2) and the lightning-attention MiniMax-Text-01 / M1 family.
import { baseDims, type Family, gqa, headDim, layersWhere, layerTypes, RMS, baseArch } from '../common.js';

// MiniMax-M2 / M2.1 / M2.5 / M2.7 (minimax_m2): full GQA attention in every layer with q_proj wider than
// hidden (48 x 128), q_norm / k_norm each ONE RMSNorm over the whole projection width (6144 / 1024, not
// per head), 256 routed experts in every layer, a sigmoid router with an e_score_correction_bias buffer.
// transformers modeling_minimax_m2.py / configuration_minimax_m2.py; vLLM minimax_m2.py.
// Traps: transformers ignores use_qk_norm, qk_norm_type, use_routing_bias, shared_intermediate_size,
// attn_type_list and the MTP keys (norms and bias always built, no shared expert, no MTP module); vLLM
// builds the bias only when use_routing_bias and adds q/k/v biases when attention_bias: any value that
// would change the tensors if honoured is refused. use_mtp / num_mtp_modules describe MTP modules that
// neither loader builds and the published checkpoints do not ship (their byte totals leave no room).
export const minimaxM2: Family = {
  types: ['minimax_m2'],
  label: 'MiniMax-M2 / M2.1 / M2.5',
  flagship: 'MiniMaxAI/MiniMax-M2',
  reference: 'transformers modeling_minimax_m2.py; vLLM minimax_m2.py',
  read(c) {
    const d = baseDims(c, { kv: 8, ctx: 196608 });
    c.refuse('attention_bias', (v) => v === false, 'vLLM adds q/k/v biases when it is true, transformers never does');
    c.refuse('use_qk_norm', (v) => v === true, 'both loaders build the full-width q/k norms regardless');
    c.refuse('qk_norm_type', (v) => v === 'per_layer', 'only per_layer (one norm over all heads) is built');
    c.refuse(
      'use_routing_bias',
      (v) => v === true,
      'transformers always builds e_score_correction_bias, vLLM only when true',
    );
    c.refuse('shared_intermediate_size', (v) => v === 0, 'neither loader builds a shared expert');
    c.refuse(
      'attn_type_list',
      (v) => Array.isArray(v) && v.every((t) => t === 1),
      'minimax_m2 builds full attention in every layer; lightning layers (0) are MiniMax-Text-01 / M1',
    );
    const E = c.int('num_local_experts', c.int('num_experts', 256));
    const mtp = c.bool('use_mtp', false) ? c.int('num_mtp_modules', 0, { min: 0, nullMeans: 0 }) : 0;
    const notes =
      mtp > 0
        ? [
            `use_mtp / num_mtp_modules ${mtp}: neither transformers nor vLLM builds MTP modules for minimax_m2 and ` +
              'the published checkpoints do not ship them (their byte totals leave no room): not counted',
          ]
        : [];
    return {
      a: {
        ...baseArch(c, d),
        // q_norm RMSNorm(heads x head_dim), k_norm RMSNorm(kv_heads x head_dim)
        attention: gqa(d.heads, d.kv, c.int('head_dim', 128), { qk_norm: 'full' }),
        mlp: { gated: true },
        moe: {
          experts: E,
          top_k: c.int('num_experts_per_tok', 8),
          expert_ffn: c.int('intermediate_size', 1536),
          layers: 'all',
          // e_score_correction_bias: a persistent buffer saved in the checkpoint
          router_correction_bias: true,
        },
        norms: RMS,
      },
      notes,
    };
  },
};

// MiniMax-Text-01 / M1 (minimax_text_01, minimax_m1 remote code; transformers' native `minimax`): 70 of 80
// layers lightning (linear) attention, the rest softmax GQA, a 32-expert MoE in every layer. vLLM
// minimax_text_01.py, transformers modular_minimax.py, MiniMax-M1 modeling_minimax_m1.py.
// Traps: head_dim 128 is explicit (hidden / heads = 96); layer kinds come from `attn_type_list` (0 lightning,
// 1 softmax; absent: vLLM makes every layer softmax) or, for `minimax`, `layer_types` (absent: transformers
// alternates full / linear from layer 0); transformers' lightning layers register slope / decay buffers
// that are not in the checkpoint (not counted); the router gate is stored fp32 (same count); a shared MLP
// (`shared_intermediate_size` > 0, int or per-layer list) is refused; per-layer expert counts must agree.
export const minimaxLightning: Family = {
  types: ['minimax', 'minimax_text_01', 'minimax_m1'],
  label: 'MiniMax-Text-01 / M1 (lightning attention)',
  flagship: 'MiniMaxAI/MiniMax-M1-80k',
  reference: 'transformers modular_minimax.py; MiniMax-M1 modeling_minimax_m1.py',
  read(c, { type }) {
    const native = type === 'minimax';
    const d = baseDims(c, { kv: 8, ctx: native ? 131072 : 4096 });
    const n = d.layers;
    let linear: (i: number) => boolean;
    let kindsKey = 'layer_types';
    if (native) {
      const lt = layerTypes(c, 'layer_types', n, ['full_attention', 'linear_attention']);
      linear = lt ? (i) => lt[i] === 'linear_attention' : (i) => i % 2 === 1;
    } else {
      kindsKey = c.present('attn_type_list') ? 'attn_type_list' : 'decoder_attention_types';
      const list = c.intList(kindsKey);
      if (c.has(kindsKey) && (list.length !== n || list.some((t) => t > 1))) {
        c.fail(kindsKey, `${n} entries, each 0 (lightning) or 1 (softmax)`);
      }
      linear = (i) => list[i] === 0;
    }
    const attention = layersWhere(n, (i) => !linear(i));
    if (attention === 'none') c.fail(kindsKey, 'at least one softmax-attention layer');
    const sharedRaw = c.raw('shared_intermediate_size');
    const sharedAll = Array.isArray(sharedRaw) ? sharedRaw : [sharedRaw];
    c.refuse(
      'shared_intermediate_size',
      () => sharedAll.every((v) => v === 0 || v === null || v === undefined),
      'the shared MLP and its coefficient gate are not modelled',
    );
    const expRaw = c.raw('num_local_experts');
    let E: number;
    if (Array.isArray(expRaw)) {
      c.refuse('num_local_experts', () => expRaw.length === n && new Set(expRaw).size === 1, 'per-layer counts');
      E = expRaw[0] as number;
      if (!Number.isSafeInteger(E) || E < 1) c.fail('num_local_experts', 'integers >= 1');
    } else E = c.int('num_local_experts', 8);
    const ffn = c.int('intermediate_size', 14336);
    const hd = headDim(c, d.hidden, d.heads);
    const hasLinear = attention !== 'all';
    return {
      a: {
        ...baseArch(c, d, n),
        attention: gqa(d.heads, d.kv, hd),
        attention_layers: attention,
        // one expert is a plain MLP of intermediate_size (vLLM MiniMaxText01MLP)
        mlp: { gated: true, ...(E === 1 ? { dense_ffn: ffn } : {}) },
        ...(E > 1
          ? { moe: { experts: E, top_k: c.int('num_experts_per_tok', 2), expert_ffn: ffn, layers: 'all' as const } }
          : {}),
        ...(hasLinear
          ? { ssm: { kind: 'lightning' as const, heads: d.heads, head_dim: hd, state_dtype: 'bf16' as const } }
          : {}),
        norms: RMS,
      },
      notes: hasLinear
        ? [
            'lightning-attention state per sequence and layer: heads x head_dim x head_dim, kept by vLLM in the ' +
              'model dtype (mamba_cache_dtype auto); those layers keep no KV cache',
          ]
        : [],
    };
  },
};
