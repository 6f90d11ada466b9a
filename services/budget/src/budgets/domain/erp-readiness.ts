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

/**
 * What readiness needs of a budget's lines as they would be exported (approved modifications
 * applied): aggregates a database can answer without loading the lines.
 */
export interface LinesFacts {
  lineCount: number;
  totalCents: bigint;
  /** The distinct cost codes the job does not have, in the order of their first line. */
  unknownCostCodes: string[];
  /** The distinct cost codes of lines with a sub job, in the order of their first line. */
  subJobCostCodes: string[];
  /** How many lines have a sub job. */
  subJobLineCount: number;
  /** Every exported line equals what the ERP holds; null when not known (yet). */
  unchanged: boolean | null;
}

/** The facts of lines held in memory. */
export function linesFactsOf(budget: Budget, erp: ErpContext): LinesFacts {
  const lines = currentLines(budget);
  const known = new Set(erp.link?.costCodes ?? []);
  let unchanged: boolean | null = null;
  if (erp.link && budget.erp.status === 'synced') {
    const snapshot = exportSnapshot(budget, erp.link.erpSystem, erp.link.jobNumber);
    unchanged = snapshot.lines.every((line) => line.syncedAmount !== null && line.amount === line.syncedAmount);
  }
  return {
    lineCount: lines.length,
    totalCents: lines.reduce((sum, line) => sum + toCents(line.amount), 0n),
    unknownCostCodes: [...new Set(lines.map((line) => line.costCode).filter((code) => !known.has(code)))],
    subJobCostCodes: [...new Set(lines.filter((line) => line.subJob).map((line) => line.costCode))],
    subJobLineCount: lines.filter((line) => line.subJob).length,
    unchanged,
  };
}

/** Every reason Send (or Re-send) to ERP is impossible now; empty when it is possible. */
export function erpReadiness(budget: Budget, erp: ErpContext): ReadinessReason[] {
  return erpReadinessOf(budget, erp, linesFactsOf(budget, erp));
}

/** Every reason Send (or Re-send) to ERP is impossible, from the budget's row and its lines' facts. */
export function erpReadinessOf(budget: Budget, erp: ErpContext, facts: LinesFacts): ReadinessReason[] {
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

  if (facts.lineCount === 0) {
    reasons.push({ code: 'BUDGET.NO_LINES', message: 'The budget has no line items.' });
  } else if (facts.totalCents === 0n) {
    reasons.push({ code: 'BUDGET.ZERO_TOTAL', message: 'The budget total is zero.' });
  }

  if (erp.link) {
    for (const code of facts.unknownCostCodes) {
      reasons.push({
        code: 'ERP.COST_CODE_NOT_IN_JOB',
        message: `Cost code ${code} does not exist in ${erpName(erp.link.erpSystem)} job ${erp.link.jobNumber}.`,
      });
    }
    if (!erp.link.supportsSubJobs && facts.subJobLineCount > 0) {
      reasons.push({
        code: 'ERP.SUB_JOBS_NOT_SUPPORTED',
        message: `${erpName(erp.link.erpSystem)} has no sub jobs; remove the sub job from ${facts.subJobLineCount === 1 ? 'cost code' : 'cost codes'} ${facts.subJobCostCodes.join(', ')}.`,
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

  if (reasons.length === 0 && erp.link && budget.erp.status === 'synced' && facts.unchanged === true) {
    reasons.push(nothingChanged(name));
  }
  return reasons;
}

/** The refusal of a send of a synced budget whose every line equals what the ERP holds. */
export const nothingChanged = (erp: string): ReadinessReason => ({
  code: 'BUDGET.NO_CHANGES',
  message: `Nothing changed since the budget was last synced with ${erp}.`,
});

export function readiness(budget: Budget, erp: ErpContext): Readiness {
  const reasons = erpReadiness(budget, erp);
  return { canSend: reasons.length === 0, reasons };
}
