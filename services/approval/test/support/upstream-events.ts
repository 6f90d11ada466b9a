import { randomUUID } from 'node:crypto';
import { type PayloadOf, type SnapshotLine, chunkSendLines, linesDigest } from '@budget-erp/contracts';
import { sumAmounts } from '@budget-erp/money';

/** Upstream event payloads as the budget service and the ERP connector publish them. */
export const pat = { userId: 'u-pat', name: 'Pat Manager', email: 'pat@example.com' };

export interface BudgetIds {
  budgetId: string;
  projectId: string;
  companyId: string;
}

export const newBudget = (companyId = 'company-a'): BudgetIds => ({
  budgetId: `b-${randomUUID()}`,
  projectId: `p-${randomUUID()}`,
  companyId,
});

const minute = (m: number) => new Date(Date.UTC(2026, 10, 23, 8, m)).toISOString();

/** A send as the budget service publishes it: its summary (`budget.sent`) and its lines in chunks (`budget.sent.lines`). */
export interface Send {
  summary: PayloadOf<'budget.sent'>;
  chunks: PayloadOf<'budget.sent.lines'>[];
}

export const twoLines = (): SnapshotLine[] => [
  { lineId: 'l1', costCode: '01-100', costType: 'labor', subJob: null, description: 'Framing', amount: '1000.00', syncedAmount: null },
  { lineId: 'l2', costCode: '02-200', costType: 'material', subJob: null, description: 'Lumber', amount: '250.50', syncedAmount: null },
];

export function budgetSent(
  ids: BudgetIds,
  exportId: string,
  at: number,
  options: { kind?: 'original' | 'revision'; origin?: 'platform' | 'erp'; jobNumber?: string; lines?: SnapshotLine[] } = {},
): Send {
  const lines = options.lines ?? twoLines();
  const chunks = chunkSendLines(lines);
  return {
    summary: {
      ...ids,
      exportId,
      sentBy: pat,
      createdBy: pat,
      sentAt: minute(at),
      name: 'Main budget',
      origin: options.origin ?? 'platform',
      kind: options.kind ?? 'original',
      erpSystem: 'cmic',
      jobNumber: options.jobNumber ?? 'J-100',
      total: sumAmounts(lines.map((l) => l.amount)),
      syncedTotal: sumAmounts(lines.map((l) => l.syncedAmount ?? '0')),
      modificationIds: [],
      lineCount: lines.length,
      chunkCount: chunks.length,
      linesDigest: linesDigest(lines),
    },
    chunks: chunks.map((chunkLines, chunk) => ({ ...ids, exportId, chunk, chunkCount: chunks.length, lines: chunkLines })),
  };
}

export const budgetRetrieved = (ids: BudgetIds, exportId: string, at: number): PayloadOf<'budget.retrieved'> => ({
  ...ids,
  exportId,
  retrievedBy: pat,
  retrievedAt: minute(at),
});

export const exportTimedOut = (ids: BudgetIds, exportId: string, at: number): PayloadOf<'budget.export.timed_out'> => ({
  ...ids,
  exportId,
  reasonCode: 'timeout',
  message: 'The ERP connector did not report on the export in time',
  timedOutAt: minute(at),
});

const outcome = (ids: BudgetIds, exportId: string) => ({
  ...ids,
  exportId,
  erpSystem: 'cmic' as const,
  jobNumber: 'J-100',
  kind: 'original' as const,
  sentBy: pat,
  acceptedBy: pat,
  createdBy: pat,
});

export const exportSucceeded = (ids: BudgetIds, exportId: string, at: number): PayloadOf<'export.succeeded'> => ({
  ...outcome(ids, exportId),
  erpReference: `batch-${exportId}`,
  total: '1250.50',
  exportedAt: minute(at),
});

export const exportFailed = (ids: BudgetIds, exportId: string, at: number): PayloadOf<'export.failed'> => ({
  ...outcome(ids, exportId),
  reasonCode: 'cost_code_missing',
  message: 'Cost code 02-200 does not exist in CMiC job J-100',
  attempts: 1,
  failedAt: minute(at),
});

export const erpPosted = (ids: BudgetIds, exportId: string, at: number): PayloadOf<'erp.posted'> => ({
  ...ids,
  exportId,
  erpSystem: 'cmic',
  jobNumber: 'J-100',
  total: '1250.50',
  createdBy: pat,
  sentBy: pat,
  postedAt: minute(at),
});

export const projectLinked = (ids: BudgetIds, at: number): PayloadOf<'erp.project.linked'> => ({
  projectId: ids.projectId,
  companyId: ids.companyId,
  erpSystem: 'cmic',
  jobNumber: 'J-100',
  jobName: 'Harbor tower',
  costCodes: [{ code: '01-100', description: 'Framing' }],
  supportsSubJobs: true,
  subJobs: [],
  linkedBy: pat,
  linkedAt: minute(at),
});

export const connectionUpdated = (companyId: string, timeZone: string, at: number): PayloadOf<'erp.connection.updated'> => ({
  companyId,
  erpSystem: 'cmic',
  estimatesEnabled: true,
  timeZone,
  updatedAt: minute(at),
});

export const importRequested = (ids: BudgetIds, importId: string, at: number): PayloadOf<'budget.import.requested'> => ({
  ...ids,
  importId,
  erpSystem: 'cmic',
  jobNumber: 'J-100',
  requestedBy: pat,
  requestedAt: minute(at),
});

export const budgetImported = (
  ids: BudgetIds,
  importId: string,
  at: number,
  lines: PayloadOf<'erp.budget.imported'>['lines'],
): PayloadOf<'erp.budget.imported'> => ({
  budgetId: ids.budgetId,
  projectId: ids.projectId,
  companyId: ids.companyId,
  importId,
  mode: 'reimport',
  erpSystem: 'cmic',
  jobNumber: 'J-100',
  lines,
  total: sumAmounts(lines.map((l) => l.amount)),
  requestedBy: pat,
  importedAt: minute(at),
});
