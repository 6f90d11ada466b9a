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

/** The sends as the review row keeps them: each snapshot without its lines (stored apart, see the repository). */
function exportsWithoutLines(exports: Record<string, ExportRecord>): Record<string, ExportRecord> {
  const stored: Record<string, ExportRecord> = {};
  for (const [exportId, record] of Object.entries(exports)) {
    // The row's type is the domain's; the stored JSON has no lines.
    stored[exportId] = record.sent ? { ...record, sent: { ...record.sent, snapshot: snapshotSummary(record.sent.snapshot) as Snapshot } } : record;
  }
  return stored;
}

/** The imports as the review row keeps them: what each brought without its lines (stored apart, see the repository). */
function importsWithoutLines(imports: Record<string, ImportRecord>): Record<string, ImportRecord> {
  const stored: Record<string, ImportRecord> = {};
  for (const [importId, record] of Object.entries(imports)) {
    // Named one by one so that lines which were not loaded are never read; the stored JSON has no lines.
    stored[importId] = record.imported ? { ...record, imported: { at: record.imported.at, total: record.imported.total } as NonNullable<ImportRecord['imported']> } : record;
  }
  return stored;
}
