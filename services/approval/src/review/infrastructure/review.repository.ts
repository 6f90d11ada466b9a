import type { EntityManager } from 'typeorm';
import type { BudgetReview } from '../domain/budget-review';
import { linesTheTotalReads } from '../domain/review-view';
import { toDomain, toRow } from './budget-review.mapper';
import { BudgetReviewOrmEntity } from './budget-review.orm-entity';
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

/** Loads a review: the facts known of its sends and imports, none of their lines (those are stored apart). */
export async function loadReview(manager: EntityManager, budgetId: string): Promise<LoadedReview | null> {
  const row = await manager.findOne(BudgetReviewOrmEntity, { where: { budgetId } });
  return row ? { state: toDomain(row), version: row.version } : null;
}

/** Saves a review if nobody else saved it since `loadedVersion` (null: it did not exist). */
export async function saveReview(manager: EntityManager, state: BudgetReview, loadedVersion: number | null): Promise<void> {
  // The listed total reads lines only when re-imports followed the latest send.
  const lines = await loadLines(manager, state.budgetId, linesTheTotalReads(state));
  const row = toRow(state, (loadedVersion ?? 0) + 1, lines);
  if (loadedVersion === null) {
    const inserted = await manager
      .createQueryBuilder()
      .insert()
      .into(BudgetReviewOrmEntity)
      .values(row)
      .orIgnore()
      .returning(['budgetId'])
      .execute();
    if (inserted.raw.length === 0) throw new StaleReviewError(state.budgetId);
  } else {
    const { budgetId: _id, ...changes } = row;
    const updated = await manager
      .createQueryBuilder()
      .update(BudgetReviewOrmEntity)
      .set(changes)
      .where('budget_id = :budgetId AND version = :version', { budgetId: state.budgetId, version: loadedVersion })
      .execute();
    if (updated.affected !== 1) throw new StaleReviewError(state.budgetId);
  }
}
