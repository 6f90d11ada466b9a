import type { EntityManager } from 'typeorm';
import type { BudgetReview, Snapshot, SnapshotLine } from '../domain/budget-review';
import { sendsWhoseLinesTheTotalReads } from '../domain/review-view';
import { toDomain, toRow } from './budget-review.mapper';
import { BudgetReviewOrmEntity } from './budget-review.orm-entity';

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

/** Code read a send's snapshot lines that were not loaded (see `withSnapshotLines`): a bug, never a user's mistake. */
export class SnapshotLinesNotLoaded extends Error {
  constructor(readonly exportId: string) {
    super(`the snapshot lines of export ${exportId} were not loaded; load them with withSnapshotLines before reading them`);
    this.name = 'SnapshotLinesNotLoaded';
  }
}

/** Snapshots whose lines are already in `export_snapshot_lines` (loaded from it, or saved there). */
const storedLines = new WeakSet<Snapshot>();

/**
 * Loads a review without the snapshot lines of its sends: they can be megabytes per send, and
 * recording an event or deciding rarely reads them. Reading the lines of a send that was not
 * loaded throws `SnapshotLinesNotLoaded` (never an empty list); `withSnapshotLines` loads them.
 */
export async function loadReview(manager: EntityManager, budgetId: string): Promise<LoadedReview | null> {
  const row = await manager.findOne(BudgetReviewOrmEntity, { where: { budgetId } });
  if (!row) return null;
  const state = toDomain(row);
  for (const record of Object.values(state.exports)) {
    if (!record.sent) continue;
    const exportId = record.exportId;
    // Not enumerable: JSON (the stored `exports`, equality checks) never sees the placeholder.
    Object.defineProperty(record.sent.snapshot, 'lines', {
      get: () => {
        throw new SnapshotLinesNotLoaded(exportId);
      },
      enumerable: false,
      configurable: true,
    });
    storedLines.add(record.sent.snapshot);
  }
  return { state, version: row.version };
}

const linesNotLoaded = (snapshot: Snapshot): boolean => !Object.getOwnPropertyDescriptor(snapshot, 'lines')?.enumerable;

/** Loads the snapshot lines of the named sends of `state` (those not loaded yet) into it. */
export async function withSnapshotLines(manager: EntityManager, state: BudgetReview, exportIds: readonly string[]): Promise<void> {
  const missing = exportIds.filter((id) => {
    const snapshot = state.exports[id]?.sent?.snapshot;
    return snapshot !== undefined && linesNotLoaded(snapshot);
  });
  if (missing.length === 0) return;
  const rows: { export_id: string; lines: SnapshotLine[] }[] = await manager.query(
    'SELECT export_id, lines FROM export_snapshot_lines WHERE budget_id = $1 AND export_id = ANY($2::text[])',
    [state.budgetId, missing],
  );
  for (const row of rows) {
    Object.defineProperty(state.exports[row.export_id].sent!.snapshot, 'lines', { value: row.lines, enumerable: true, writable: true, configurable: true });
  }
}

/**
 * Saves a review if nobody else saved it since `loadedVersion` (null: it did not exist). The lines
 * of a send are written once, when the send is first saved; the review row keeps the snapshot
 * without them.
 */
export async function saveReview(manager: EntityManager, state: BudgetReview, loadedVersion: number | null): Promise<void> {
  // The derived total reads the latest send's lines when a re-import followed it.
  await withSnapshotLines(manager, state, sendsWhoseLinesTheTotalReads(state));
  const row = toRow(state, (loadedVersion ?? 0) + 1);
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
  await saveNewSnapshotLines(manager, state);
}

async function saveNewSnapshotLines(manager: EntityManager, state: BudgetReview): Promise<void> {
  for (const record of Object.values(state.exports)) {
    const snapshot = record.sent?.snapshot;
    if (!snapshot || storedLines.has(snapshot) || linesNotLoaded(snapshot)) continue;
    // A redelivered send keeps the lines first stored (the first fact of a send wins, as in the review).
    await manager.query(
      'INSERT INTO export_snapshot_lines (budget_id, export_id, lines) VALUES ($1, $2, $3) ON CONFLICT (budget_id, export_id) DO NOTHING',
      [state.budgetId, record.exportId, JSON.stringify(snapshot.lines)],
    );
  }
}

/** The query that selects the stored lines of a send, for `EventPublisher.publishWithStoredLines`. */
export function snapshotLinesQuery(budgetId: string, exportId: string): { sql: string; params: string[] } {
  return { sql: 'SELECT lines FROM export_snapshot_lines WHERE budget_id = $1 AND export_id = $2', params: [budgetId, exportId] };
}
