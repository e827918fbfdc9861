// The precision a checkpoint ships in, from its quantization_config (else torch_dtype / dtype). Every
// setting that changes the stored bytes is either modelled (bits, group size, zero points, fp8 blocks,
// which modules stay unquantised) or refused with what is supported: a guess would misprice the weights.
import { UserError } from '../../errors.js';
import type { Cfg } from './config.js';

/** Module names a recipe keeps in 16 bits anyway (embeddings, LM head, routers, norms, biases). */
const KEPT_NAMES = [
  'lm_head',
  'embed_tokens',
  'embed',
  'word_embeddings',
  'tok_embeddings',
  'wte',
  'output',
  'norm',
  '.*\\bgate',
  '.*\\brouter',
  '.*e_score_correction_bias',
  '.*shared_expert_gate',
  '.*layernorm',
  '.*_norm',
];
const KEPT_BY_EVERY_RECIPE = new RegExp(`^(re:)?[.*^]*(model\\.)?(${KEPT_NAMES.join('|')})\\b[.*$]*$`, 'i');
/** Module names the experts-only recipes (MXFP4, int4-experts) keep in 16 bits: everything but experts. */
const NOT_EXPERTS = /^(?!.*experts(?!\.gate)).*$/i;

function checkUnconverted(qc: Cfg, key: string, allowed: RegExp, recipe: string): void {
  const list = qc.raw(key);
  if (list === undefined || list === null) return;
  if (!Array.isArray(list) || list.some((x) => typeof x !== 'string')) qc.fail(key, 'a list of module names');
  for (const m of list as string[]) {
    if (!allowed.test(m.trim())) {
      throw new UserError(
        `${qc.where(key)}: "${m.slice(0, 60)}" left unquantised is not modelled for ${recipe} (only embeddings, ` +
          'the LM head, routers and norms, which the recipe keeps in 16 bits anyway); the native weight size would ' +
          'be a guess',
      );
    }
  }
}

function intOf(qc: Cfg, k: string, def: number, allowed: readonly number[]): number {
  const v = qc.int(k, def, { min: -1 });
  if (!allowed.includes(v)) qc.fail(k, allowed.join(' or '));
  return v;
}

/** The precision id of the card, from quantization_config or the dtype. */
export function nativePrecision(c: Cfg): string {
  if (c.has('quantization_config')) {
    const qc = c.obj('quantization_config');
    const method = (qc.str('quant_method', '') ?? '').toLowerCase();
    if (method === 'fp8') {
      checkUnconverted(qc, 'modules_to_not_convert', KEPT_BY_EVERY_RECIPE, 'fp8');
      checkUnconverted(qc, 'ignored_layers', KEPT_BY_EVERY_RECIPE, 'fp8');
      const block = qc.raw('weight_block_size');
      if (block === undefined || block === null) return 'fp8';
      if (!Array.isArray(block) || block.length !== 2 || block[0] !== 128 || block[1] !== 128) {
        qc.fail('weight_block_size', '[128, 128] (the DeepSeek-V3 block format; other blocks are not modelled)');
      }
      return 'fp8-block';
    }
    if (method === 'mxfp4') {
      checkUnconverted(qc, 'modules_to_not_convert', NOT_EXPERTS, 'mxfp4 (only the experts are MXFP4)');
      return 'mxfp4';
    }
    if (method === 'awq' || method === 'gptq') {
      const bits = intOf(qc, 'bits', 4, [4]);
      const group = intOf(qc, 'group_size', 128, [32, 64, 128]);
      // AWQ stores a 4-bit zero point per group unless zero_point is false; GPTQ always stores qzeros
      const zeros = method === 'gptq' ? true : qc.bool('zero_point', true);
      // desc_act reorders the rows of one group (g_idx, stored in every GPTQ checkpoint either way)
      qc.bool('desc_act', false);
      checkUnconverted(qc, 'modules_to_not_convert', KEPT_BY_EVERY_RECIPE, `${method} ${bits}-bit`);
      const base = group === 128 ? 'int4' : `int4-g${group}`;
      return zeros ? base : `int4-g${group}-sym`;
    }
    if (method === 'compressed-tensors') return compressedTensors(qc);
    throw new UserError(
      `${c.file}: quantization_config.quant_method: "${method}" is not supported (fp8, fp8 128x128 blocks, ` +
        'mxfp4, awq/gptq 4-bit with group size 32, 64 or 128, compressed-tensors fp8 blocks or int4 experts are); ' +
        'the native weight size would be a guess',
    );
  }
  const given = c.str('torch_dtype') ?? c.str('dtype');
  // null records no stored dtype: vLLM then assumes float32 (config.py _get_and_verify_dtype) or reads the
  // safetensors headers; which one the checkpoint holds is unknowable here, so a null is refused
  const nullKey = ['torch_dtype', 'dtype'].find((k) => c.present(k) && c.raw(k) === null);
  if (given === undefined && nullKey !== undefined)
    throw new UserError(
      `${c.where(nullKey)}: null does not say how the weights are stored; expected "bfloat16", "float16" or ` +
        '"float32" (remove the key for the bfloat16 default)',
    );
  const dt = (given ?? 'bfloat16').toLowerCase();
  if (dt === 'bfloat16') return 'bf16';
  if (dt === 'float16') return 'fp16';
  if (dt === 'float32') return 'fp32';
  throw new UserError(`${c.file}: torch_dtype: "${dt}" is not supported (bfloat16, float16, float32)`);
}

/** Ignore-list entries of compressed-tensors checkpoints, by what they leave in 16 bits. */
const TOWER = /vision|patch_merger|mm_projector|multi_modal|audio|visual/i;
const MLA_DOWN = /(q_a_proj|kv_a_proj)/;
const ATTENTION = /(self_attn|attention|attn)/i;
const SHARED = /shared_expert/i;
const DENSE_MLP = /mlp\.(gate|up|down|gate_up)_proj|dense/i;

/** compressed-tensors (llm-compressor): one config group of weights, read as the formats moe-calc has:
 *  fp8 128x128 blocks (with the MLA down-projections left in bf16 when the ignore list says so: Mistral
 *  Large 3), or 4-bit integer groups of 32 on the routed experts only (Kimi K2 Thinking / K2.5). */
function compressedTensors(qc: Cfg): string {
  const groups = qc.obj('config_groups');
  const names = Object.keys(groups.data);
  if (names.length !== 1) qc.fail('config_groups', 'exactly one group (mixed groups are not modelled)');
  const g = groups.obj(names[0]!);
  const w = g.obj('weights');
  const bits = w.int('num_bits');
  const type = w.str('type', 'int');
  const ignore = qc.strList('ignore') ?? [];
  const rest = ignore.filter((m) => !TOWER.test(m) && !KEPT_BY_EVERY_RECIPE.test(m.trim()));
  if (bits === 8 && type === 'float') {
    const block = w.raw('block_structure');
    if (w.str('strategy') !== 'block' || !Array.isArray(block) || block[0] !== 128 || block[1] !== 128) {
      w.fail('block_structure', '[128, 128] with strategy "block" (other fp8 layouts are not modelled)');
    }
    const other = rest.filter((m) => !MLA_DOWN.test(m));
    if (other.length) refuseIgnored(qc, other[0]!, 'fp8 blocks');
    return rest.length ? 'fp8-block-mla' : 'fp8-block';
  }
  if (bits === 4 && type === 'int') {
    const group = w.int('group_size', 0, { min: 0 });
    if (group !== 32 || !w.bool('symmetric', true)) w.fail('group_size', '32 with symmetric scales (int4-experts)');
    const other = rest.filter((m) => !ATTENTION.test(m) && !SHARED.test(m) && !DENSE_MLP.test(m));
    if (other.length || !rest.some((m) => ATTENTION.test(m))) {
      refuseIgnored(qc, other[0] ?? '(attention quantised)', 'int4 groups (only experts-only int4 is modelled)');
    }
    return 'int4-experts';
  }
  return w.fail('num_bits', '8-bit float blocks or 4-bit integer groups');
}

function refuseIgnored(qc: Cfg, m: string, recipe: string): never {
  throw new UserError(
    `${qc.where('ignore')}: "${m.slice(0, 60)}" left unquantised is not modelled for compressed-tensors ${recipe}; ` +
      'the native weight size would be a guess',
  );
}
