// StepFun Step3 text decoder (step3_text, inside step3_vl): vLLM step3_text.py (Step3TextAttention,
// Step3TextDecoderLayer) with the config class in vllm/transformers_utils/configs/step3_vl.py; the vision
// tower and projector from vLLM step3_vl.py. Traps handled:
// - attention ("MFA"): a low-rank query q_proj hidden -> share_q_dim, inter_norm, wq share_q_dim ->
//   heads x head_dim, and ONE key/value head (vLLM raises for any other count): num_attention_groups other
//   than 1 is refused; share_q_dim null or 0 means head_dim (q_size = share_q_dim or head_dim);
// - moe_layers_enum is a comma string in the checkpoint ("4,5,...,59"); null means every layer but 0 (the
//   decoder's fallback); absent is refused: the config class default is a tuple the decoder cannot parse;
// - MoE layers: 48 experts (moe_intermediate_size) plus one share_expert MLP of share_expert_dim, a router
//   without bias; dense layers: intermediate_size;
// - the LM head is never tied (vLLM always builds and loads lm_head); max_position_embedding (singular).
import { mul } from '../../../core/params.js';
import { UserError } from '../../../errors.js';
import type { ExtraDraft } from '../common.js';
import { type Family, gqa, layersWhere, RMS } from '../common.js';
import type { Cfg } from '../config.js';

/** Step3's MoE layers from moe_layers_enum ("4,5,6" as the checkpoint writes it; a JSON list is read too). */
function moeLayers(c: Cfg, n: number) {
  const key = 'moe_layers_enum';
  if (!c.present(key)) {
    throw new UserError(
      `${c.where(key)}: required: vLLM's Step3TextConfig default is a tuple its decoder cannot parse, and the ` +
        'decoder fallback (every layer but 0) differs from it; give the comma-separated MoE layer indices',
    );
  }
  const v = c.raw(key);
  if (v === null) return layersWhere(n, (i) => i >= 1);
  const parts =
    typeof v === 'string'
      ? v
          .trim()
          .split(',')
          .map((s) => s.trim())
      : Array.isArray(v)
        ? v
        : undefined;
  const idx = parts?.map((p) => (typeof p === 'number' ? p : /^\d+$/.test(String(p)) ? Number(p) : Number.NaN));
  if (!idx || idx.some((i) => !Number.isSafeInteger(i) || i < 0 || i >= n)) {
    c.fail(key, `comma-separated layer indices from 0 to ${n - 1}`);
  }
  const set = new Set(idx);
  return layersWhere(n, (i) => set.has(i));
}

export const step3: Family = {
  types: ['step3_text'],
  label: 'Step3 (text decoder)',
  flagship: 'stepfun-ai/step3',
  reference: 'vLLM step3_text.py',
  read(c, { root }) {
    const vocab = c.int('vocab_size', 128815);
    const hidden = c.int('hidden_size', 7168);
    const n = c.int('num_hidden_layers', 61);
    const heads = c.int('num_attention_heads', 64);
    c.refuse('num_attention_groups', (v) => v === 1, 'vLLM builds Step3 attention with exactly one KV head');
    c.refuse('num_key_value_heads', (v) => v === 1, 'vLLM builds Step3 attention with exactly one KV head');
    const hd = c.int('head_dim', 256);
    const q = c.int('share_q_dim', 2048, { min: 0, nullMeans: hd }) || hd;
    const moe = moeLayers(c, n);
    if (root !== c) {
      // the tower count (step3VisionTowers) reads vision_config only; the projector's keys live at the top level
      root.refuse('projector_bias', (v) => v === true, 'the projector bias is counted as present (the default)');
      root.refuse('hidden_size', (v) => v === hidden, 'the projector maps into the text width');
    }
    return {
      a: {
        vocab_size: vocab,
        hidden_size: hidden,
        num_layers: n,
        // vLLM Step3TextForCausalLM always builds and loads its own lm_head, whatever tie_word_embeddings says
        tie_embeddings: false,
        max_context: c.int('max_position_embedding', 65536),
        attention: gqa(heads, 1, hd, { q_lora_rank: q }),
        mlp: { gated: true, ...(moe === 'all' ? {} : { dense_ffn: c.int('intermediate_size', 18432) }) },
        ...(moe === 'none'
          ? {}
          : {
              moe: {
                experts: c.int('moe_num_experts', 48),
                top_k: c.int('moe_top_k', 3),
                expert_ffn: c.int('moe_intermediate_size', 5120),
                layers: moe,
                shared_experts: { count: 1, ffn: c.int('share_expert_dim', 5120), gate: false },
              },
            }),
        norms: RMS,
      },
      notes: ['every layer has one key/value head and a low-rank query (multi-matrix factorisation attention)'],
    };
  },
};

const ln = (w: number) => 2 * w; // LayerNorm: weight + bias
const lin = (i: number, o: number) => mul(i, o) + o; // Linear with bias

/** step3_vl: the vision tower beside the step3_text decoder (vLLM step3_vl.py): Step3VisionEmbeddings (class
 *  embedding, Conv2d patch embedding with bias, (grid^2 + 1) position embeddings), LayerNorm encoder layers
 *  with biased qkv / out_proj / fc1 / fc2 and no final norm, then vit_downsampler Conv2d(hidden, output, 2),
 *  vit_downsampler2 Conv2d(output, 2 x output, 3) and vit_large_projector Linear(2 x output, text hidden)
 *  with a bias (projector_bias, checked by the decoder's reader). */
export function step3VisionTowers(v: Cfg, textHidden: number): ExtraDraft[] {
  v.refuse('model_type', (x) => x === 'step3_vision_encoder', 'only the Step3 vision encoder is modelled');
  const h = v.int('hidden_size', 1792);
  const I = v.int('intermediate_size', 3072);
  const out = v.int('output_hidden_size', 4096);
  const L = v.int('num_hidden_layers', 63);
  const heads = v.int('num_attention_heads', 16);
  const C = v.int('num_channels', 3);
  const img = v.int('image_size', 728);
  const p = v.int('patch_size', 14);
  if (h % heads !== 0) v.fail('num_attention_heads', `a divisor of hidden_size (${h})`);
  const grid = Math.floor(img / p);
  const embeddings = h + mul(C, p, p, h) + h + mul(grid * grid + 1, h);
  const layer = lin(h, 3 * h) + lin(h, h) + 2 * ln(h) + lin(h, I) + lin(I, h);
  const projector = mul(h, out, 4) + out + mul(out, 2 * out, 9) + 2 * out + lin(2 * out, textHidden);
  return [
    {
      name: 'vision encoder + downsamplers + projector',
      params: embeddings + mul(L, layer) + projector,
      source: 'vision_config (vLLM step3_vl.py)',
      kind: 'vision',
      loaded: true,
    },
  ];
}
