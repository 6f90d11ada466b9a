import { fromCents, toCents } from '@budget-erp/money';
import type { EntityManager } from 'typeorm';
import { Budget, BudgetLine, holdOf } from '../domain/budget';
import { lineAggregates, LINES_PAGE, loadLinesPage } from '../infrastructure/budget-lines.repository';

/** The line count, total and one page of a budget's lines, read from the database. */
export interface LinesOfView {
  lineCount: number;
  /** The budget's lines' total, before modifications. */
  linesTotalCents: bigint;
  lines: BudgetLine[];
  next: string | null;
}

/**
 * The budget as the HTTP API answers it: its first page of lines (every line of a budget of at
 * most `LINES_PAGE` lines), `lineCount`, and `nextLines`, the path of the next page (null after the
 * last). The total includes the approved modifications.
 */
export function budgetView(budget: Budget, version: number, lines: LinesOfView) {
  const changes = budget.modifications
    .filter((m) => m.status === 'approved')
    .reduce((sum, m) => m.changes.reduce((inner, change) => inner + toCents(change.amount), sum), 0n);
  return {
    id: budget.id,
    projectId: budget.projectId,
    name: budget.name,
    origin: budget.origin,
    locked: budget.locked,
    erpStatus: budget.erp.status,
    total: fromCents(lines.linesTotalCents + changes),
    lineCount: lines.lineCount,
    lines: lines.lines.map((line) => ({
      id: line.id,
      costCode: line.costCode,
      costType: line.costType,
      subJob: line.subJob,
      description: line.description,
      amount: line.amount,
    })),
    nextLines: lines.next === null ? null : `/budgets/${encodeURIComponent(budget.id)}/lines?after=${lines.next}`,
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

/** A budget as a project's list answers it: the view without lines (`lineCount` says how many; `GET /budgets/:id/lines` pages them). */
export function budgetSummary(budget: Budget, version: number, lines: { lineCount: number; linesTotalCents: bigint }) {
  const { lines: _lines, nextLines: _nextLines, ...summary } = budgetView(budget, version, { ...lines, lines: [], next: null });
  return summary;
}

export type BudgetSummary = ReturnType<typeof budgetSummary>;

/** The view of a budget as stored (on `manager`'s transaction, so with its own changes): its row's aggregates and first page of lines. */
export async function storedBudgetView(manager: EntityManager, budget: Budget, version: number): Promise<BudgetView> {
  const [aggregates, page] = [await lineAggregates(manager, budget.id), await loadLinesPage(manager, budget.id, { after: null, limit: LINES_PAGE })];
  return budgetView(budget, version, { lineCount: aggregates.lineCount, linesTotalCents: aggregates.totalCents, lines: page.lines, next: page.next });
}
