import { createHash } from 'node:crypto';
import { addAmounts, compareAmounts, isZero, normalizeAmount, subtractAmounts, sumAmounts } from '@budget-erp/money';
import type { DriftLine } from '@budget-erp/contracts';

/** A line as the ERP holds it (or as the platform last synced it). */
export interface BaselineLine {
  costCode: string;
  costType: string | null;
  subJob: string | null;
  description: string | null;
  amount: string;
}

const keyOf = (l: Pick<BaselineLine, 'costCode' | 'costType' | 'subJob'>): string => JSON.stringify([l.costCode, l.costType ?? null, l.subJob ?? null]);

/** Lines summed by cost code, cost type and sub job, as an ERP keeps a job's budget. */
function byKey(lines: readonly BaselineLine[]): Map<string, BaselineLine> {
  const map = new Map<string, BaselineLine>();
  for (const line of lines) {
    const key = keyOf(line);
    const held = map.get(key);
    if (held) map.set(key, { ...held, amount: addAmounts(held.amount, line.amount), description: line.description ?? held.description });
    else map.set(key, { costCode: line.costCode, costType: line.costType ?? null, subJob: line.subJob ?? null, description: line.description ?? null, amount: normalizeAmount(line.amount) });
  }
  return map;
}

/**
 * What the ERP job should hold once an export of the budget is posted, as the ERPs apply it: an
 * original sets each of its lines' amounts, a revision moves them by its amounts.
 */
export function baselineAfterPosting(baseline: readonly BaselineLine[], kind: 'original' | 'revision', exported: readonly BaselineLine[]): BaselineLine[] {
  const map = byKey(baseline);
  for (const line of byKey(exported).values()) {
    const key = keyOf(line);
    const held = map.get(key);
    const amount = kind === 'original' || !held ? line.amount : addAmounts(held.amount, line.amount);
    map.set(key, { ...line, description: line.description ?? held?.description ?? null, amount });
  }
  return [...map.values()].filter((l) => !isZero(l.amount));
}

/** What the platform holds after importing the ERP budget: exactly the ERP lines above $0. */
export const baselineAfterImport = (imported: readonly BaselineLine[]): BaselineLine[] => [...byKey(imported).values()].filter((l) => compareAmounts(l.amount, '0') > 0);

/** Every line whose amount differs between the platform's last sync and the ERP job, in cost code order; a line one side lacks counts as 0. */
export function differingLines(baseline: readonly BaselineLine[], erp: readonly BaselineLine[]): DriftLine[] {
  const platform = byKey(baseline);
  const inErp = byKey(erp);
  const keys = new Set([...platform.keys(), ...inErp.keys()]);
  const lines: DriftLine[] = [];
  for (const key of keys) {
    const p = platform.get(key);
    const e = inErp.get(key);
    const platformAmount = p?.amount ?? '0.00';
    const erpAmount = e?.amount ?? '0.00';
    if (compareAmounts(platformAmount, erpAmount) === 0) continue;
    const line = (e ?? p)!;
    lines.push({
      costCode: line.costCode,
      costType: line.costType,
      subJob: line.subJob,
      description: e?.description ?? p?.description ?? null,
      platformAmount: normalizeAmount(platformAmount),
      erpAmount: normalizeAmount(erpAmount),
      difference: subtractAmounts(erpAmount, platformAmount),
    });
  }
  return lines.sort((a, b) => keyOf(a).localeCompare(keyOf(b)));
}

export const totalOf = (lines: readonly BaselineLine[]): string => sumAmounts(lines.map((l) => l.amount));

/** Names a set of differing lines: the same difference found twice is the same digest. */
export const driftDigestOf = (lines: readonly DriftLine[]): string => createHash('sha256').update(JSON.stringify(lines)).digest('base64url');

/** The drift state a budget is in: agreeing with its ERP job, or drifted under an id with these differing lines. */
export type DriftState = { status: 'in_sync' } | { status: 'drifted'; driftId: string; digest: string };

export type DriftDecision =
  | { publish: null; next: DriftState }
  | { publish: 'detected'; next: Extract<DriftState, { status: 'drifted' }>; lines: DriftLine[] }
  | { publish: 'resolved'; next: { status: 'in_sync' }; driftId: string };

/**
 * What a comparison means: a difference where there was none begins a drift (a new id); a
 * different difference is published again under the same id; no difference ends a drift; the
 * same difference, or agreement again, publishes nothing.
 */
export function decideDrift(state: DriftState, lines: DriftLine[], newDriftId: () => string): DriftDecision {
  if (lines.length === 0) {
    return state.status === 'drifted' ? { publish: 'resolved', next: { status: 'in_sync' }, driftId: state.driftId } : { publish: null, next: state };
  }
  const digest = driftDigestOf(lines);
  if (state.status === 'drifted' && state.digest === digest) return { publish: null, next: state };
  const driftId = state.status === 'drifted' ? state.driftId : newDriftId();
  return { publish: 'detected', next: { status: 'drifted', driftId, digest }, lines };
}
