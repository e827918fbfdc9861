// inclusionAI Ling / Ring (bailing_moe). V1 and V2 checkpoints BOTH say model_type "bailing_moe"; the
// generation is architectures[0]: BailingMoeForCausalLM (V1: Ling-lite, Ling-plus) or BailingMoeV2ForCausalLM
// (V2: Ling-mini / flash / 1T 2.0, Ring 2.0); "bailing_moe_v2" (a third-party port's class model_type) is V2.
// V1: vLLM bailing_moe.py (the V1 model: every layer MoE, no q/k norm, no expert bias).
// V2: inclusionAI/Ling-V2 models/modeling_bailing_moe_v2.py (remote code) and vLLM bailing_moe.py.
// Common: word_embeddings, fused attention.query_key_value (bias: use_qkv_bias; vLLM also when use_bias),
// attention.dense (bias: use_bias), routed experts without bias, ONE shared MLP of moe_intermediate_size x
// num_shared_experts (none when 0 or null).
// V2 traps handled: the gate's expert_bias is a registered buffer the remote code always builds (vLLM only
// with moe_router_enable_expert_bias: false refused); q/k norms RMSNorm(head_dim) iff use_qk_norm (default
// true; vLLM builds LayerNorm with bias when use_rmsnorm is false: refused); dense layers i <
// first_k_dense_replace (default 1) use intermediate_size; head_dim absent = 128, null = hidden / heads;
// moe_shared_expert_intermediate_size (vLLM only) must agree with moe_intermediate_size; use_bias (the
// loaders disagree on MLP biases) is refused; MTP layers (num_nextn_predict_layers: a full attention + MoE
// layer with enorm, hnorm, eh_proj 2H -> H and final_layernorm, sharing the decoder's embedding and head)
// are mtp_layers without embedding copies.
// V1 traps: first_k_dense_replace > 0 is refused (the V1 vLLM model builds every layer as MoE).
import { UserError } from '../../../errors.js';
import { baseDims, type Family, gqa, headDim, layersWhere, mtpNote, RMS, shared, baseArch } from '../common.js';

export const bailing: Family = {
  types: ['bailing_moe', 'bailing_moe_v2'],
  label: 'Ling / Ring (Bailing MoE V1 and V2)',
  flagship: 'inclusionAI/Ling-flash-2.0, inclusionAI/Ling-lite-1.5',
  reference: 'inclusionAI modeling_bailing_moe_v2.py; vLLM bailing_moe.py',
  read(c, { type, architectures }) {
    const arch = architectures[0];
    let v2: boolean;
    if (arch === 'BailingMoeV2ForCausalLM') v2 = true;
    else if (arch === 'BailingMoeForCausalLM') v2 = false;
    else if (arch === undefined && type === 'bailing_moe_v2') v2 = true;
    else {
      throw new UserError(
        `${c.file}: architectures: ${arch === undefined ? 'required' : `"${arch}" is not supported`} for model_type ` +
          `"${type}" (BailingMoeForCausalLM = V1, BailingMoeV2ForCausalLM = V2; both say bailing_moe)`,
      );
    }
    if (type === 'bailing_moe_v2' && !v2) c.fail('model_type', '"bailing_moe" for BailingMoeForCausalLM');
    const d = baseDims(c, v2 ? { kv: 4, ctx: 32768 } : {});
    const n = d.layers;
    const hd = v2 ? headDim(c, d.hidden, d.heads, 128) : headDim(c, d.hidden, d.heads);
    const useBias = c.bool('use_bias', false);
    const qkvBias = c.bool('use_qkv_bias', false);
    const E = c.int('num_experts', v2 ? 256 : undefined);
    const moeI = c.int('moe_intermediate_size', v2 ? 512 : undefined);
    // V2 remote code: null builds no shared MLP; the V1 vLLM model compares it with 0 (null cannot load)
    const sharedN = c.int('num_shared_experts', v2 ? 1 : undefined, v2 ? { min: 0, nullMeans: 0 } : { min: 0 });
    c.refuse(
      'moe_shared_expert_intermediate_size',
      (v) => v === null || v === moeI,
      'vLLM reads it, the remote code builds the shared MLP from moe_intermediate_size',
    );
    const notes: string[] = [];
    let firstK = 0;
    let qkNorm = false;
    let mtp = 0;
    if (v2) {
      c.refuse('use_bias', (v) => v === false, 'vLLM adds MLP biases that the remote code does not build');
      const qkNormOn = c.bool('use_qk_norm', true);
      if (qkNormOn) {
        c.refuse('use_rmsnorm', (v) => v === true, 'vLLM then builds the q/k norms as LayerNorm with bias');
      }
      qkNorm = qkNormOn;
      c.refuse(
        'moe_router_enable_expert_bias',
        (v) => v === true,
        'the remote code always builds the expert_bias buffer, vLLM only when true',
      );
      firstK = c.int('first_k_dense_replace', 1, { min: 0 });
      if (firstK >= n) c.fail('first_k_dense_replace', `an integer from 0 to ${n - 1} (some layer must be MoE)`);
      mtp = c.int('num_nextn_predict_layers', 0, { min: 0, nullMeans: 0 });
      if (mtp > 0) notes.push(mtpNote(mtp));
    } else {
      c.refuse('first_k_dense_replace', (v) => v === 0, 'the V1 vLLM model builds every layer as MoE');
      c.refuse('use_qk_norm', (v) => v === false, 'the V1 model builds no q/k norms');
    }
    const moeLayers = layersWhere(n, (i) => i >= firstK);
    const hasShared = sharedN > 0;
    return {
      a: {
        ...baseArch(c, d, n),
        attention: gqa(d.heads, d.kv, hd, {
          qkv_bias: qkvBias || useBias,
          o_bias: useBias,
          qk_norm: qkNorm ? 'per_head' : 'none',
        }),
        mlp: {
          gated: true,
          // V1 (vLLM BailingMLP): bias on the shared MLP when use_bias; V2 refuses use_bias
          bias: useBias && hasShared,
          ...(firstK > 0 ? { dense_ffn: c.int('intermediate_size', 5120) } : {}),
        },
        moe: {
          experts: E,
          top_k: c.int('num_experts_per_tok', v2 ? 8 : undefined),
          expert_ffn: moeI,
          layers: moeLayers,
          ...shared(1, sharedN * moeI),
          // V2: mlp.gate.expert_bias, a persistent buffer saved in the checkpoint (fp32)
          router_correction_bias: v2,
        },
        norms: RMS,
        mtp_layers: mtp,
        mtp_embedding_copies: false,
      },
      notes,
    };
  },
};
