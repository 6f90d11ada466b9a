import {
  type BudgetReview,
  type ExportRecord,
  type ImportRecord,
  type Snapshot,
  currentExport,
  erpStatusOf,
  lastSuccessfulImport,
  listFilterOf,
  originOf,
  snapshotSummary,
} from '../domain/budget-review';
import { platformTotalOf } from '../domain/review-view';
import { BudgetReviewOrmEntity } from './budget-review.orm-entity';

export function toDomain(row: BudgetReviewOrmEntity): BudgetReview {
  return {
    budgetId: row.budgetId,
    companyId: row.companyId,
    projectId: row.projectId,
    exports: row.exports,
    imports: row.imports,
  };
}

/** The row of a review; every column beside the facts is derived from them. */
export function toRow(state: BudgetReview, version: number): BudgetReviewOrmEntity {
  const current = currentExport(state);
  const imported = lastSuccessfulImport(state);
  const status = erpStatusOf(state);
  const importIsLatest = imported && (!current || Date.parse(imported.imported.at) > Date.parse(current.sent.at));
  const row = new BudgetReviewOrmEntity();
  row.budgetId = state.budgetId;
  row.companyId = state.companyId;
  row.projectId = state.projectId;
  row.exports = exportsWithoutLines(state.exports);
  row.imports = importsWithoutLines(state.imports);
  row.erpStatus = status;
  row.listFilter = listFilterOf(status);
  row.listedAt = importIsLatest ? new Date(imported.imported.at) : current ? new Date(current.sent.at) : null;
  row.origin = originOf(state);
  row.name = current?.sent.snapshot.name ?? null;
  row.erpSystem = current?.sent.snapshot.erpSystem ?? null;
  row.jobNumber = current?.sent.snapshot.jobNumber ?? null;
  row.total = current || imported ? platformTotalOf(state) : null;
  row.version = version;
  return row;
}

/**
 * The sends and imports as the review row keeps them: without the lines of a send's snapshot or of
 * an import (stored apart, see the repository). The fields are named one by one, so that lines
 * which were not loaded are never read; the row's type is the domain's, the stored JSON has no lines.
 */
const exportsWithoutLines = (exports: Record<string, ExportRecord>) =>
  mapValues(exports, (r) => (r.sent ? { ...r, sent: { ...r.sent, snapshot: snapshotSummary(r.sent.snapshot) as Snapshot } } : r));
const importsWithoutLines = (imports: Record<string, ImportRecord>) =>
  mapValues(imports, (r) => (r.imported ? { ...r, imported: { at: r.imported.at, total: r.imported.total } as NonNullable<ImportRecord['imported']> } : r));

const mapValues = <T>(records: Record<string, T>, map: (value: T) => T): Record<string, T> =>
  Object.fromEntries(Object.entries(records).map(([key, value]) => [key, map(value)]));
