// Llama 4's text decoder (the text_config of a llama4 checkpoint, or llama4_text): MoE every
// interleave_moe_layer_step-th layer (or the explicit moe_layers list), a shared expert of the expert
// width, chunked local attention on three of every four layers. transformers modeling_llama4.py.
import type { LayerSet } from '../../../core/types.js';
import { baseDims, type Family, gqa, headDim, layersWhere, RMS, baseArch } from '../common.js';

export const llama4: Family = {
  types: ['llama4_text'],
  label: 'Llama 4 (text decoder; the vision encoder from vision_config)',
  flagship: 'meta-llama/Llama-4-Scout-17B-16E-Instruct, meta-llama/Llama-4-Maverick-17B-128E-Instruct',
  reference: 'transformers modeling_llama4.py',
  read(c) {
    const d = baseDims(c, { kv: 8, ctx: 131072 });
    const step = c.int('interleave_moe_layer_step', 1, { min: 0 });
    let moeLayers: LayerSet;
    if (c.present('moe_layers') && c.raw('moe_layers') !== null) {
      const list = c.intList('moe_layers');
      for (const i of list) if (i >= d.layers) c.fail('moe_layers', `layer indices from 0 to ${d.layers - 1}`);
      const set = new Set(list);
      moeLayers = layersWhere(d.layers, (i) => set.has(i));
    } else moeLayers = step === 0 ? ('none' as const) : layersWhere(d.layers, (i) => (i + 1) % step === 0);
    const ab = c.bool('attention_bias', false);
    const chunk = c.optInt('attention_chunk_size', { nullMeans: 0 });
    const noRopeInterval = 4;
    const ffn = c.int('intermediate_size', 8192);
    return {
      a: {
        ...baseArch(c, d),
        attention: gqa(d.heads, d.kv, headDim(c, d.hidden, d.heads, 128), { qkv_bias: ab, o_bias: ab }),
        ...(chunk ? { sliding_window: { window: chunk, layers: { period: noRopeInterval, offsets: [0, 1, 2] } } } : {}),
        mlp: { gated: true, ...(moeLayers === 'all' ? {} : { dense_ffn: c.int('intermediate_size_mlp', 16384) }) },
        ...(moeLayers !== 'none'
          ? {
              moe: {
                experts: c.int('num_local_experts', 16),
                top_k: c.int('num_experts_per_tok', 1),
                expert_ffn: ffn,
                layers: moeLayers,
                shared_experts: { count: 1, ffn },
              },
            }
          : {}),
        norms: RMS,
      },
      notes: [],
    };
  },
};
