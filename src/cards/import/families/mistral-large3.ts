// Mistral Large 3 ships Mistral-format weights: params.json + consolidated-*.safetensors, no config.json
// ("We sadly didn't have enough time to add Mistral Large 3 to transformers", model card). This module turns
// params.json into the HF-style config the importer reads, as vLLM does it:
// vllm/transformers_utils/configs/mistral.py (adapt_config_dict, commit 01da88c5): dim -> hidden_size,
// n_layers, n_heads, n_kv_heads, hidden_dim -> intermediate_size, tied_embeddings -> tie_word_embeddings; a `moe`
// block with num_shared_experts > 0 is "Mistral Large 3": DeepSeek names (num_experts -> n_routed_experts,
// expert_hidden_dim -> moe_intermediate_size, route_every_n -> moe_layer_freq, ...), model_type deepseek_v3,
// topk_method None (so no e_score_correction_bias), softmax scoring; a `vision_encoder` block wraps it as
// Pixtral (text_config + vision_config); quantization_config is passed through, Mistral's own fp8
// `quantization` becomes {quant_method: fp8}. The text decoder is then read by the DeepSeek family
// (vLLM mistral_large_3.py only renames tensors of DeepseekV3ForCausalLM).
// Traps handled: vLLM builds the config with PretrainedConfig.from_dict, so an absent key has no class
// default: absent q_lora_rank is None (a plain q_proj, deepseek_v2.py `hasattr` check), and the other MLA
// and MoE sizes are required here rather than filled with DeepSeek-V3's values; head_dim must equal
// qk_nope + qk_rope (the only layout the DeepSeek code builds); a load-balancing bias, sliding windows, an
// audio encoder and MoE without shared experts (vLLM: Mixtral) are refused.
// Vision: vLLM pixtral.py (VisionEncoderArgs, VisionTransformer, PatchMerger, VisionLanguageAdapter): Conv2d
// patch_conv without bias, RMSNorm ln_pre, blocks of wq/wk/wv/wo (hidden x hidden, no bias) + SwiGLU w1/w2/w3
// (no bias) + two RMSNorms, optional pre_mm_projector_norm, optional patch_merger (hidden * merge^2 -> hidden,
// no bias), adapter w_in (hidden -> text) and w_out (text -> text) with bias iff adapter_bias. Absent keys take
// VisionEncoderArgs' defaults (adapter_bias True, spatial_merge_size 1, no pre-norm, mm_projector_id "").
import { basename, dirname, resolve } from 'node:path';
import { mul } from '../../../core/params.js';
import { UserError } from '../../../errors.js';
import type { ExtraDraft } from '../common.js';
import { Cfg, type Json } from '../config.js';

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The Mistral fp8 `quantization` block as vLLM's _remap_mistral_quantization_args rewrites it. */
function mistralQuantization(p: Cfg): Json | undefined {
  if (p.has('quantization_config')) {
    if (p.has('quantization')) p.fail('quantization', 'only one of quantization and quantization_config');
    return p.obj('quantization_config').data;
  }
  const q = p.obj('quantization');
  // vLLM: `if bool(config_dict.get("quantization"))`: an empty block is no quantization
  if (Object.keys(q.data).length === 0) return undefined;
  if (q.str('qformat_weight') === 'fp8_e4m3') {
    const act = q.str('qscheme_act');
    if (act !== undefined && act !== 'NO_SCALES' && act !== 'TENSOR') q.fail('qscheme_act', 'NO_SCALES or TENSOR');
    return { quant_method: 'fp8', activation_scheme: act === 'NO_SCALES' ? 'dynamic' : 'static' };
  }
  if ((q.str('quant_method') ?? '').toLowerCase().replace(/_/g, '-') === 'compressed-tensors') {
    return { ...q.data, quant_method: 'compressed-tensors' };
  }
  throw new UserError(
    `${p.where('quantization')}: only fp8_e4m3 weights or a compressed-tensors block are read (as vLLM does)`,
  );
}

/** YaRN as vLLM's _remap_mistral_yarn_args spells it (no effect on the counts; kept for the card's context). */
function ropeParameters(p: Cfg): Json | undefined {
  if (!p.has('yarn')) return undefined;
  const y = p.obj('yarn');
  const r: Json = { rope_type: 'yarn', mscale_all_dim: 1 };
  if (p.has('rope_theta')) r.rope_theta = p.num('rope_theta', 0);
  if (y.present('factor')) r.factor = y.num('factor', 1);
  if (y.present('original_max_position_embeddings')) {
    r.original_max_position_embeddings = y.int('original_max_position_embeddings');
  }
  if (y.present('beta')) r.beta_fast = y.num('beta', 32);
  if (y.present('alpha')) r.beta_slow = y.num('alpha', 1);
  if (!y.bool('apply_scale', true)) r.attention_factor = 1;
  return r;
}

/** A Mistral-format params.json (Mistral Large 3) as the HF-style config the importer reads. */
export function mistralParamsToConfig(data: unknown, file: string): unknown {
  if (!isObject(data)) throw new UserError(`${file}: (top level): expected a JSON object (a params.json)`);
  const p = new Cfg(data, file, '');
  if (p.str('model_type') === 'mamba') {
    throw new UserError(`${file}: model_type: "mamba" params.json (Mamba-Codestral) is not read; use its config.json`);
  }
  const m = p.obj('moe');
  const hasMoe = p.has('moe') && Object.keys(m.data).length > 0;
  const isMla = p.has('qk_nope_head_dim') && p.raw('qk_nope_head_dim') !== 0;
  if (!isMla || (hasMoe && m.int('num_shared_experts', 0, { min: 0, nullMeans: 0 }) === 0)) {
    throw new UserError(
      `${file}: only a Mistral Large 3 style params.json is read (MLA attention: qk_nope_head_dim, and a moe block ` +
        'with num_shared_experts > 0, or no moe block); for other Mistral checkpoints point moe-calc at their ' +
        'config.json or at the safetensors',
    );
  }
  const multimodal = p.obj('multimodal');
  if (multimodal.has('whisper_model_args')) {
    throw new UserError(`${multimodal.where('whisper_model_args')}: an audio encoder (Voxtral) is not modelled`);
  }
  p.refuse('sliding_window', (v) => v === null, 'sliding-window layers are not part of the DeepSeek-V3 layout');

  const layers = p.int('n_layers');
  const nope = p.int('qk_nope_head_dim');
  const rope = p.int('qk_rope_head_dim');
  if (p.has('head_dim') && p.int('head_dim') !== nope + rope) {
    p.fail('head_dim', `qk_nope_head_dim + qk_rope_head_dim = ${nope + rope} (the MLA query head the code builds)`);
  }
  const text: Json = {
    model_type: 'deepseek_v3',
    vocab_size: p.int('vocab_size'),
    hidden_size: p.int('dim'),
    num_hidden_layers: layers,
    num_attention_heads: p.int('n_heads'),
    num_key_value_heads: p.int('n_kv_heads', p.int('n_heads')),
    intermediate_size: p.int('hidden_dim'),
    // served context: max_seq_len, capped by max_position_embeddings (model card: vLLM's --max-model-len
    // "By default it is set to 262144", the release's max_seq_len; max_position_embeddings is 294912)
    max_position_embeddings: Math.min(
      p.int('max_position_embeddings', 128_000),
      p.int('max_seq_len', p.int('max_position_embeddings', 128_000)),
    ),
    rms_norm_eps: p.num('norm_eps', 1e-5),
    hidden_act: p.str('activation', 'silu'),
    tie_word_embeddings: p.bool('tied_embeddings', false),
    // absent q_lora_rank: vLLM's deepseek_v2.py passes None (a plain q_proj)
    q_lora_rank: p.intOrNull('q_lora_rank', null),
    kv_lora_rank: p.int('kv_lora_rank'),
    qk_nope_head_dim: nope,
    qk_rope_head_dim: rope,
    v_head_dim: p.int('v_head_dim'),
    topk_method: null,
    norm_topk_prob: true,
    scoring_func: 'softmax',
  };
  if (hasMoe) {
    m.refuse('use_load_balancing_bias', (v) => v === false, 'vLLM sets topk_method None and builds no routing bias');
    Object.assign(text, {
      n_routed_experts: m.int('num_experts'),
      num_experts_per_tok: m.int('num_experts_per_tok'),
      moe_intermediate_size: m.int('expert_hidden_dim'),
      n_shared_experts: m.int('num_shared_experts'),
      first_k_dense_replace: m.int('first_k_dense_replace', undefined, { min: 0 }),
      moe_layer_freq: m.int('route_every_n', 1),
      routed_scaling_factor: m.num('routed_scale', 1),
      n_group: m.int('num_expert_groups', 1),
      topk_group: m.int('num_expert_groups_per_tok', 1),
    });
  } else {
    // vLLM's _remap_mistral_mla_args: one routed expert from layer n_layers on, i.e. every layer dense;
    // the DeepSeek reader spells "no MoE layer" as n_routed_experts null
    text.n_routed_experts = null;
  }
  const rp = ropeParameters(p);
  if (rp) text.rope_parameters = rp;
  else if (p.has('rope_theta')) text.rope_theta = p.num('rope_theta', 10000);

  const vision = multimodal.has('vision_encoder_args')
    ? multimodal.obj('vision_encoder_args')
    : p.has('vision_encoder')
      ? p.obj('vision_encoder')
      : undefined;
  // read the tower here once so that an error names the key as params.json spells it (vision_encoder.*)
  if (vision) pixtralTowers(vision, text.hidden_size as number);
  const quant = mistralQuantization(p);
  const folder = basename(dirname(resolve(file)));
  return {
    ...(/[a-z0-9]/i.test(folder) ? { _name_or_path: folder } : {}),
    model_type: 'mistral_large_3',
    architectures: vision ? ['PixtralForConditionalGeneration'] : ['MistralLarge3ForCausalLM'],
    torch_dtype: p.str('dtype', 'bfloat16'),
    ...(quant ? { quantization_config: quant } : {}),
    text_config: text,
    ...(vision ? { vision_config: vision.data } : {}),
  };
}

/** The Pixtral vision tower of a Mistral Large 3 checkpoint, with its pre-norm, patch merger and adapter. */
export function pixtralTowers(v: Cfg, textHidden: number): ExtraDraft[] {
  const h = v.int('hidden_size');
  const C = v.int('num_channels');
  const p = v.int('patch_size');
  const I = v.int('intermediate_size');
  const L = v.int('num_hidden_layers');
  const heads = v.int('num_attention_heads');
  if (h % heads !== 0 || (h / heads) % 2 !== 0) {
    v.fail('num_attention_heads', `a divisor of hidden_size ${h} leaving an even head width (vLLM asserts both)`);
  }
  // vLLM builds every projection hidden x hidden with hidden / heads per head: a config saying otherwise
  // describes a tower this code does not build
  if (v.has('head_dim') && v.int('head_dim') !== h / heads) v.fail('head_dim', `hidden_size / heads = ${h / heads}`);
  if (v.has('num_key_value_heads') && v.int('num_key_value_heads') !== heads) {
    v.fail('num_key_value_heads', `num_attention_heads (${heads}): the Pixtral tower has no grouped KV heads`);
  }
  const defaulted: string[] = [];
  const adapterBias = v.bool('adapter_bias', true);
  const merge = v.int('spatial_merge_size', 1);
  const preNorm = v.bool('add_pre_mm_projector_layer_norm', false);
  const projector = v.str('mm_projector_id', '');
  for (const k of ['adapter_bias', 'spatial_merge_size', 'add_pre_mm_projector_layer_norm', 'mm_projector_id']) {
    if (!v.present(k)) defaulted.push(k);
  }
  if (projector !== '' && projector !== 'patch_merge') v.fail('mm_projector_id', '"patch_merge" or ""');
  const layer = 4 * mul(h, h) + 3 * mul(h, I) + 2 * h;
  const tower = mul(C, p, p, h) + h + mul(L, layer);
  const merger = (preNorm ? h : 0) + (projector === 'patch_merge' ? mul(h * merge * merge, h) : 0);
  const adapter = mul(h, textHidden) + mul(textHidden, textHidden) + (adapterBias ? 2 * textHidden : 0);
  const parts = [
    'patch_conv + ln_pre',
    `${L} blocks`,
    ...(preNorm ? ['pre_mm_projector_norm'] : []),
    ...(projector === 'patch_merge' ? [`patch_merger (merge ${merge})`] : []),
    `vision_language_adapter${adapterBias ? ' with biases' : ''}`,
  ];
  const note = defaulted.length
    ? `; absent ${defaulted.join(', ')}: vLLM VisionEncoderArgs defaults (adapter_bias true, spatial_merge_size 1, ` +
      'no pre-norm, no patch merger)'
    : '';
  return [
    {
      name: 'vision encoder + patch merger + adapter',
      params: tower + merger + adapter,
      source: `vision_encoder of params.json (vLLM pixtral.py: ${parts.join(', ')})${note}`,
      kind: 'vision',
      loaded: true,
    },
  ];
}
