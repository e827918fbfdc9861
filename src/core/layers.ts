// Which decoder layer is what: attention (and which attention), SSM / linear mixer, MoE, dense MLP,
// sliding window. Layer sets are expanded once per architecture into masks (linear in the number of
// layers and indices), so every later question is an array lookup. Pure: no I/O.
import { CalcError } from './errors.js';
import type { Architecture, Attention, LayerSet } from './types.js';

const masks = new WeakMap<object, Map<number, Uint8Array>>();

/** The set as a 0/1 array over n layers (cached per set object). */
export function layerMask(set: LayerSet, n: number): Uint8Array {
  if (set === 'all') return new Uint8Array(n).fill(1);
  if (set === 'none') return new Uint8Array(n);
  let byN = masks.get(set);
  if (!byN) {
    byN = new Map();
    masks.set(set, byN);
  }
  const hit = byN.get(n);
  if (hit) return hit;
  const m = new Uint8Array(n);
  if ('indices' in set) {
    for (const i of set.indices) if (i < n) m[i] = 1;
  } else {
    const offsets = new Uint8Array(set.period);
    for (const o of set.offsets) if (o < set.period) offsets[o] = 1;
    for (let i = set.from ?? 0; i < n; i++) m[i] = offsets[i % set.period]!;
    for (const e of set.except ?? []) if (e < n) m[e] = 0;
  }
  byN.set(n, m);
  return m;
}

export function inLayerSet(set: LayerSet, i: number): boolean {
  if (set === 'all') return true;
  if (set === 'none') return false;
  if ('indices' in set) return set.indices.includes(i);
  if (set.from !== undefined && i < set.from) return false;
  if (set.except?.includes(i)) return false;
  return set.offsets.includes(i % set.period);
}

export function countLayers(set: LayerSet, n: number): number {
  if (set === 'all') return n;
  if (set === 'none') return 0;
  const m = layerMask(set, n);
  let c = 0;
  for (let i = 0; i < n; i++) c += m[i]!;
  return c;
}

/** Indices a set names that no layer has (or offsets no period reaches): a card error, never ignored. */
export function checkLayerSet(set: LayerSet, n: number, field: string): void {
  if (set === 'all' || set === 'none') return;
  const bad = (what: string, v: number, max: number) => {
    throw new CalcError(field, `${what} ${v} is out of range: expected an integer from 0 to ${max}`);
  };
  if ('indices' in set) {
    for (const i of set.indices) if (i >= n) bad('layer index', i, n - 1);
    return;
  }
  for (const o of set.offsets) if (o >= set.period) bad('offset', o, set.period - 1);
  if (set.from !== undefined && set.from >= n) bad('from', set.from, n - 1);
  for (const e of set.except ?? []) if (e >= n) bad('layer index in except', e, n - 1);
}

/** Per layer: its attention (-1: none, 0: the card's default, k: attention_variants[k - 1]), whether it
 *  is an SSM / linear mixer, MoE, dense MLP, sliding window. */
export interface LayerPlan {
  attention: Int16Array;
  ssm: Uint8Array;
  moe: Uint8Array;
  mlp: Uint8Array;
  sliding: Uint8Array;
  /** the attention specs: [default, ...variants] */
  specs: Attention[];
}

const plans = new WeakMap<Architecture, LayerPlan>();

export function layerPlan(a: Architecture): LayerPlan {
  const hit = plans.get(a);
  if (hit) return hit;
  const n = a.num_layers;
  const attn = layerMask(a.attention_layers, n);
  const attention = new Int16Array(n).fill(-1);
  const variants = a.attention_variants.map((v) => layerMask(v.layers, n));
  for (let i = 0; i < n; i++) {
    if (!attn[i]) continue;
    let k = 0;
    for (let v = 0; v < variants.length; v++) {
      if (variants[v]![i]) {
        k = v + 1;
        break;
      }
    }
    attention[i] = k;
  }
  const ssm = new Uint8Array(n);
  if (a.ssm) {
    if (a.ssm.layers) ssm.set(layerMask(a.ssm.layers, n));
    else for (let i = 0; i < n; i++) ssm[i] = attn[i] ? 0 : 1;
  }
  const moe = a.moe ? layerMask(a.moe.layers, n) : new Uint8Array(n);
  let mlp: Uint8Array;
  if (a.mlp.layers) mlp = layerMask(a.mlp.layers, n);
  else {
    mlp = new Uint8Array(n);
    for (let i = 0; i < n; i++) mlp[i] = moe[i] ? 0 : 1;
  }
  const sliding = a.sliding_window ? layerMask(a.sliding_window.layers, n) : new Uint8Array(n);
  const plan: LayerPlan = {
    attention,
    ssm,
    moe,
    mlp,
    sliding,
    specs: [a.attention, ...a.attention_variants.map((v) => v.attention)],
  };
  plans.set(a, plan);
  return plan;
}
