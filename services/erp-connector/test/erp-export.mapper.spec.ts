import { toDomain, toRow } from '../src/exports/infrastructure/erp-export.mapper';
import type { ExportData, ExportState } from '../src/exports/domain/export';

const user = { userId: 'u1', name: 'Pat', email: 'pat@example.com' };
const data: ExportData = {
  exportId: 'x1',
  budgetId: 'b1',
  projectId: 'p1',
  companyId: 'c1',
  system: 'sage300cre',
  jobNumber: 'J-1',
  kind: 'revision',
  idempotencyKey: 'x1',
  description: 'Move money',
  revision: { type: 'contingency', date: '2026-11-23', number: 4, status: 'pending', approvedBy: 'Alex' },
  chunkCount: 3,
  lineCount: 2400,
  exportedLineCount: 17,
  total: '100.00',
  sentBy: user,
  acceptedBy: user,
  createdBy: user,
  correlationId: 'corr',
  causationId: 'evt',
};
const at = '2026-11-23T10:00:00.000Z';

describe('export persistence mapping', () => {
  it.each<Exclude<ExportState, { status: 'none' }>>([
    { status: 'requested', data, attempts: 0 },
    { status: 'attempting', data, attempts: 2, inFlight: false, nextAttemptAt: at, lastError: { kind: 'transient', code: 'timeout', message: 'late' } },
    { status: 'attempting', data, attempts: 3, inFlight: true, nextAttemptAt: null, lastError: null },
    { status: 'succeeded', data, attempts: 1, erpReference: 'JCE000001', exportedAt: at, nextPostingCheckAt: at, postingChecks: 4 },
    { status: 'failed', data, attempts: 1, reasonCode: 'validation_rejected', message: 'Sage 300 CRE rejected the job cost entry: closed', failedAt: at },
    { status: 'posted', data, attempts: 2, erpReference: 'JCE000001', exportedAt: at, postedAt: at },
    { status: 'cancelled', data, attempts: 1, reason: 'superseded', cancelledAt: at },
  ])('an export that is $status reads back exactly as it was written', (state) => {
    expect(toDomain(toRow(state))).toEqual(state);
  });
});
