import type { EntityManager } from 'typeorm';
import type { BudgetReview } from '../domain/budget-review';
import { linesTheTotalReads } from '../domain/review-view';
import { toDomain, toRow } from './budget-review.mapper';
import type { BudgetReviewOrmEntity } from './budget-review.orm-entity';
import { loadLines } from './send-lines.repository';

export interface LoadedReview {
  state: BudgetReview;
  version: number;
}

/** Another writer changed the review between its load and its save. */
export class StaleReviewError extends Error {
  constructor(readonly budgetId: string) {
    super(`budget review ${budgetId} was changed concurrently`);
    this.name = 'StaleReviewError';
  }
}

/*
 * Plain SQL: every event a budget's saga brings and every decision loads and saves its review, and
 * TypeORM's query building and entity mapping of this row was the approval service's biggest
 * library cost. The columns and their meaning stay those of `BudgetReviewOrmEntity` (its schema).
 */

/** Loads a review: the facts known of its sends and imports, none of their lines (those are stored apart). */
export async function loadReview(manager: EntityManager, budgetId: string): Promise<LoadedReview | null> {
  const rows: Pick<BudgetReviewOrmEntity, 'budgetId' | 'companyId' | 'projectId' | 'exports' | 'imports' | 'version'>[] = await manager.query(
    `SELECT budget_id AS "budgetId", company_id AS "companyId", project_id AS "projectId", exports, imports, version
       FROM budget_reviews WHERE budget_id = $1`,
    [budgetId],
  );
  const row = rows[0];
  return row ? { state: toDomain(row), version: row.version } : null;
}

/** Saves a review if nobody else saved it since `loadedVersion` (null: it did not exist). */
export async function saveReview(manager: EntityManager, state: BudgetReview, loadedVersion: number | null): Promise<void> {
  // The listed total reads lines only when re-imports followed the latest send.
  const lines = await loadLines(manager, state.budgetId, linesTheTotalReads(state));
  const row = toRow(state, (loadedVersion ?? 0) + 1, lines);
  const values = [
    row.budgetId,
    row.companyId,
    row.projectId,
    JSON.stringify(row.exports),
    JSON.stringify(row.imports),
    row.erpStatus,
    row.listFilter,
    row.listedAt,
    row.origin,
    row.name,
    row.erpSystem,
    row.jobNumber,
    row.total,
    row.version,
  ];
  if (loadedVersion === null) {
    const inserted = await manager.query(
      `INSERT INTO budget_reviews (budget_id, company_id, project_id, exports, imports, erp_status, list_filter, listed_at, origin, name, erp_system, job_number, total, version)
       VALUES ($1, $2, $3, $4::jsonb, $5::jsonb, $6, $7, $8, $9, $10, $11, $12, $13, $14)
       ON CONFLICT (budget_id) DO NOTHING RETURNING budget_id`,
      values,
    ) as unknown[];
    if (inserted.length !== 1) throw new StaleReviewError(state.budgetId);
  } else {
    const updated = await manager.query(
      `UPDATE budget_reviews SET company_id = $2, project_id = $3, exports = $4::jsonb, imports = $5::jsonb, erp_status = $6, list_filter = $7,
              listed_at = $8, origin = $9, name = $10, erp_system = $11, job_number = $12, total = $13, version = $14
        WHERE budget_id = $1 AND version = $15`,
      [...values, loadedVersion],
    ) as [unknown[], number];
    // pg answers an UPDATE with its rows and its count.
    if (updated[1] !== 1) throw new StaleReviewError(state.budgetId);
  }
}
