import type { PayloadOf } from '@budget-erp/contracts';
import type { ExportState } from '../domain/export';

type State<S extends ExportState['status']> = Extract<ExportState, { status: S }>;

const outcomeBase = (s: Exclude<ExportState, { status: 'none' }>) => ({
  budgetId: s.data.budgetId,
  projectId: s.data.projectId,
  companyId: s.data.companyId,
  exportId: s.data.exportId,
  erpSystem: s.data.system,
  jobNumber: s.data.jobNumber,
  kind: s.data.kind,
  sentBy: s.data.sentBy,
  acceptedBy: s.data.acceptedBy,
  createdBy: s.data.createdBy,
});

export const exportSucceededPayload = (s: State<'succeeded'>): PayloadOf<'export.succeeded'> => ({
  ...outcomeBase(s),
  erpReference: s.erpReference,
  total: s.data.total,
  exportedAt: s.exportedAt,
});

export const exportFailedPayload = (s: State<'failed'>): PayloadOf<'export.failed'> => ({
  ...outcomeBase(s),
  reasonCode: s.reasonCode,
  message: s.message,
  attempts: s.attempts,
  failedAt: s.failedAt,
});

export const erpPostedPayload = (s: State<'posted'>): PayloadOf<'erp.posted'> => ({
  budgetId: s.data.budgetId,
  projectId: s.data.projectId,
  companyId: s.data.companyId,
  exportId: s.data.exportId,
  erpSystem: s.data.system,
  jobNumber: s.data.jobNumber,
  total: s.data.total,
  createdBy: s.data.createdBy,
  sentBy: s.data.sentBy,
  postedAt: s.postedAt,
});
