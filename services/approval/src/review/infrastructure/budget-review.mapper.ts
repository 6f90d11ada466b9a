import {
  type BudgetReview,
  type ExportRecord,
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
  row.imports = state.imports;
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

/** The sends as the review row keeps them: each snapshot without its lines (stored apart, see the repository). */
function exportsWithoutLines(exports: Record<string, ExportRecord>): Record<string, ExportRecord> {
  const stored: Record<string, ExportRecord> = {};
  for (const [exportId, record] of Object.entries(exports)) {
    // The row's type is the domain's; the stored JSON has no lines.
    stored[exportId] = record.sent ? { ...record, sent: { ...record.sent, snapshot: snapshotSummary(record.sent.snapshot) as Snapshot } } : record;
  }
  return stored;
}
