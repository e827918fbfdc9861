// Tencent Hunyuan MoE (Hunyuan-A13B). Two config spellings, two reference loaders:
// - hunyuan_v1_moe: transformers modeling_hunyuan_v1_moe.py / configuration_hunyuan_v1_moe.py;
// - hunyuan: the checkpoint's remote code (configuration_hunyuan.py, modeling_hunyuan.py, hunyuan.py).
// GQA with per-head query_layernorm / key_layernorm, a MoE block in every layer: experts of intermediate_size,
// one shared MLP, a router Linear(hidden, E) stored fp32; no correction bias, no MTP.
// Traps handled:
// - transformers needs head_dim (the class default is None and LlamaAttention then fails); the remote
//   config's attention_head_dim is read by neither loader (the remote code uses hidden / heads): a value that
//   disagrees with the head width the loader builds is refused;
// - both loaders build experts of intermediate_size and ignore moe_intermediate_size (int or per-layer list):
//   values that differ are refused; per-layer num_experts / moe_topk lists must be uniform;
// - the shared MLP: transformers always builds one of intermediate_size (ignores use_mixed_mlp_moe and
//   num_shared_expert, so values that would change it are refused); the remote code builds one of
//   intermediate_size x num_shared_expert[0] only when use_mixed_mlp_moe;
// - q/k norms: transformers always builds them (use_qk_norm false refused); the remote code only with use_qk_norm;
// - use_cla (cross-layer attention: cross layers have no k_proj / v_proj and reuse the previous layer's KV),
//   use_mla, moe_layer_num_skipped (read by neither loader) and add_classification_head are refused;
// - remote code: num_experts 1 builds a dense MLP of intermediate_size instead of the MoE block.
import { UserError } from '../../../errors.js';
import { baseDims, type Family, gqa, RMS, shared, baseArch } from '../common.js';
import type { Cfg } from '../config.js';

/** An int, or a per-layer list whose entries are all equal (else refused); `def` when absent. */
function uniform(c: Cfg, k: string, def: number, n: number, min = 1): number {
  const v = c.raw(k);
  if (!Array.isArray(v)) return c.int(k, def, { min });
  if (v.length !== n || v.some((x) => typeof x !== 'number' || !Number.isSafeInteger(x) || x < min)) {
    c.fail(k, `an integer >= ${min} or ${n} of them (one per layer)`);
  }
  c.refuse(k, () => new Set(v).size === 1, 'per-layer values that differ are not modelled');
  return v[0] as number;
}

/** Every entry of an int-or-list key equals `want` (absent or null: fine). */
function allEqual(c: Cfg, k: string, want: number): boolean {
  const v = c.raw(k);
  if (v === undefined || v === null) return true;
  return Array.isArray(v) ? v.every((x) => x === want) : v === want;
}

export const hunyuan: Family = {
  types: ['hunyuan_v1_moe', 'hunyuan'],
  label: 'Hunyuan MoE (A13B)',
  flagship: 'tencent/Hunyuan-A13B-Instruct',
  reference: 'transformers modeling_hunyuan_v1_moe.py; Tencent remote code hunyuan.py',
  read(c, { type }) {
    const remote = type === 'hunyuan';
    const d = baseDims(c, { ctx: 2048 });
    const n = d.layers;
    const perHead = Math.floor(d.hidden / d.heads);
    let hd: number;
    if (remote) {
      // HunYuanAttention: head_dim = hidden_size // num_attention_heads (it raises unless that divides)
      if (perHead * d.heads !== d.hidden) c.fail('hidden_size', `a multiple of num_attention_heads (${d.heads})`);
      hd = perHead;
      for (const k of ['head_dim', 'attention_head_dim']) {
        c.refuse(k, (v) => v === null || v === hd, `the remote code builds heads of hidden_size / heads = ${hd}`);
      }
    } else {
      if (!c.has('head_dim')) {
        throw new UserError(
          `${c.where('head_dim')}: required for model_type hunyuan_v1_moe (transformers builds heads of head_dim and ` +
            'has no fallback; attention_head_dim is not read)',
        );
      }
      hd = c.int('head_dim');
      c.refuse('attention_head_dim', (v) => v === null || v === hd, `transformers builds heads of head_dim = ${hd}`);
    }
    c.refuse('use_cla', (v) => v === false, 'cross-layer attention (layers without k_proj / v_proj) is not modelled');
    c.refuse('use_mla', (v) => v === false, 'MLA is not built by either loader for this model_type');
    c.refuse('moe_layer_num_skipped', (v) => v === 0, 'neither loader reads it: every layer is built as MoE');
    c.refuse('add_classification_head', (v) => v === false, 'a classification head replaces the final norm');
    c.refuse('mlp_bias', (v) => v === false, 'both loaders build the MLPs without biases');
    const ffn = c.int('intermediate_size', 11008);
    c.refuse(
      'moe_intermediate_size',
      () => allEqual(c, 'moe_intermediate_size', ffn),
      `both loaders build every expert with intermediate_size (${ffn})`,
    );
    const E = uniform(c, 'num_experts', 1, n);
    const topK = uniform(c, 'moe_topk', 1, n);
    let sharedW: number;
    let qkNorm: boolean;
    if (remote) {
      qkNorm = c.bool('use_qk_norm', false);
      const mixed = c.bool('use_mixed_mlp_moe', false);
      sharedW = mixed ? ffn * uniform(c, 'num_shared_expert', 1, n, 0) : 0;
      if (Array.isArray(c.raw('num_experts'))) c.fail('num_experts', 'an integer (the remote code reads no list)');
    } else {
      c.refuse('use_qk_norm', (v) => v === true, 'transformers always builds query_layernorm / key_layernorm');
      c.refuse('use_mixed_mlp_moe', (v) => v === true, 'transformers always builds the shared MLP');
      c.refuse(
        'num_shared_expert',
        () => allEqual(c, 'num_shared_expert', 1),
        'transformers builds one shared MLP of intermediate_size',
      );
      qkNorm = true;
      sharedW = ffn;
    }
    const moe = !remote || E > 1;
    return {
      a: {
        ...baseArch(c, d, n),
        attention: gqa(d.heads, d.kv, hd, {
          qkv_bias: c.bool('attention_bias', false),
          o_bias: c.bool('attention_bias', false),
          qk_norm: qkNorm ? 'per_head' : 'none',
        }),
        mlp: { gated: true, ...(moe ? {} : { dense_ffn: ffn }) },
        ...(moe
          ? {
              moe: {
                experts: E,
                top_k: topK,
                expert_ffn: ffn,
                layers: 'all' as const,
                ...shared(1, sharedW),
              },
            }
          : {}),
        norms: RMS,
      },
      notes: moe ? [] : ['num_experts 1: the remote code builds a dense MLP of intermediate_size in every layer'],
    };
  },
};
