import type { EntityManager } from 'typeorm';
import type { ExportSaga, SagaStatus } from '../domain/export-saga';
import { ExportSagaOrmEntity } from './export-saga.orm-entity';

export interface LoadedSaga {
  saga: ExportSaga;
  version: number;
}

export class StaleSagaError extends Error {
  constructor(readonly exportId: string) {
    super(`export saga ${exportId} was changed concurrently`);
    this.name = 'StaleSagaError';
  }
}

const toDomain = (row: ExportSagaOrmEntity): ExportSaga => ({
  exportId: row.exportId,
  budgetId: row.budgetId,
  companyId: row.companyId,
  projectId: row.projectId,
  erpSystem: row.erpSystem,
  kind: row.kind as ExportSaga['kind'],
  status: row.status as SagaStatus,
  facts: row.facts,
  deadline: row.deadline ? row.deadline.toISOString() : null,
  timeline: row.timeline,
  startedAt: row.startedAt.toISOString(),
  hold: row.hold,
});

const toRow = (saga: ExportSaga, version: number): ExportSagaOrmEntity =>
  Object.assign(new ExportSagaOrmEntity(), {
    exportId: saga.exportId,
    budgetId: saga.budgetId,
    companyId: saga.companyId,
    projectId: saga.projectId,
    erpSystem: saga.erpSystem,
    kind: saga.kind,
    status: saga.status,
    facts: saga.facts,
    deadline: saga.deadline ? new Date(saga.deadline) : null,
    timeline: saga.timeline,
    startedAt: new Date(saga.startedAt),
    hold: saga.hold,
    version,
  });

/**
 * Loads the saga of an export, row-locked so concurrent deliveries of one export's events serialize.
 * With `hold: false` the send's hold (its snapshot: megabytes for a large budget) stays in the
 * database and `saga.hold` is null; `saveSaga` never rewrites a hold it did not load, and
 * `loadSagaHold` reads it when it is needed after all.
 */
export async function loadSaga(manager: EntityManager, exportId: string, options: { hold?: boolean } = {}): Promise<LoadedSaga | null> {
  const query = manager.createQueryBuilder(ExportSagaOrmEntity, 's').where('s.export_id = :exportId', { exportId }).setLock('pessimistic_write');
  if (options.hold === false) query.select(SAGA_COLUMNS_BUT_HOLD.map((column) => `s.${column}`));
  const row = await query.getOne();
  if (!row) return null;
  if (options.hold === false) row.hold = null;
  return { saga: toDomain(row), version: row.version };
}

const SAGA_COLUMNS_BUT_HOLD = ['exportId', 'budgetId', 'companyId', 'projectId', 'erpSystem', 'kind', 'status', 'facts', 'deadline', 'timeline', 'startedAt', 'version'] as const satisfies readonly (keyof ExportSagaOrmEntity)[];

/** The hold the send of an export took (null for an unknown export). */
export async function loadSagaHold(manager: EntityManager, exportId: string): Promise<ExportSaga['hold']> {
  const row = await manager.findOne(ExportSagaOrmEntity, { where: { exportId }, select: { exportId: true, hold: true } });
  return row?.hold ?? null;
}

export async function sagasOfBudget(manager: EntityManager, budgetId: string): Promise<ExportSaga[]> {
  const rows = await manager.find(ExportSagaOrmEntity, { where: { budgetId }, order: { startedAt: 'ASC' } });
  return rows.map(toDomain);
}

/** Exports whose wait for the ERP is over, with their company. */
export async function overdueExports(manager: EntityManager, now: Date, limit: number): Promise<{ exportId: string; companyId: string }[]> {
  const rows: { export_id: string; company_id: string }[] = await manager.query(
    `SELECT export_id, company_id FROM export_sagas WHERE status = 'exporting' AND deadline <= $1 ORDER BY deadline LIMIT $2`,
    [now, limit],
  );
  return rows.map((row) => ({ exportId: row.export_id, companyId: row.company_id }));
}

/**
 * Inserts the saga a send starts, copying its hold from the budget row the same transaction just
 * saved: PostgreSQL copies the snapshot, which is megabytes for a large budget, instead of the
 * service serializing and sending it a second time.
 */
export async function insertSagaOfSend(manager: EntityManager, saga: ExportSaga): Promise<void> {
  const row = toRow(saga, 1);
  const inserted: unknown[] = await manager.query(
    `INSERT INTO export_sagas (export_id, budget_id, company_id, project_id, erp_system, kind, status, facts, deadline, timeline, started_at, version, hold)
     SELECT $1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9, $10::jsonb, $11, $12, b.hold
       FROM budgets b WHERE b.id = $2 AND b.hold->>'exportId' = $1
     RETURNING export_id`,
    [row.exportId, row.budgetId, row.companyId, row.projectId, row.erpSystem, row.kind, row.status, JSON.stringify(row.facts), row.deadline, JSON.stringify(row.timeline), row.startedAt, row.version],
  );
  if (inserted.length !== 1) throw new Error(`budget ${saga.budgetId} does not hold export ${saga.exportId}: its saga cannot start`);
}

/**
 * Saves a saga over its loaded version (a send starts one with `insertSagaOfSend`). The hold (the
 * send's snapshot, megabytes for a large budget) is written only when it differs from the loaded one.
 */
export async function saveSaga(manager: EntityManager, saga: ExportSaga, loaded: LoadedSaga): Promise<void> {
  const row = toRow(saga, loaded.version + 1);
  const { exportId: _id, hold, ...unchanged } = row;
  const changes: Partial<ExportSagaOrmEntity> = unchanged;
  if (hold !== loaded.saga.hold) changes.hold = hold;
  const updated = await manager
    .createQueryBuilder()
    .update(ExportSagaOrmEntity)
    .set(changes)
    .where('export_id = :exportId AND version = :version', { exportId: saga.exportId, version: loaded.version })
    .execute();
  if (updated.affected !== 1) throw new StaleSagaError(saga.exportId);
}
