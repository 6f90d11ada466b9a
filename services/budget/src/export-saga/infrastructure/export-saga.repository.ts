import type { EntityManager } from 'typeorm';
import { lifecycleOf, type ExportSaga } from '../domain/export-saga';
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

// The status column is kept for queries (the timeout sweep); the domain derives it from the facts.
const toDomain = (row: Omit<ExportSagaOrmEntity, 'status'>): ExportSaga => ({
  exportId: row.exportId,
  budgetId: row.budgetId,
  companyId: row.companyId,
  projectId: row.projectId,
  erpSystem: row.erpSystem,
  kind: row.kind as ExportSaga['kind'],
  ...lifecycleOf(row.facts),
  facts: row.facts,
  deadline: row.deadline ? row.deadline.toISOString() : null,
  timeline: row.timeline,
  startedAt: row.startedAt.toISOString(),
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
    version,
  });

type SagaRow = Omit<ExportSagaOrmEntity, 'status'>;

/**
 * Loads the saga of an export, row-locked so concurrent deliveries of one export's events serialize.
 * Plain SQL: every event of an export passes here, and TypeORM's query building and entity mapping
 * cost more than the round trip. The columns are aliased to the entity's names, so the row maps
 * through the same `toDomain` as the ORM's.
 */
export async function loadSaga(manager: EntityManager, exportId: string): Promise<LoadedSaga | null> {
  const [row] = (await manager.query(
    `SELECT export_id AS "exportId", budget_id AS "budgetId", company_id AS "companyId", project_id AS "projectId",
            erp_system AS "erpSystem", kind, facts, deadline, timeline, started_at AS "startedAt", version
       FROM export_sagas WHERE export_id = $1 FOR UPDATE`,
    [exportId],
  )) as SagaRow[];
  if (!row) return null;
  return { saga: toDomain(row), version: row.version };
}

export async function sagasOfBudget(manager: EntityManager, budgetId: string): Promise<ExportSaga[]> {
  const rows = await manager.find(ExportSagaOrmEntity, { where: { budgetId }, order: { startedAt: 'ASC' } });
  return rows.map(toDomain);
}

/**
 * The exports of a budget sent before `exportId` that a newer send supersedes: those that have not
 * reached the ERP (one that lands later is then one the platform had given up on) and have not
 * heard of a newer send yet. One that already landed is not superseded: the newer send builds on it.
 */
export async function exportsToSupersede(manager: EntityManager, budgetId: string, exportId: string): Promise<string[]> {
  const rows: { export_id: string }[] = await manager.query(
    `SELECT export_id FROM export_sagas
      WHERE budget_id = $1 AND export_id <> $2 AND NOT (facts ?| array['superseded', 'succeeded', 'posted'])
      ORDER BY started_at`,
    [budgetId, exportId],
  );
  return rows.map((row) => row.export_id);
}

/** Exports whose wait for the ERP is over, with their company. */
export async function overdueExports(manager: EntityManager, now: Date, limit: number): Promise<{ exportId: string; companyId: string }[]> {
  const rows: { export_id: string; company_id: string }[] = await manager.query(
    `SELECT export_id, company_id FROM export_sagas WHERE status = 'exporting' AND deadline <= $1 ORDER BY deadline LIMIT $2`,
    [now, limit],
  );
  return rows.map((row) => ({ exportId: row.export_id, companyId: row.company_id }));
}

/** The outbox topics a send's events go out on. */
export const SEND_TOPICS = ['budget.sent', 'budget.sent.lines'] as const;

/**
 * Sends still awaiting acceptance of which an event was set aside by the outbox relay because it
 * can never be published (e.g. the broker refused it as too large): nobody will ever accept them.
 * Reads only the abandoned rows (a partial index keeps them apart).
 */
export async function unpublishableSends(manager: EntityManager, limit: number): Promise<{ exportId: string; budgetId: string; companyId: string; reason: string }[]> {
  const rows: { export_id: string; budget_id: string; company_id: string; reason: string | null }[] = await manager.query(
    `SELECT DISTINCT ON (s.export_id) s.export_id, s.budget_id, s.company_id, o.last_error AS reason
       FROM outbox_messages o JOIN export_sagas s ON s.export_id = o.payload->>'exportId'
      WHERE o.abandoned_at IS NOT NULL AND o.topic = ANY($1) AND s.status = 'awaiting_acceptance'
      ORDER BY s.export_id, o.seq LIMIT $2`,
    [SEND_TOPICS, limit],
  );
  return rows.map((row) => ({ exportId: row.export_id, budgetId: row.budget_id, companyId: row.company_id, reason: row.reason ?? 'the broker refused it' }));
}

/** Inserts the saga a send starts (after the send's snapshot, which it references). */
export async function insertSaga(manager: EntityManager, saga: ExportSaga): Promise<void> {
  await manager.insert(ExportSagaOrmEntity, toRow(saga, 1));
}

/** Saves what a step can change of a saga over its loaded version (plain SQL, as `loadSaga`); zero rows updated is a concurrent change. */
export async function saveSaga(manager: EntityManager, saga: ExportSaga, loaded: LoadedSaga): Promise<void> {
  const [, affected] = (await manager.query(
    `UPDATE export_sagas SET status = $3, facts = $4::jsonb, deadline = $5, timeline = $6::jsonb, version = $2 + 1
      WHERE export_id = $1 AND version = $2`,
    [saga.exportId, loaded.version, saga.status, JSON.stringify(saga.facts), saga.deadline ? new Date(saga.deadline) : null, JSON.stringify(saga.timeline)],
  )) as [unknown, number];
  if (affected !== 1) throw new StaleSagaError(saga.exportId);
}
