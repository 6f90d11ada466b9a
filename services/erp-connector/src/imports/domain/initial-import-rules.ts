/**
 * What the connector itself knows of a budget an initial import names: the exports it recorded for
 * it (from `budget.accepted`). It knows nothing of budgets never sent, nor of lock state or origin
 * (those live in the budget service): an unknown budget is not refused here.
 */
export interface KnownExportOfBudget {
  projectId: string;
  erpName: string;
  jobNumber: string;
  status: string;
}

export type InitialImportRefusal =
  | { kind: 'not_found'; code: 'BUDGET.NOT_FOUND'; message: string }
  | { kind: 'conflict'; code: 'IMPORT.BUDGET_ALREADY_EXPORTED' | 'IMPORT.EXPORT_IN_PROGRESS'; message: string };

const LANDED = new Set(['succeeded', 'posted']);
const IN_PROGRESS = new Set(['requested', 'attempting']);

/** An initial import names a budget of the project in its URL. */
export function budgetMustBelongToTheProject(budgetId: string, projectId: string, exports: readonly KnownExportOfBudget[]): InitialImportRefusal | null {
  return exports.some((e) => e.projectId !== projectId)
    ? { kind: 'not_found', code: 'BUDGET.NOT_FOUND', message: `Budget ${budgetId} was not found in project ${projectId}` }
    : null;
}

/** Once a platform budget has been exported to the ERP, it is never imported from it (a budget is created in one system only). */
export function exportedBudgetCannotBeImported(budgetId: string, exports: readonly KnownExportOfBudget[]): InitialImportRefusal | null {
  const landed = exports.find((e) => LANDED.has(e.status));
  if (landed) {
    return {
      kind: 'conflict',
      code: 'IMPORT.BUDGET_ALREADY_EXPORTED',
      message: `Budget ${budgetId} was exported to ${landed.erpName} job ${landed.jobNumber}; a budget exported from the platform can no longer be imported from the ERP`,
    };
  }
  const running = exports.find((e) => IN_PROGRESS.has(e.status));
  if (running) {
    return {
      kind: 'conflict',
      code: 'IMPORT.EXPORT_IN_PROGRESS',
      message: `Budget ${budgetId} is being exported to ${running.erpName} job ${running.jobNumber}; it cannot be imported while its export runs`,
    };
  }
  return null;
}

/** The first rule an initial import of this budget breaks, as far as the connector can tell; null when none. */
export function initialImportRefusal(budgetId: string, projectId: string, exports: readonly KnownExportOfBudget[]): InitialImportRefusal | null {
  return budgetMustBelongToTheProject(budgetId, projectId, exports) ?? exportedBudgetCannotBeImported(budgetId, exports);
}
