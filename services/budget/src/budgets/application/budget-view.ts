import { Budget, budgetTotal, holdOf } from '../domain/budget';

/** The budget as the HTTP API answers it. */
export function budgetView(budget: Budget, version: number) {
  return {
    id: budget.id,
    projectId: budget.projectId,
    name: budget.name,
    origin: budget.origin,
    locked: budget.locked,
    erpStatus: budget.erp.status,
    total: budgetTotal(budget),
    lines: budget.lines.map((line) => ({
      id: line.id,
      costCode: line.costCode,
      costType: line.costType,
      subJob: line.subJob,
      description: line.description,
      amount: line.amount,
    })),
    modifications: budget.modifications.map((m) => ({
      id: m.id,
      description: m.description,
      status: m.status,
      changes: m.changes,
      sent: m.sentIn !== null,
      synced: m.synced,
      createdBy: m.createdBy,
      createdAt: m.createdAt,
    })),
    exportId: holdOf(budget)?.exportId ?? null,
    exported: budget.exported,
    syncedAt: budget.syncedAt,
    importInProgress: budget.erp.status === 'importing',
    lastImport: budget.lastImport,
    createdBy: budget.createdBy,
    createdAt: budget.createdAt,
    version,
  };
}

export type BudgetView = ReturnType<typeof budgetView>;
