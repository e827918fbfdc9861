// Nemotron-H (nemotron_h): one mixer per layer, picked by `hybrid_override_pattern` (M Mamba-2, * attention,
// E MoE, - dense MLP), each behind a single RMSNorm. vLLM nemotron_h.py and transformers_utils/configs/
// nemotron_h.py (the Hub repo ships remote code; config.json uses its key names: n_groups, conv_kernel,
// use_conv_bias, use_bias).
// Traps: the experts, the shared expert and the dense MLP are relu^2 with up + down only (not gated);
// layers with a Mamba-2 or attention mixer have no FFN at all (mlp.layers lists the '-' layers only);
// the Mamba-2 inner width is mamba_num_heads x mamba_head_dim, not expand x hidden; the router keeps an
// fp32 e_score_correction_bias; `intermediate_size` is unused without '-' layers; the SSM state dtype
// comes from `mamba_ssm_cache_dtype` (vLLM's config hook; absent = float32). Refused: a latent MoE
// (`moe_latent_size`, Nemotron-3-Super: experts run in a projected width), MTP layers, heterogeneous
// `block_configs`, per-MLP widths that differ.
import { UserError } from '../../../errors.js';
import type { Cfg } from '../config.js';
import { baseDims, type Family, gqa, headDim, layersWhere, baseArch } from '../common.js';

const KIND: Record<string, string> = { mamba: 'M', attention: '*', mlp: '-', moe: 'E' };

/** The per-layer pattern: hybrid_override_pattern, or a layers_block_type list (newer configs). */
function pattern(c: Cfg, n: number): string {
  const p = c.str('hybrid_override_pattern');
  const list = c.strList('layers_block_type');
  const fromList = list?.map((t) => KIND[t] ?? '?').join('');
  if (fromList?.includes('?')) {
    c.fail('layers_block_type', '"mamba", "attention", "mlp" or "moe" per layer');
  }
  if (p !== undefined && fromList !== undefined && p !== fromList) {
    c.fail('layers_block_type', `the same layers as hybrid_override_pattern "${p}"`);
  }
  const pat = p ?? fromList;
  if (pat === undefined) throw new UserError(`${c.where('hybrid_override_pattern')}: required (one letter per layer)`);
  const key = p !== undefined ? 'hybrid_override_pattern' : 'layers_block_type';
  if (pat.length !== n || /[^M*E-]/.test(pat)) c.fail(key, `${n} layers (num_hidden_layers), each M, *, E or -`);
  return pat;
}

export const nemotronH: Family = {
  types: ['nemotron_h'],
  label: 'Nemotron-H MoE (Mamba-2 + attention + MoE layers)',
  flagship: 'nvidia/NVIDIA-Nemotron-3-Nano-30B-A3B',
  reference: 'vLLM nemotron_h.py',
  read(c) {
    const d = baseDims(c, { kv: 8, ctx: 4096 });
    const n = d.layers;
    const pat = pattern(c, n);
    const at = (ch: string) => layersWhere(n, (i) => pat[i] === ch);
    c.refuse('moe_latent_size', (v) => v === null, 'latent MoE projections (Nemotron-3-Super) are not modelled');
    c.refuse('num_nextn_predict_layers', (v) => v === 0 || v === null, 'Nemotron-H MTP layers are not modelled');
    c.refuse('block_configs', (v) => v === null, 'heterogeneous per-layer configs are not modelled');
    c.refuse('attention_bias', (v) => v === false, 'vLLM builds the attention without bias');
    const hasE = pat.includes('E');
    const hasDense = pat.includes('-');

    // dense MLP width: an int, or a list indexed by the '-' layers' ordinal
    let denseW: number | undefined;
    if (hasDense) {
      const raw = c.raw('intermediate_size');
      if (Array.isArray(raw)) {
        const dense = pat.split('').filter((ch) => ch === '-').length;
        const ok = raw.every((x) => typeof x === 'number' && Number.isSafeInteger(x) && x > 0);
        if (!ok || (raw.length !== 1 && raw.length !== dense)) c.fail('intermediate_size', `1 or ${dense} widths`);
        if (new Set(raw).size !== 1) c.refuse('intermediate_size', () => false, 'dense MLPs of different widths');
        denseW = raw[0] as number;
      } else denseW = c.int('intermediate_size', 21504);
    }
    const sharedN = hasE ? c.int('n_shared_experts', 1, { min: 0, nullMeans: 0 }) : 0;
    const sharedW = sharedN > 0 ? sharedN * c.int('moe_shared_expert_intermediate_size', 7688) : 0;
    // the shared expert never has a bias in vLLM; the dense MLP's bias is mlp_bias
    const mlpBias = c.bool('mlp_bias', false);
    if (mlpBias && sharedW > 0) c.refuse('mlp_bias', () => false, 'a dense-MLP bias beside a bias-free shared expert');

    const ssmDtype = c.str('mamba_ssm_cache_dtype') ?? 'float32';
    if (!['float32', 'bfloat16', 'float16', 'auto'].includes(ssmDtype)) {
      c.fail('mamba_ssm_cache_dtype', '"float32", "bfloat16", "float16" or "auto"');
    }
    const state = ssmDtype === 'float32' ? 'fp32' : 'bf16';
    // vLLM's MambaMixer2 reads use_bias; the config class's own mamba_proj_bias is not used
    const projBias = c.bool('use_bias', false);
    c.refuse('mamba_proj_bias', (v) => v === projBias, 'it differs from use_bias, which vLLM reads');
    const heads = c.int('mamba_num_heads', 128);
    const headDimM = c.int('mamba_head_dim', 64);
    const groups = c.int('n_groups', c.int('mamba_n_groups', 8));
    return {
      a: {
        ...baseArch(c, d, n),
        attention: gqa(d.heads, d.kv, headDim(c, d.hidden, d.heads, 128)),
        attention_layers: at('*'),
        mlp: {
          gated: false,
          bias: hasDense ? mlpBias : false,
          ...(hasDense ? { dense_ffn: denseW } : {}),
          layers: at('-'),
        },
        ...(hasE
          ? {
              moe: {
                experts: c.int('n_routed_experts', 8),
                top_k: c.int('num_experts_per_tok', 2),
                expert_ffn: c.int('moe_intermediate_size', 7688),
                layers: at('E'),
                gated: false,
                ...(sharedW > 0 ? { shared_experts: { count: 1, ffn: sharedW, gate: false } } : {}),
                // gate.e_score_correction_bias (fp32) is created for every MoE layer
                router_correction_bias: true,
              },
            }
          : {}),
        ssm: {
          kind: 'mamba2',
          layers: at('M'),
          heads,
          head_dim: headDimM,
          groups,
          d_state: c.int('ssm_state_size', 128),
          d_conv: c.int('conv_kernel', c.int('mamba_d_conv', 4)),
          conv_bias: c.bool('use_conv_bias', c.bool('mamba_conv_bias', true)),
          proj_bias: projBias,
          state_dtype: state,
        },
        norms: { kind: 'rmsnorm', per_layer: 1 },
      },
      notes: [
        `Mamba-2 state per sequence and layer: conv (kernel - 1) x (heads x head_dim + 2 x groups x d_state) in ` +
          `the model dtype and a heads x head_dim x d_state SSM state in ${state} (vLLM takes mamba_ssm_cache_dtype ` +
          'from the config; SGLang defaults to float32)',
      ],
    };
  },
};
