import { exportStatusOf } from '@budget-erp/contracts';
import type { TrackedExport } from '../../daily-summary/domain/tracked-export';
import type { NotifiableFact } from './notifiable-fact';

/**
 * The export landed (succeeded or posted) although it had timed out, or was rejected or retrieved:
 * the people told it failed or was withdrawn must learn that the ERP holds it. A newer send alone
 * is no reason: a posted export is superseded by every later revision of its budget, and an export
 * still in flight can only be superseded after it was rejected or retrieved.
 */
export const theErpHoldsAnExportThePlatformHadGivenUpOn = (exp: Pick<TrackedExport, 'facts'>): boolean =>
  exportStatusOf(exp.facts).landedAfterGivenUp;

/**
 * What must be told about an export, from everything heard about it. A mail names the budget as
 * its `budget.sent` did, and the acceptance mail needs the sent's creator as well as the
 * acceptance, so each waits until the facts it needs are all heard — in whatever order they came.
 * `budget.sent` always precedes the other events of its export, so waiting for it never loses a mail.
 */
export function exportMailsDue(exp: TrackedExport): NotifiableFact[] {
  const { sent, accepted, rejected, failure, posted } = exp;
  if (!sent) return [];
  const base = { operationId: exp.exportId, companyId: exp.companyId, budgetId: exp.budgetId, budgetName: sent.budgetName };
  const due: NotifiableFact[] = [];
  if (accepted) {
    due.push({
      ...base,
      type: 'budget_accepted',
      eventId: accepted.eventId,
      occurredAt: accepted.at,
      erpSystem: sent.erpSystem,
      jobNumber: sent.jobNumber,
      total: sent.total,
      acceptedBy: accepted.acceptedBy,
      createdBy: sent.createdBy,
    });
  }
  if (rejected) {
    due.push({
      ...base,
      type: 'budget_rejected',
      eventId: rejected.eventId,
      occurredAt: rejected.at,
      reason: rejected.reason,
      rejectedBy: rejected.rejectedBy,
      createdBy: rejected.createdBy,
    });
  }
  // The saga's timeout names nobody: its mail goes to the sender and the approver once both are known.
  const acceptedBy = failure?.acceptedBy ?? accepted?.acceptedBy;
  if (failure && acceptedBy) {
    due.push({
      ...base,
      type: 'export_failed',
      eventId: failure.eventId,
      occurredAt: failure.at,
      erpSystem: failure.erpSystem ?? sent.erpSystem,
      jobNumber: failure.jobNumber ?? sent.jobNumber,
      reasonCode: failure.reasonCode,
      message: failure.message,
      sentBy: failure.sentBy ?? sent.sentBy,
      acceptedBy,
    });
  }
  const landed = exp.succeeded ?? posted;
  if (landed && accepted && theErpHoldsAnExportThePlatformHadGivenUpOn(exp)) {
    due.push({
      ...base,
      type: 'export_landed_late',
      eventId: landed.eventId,
      occurredAt: landed.at,
      erpSystem: sent.erpSystem,
      jobNumber: sent.jobNumber,
      total: sent.total,
      sentBy: sent.sentBy,
      acceptedBy: accepted.acceptedBy,
    });
  }
  if (posted) {
    due.push({
      ...base,
      type: 'erp_posted',
      eventId: posted.eventId,
      occurredAt: posted.at,
      erpSystem: posted.erpSystem,
      jobNumber: posted.jobNumber,
      total: posted.total,
      createdBy: posted.createdBy,
    });
  }
  return due;
}

/** The mails a newly heard fact made due: those not due before it. */
export function exportMailsNewlyDue(before: TrackedExport, after: TrackedExport): NotifiableFact[] {
  const already = new Set(exportMailsDue(before).map((mail) => mail.type));
  return exportMailsDue(after).filter((mail) => !already.has(mail.type));
}
