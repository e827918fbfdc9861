// moe-calc show <model>: the exact parameter breakdown, with how each part is formed and its sources.
import { resolveModel } from '../cards/registry.js';
import { deriveParams, COMPONENTS, type Component } from '../core/params.js';
import { explainComponents } from '../core/explain.js';
import { getPrecision, weightBytes } from '../core/precision.js';
import { kvPerToken } from '../core/kv.js';
import { terminalTable } from '../render/table.js';
import { bytes, int, params, pct, smallBytes } from '../render/format.js';
import { c } from '../render/color.js';
import { SCHEMA_VERSION, printJson, print, registryOptions, unitOf, type GlobalOptions } from './common.js';

const LABELS: Record<Component, string> = {
  embeddings: 'embeddings',
  lmHead: 'LM head',
  attention: 'attention',
  denseMlp: 'dense MLP',
  routedExperts: 'routed experts',
  sharedExperts: 'shared experts',
  routers: 'routers',
  norms: 'norms',
  ssm: 'SSM (Mamba)',
};

export async function showCommand(model: string, o: GlobalOptions): Promise<number> {
  const { card, file, origin, crossCheck } = await resolveModel(model, registryOptions(o));
  const a = card.architecture;
  const d = deriveParams(card);
  const native = getPrecision(a.native_precision, 'architecture.native_precision');
  const nE = a.moe?.experts ?? 0;
  const wNative = weightBytes(d.tensors, native, a.num_layers, nE);
  const wBf16 = weightBytes(d.tensors, getPrecision('bf16'), a.num_layers, nE);
  const kv = kvPerToken(a, 2);
  const explain = explainComponents(a, d);
  if (o.json) {
    printJson({
      schemaVersion: SCHEMA_VERSION,
      model: {
        id: card.id,
        name: card.name,
        organisation: card.organisation,
        released: card.released ?? null,
        licence: card.licence ?? null,
        hfRepo: card.hf_repo ?? null,
        file,
        origin,
      },
      crossCheck: crossCheck ?? null,
      params: {
        total: d.total,
        active: d.active,
        activeNonEmbedding: d.activeNonEmbedding,
        perExpert: d.perExpert,
        perExpertLayer: d.perExpertLayer,
        mtp: d.mtp,
        extra: d.extra,
        checkpointTotal: d.total + d.mtp + d.extra,
        // transformers' sum(p.numel()) leaves out these persistent buffers (DeepSeek/GLM router correction biases)
        transformersParameters: d.total - d.buffers,
        breakdown: d.breakdown,
        derivation: explain,
      },
      layers: d.layers,
      weights: { nativePrecision: native.id, nativeBytes: wNative.total, bf16Bytes: wBf16.total },
      kvCache: {
        dtype: 'bf16',
        bytesPerToken: kv.full + kv.sliding,
        fullAttentionBytesPerToken: kv.full,
        slidingBytesPerToken: kv.sliding,
        window: a.sliding_window?.window ?? null,
        stateBytesPerSequence: kv.statePerSequence,
      },
      architecture: a,
      extraComponents: card.extra_components,
      sources: card.sources,
      notes: card.notes,
    });
    return 0;
  }
  const u = unitOf(o);
  const k = c();
  print(
    k.bold(`${card.name}`) +
      `  (${[card.id, card.organisation, card.released, card.licence].filter(Boolean).join(', ')})`,
  );
  print(`card: ${file}${card.hf_repo ? `   checkpoint: ${card.hf_repo}` : ''}`);
  print('');
  const rows = COMPONENTS.filter((comp) => d.breakdown[comp] > 0).map((comp) => [
    LABELS[comp],
    int(d.breakdown[comp]),
    pct(d.breakdown[comp] / d.total),
    explain[comp],
  ]);
  rows.push([k.bold('total'), k.bold(int(d.total)), '100.0%', 'sum of the rows above']);
  print(terminalTable({ head: ['component', 'parameters', 'share', 'how it is formed'], rows, right: [1, 2] }));
  const moe = a.moe;
  print('');
  print(`total parameters   ${int(d.total)} (${params(d.total)})`);
  if (moe) {
    print(
      `active per token   ${int(d.active)} (${params(d.active)}) = total - routed experts + ${moe.top_k} of ${moe.experts} experts in each of ${d.layers.moe} MoE layers`,
    );
    print(
      `  without the input embedding: ${int(d.activeNonEmbedding)} (${params(d.activeNonEmbedding)}), the definition DeepSeek, Moonshot and OpenAI use`,
    );
    print(
      `one routed expert  ${int(d.perExpertLayer)} per layer, ${int(d.perExpert)} (${params(d.perExpert)}) across all ${d.layers.moe} MoE layers`,
    );
  } else {
    print(`active per token   ${int(d.active)} (dense: every parameter)`);
  }
  if (d.mtp > 0)
    print(
      `MTP layers         ${int(d.mtp)} (${params(d.mtp)}) shipped in the checkpoint beside the decoder, not in the total`,
    );
  for (const e of card.extra_components)
    print(
      `${e.name}: ${int(e.params)} (${params(e.params)}), not in the total; checkpoint total ${int(d.total + d.mtp + d.extra)}  [${e.source}]`,
    );
  print('');
  print(
    `weights at ${native.id} (native): ${bytes(wNative.total, u)}  (${wNative.bpw.toFixed(3)} bits/param)   at bf16: ${bytes(wBf16.total, u)}`,
  );
  const kvLine = a.sliding_window
    ? `${smallBytes(kv.full, u)} per token on full-attention layers + ${smallBytes(kv.sliding, u)} per token on ${d.layers.sliding} sliding layers (up to ${int(a.sliding_window.window)} tokens)`
    : `${smallBytes(kv.full, u)} per token (${int(kv.full)} bytes)`;
  print(
    `KV cache at bf16:  ${kvLine}${kv.statePerSequence ? ` + ${smallBytes(kv.statePerSequence, u)} Mamba state per sequence` : ''}`,
  );
  print(`max context: ${int(a.max_context)} tokens`);
  if (crossCheck) print(`checkpoint: ${crossCheck}`);
  print('');
  print(k.bold('sources'));
  for (const s of card.sources) print(`  - ${s.url}\n    ${s.supports}`);
  if (card.notes.length) {
    print(k.bold('notes'));
    for (const n of card.notes) print(`  - ${n}`);
  }
  return 0;
}
