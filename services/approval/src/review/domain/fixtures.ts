import type { Person, ReviewFact, Snapshot, SnapshotLine } from './budget-review';

/** Builders of facts for the domain tests. */
export const pat: Person = { userId: 'u-pat', name: 'Pat Manager', email: 'pat@example.com' };
export const alex: Person = { userId: 'u-alex', name: 'Alex Approver', email: 'alex@example.com' };
export const sam: Person = { userId: 'u-sam', name: 'Sam Second', email: 'sam@example.com' };

export const line = (lineId: string, costCode: string, amount: string, syncedAmount: string | null = null): SnapshotLine => ({
  lineId,
  costCode,
  costType: 'labor',
  subJob: null,
  description: `${costCode} work`,
  amount,
  syncedAmount,
});

export function snapshot(overrides: Partial<Snapshot> = {}): Snapshot {
  const lines = overrides.lines ?? [line('l1', '01-100', '1000.00'), line('l2', '02-200', '250.50')];
  return {
    name: 'Main budget',
    origin: 'platform',
    kind: 'original',
    erpSystem: 'cmic',
    jobNumber: 'J-100',
    total: '1250.50',
    syncedTotal: '0.00',
    modificationIds: [],
    ...overrides,
    lines,
  };
}

export const at = (minute: number) => new Date(Date.UTC(2026, 10, 23, 9, minute)).toISOString();

export const sent = (exportId: string, minute: number, snap: Snapshot = snapshot()): ReviewFact => ({
  type: 'sent',
  exportId,
  at: at(minute),
  sentBy: pat,
  createdBy: pat,
  snapshot: snap,
});
export const retrieved = (exportId: string, minute: number): ReviewFact => ({ type: 'retrieved', exportId, at: at(minute), by: pat });
export const accepted = (exportId: string, minute: number, by: Person = alex): ReviewFact => ({
  type: 'accepted',
  exportId,
  at: at(minute),
  by,
  description: null,
  revision: null,
});
export const rejected = (exportId: string, minute: number): ReviewFact => ({
  type: 'rejected',
  exportId,
  at: at(minute),
  by: alex,
  reason: 'wrong cost codes',
});
export const succeeded = (exportId: string, minute: number): ReviewFact => ({
  type: 'export_succeeded',
  exportId,
  at: at(minute),
  erpReference: `B-${exportId}`,
  total: '1250.50',
});
export const failed = (exportId: string, minute: number): ReviewFact => ({
  type: 'export_failed',
  exportId,
  at: at(minute),
  reasonCode: 'erp_unavailable',
  message: 'CMiC did not answer',
});
export const posted = (exportId: string, minute: number, total = '1250.50'): ReviewFact => ({
  type: 'posted',
  exportId,
  at: at(minute),
  total,
});
