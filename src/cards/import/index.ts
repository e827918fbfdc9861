// Hugging Face config.json -> model card. The families below are the one table of supported model types:
// the importer dispatches on it, the "not supported" error and the README's list are generated from it.
// Multimodal checkpoints nest their text decoder (text_config, thinker_config.text_config); the decoder is
// read by its family and the towers are counted from their own sub-configs (towers.ts).
import { existsSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { groupDigits } from '../../core/digits.js';
import { deriveParams } from '../../core/params.js';
import { getPrecision, weightBytes } from '../../core/precision.js';
import type { Card } from '../../core/types.js';
import { UserError } from '../../errors.js';
import { checkCard, MAX_INDEX_BYTES, readJsonFile, validate } from '../load.js';
import { type CardInput, CardSchema } from '../schema.js';
import type { ExtraDraft, Family, ReadContext } from './common.js';
import { Cfg, type Json } from './config.js';
import { afmoe } from './families/afmoe.js';
import { arctic } from './families/arctic.js';
import { bailing } from './families/bailing.js';
import { dots1 } from './families/dots1.js';
import { ernie, VL_REFUSAL } from './families/ernie.js';
import { mistralParamsToConfig, pixtralTowers } from './families/mistral-large3.js';
import { exaoneMoe } from './families/exaone.js';
import { gemma4 } from './families/gemma4.js';
import { hunyuan } from './families/hunyuan.js';
import { jetmoe } from './families/jetmoe.js';
import { kimiLinear } from './families/kimi-linear.js';
import { lfm2Moe } from './families/lfm2.js';
import { longcat } from './families/longcat.js';
import { mimo } from './families/mimo.js';
import { minimaxLightning, minimaxM2 } from './families/minimax.js';
import { nemotronH } from './families/nemotron.js';
import { qwenNext } from './families/qwen-next.js';
import { solarOpen } from './families/solar.js';
import { step3, step3VisionTowers } from './families/step3.js';
import { dbrx, gptOss, grok, jamba, phimoe } from './families/classic.js';
import { deepseek } from './families/deepseek.js';
import { dense } from './families/dense.js';
import { glm } from './families/glm.js';
import { granite } from './families/granite.js';
import { llama4 } from './families/llama4.js';
import { mixtral } from './families/mixtral.js';
import { olmo } from './families/olmo.js';
import { qwenMoe } from './families/qwen-moe.js';
import { nativePrecision } from './precision.js';
import { gemma4Vision, glm4vVision, llama4Vision, moonVit, qwen3OmniAudio, qwen3VlVision } from './towers.js';

/** Every family importer, in the README's order. */
export const FAMILIES: readonly Family[] = [
  mixtral,
  qwenMoe,
  qwenNext,
  deepseek,
  glm,
  minimaxM2,
  minimaxLightning,
  gemma4,
  ernie,
  hunyuan,
  bailing,
  dots1,
  step3,
  mimo,
  afmoe,
  exaoneMoe,
  solarOpen,
  longcat,
  kimiLinear,
  nemotronH,
  arctic,
  jetmoe,
  lfm2Moe,
  dbrx,
  olmo,
  phimoe,
  gptOss,
  llama4,
  jamba,
  granite,
  grok,
  dense,
];

/** A multimodal wrapper: where its text decoder is and which towers engines load beside it. */
interface Wrapper {
  type: string;
  /** the text decoder's config, relative to the top level */
  text: (root: Cfg) => Cfg;
  /** model_type of the text decoder when its config does not say */
  textType: string;
  towers: (root: Cfg, textHidden: number) => ExtraDraft[];
  note: string;
}

const WRAPPERS: readonly Wrapper[] = [
  {
    type: 'llama4',
    text: (r) => r.obj('text_config'),
    textType: 'llama4_text',
    towers: (r, h) => (r.has('vision_config') ? [llama4Vision(r.obj('vision_config'), h)] : []),
    note: 'vision encoder from vision_config; vLLM loads it unless --language-model-only',
  },
  {
    type: 'qwen3_vl_moe',
    text: (r) => r.obj('text_config'),
    textType: 'qwen3_vl_moe_text',
    towers: (r, h) => [qwen3VlVision(r.obj('vision_config'), h)],
    note: 'vision tower from vision_config; vLLM loads it unless --language-model-only',
  },
  {
    type: 'qwen3_omni_moe',
    text: (r) => r.obj('thinker_config').obj('text_config'),
    textType: 'qwen3_omni_moe_text',
    towers: (r, h) => {
      const t = r.obj('thinker_config');
      return [qwen3VlVision(t.obj('vision_config'), h), qwen3OmniAudio(t.obj('audio_config'))];
    },
    note:
      'the thinker (text decoder, vision and audio encoders) is what vLLM serves; the talker and code2wav ' +
      'speech-output modules ship in the checkpoint but are neither loaded nor counted',
  },
  {
    type: 'glm4v_moe',
    text: (r) => r.obj('text_config'),
    textType: 'glm4v_moe_text',
    towers: (r) => [glm4vVision(r.obj('vision_config'))],
    note: 'vision tower from vision_config',
  },
  {
    type: 'kimi_k25',
    text: (r) => r.obj('text_config'),
    textType: 'kimi_k2',
    towers: (r) => [moonVit(r.obj('vision_config'))],
    note: 'MoonViT vision tower and projector from vision_config',
  },
  {
    type: 'gemma4',
    text: (r) => r.obj('text_config'),
    textType: 'gemma4_text',
    towers: (r, h) => (r.has('vision_config') ? [gemma4Vision(r.obj('vision_config'), h)] : []),
    note: 'vision tower from vision_config',
  },
  {
    type: 'step3_vl',
    text: (r) => r.obj('text_config'),
    textType: 'step3_text',
    towers: (r, h) => step3VisionTowers(r.obj('vision_config'), h),
    note: 'vision tower from vision_config',
  },

  {
    type: 'mistral_large_3',
    text: (r) => r.obj('text_config'),
    textType: 'deepseek_v3',
    towers: (r, h) => (r.has('vision_config') ? pixtralTowers(r.obj('vision_config'), h) : []),
    note: 'Pixtral vision tower from the vision encoder arguments; read from the Mistral-format params.json',
  },
  {
    type: 'qwen3_5_moe',
    text: (r) => r.obj('text_config'),
    textType: 'qwen3_5_moe_text',
    towers: (r, h) => (r.has('vision_config') ? [qwen3VlVision(r.obj('vision_config'), h)] : []),
    note: 'vision tower from vision_config',
  },
];

const byType = new Map<string, Family>();
for (const f of FAMILIES) for (const t of f.types) byType.set(t, f);

/** Every model_type the importer reads, as config.json spells them. */
export function supportedTypes(): string[] {
  return [...WRAPPERS.map((w) => w.type), ...FAMILIES.flatMap((f) => f.types)].sort();
}

/** The README's table of supported types (between its "supported-types" markers). */
export function supportedTypesMarkdown(): string {
  const rows = FAMILIES.map((f) => `| ${f.label} | ${f.types.map((t) => `\`${t}\``).join(', ')} | ${f.flagship} |`);
  const wrappers = WRAPPERS.map(
    (w) => `| multimodal: text decoder + ${w.note.split(';')[0]} | \`${w.type}\` | (text decoder: \`${w.textType}\`) |`,
  );
  return ['| family | model_type | checked against |', '|---|---|---|', ...rows, ...wrappers].join('\n');
}

/** A config whose model_type no family reads; the type travels with the error (the hub route describes such a
 *  model from its checkpoint headers instead). */
export class UnsupportedTypeError extends UserError {
  constructor(
    message: string,
    readonly modelType: string,
  ) {
    super(message);
  }
}

function unsupported(file: string, key: string, type: string): UserError {
  return new UnsupportedTypeError(
    `${file}: ${key}: "${type}" is not supported; supported: ${supportedTypes().join(', ')}. ` +
      'For a model type the importer does not know, point moe-calc at the checkpoint (a hub id or a folder with ' +
      'its safetensors) for exact totals from the tensor headers',
    type,
  );
}

/** A config's model name: its `_name_or_path` (metadata: any value that names nothing falls back), else
 *  the file's name when it is not config.json ("zai-org--GLM-4.5-Air.json"), else the folder's. */
// C0/C1 controls, DEL and bidirectional marks: a name is metadata, these only ever act on a terminal
// biome-ignore lint/suspicious/noControlCharactersInRegex: exactly the characters a card name must not carry
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** The card name: the last part of `_name_or_path`, else the file or folder name. `_name_or_path` is metadata
 *  ("/", 300 characters, control characters): never a reason to refuse the config. */
export function modelName(nameOrPath: unknown, file: string): string {
  const clean = (s: string) => s.replace(CONTROL, '').trim();
  const fromPath = typeof nameOrPath === 'string' ? clean(basename(nameOrPath.trim().replace(/[\\/]+$/, ''))) : '';
  if (fromPath && /[a-z0-9]/i.test(fromPath) && fromPath.length <= 200) return fromPath;
  const stem = clean(basename(file).replace(/\.json$/i, '')).slice(0, 200);
  if (stem && /[a-z0-9]/i.test(stem) && stem.toLowerCase() !== 'config' && stem.toLowerCase() !== 'params') return stem;
  const folder = clean(basename(dirname(resolve(file)))).slice(0, 200);
  return folder && /[a-z0-9]/i.test(folder) ? folder : 'imported model';
}

function kebabId(s: string): string {
  const id = s
    .toLowerCase()
    .replace(/[^a-z0-9.]+/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '')
    .replace(/-+/g, '-')
    .slice(0, 64)
    .replace(/[-.]+$/, '');
  return /^[a-z0-9]/.test(id) && id.length > 0 ? id : 'imported-model';
}

const squash = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, '');
const CLASS_SUFFIX = /(ForCausalLM|ForConditionalGeneration|LMHeadModel|ForSequenceClassification|Model)$/;

/** An `architectures` class that names another supported family than model_type (MixtralForCausalLM on a
 *  qwen3 config) says the config was edited or mixed up: which one holds is unknowable, so it is refused. */
function checkArchitectures(file: string, architectures: string[], type: string, topType: string, family: Family) {
  architectures.forEach((cls, i) => {
    const stem = squash(cls.replace(CLASS_SUFFIX, ''));
    if (stem === squash(type) || stem === squash(topType)) return;
    const other = [...byType.keys()].find((t) => squash(t) === stem);
    if (other !== undefined && byType.get(other) !== family) {
      throw new UserError(
        `${file}: architectures.${i}: "${cls}" is the class of model_type "${other}", but model_type is ` +
          `"${topType}"; expected a class of the ${topType} family (fix whichever of the two is wrong)`,
      );
    }
  });
}

export interface ImportResult {
  card: Card;
  /** model.safetensors.index.json beside the config, compared with the derived bytes */
  crossCheck?: { totalSize: number; derivedBytes: number; agrees: boolean; note: string };
}

/** How a config fetched from the hub is named and cited (its file sits in a cache folder named by commit). */
export interface ImportOptions {
  /** the model's name (default: _name_or_path, else the file or folder name) */
  name?: string;
  /** the card's source line (default: the file path) */
  sourceUrl?: string;
  hfRepo?: string;
}

/** Map a parsed config.json to a validated card. */
export function importConfig(data: unknown, file: string, opts: ImportOptions = {}): ImportResult {
  if (!data || typeof data !== 'object' || Array.isArray(data)) {
    throw new UserError(`${file}: (top level): expected a JSON object (a config.json)`);
  }
  const root = new Cfg(data as Json, file, '');
  const topType = root.str('model_type');
  if (topType === undefined)
    throw new UserError(`${file}: model_type: required; supported: ${supportedTypes().join(', ')}`);
  const architectures = root.strList('architectures') ?? [];
  let type = topType.toLowerCase();
  let c = root;
  const notes: string[] = [];
  let towers: ExtraDraft[] = [];
  // a known type whose construct the card model lacks: say so plainly instead of "not supported"
  if (type === 'ernie4_5_vl_moe') throw new UserError(`${file}: model_type: "${type}": ${VL_REFUSAL}`);
  const wrapper = WRAPPERS.find((w) => w.type === type);
  if (wrapper) {
    c = wrapper.text(root);
    if (Object.keys(c.data).length === 0)
      throw new UserError(`${file}: ${c.prefix.replace(/\.$/, '')}: required for model_type "${type}"`);
    type = (c.str('model_type') ?? wrapper.textType).toLowerCase();
    if (type === 'deepseek_v3' && wrapper.type === 'kimi_k25') type = 'kimi_k2';
    notes.push(`multimodal checkpoint (${topType}): ${wrapper.note}`);
  } else if (root.has('text_config')) {
    throw new UserError(
      `${file}: text_config: a nested text config is read for ${WRAPPERS.map((w) => w.type).join(', ')} only ` +
        `(model_type "${topType}")`,
    );
  }
  // Grok-2's config says model_type "git" (a transformers placeholder); its architecture says Grok
  if (type === 'git' && architectures[0]?.startsWith('Grok')) type = 'grok';
  const family = byType.get(type);
  if (!family) throw unsupported(file, wrapper ? `${c.prefix}model_type` : 'model_type', type);
  checkArchitectures(file, architectures, type, topType, family);
  const ctx: ReadContext = { type, architectures, root };
  const { a, notes: familyNotes } = family.read(c, ctx);
  if (wrapper) towers = wrapper.towers(root, a.hidden_size);
  // quantization / dtype live on the top-level config even when the text config is nested
  const native = nativePrecision(root.has('quantization_config') || !c.present('torch_dtype') ? root : c);
  const name = opts.name ?? modelName(root.raw('_name_or_path'), file);
  const card: CardInput = {
    id: kebabId(name),
    name,
    organisation: 'unknown (imported)',
    ...(opts.hfRepo ? { hf_repo: opts.hfRepo } : {}),
    sources: [
      {
        url: opts.sourceUrl ?? file,
        supports: `Hugging Face config.json (model_type ${topType}), imported by moe-calc`,
      },
    ],
    notes: [...familyNotes, ...notes],
    architecture: { ...a, native_precision: native },
    extra_components: towers,
  };
  const valid = validate(CardSchema, card, file);
  checkCard(valid, file);
  const result: ImportResult = { card: valid };
  const idx = join(dirname(file), 'model.safetensors.index.json');
  if (existsSync(idx)) result.crossCheck = crossCheck(valid, idx);
  return result;
}

function crossCheck(card: Card, idxPath: string): ImportResult['crossCheck'] {
  const idx = readJsonFile(idxPath, 'safetensors index', MAX_INDEX_BYTES) as { metadata?: { total_size?: unknown } };
  const ts = idx?.metadata?.total_size;
  if (typeof ts !== 'number' || !Number.isSafeInteger(ts) || ts <= 0) {
    return {
      totalSize: 0,
      derivedBytes: 0,
      agrees: false,
      note: `${idxPath}: metadata.total_size missing or not an integer`,
    };
  }
  const d = deriveParams(card);
  const a = card.architecture;
  const p = getPrecision(a.native_precision);
  const derived = weightBytes(d.tensors, p, a.num_layers, a.moe?.experts ?? 0, a).total;
  const withMtp = derived + Math.round(d.mtp * (derived / d.total));
  const diff = ts - derived;
  const rel = diff / ts;
  const agrees = Math.abs(rel) < 0.001 || (d.mtp > 0 && Math.abs((ts - withMtp) / ts) < 0.001);
  const note = agrees
    ? `model.safetensors.index.json total_size ${groupDigits(ts)} bytes agrees with the derived ` +
      `${groupDigits(derived)} bytes at ${p.id}` +
      (diff !== 0 ? ` (${diff > 0 ? '+' : ''}${groupDigits(diff)} bytes)` : ' exactly')
    : `model.safetensors.index.json total_size ${groupDigits(ts)} bytes differs from the derived ` +
      `${groupDigits(derived)} bytes at ${p.id} by ${(rel * 100).toFixed(2)}%` +
      (d.mtp > 0 ? ` (MTP layers included: ${groupDigits(withMtp)})` : '');
  return { totalSize: ts, derivedBytes: derived, agrees, note };
}

export function importConfigFile(path: string, opts: ImportOptions = {}): ImportResult {
  // Mistral-format checkpoints (Mistral Large 3) ship params.json instead of config.json
  if (basename(path).toLowerCase() === 'params.json') {
    return importConfig(mistralParamsToConfig(readJsonFile(path, 'params.json'), path), path, opts);
  }
  return importConfig(readJsonFile(path, 'config.json'), path, opts);
}
