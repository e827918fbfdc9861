// Dense decoders (the baselines compare and audit use): llama, mistral, qwen2, qwen3.
// transformers modeling_llama.py / modeling_mistral.py / modeling_qwen2.py / modeling_qwen3.py.
import { type Family, gqa, headDim, RMS, baseDims, baseArch } from '../common.js';

export const dense: Family = {
  types: ['llama', 'mistral', 'qwen2', 'qwen3'],
  label: 'Llama, Mistral, Qwen2, Qwen3 (dense)',
  flagship: 'meta-llama/Llama-3.1-8B, mistralai/Mistral-7B-v0.1, Qwen/Qwen2.5-7B, Qwen/Qwen3-8B',
  reference: 'transformers modeling_llama.py, modeling_mistral.py, modeling_qwen2.py, modeling_qwen3.py',
  read(c, { type }) {
    const notes: string[] = [];
    const defs =
      type === 'llama'
        ? { I: 11008, ctx: 2048 }
        : type === 'mistral'
          ? { kv: 8, I: 14336, ctx: 131072 }
          : { I: 22016, ctx: 32768 };
    const d = baseDims(c, defs);
    const hd = headDim(c, d.hidden, d.heads, type === 'qwen3' ? 128 : undefined);
    const ab = type === 'llama' || type === 'qwen3' ? c.bool('attention_bias', false) : false;
    const mlpBias = type === 'llama' ? c.bool('mlp_bias', false) : false;
    // Mistral: sliding_window null (or absent) means full attention everywhere
    const window = type === 'mistral' ? c.intOrNull('sliding_window', null) : null;
    if (window !== null) {
      notes.push(
        `sliding_window ${window} applies to every layer in transformers' Mistral; the KV cache is bounded by it`,
      );
    }
    return {
      a: {
        ...baseArch(c, d),
        attention: gqa(d.heads, d.kv, hd, {
          qkv_bias: type === 'qwen2' ? true : ab,
          o_bias: ab,
          qk_norm: type === 'qwen3' ? 'per_head' : 'none',
        }),
        ...(window !== null ? { sliding_window: { window, layers: 'all' as const } } : {}),
        mlp: { gated: true, bias: mlpBias, dense_ffn: c.int('intermediate_size', defs.I) },
        norms: RMS,
      },
      notes,
    };
  },
};
