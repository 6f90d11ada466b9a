import { type BudgetReview, currentExport, erpStatusOf, lastSuccessfulImport, listFilterOf, originOf } from '../domain/budget-review';
import { type LoadedLines, platformTotalOf } from '../domain/review-view';
import { BudgetReviewOrmEntity } from './budget-review.orm-entity';

export function toDomain(row: Pick<BudgetReviewOrmEntity, 'budgetId' | 'companyId' | 'projectId' | 'exports' | 'imports'>): BudgetReview {
  return {
    budgetId: row.budgetId,
    companyId: row.companyId,
    projectId: row.projectId,
    exports: row.exports,
    imports: row.imports,
  };
}

/** The row of a review; every column beside the facts is derived from them (the total from `lines`, see `linesTheTotalReads`). */
export function toRow(state: BudgetReview, version: number, lines: LoadedLines): BudgetReviewOrmEntity {
  const current = currentExport(state);
  const imported = lastSuccessfulImport(state);
  const importIsLatest = imported && (!current || Date.parse(imported.imported.at) > Date.parse(current.sent.at));
  const row = new BudgetReviewOrmEntity();
  row.budgetId = state.budgetId;
  row.companyId = state.companyId;
  row.projectId = state.projectId;
  row.exports = state.exports;
  row.imports = state.imports;
  row.erpStatus = erpStatusOf(state);
  row.listFilter = listFilterOf(state);
  row.listedAt = importIsLatest ? new Date(imported.imported.at) : current ? new Date(current.sent.at) : null;
  row.origin = originOf(state);
  row.name = current?.sent.summary.name ?? null;
  row.erpSystem = current?.sent.summary.erpSystem ?? null;
  row.jobNumber = current?.sent.summary.jobNumber ?? null;
  row.total = current || imported ? platformTotalOf(state, lines) : null;
  row.version = version;
  return row;
}
