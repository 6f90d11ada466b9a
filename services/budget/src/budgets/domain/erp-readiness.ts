import { toCents } from '@budget-erp/money';
import { Budget, budgetCannotChangeWhileTheExportHoldsIt, exportSnapshot, currentLines, holdOf } from './budget';
import { BudgetErrorCode } from './budget.errors';
import { ErpContext, erpName } from './erp-system';

export interface ReadinessReason {
  code: BudgetErrorCode;
  message: string;
}

export interface Readiness {
  canSend: boolean;
  reasons: ReadinessReason[];
}

/** Every reason Send (or Re-send) to ERP is impossible now; empty when it is possible. */
export function erpReadiness(budget: Budget, erp: ErpContext): ReadinessReason[] {
  const reasons: ReadinessReason[] = [];
  const system = erp.link?.erpSystem ?? erp.connection?.erpSystem ?? null;
  const name = erpName(holdOf(budget)?.erpSystem ?? system);

  const held = budgetCannotChangeWhileTheExportHoldsIt(budget);
  if (held) reasons.push(held);

  if (!budget.locked) {
    reasons.push({ code: 'BUDGET.NOT_LOCKED', message: 'The budget must be locked before it can be sent to ERP.' });
  }
  if (!erp.connection) {
    reasons.push({ code: 'ERP.NOT_CONNECTED', message: 'Your company has no ERP connection; ask an ERP integrations user to set one up.' });
  }
  if (!erp.link) {
    reasons.push({ code: 'ERP.PROJECT_NOT_LINKED', message: 'ERP data has not been synced: this project is not linked to an ERP job yet.' });
  }

  const lines = currentLines(budget);
  if (lines.length === 0) {
    reasons.push({ code: 'BUDGET.NO_LINES', message: 'The budget has no line items.' });
  } else if (lines.reduce((sum, line) => sum + toCents(line.amount), 0n) === 0n) {
    reasons.push({ code: 'BUDGET.ZERO_TOTAL', message: 'The budget total is zero.' });
  }

  if (erp.link) {
    const known = new Set(erp.link.costCodes);
    const missing = [...new Set(lines.map((line) => line.costCode).filter((code) => !known.has(code)))];
    for (const code of missing) {
      reasons.push({
        code: 'ERP.COST_CODE_NOT_IN_JOB',
        message: `Cost code ${code} does not exist in ${erpName(erp.link.erpSystem)} job ${erp.link.jobNumber}.`,
      });
    }
    const withSubJobs = lines.filter((line) => line.subJob);
    if (!erp.link.supportsSubJobs && withSubJobs.length > 0) {
      reasons.push({
        code: 'ERP.SUB_JOBS_NOT_SUPPORTED',
        message: `${erpName(erp.link.erpSystem)} has no sub jobs; remove the sub job from ${withSubJobs.length === 1 ? 'cost code' : 'cost codes'} ${[...new Set(withSubJobs.map((l) => l.costCode))].join(', ')}.`,
      });
    }
  }
  const connection = erp.connection;
  if (connection?.erpSystem === 'quickbooks' && !connection.estimatesEnabled) {
    reasons.push({
      code: 'ERP.ESTIMATES_DISABLED',
      message: 'The estimates feature is turned off in QuickBooks Online; turn it on to export budgets.',
    });
  }

  if (reasons.length === 0 && erp.link && budget.erp.status === 'synced') {
    const snapshot = exportSnapshot(budget, erp.link.erpSystem, erp.link.jobNumber);
    if (snapshot.lines.every((line) => line.syncedAmount !== null && line.amount === line.syncedAmount)) {
      reasons.push({ code: 'BUDGET.NO_CHANGES', message: `Nothing changed since the budget was last synced with ${name}.` });
    }
  }
  return reasons;
}

export function readiness(budget: Budget, erp: ErpContext): Readiness {
  const reasons = erpReadiness(budget, erp);
  return { canSend: reasons.length === 0, reasons };
}
