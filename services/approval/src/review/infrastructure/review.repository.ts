import type { EntityManager } from 'typeorm';
import type { BudgetReview } from '../domain/budget-review';
import { type LinesRead, linesTheTotalReads } from '../domain/review-view';
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

/** Code read lines of a send or an import that were not loaded (see `withLines`): a bug, never a user's mistake. */
export class LinesNotLoaded extends Error {
  constructor(readonly what: string) {
    super(`the lines of ${what} were not loaded; load them with withLines before reading them`);
    this.name = 'LinesNotLoaded';
  }
}

/**
 * Where each kind of lines is kept: a send's snapshot lines and the ERP lines an import brought,
 * one row per send or import, apart from the review (they can be megabytes each).
 */
const LINES = {
  sends: { table: 'export_snapshot_lines', id: 'export_id', describe: (id: string) => `export ${id}` },
  imports: { table: 'import_lines', id: 'import_id', describe: (id: string) => `import ${id}` },
} as const;
type Kind = keyof typeof LINES;

/** The objects that hold `lines` in a review, by kind and id: a send's snapshot, an import's `imported`. */
function holders(state: BudgetReview, kind: Kind): [string, { lines: unknown }][] {
  return kind === 'sends'
    ? Object.values(state.exports).flatMap((r) => (r.sent ? [[r.exportId, r.sent.snapshot] as [string, { lines: unknown }]] : []))
    : Object.values(state.imports).flatMap((r) => (r.imported ? [[r.importId, r.imported] as [string, { lines: unknown }]] : []));
}

/** Holders whose lines are already stored apart (loaded from there, or saved there). */
const storedLines = new WeakSet<object>();

const linesNotLoaded = (holder: object): boolean => !Object.getOwnPropertyDescriptor(holder, 'lines')?.enumerable;

/**
 * Loads a review without the lines of its sends and imports: they can be megabytes each, and
 * recording an event or deciding rarely reads them. Reading lines that were not loaded throws
 * `LinesNotLoaded` (never an empty list); `withLines` loads them.
 */
export async function loadReview(manager: EntityManager, budgetId: string): Promise<LoadedReview | null> {
  const row = await manager.findOne(BudgetReviewOrmEntity, { where: { budgetId } });
  if (!row) return null;
  const state = toDomain(row);
  for (const kind of Object.keys(LINES) as Kind[]) {
    for (const [id, holder] of holders(state, kind)) {
      // Not enumerable: JSON (the stored review, equality checks) never sees the placeholder.
      Object.defineProperty(holder, 'lines', {
        get: () => {
          throw new LinesNotLoaded(LINES[kind].describe(id));
        },
        enumerable: false,
        configurable: true,
      });
      storedLines.add(holder);
    }
  }
  return { state, version: row.version };
}

/** Loads the named sends' and imports' lines (those not loaded yet) into `state`. */
export async function withLines(manager: EntityManager, state: BudgetReview, read: LinesRead): Promise<void> {
  for (const kind of Object.keys(LINES) as Kind[]) {
    const wanted = new Set(read[kind]);
    const missing = new Map(holders(state, kind).filter(([id, holder]) => wanted.has(id) && linesNotLoaded(holder)));
    if (missing.size === 0) continue;
    const { table, id } = LINES[kind];
    const rows: { id: string; lines: unknown[] }[] = await manager.query(
      `SELECT ${id} AS id, lines FROM ${table} WHERE budget_id = $1 AND ${id} = ANY($2::text[])`,
      [state.budgetId, [...missing.keys()]],
    );
    for (const row of rows) {
      Object.defineProperty(missing.get(row.id)!, 'lines', { value: row.lines, enumerable: true, writable: true, configurable: true });
    }
  }
}

/**
 * Saves a review if nobody else saved it since `loadedVersion` (null: it did not exist). The lines
 * of a send or an import are written when it is first saved (an import's again if a later report
 * of it replaced them); the review row keeps neither.
 */
export async function saveReview(manager: EntityManager, state: BudgetReview, loadedVersion: number | null): Promise<void> {
  // The derived total reads lines only after a re-import.
  await withLines(manager, state, linesTheTotalReads(state));
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
  await saveNewLines(manager, state);
}

async function saveNewLines(manager: EntityManager, state: BudgetReview): Promise<void> {
  for (const kind of Object.keys(LINES) as Kind[]) {
    const { table, id } = LINES[kind];
    // A send's first report wins (as in the review); an import's latest report does.
    const onConflict = kind === 'sends' ? 'DO NOTHING' : 'DO UPDATE SET lines = EXCLUDED.lines';
    for (const [holderId, holder] of holders(state, kind)) {
      if (storedLines.has(holder) || linesNotLoaded(holder)) continue;
      await manager.query(`INSERT INTO ${table} (budget_id, ${id}, lines) VALUES ($1, $2, $3) ON CONFLICT (budget_id, ${id}) ${onConflict}`, [
        state.budgetId,
        holderId,
        JSON.stringify(holder.lines),
      ]);
    }
  }
}

/** The query that selects the stored lines of a send, for `EventPublisher.publishWithStoredLines`. */
export function snapshotLinesQuery(budgetId: string, exportId: string): { sql: string; params: string[] } {
  return { sql: 'SELECT lines FROM export_snapshot_lines WHERE budget_id = $1 AND export_id = $2', params: [budgetId, exportId] };
}
