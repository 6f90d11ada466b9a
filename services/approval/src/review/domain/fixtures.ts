import type { Person, ReviewFact, SendSummary, SnapshotLine } from './budget-review';

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

export function summary(overrides: Partial<SendSummary> = {}): SendSummary {
  return {
    name: 'Main budget',
    origin: 'platform',
    kind: 'original',
    erpSystem: 'cmic',
    jobNumber: 'J-100',
    total: '1250.50',
    syncedTotal: '0.00',
    modificationIds: [],
    lineCount: 2,
    chunkCount: 1,
    linesDigest: 'digest',
    ...overrides,
  };
}

export const at = (minute: number) => new Date(Date.UTC(2026, 10, 23, 9, minute)).toISOString();

/** The summary of a send; its lines are not received yet. */
export const sent = (exportId: string, minute: number, sum: SendSummary = summary()): ReviewFact => ({
  type: 'sent',
  exportId,
  at: at(minute),
  sentBy: pat,
  createdBy: pat,
  summary: sum,
});
export const received = (exportId: string): ReviewFact => ({ type: 'lines_received', exportId });
/** A send whose lines have all arrived: ready for review. */
export const ready = (exportId: string, minute: number, sum: SendSummary = summary()): ReviewFact[] => [sent(exportId, minute, sum), received(exportId)];
export const timedOut = (exportId: string, minute: number): ReviewFact => ({
  type: 'timed_out',
  exportId,
  at: at(minute),
  reasonCode: 'timeout',
  message: 'no answer from the ERP connector in time',
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
