// The audit report: every quoted claim of the cards asked for, judged against the derivation. Pure.
import { auditCard, type ClaimResult } from '../audit.js';
import { deriveParams } from '../params.js';
import type { Card } from '../types.js';
import { SCHEMA_VERSION } from './fit.js';

export interface AuditClaim {
  quote: string;
  source: string;
  date: string | null;
  kind: string;
  value: number;
  unit: string;
  rounding: number | null;
  official: boolean;
  verdict: ClaimResult['verdict'];
  derived: number | null;
  ratio: number | null;
  reason: string;
  derivation: string;
  plans: ClaimResult['plans'] | null;
  /** gpu_requirement: the cluster the quote names */
  gpus: { count: number; minMemoryGb: number } | null;
}

export interface AuditReport {
  schemaVersion: 1;
  strict: boolean;
  claimsChecked: number;
  doesNotHold: number;
  models: { id: string; name: string; file: string; claims: AuditClaim[] }[];
}

export function buildAuditReport(cards: readonly { card: Card; file: string }[], strict: boolean): AuditReport {
  const models = cards.map(({ card, file }) => ({
    id: card.id,
    name: card.name,
    file,
    claims: auditCard(card, deriveParams(card)).map(
      (r): AuditClaim => ({
        quote: r.claim.quote,
        source: r.claim.source,
        date: r.claim.date ?? null,
        kind: r.claim.kind,
        value: r.claim.value,
        unit: r.claim.unit,
        rounding: r.claim.rounding ?? null,
        official: r.claim.official,
        verdict: r.verdict,
        derived: r.derived,
        ratio: r.ratio,
        reason: r.reason,
        derivation: r.derivation,
        plans: r.plans ?? null,
        gpus: r.claim.gpus ? { count: r.claim.gpus.count, minMemoryGb: r.claim.gpus.min_memory_gb } : null,
      }),
    ),
  }));
  const all = models.flatMap((m) => m.claims);
  return {
    schemaVersion: SCHEMA_VERSION,
    strict,
    claimsChecked: all.length,
    doesNotHold: all.filter((c) => c.verdict === 'does not hold').length,
    models,
  };
}
