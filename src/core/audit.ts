// Audit of quoted figures ("claims") against the derivation. Pure: no I/O.
//
// How a quote is judged (the one place these rules live; README "How claims are judged"):
// - rounding 0 (an exact figure): holds only when equal;
// - rounding r (the step the quote is written to, 1e9 for "314B", 1e8 for "3140亿" or "46.7B"):
//   holds when the derived value rounds to the quote (|d - v| <= r/2) or truncates to it (v <= d < v + r);
// - no rounding ("about 500GB", "> 90 GB"): holds within 5%;
// - otherwise close within 10% (the gap is stated), else does not hold (with the ratio);
// - units the derivation has no meaning for (characters of text) are not checkable.
import type { Card, Claim, Gpu } from './types.js';
import type { ParamDerivation } from './params.js';
import { COMPONENTS } from './params.js';
import { getPrecision, weightBytes, type Precision } from './precision.js';
import { planForCount, type Plan } from './fit.js';
import { DEFAULT_UTILIZATION } from './overhead.js';
import { groupDigits } from './digits.js';

export type Verdict = 'holds' | 'close' | 'does not hold' | 'not checkable';

export const ABOUT_TOLERANCE = 0.05;
export const CLOSE_TOLERANCE = 0.1;

export interface ClaimResult {
  claim: Claim;
  verdict: Verdict;
  /** the derived value in the claim's unit (null when not checkable) */
  derived: number | null;
  /** quoted / derived */
  ratio: number | null;
  /** why, in words */
  reason: string;
  /** which components or formula gave the derived value */
  derivation: string;
  /** gpu_requirement: the plans checked */
  plans?: { precision: string; fits: boolean; freeBytes: number; maxContext: number; layout: string }[];
}

export function judge(
  value: number,
  derived: number,
  rounding: number | undefined,
): { verdict: Verdict; gap: string; truncated?: boolean } {
  const rel = derived === 0 ? Infinity : (value - derived) / derived;
  const gap = `${Math.abs(rel * 100).toFixed(1)}% ${rel < 0 ? 'below' : 'above'} the derived value`;
  if (rounding === 0) {
    if (value === derived) return { verdict: 'holds', gap };
  } else if (rounding !== undefined) {
    if (Math.abs(derived - value) <= rounding / 2 + 1e-9 * Math.abs(value)) return { verdict: 'holds', gap };
    if (derived >= value && derived < value + rounding) return { verdict: 'holds', gap, truncated: true };
  } else if (Math.abs(rel) <= ABOUT_TOLERANCE) return { verdict: 'holds', gap };
  if (Math.abs(rel) <= CLOSE_TOLERANCE) return { verdict: 'close', gap };
  return { verdict: 'does not hold', gap };
}

function fmtB(n: number): string {
  return n >= 1e9 ? `${+(n / 1e9).toFixed(2)}B` : groupDigits(n);
}

function roundTo(n: number, step: number): string {
  return fmtB(Math.round(n / step) * step);
}

function breakdownText(d: ParamDerivation): string {
  return COMPONENTS.filter((c) => d.breakdown[c] > 0)
    .map((c) => `${c} ${fmtB(d.breakdown[c])}`)
    .join(' + ');
}

interface Candidate {
  value: number;
  definition: string;
}

function paramCandidates(card: Card, d: ParamDerivation, kind: Claim['kind']): Candidate[] {
  const a = card.architecture;
  switch (kind) {
    case 'total_params': {
      const c: Candidate[] = [{ value: d.total, definition: `total = ${breakdownText(d)}` }];
      if (d.extra > 0)
        c.push({
          value: d.total + d.extra,
          definition: `total with ${card.extra_components.map((e) => e.name).join(', ')} (${fmtB(d.extra)})`,
        });
      if (d.mtp > 0)
        c.push({
          value: d.total + d.mtp + d.extra,
          definition: `checkpoint total with the MTP layers (${fmtB(d.mtp)})`,
        });
      return c;
    }
    case 'active_params': {
      const m = a.moe;
      const how = m
        ? `total - routed experts ${fmtB(d.breakdown.routedExperts)} + ${m.top_k}/${m.experts} of them`
        : 'dense: every parameter';
      return [
        { value: d.active, definition: `active = ${how}` },
        {
          value: d.activeNonEmbedding,
          definition: `active without the input embedding (${fmtB(d.breakdown.embeddings)})`,
        },
      ];
    }
    case 'per_expert_params':
      return [
        {
          value: d.perExpert,
          definition:
            `one expert across ${d.layers.moe} MoE layers = routed experts ` +
            `${fmtB(d.breakdown.routedExperts)} / ${a.moe?.experts ?? 1}`,
        },
        { value: d.perExpertLayer, definition: 'one expert in one layer' },
      ];
    default:
      return [];
  }
}

function checkCandidates(claim: Claim, cands: Candidate[]): ClaimResult {
  const first = cands[0]!;
  const r0 = judge(claim.value, first.value, claim.rounding);
  if (r0.verdict === 'holds') {
    const reason = r0.truncated
      ? `the quote truncates the derived value (it would round to ${roundTo(first.value, claim.rounding!)})`
      : 'within the rounding of the quote';
    return {
      claim,
      verdict: 'holds',
      derived: first.value,
      ratio: claim.value / first.value,
      reason,
      derivation: first.definition,
    };
  }
  for (const alt of cands.slice(1)) {
    const r = judge(claim.value, alt.value, claim.rounding);
    if (r.verdict === 'holds')
      return {
        claim,
        verdict: 'holds',
        derived: alt.value,
        ratio: claim.value / alt.value,
        reason: `holds as ${alt.definition}`,
        derivation: `${alt.definition}; ${first.definition}`,
      };
  }
  const ratio = claim.value / first.value;
  const reason =
    r0.verdict === 'close'
      ? r0.gap
      : `${ratio >= 1 ? `${ratio.toFixed(2)}x` : `${(ratio * 100).toFixed(1)}% of`} the derived value` +
        (claim.note ? `; ${claim.note}` : '');
  return {
    claim,
    verdict: r0.verdict,
    derived: first.value,
    ratio,
    reason: r0.verdict === 'close' && claim.note ? `${reason}; ${claim.note}` : reason,
    derivation: first.definition,
  };
}

function exactField(claim: Claim, derived: number | undefined, what: string): ClaimResult {
  if (derived === undefined)
    return {
      claim,
      verdict: 'not checkable',
      derived: null,
      ratio: null,
      reason: `the card has no ${what}`,
      derivation: '',
    };
  const { verdict, gap } = judge(claim.value, derived, claim.rounding ?? 0);
  return {
    claim,
    verdict,
    derived,
    ratio: claim.value / derived,
    reason: verdict === 'holds' ? 'matches the card' : gap,
    derivation: `${what} from the published config`,
  };
}

export interface AuditContext {
  /** GPUs for gpu_requirement claims: a GPU of the quoted size is synthesised */
  kvBytes?: number;
  context?: number;
}

/** A GPU with exactly the memory a claim names ("40 GB" of HBM is marketed as GiB: A100 40GB = 40 GiB). */
export function nominalGpu(gb: number): Gpu {
  return {
    id: `gpu-${gb}gb`,
    name: `${gb} GB GPU`,
    vendor: 'any',
    aliases: [],
    memory_bytes: Math.round(gb * 2 ** 30),
    usable_fraction: 1,
    bandwidth_gbps: 1,
    bf16_tflops: 1,
    native_fp8: true,
    native_fp4: true,
    gpus_per_node: 8,
    source: 'synthesised from the claim',
  };
}

const GPU_CLAIM_PRECISIONS = ['bf16', 'fp8', 'int8', 'int4'];

function gpuClaim(card: Card, d: ParamDerivation, claim: Claim, ctx: AuditContext): ClaimResult {
  const g = claim.gpus!;
  const gpu = nominalGpu(g.min_memory_gb);
  const context = Math.min(ctx.context ?? 8192, card.architecture.max_context);
  const ids = [
    ...new Set([card.architecture.native_precision, ...GPU_CLAIM_PRECISIONS].map((p) => getPrecision(p).id)),
  ];
  const plans: NonNullable<ClaimResult['plans']> = [];
  for (const id of ids) {
    const precision = getPrecision(id);
    const p: Plan | undefined = planForCount(
      card,
      d,
      gpu,
      { precision, kvBytes: ctx.kvBytes ?? 2, context, batch: 1, utilization: DEFAULT_UTILIZATION, gpusPerNode: 8 },
      g.count,
    );
    if (p)
      plans.push({
        precision: id,
        fits: p.fits,
        freeBytes: p.perGpu.freeBytes,
        maxContext: p.maxContext,
        layout: `TP${p.tensorParallel}${p.pipelineParallel > 1 ? ` x PP${p.pipelineParallel}` : ''}`,
      });
  }
  const ok = plans.filter((p) => p.fits);
  const cluster = `${g.count} x ${g.min_memory_gb} GB`;
  let reason: string;
  if (ok.length) {
    const best = ok[0]!;
    const not = plans.filter((p) => !p.fits).map((p) => p.precision);
    reason =
      `fits ${cluster} at ${ok.map((p) => p.precision).join(', ')} (at ${best.precision}: ${best.layout}, ` +
      `${(best.freeBytes / 1e9).toFixed(1)} GB free per GPU for more KV cache, up to ` +
      `${groupDigits(best.maxContext)} tokens of context)` +
      (not.length ? `; not at ${not.join(', ')}` : '');
  } else if (plans.length) {
    reason = `does not fit ${cluster} at ${plans.map((p) => p.precision).join(', ')}`;
  } else {
    reason =
      `no layout of ${g.count} GPUs is allowed for this model (tensor parallelism must divide ` +
      `its attention heads)`;
  }
  const quotedTotal = card.claims.find(
    (c) => c.kind === 'total_params' && judge(c.value, d.total, c.rounding).verdict === 'does not hold',
  );
  if (quotedTotal) {
    const fp8Bytes = quotedTotal.value;
    const clusterBytes = g.count * g.min_memory_gb * 2 ** 30;
    if (fp8Bytes > clusterBytes) {
      reason +=
        `; with the quoted ${fmtB(quotedTotal.value)} total even 8-bit weights alone ` +
        `(${(fp8Bytes / 1e9).toFixed(0)} GB) would exceed the cluster's ${(clusterBytes / 1e9).toFixed(0)} GB`;
    }
  }
  return {
    claim,
    verdict: ok.length ? 'holds' : 'does not hold',
    derived: ok.length ? g.count : null,
    ratio: null,
    reason,
    derivation:
      `fit engine: ${g.count} GPUs of ${g.min_memory_gb} GiB, context ${context} tokens, ` +
      `utilization ${DEFAULT_UTILIZATION}`,
    plans,
  };
}

function bytesClaim(card: Card, d: ParamDerivation, claim: Claim): ClaimResult {
  const a = card.architecture;
  const precision: Precision = getPrecision(claim.precision ?? a.native_precision, 'claims.precision');
  const w = weightBytes(d.tensors, precision, a.num_layers, a.moe?.experts ?? 0, a);
  const unitBytes = claim.unit === 'GB' ? 1e9 : claim.unit === 'GiB' ? 2 ** 30 : 1;
  const derived = w.total / unitBytes;
  const derivation =
    `${fmtB(d.total)} parameters at ${precision.id} (${w.bpw.toFixed(3)} bits each on average) = ` +
    `${(w.total / 1e9).toFixed(2)} GB = ${(w.total / 2 ** 30).toFixed(2)} GiB of weights`;
  const r = judge(claim.value, derived, claim.rounding);
  if (r.verdict !== 'holds' && claim.unit === 'GB') {
    const asGib = w.total / 2 ** 30;
    if (judge(claim.value, asGib, claim.rounding).verdict === 'holds') {
      return {
        claim,
        verdict: 'holds',
        derived: asGib,
        ratio: claim.value / asGib,
        reason:
          `holds if "GB" means GiB (${asGib.toFixed(1)} GiB); in decimal units the weights are ` +
          `${(w.total / 1e9).toFixed(1)} GB`,
        derivation,
      };
    }
  }
  const what =
    claim.kind === 'weight_bytes'
      ? 'weights only: KV cache and runtime overhead come on top'
      : 'tensor bytes; file headers and tokenizer add a little';
  const reason =
    r.verdict === 'holds'
      ? `within the rounding of the quote (${what})`
      : `${r.gap}${claim.note ? `; ${claim.note}` : ''}`;
  return { claim, verdict: r.verdict, derived, ratio: claim.value / derived, reason, derivation };
}

export function auditClaim(card: Card, d: ParamDerivation, claim: Claim, ctx: AuditContext = {}): ClaimResult {
  const a = card.architecture;
  switch (claim.kind) {
    case 'total_params':
    case 'active_params':
    case 'per_expert_params':
      if (claim.unit !== 'params') return notCheckable(claim, `a parameter claim must be in params, not ${claim.unit}`);
      if (claim.kind === 'per_expert_params' && !a.moe) return notCheckable(claim, 'the model has no experts');
      return checkCandidates(claim, paramCandidates(card, d, claim.kind));
    case 'experts':
      return exactField(claim, a.moe?.experts, 'routed expert count');
    case 'top_k':
      return exactField(claim, a.moe?.top_k, 'experts per token');
    case 'vocab':
      return exactField(claim, a.vocab_size, 'vocabulary size');
    case 'context':
      if (claim.unit !== 'tokens')
        return notCheckable(
          claim,
          `context in ${claim.unit} depends on the text; the model's context is ` +
            `${groupDigits(a.max_context)} tokens${claim.note ? `; ${claim.note}` : ''}`,
        );
      return exactField(claim, a.max_context, 'maximum context (tokens)');
    case 'weight_bytes':
    case 'file_size':
      if (!['GB', 'GiB', 'bytes'].includes(claim.unit)) return notCheckable(claim, `unit ${claim.unit} is not a size`);
      return bytesClaim(card, d, claim);
    case 'gpu_requirement':
      return gpuClaim(card, d, claim, ctx);
  }
}

function notCheckable(claim: Claim, reason: string): ClaimResult {
  return { claim, verdict: 'not checkable', derived: null, ratio: null, reason, derivation: '' };
}

export function auditCard(card: Card, d: ParamDerivation, ctx: AuditContext = {}): ClaimResult[] {
  return card.claims.map((c) => auditClaim(card, d, c, ctx));
}
