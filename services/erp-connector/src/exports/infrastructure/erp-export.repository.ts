import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { StaleAggregateError, rowsOf } from '@budget-erp/service-kit';
import type { ExportState } from '../domain/export';
import { toDomain, toRow } from './erp-export.mapper';
import { ErpExportAttemptOrmEntity, ErpExportOrmEntity } from './erp-export.orm-entity';

/** An export a worker leased, and the token that proves it still holds the lease. */
export interface Leased {
  exportId: string;
  leaseToken: string;
}

export interface LoadedExport {
  state: Exclude<ExportState, { status: 'none' }>;
  row: ErpExportOrmEntity;
}

/**
 * The columns a change of state writes: all but the export's identity, its lease, its version and
 * `data` (what to export, written once when the export is requested).
 */
const MUTABLE_COLUMNS = (['status', 'attempts', 'inFlight', 'nextAttemptAt', 'lastError', 'erpReference', 'exportedAt', 'reasonCode', 'message', 'failedAt', 'nextPostingCheckAt', 'postingChecks', 'postedAt', 'cancelledReason', 'cancelledAt'] as const) satisfies readonly (keyof ErpExportOrmEntity)[];

/** Every column of `erp_exports` under its `ErpExportOrmEntity` name, for statements that return the row. */
const EXPORT_COLUMNS = `export_id AS "exportId", company_id AS "companyId", system, status, data, attempts, in_flight AS "inFlight",
  next_attempt_at AS "nextAttemptAt", last_error AS "lastError", erp_reference AS "erpReference", exported_at AS "exportedAt",
  reason_code AS "reasonCode", message, failed_at AS "failedAt", next_posting_check_at AS "nextPostingCheckAt",
  posting_checks AS "postingChecks", posted_at AS "postedAt", cancelled_reason AS "cancelledReason", cancelled_at AS "cancelledAt",
  lease_until AS "leaseUntil", lease_token AS "leaseToken", created_at AS "createdAt", version`;

@Injectable()
export class ErpExportRepository {
  async find(manager: EntityManager, exportId: string): Promise<LoadedExport | null> {
    const row = await manager.findOne(ErpExportOrmEntity, { where: { exportId } });
    return row ? { state: toDomain(row), row } : null;
  }

  async exists(manager: EntityManager, exportId: string): Promise<boolean> {
    return (await manager.count(ErpExportOrmEntity, { where: { exportId } })) > 0;
  }

  /** Inserts a new export; false when it already exists (a redelivered `budget.accepted`). */
  async insert(manager: EntityManager, state: Exclude<ExportState, { status: 'none' }>): Promise<boolean> {
    const row = toRow(state);
    row.version = 1;
    row.leaseUntil = null;
    row.leaseToken = null;
    const result = await manager.createQueryBuilder().insert().into(ErpExportOrmEntity).values(row).orIgnore().returning('export_id').execute();
    return (result.raw as unknown[]).length > 0;
  }

  /**
   * Saves a new state over the loaded one; zero rows updated means another worker changed it.
   * `data` (what to export) is fixed when the export is requested and not rewritten.
   */
  async save(
    manager: EntityManager,
    loaded: LoadedExport,
    next: Exclude<ExportState, { status: 'none' }>,
    options: { leaseUntil?: Date | null; leaseToken?: string } = {},
  ): Promise<LoadedExport> {
    const row = toRow(next, { ...loaded.row } as ErpExportOrmEntity);
    const { exportId, version } = row;
    const fields = Object.fromEntries(MUTABLE_COLUMNS.map((column) => [column, row[column]]));
    // With a lease token, only the lease's holder saves: a worker whose lease was taken over saves nothing.
    const fenced = options.leaseToken === undefined ? '' : ' AND lease_token = :leaseToken';
    const result = await manager
      .createQueryBuilder()
      .update(ErpExportOrmEntity)
      .set({ ...fields, ...('leaseUntil' in options ? { leaseUntil: options.leaseUntil } : {}), version: version + 1 })
      .where(`export_id = :exportId AND version = :version${fenced}`, { exportId, version, leaseToken: options.leaseToken })
      .execute();
    if (result.affected === 0) throw new StaleAggregateError('Export', exportId);
    return { state: next, row: { ...row, version: version + 1, leaseUntil: 'leaseUntil' in options ? (options.leaseUntil ?? null) : row.leaseUntil } as ErpExportOrmEntity };
  }

  /**
   * Makes a waiting export due now, without changing its state, so its worker takes it at its next
   * pass (e.g. to cancel it once given up, rather than after its retry delay). Returns its ERP, or
   * null when it is not waiting (never recorded, in flight, or settled).
   */
  async dueNow(manager: EntityManager, exportId: string): Promise<string | null> {
    const rows = (await manager.query(
      `UPDATE erp_exports SET next_attempt_at = NULL WHERE export_id = $1 AND status IN ('requested', 'attempting') AND NOT in_flight RETURNING system`,
      [exportId],
    )) as unknown;
    const list = rowsOf<{ system: string }>(rows);
    return list[0]?.system ?? null;
  }

  /** Leaves the export alone until `until` without changing its state (the ERP's breaker is open). */
  async defer(manager: EntityManager, exportId: string, until: Date): Promise<void> {
    await manager.query('UPDATE erp_exports SET next_attempt_at = GREATEST(COALESCE(next_attempt_at, $2), $2), lease_until = NULL WHERE export_id = $1', [exportId, until]);
  }

  /** Leaves a posting check alone until `until` without counting a check (the ERP's breaker is open). */
  async deferPostingCheck(manager: EntityManager, exportId: string, until: Date): Promise<void> {
    await manager.query(`UPDATE erp_exports SET next_posting_check_at = GREATEST(next_posting_check_at, $2), lease_until = NULL WHERE export_id = $1 AND status = 'succeeded'`, [exportId, until]);
  }

  /**
   * Makes an export awaiting posting due for a check now (asked by a person). Returns its ERP and
   * the check's time, or null when it is not awaiting posting.
   */
  async postingCheckDueNow(manager: EntityManager, exportId: string): Promise<{ system: string; nextPostingCheckAt: Date } | null> {
    const rows = (await manager.query(
      `UPDATE erp_exports SET next_posting_check_at = LEAST(next_posting_check_at, now()) WHERE export_id = $1 AND status = 'succeeded' RETURNING system, next_posting_check_at`,
      [exportId],
    )) as unknown;
    type Row = { system: string; next_posting_check_at: Date };
    const list = rowsOf<Row>(rows);
    return list[0] ? { system: list[0].system, nextPostingCheckAt: list[0].next_posting_check_at } : null;
  }

  async startAttempt(manager: EntityManager, exportId: string, attempt: number, at: Date): Promise<void> {
    await manager.insert(ErpExportAttemptOrmEntity, { exportId, attempt, startedAt: at, finishedAt: null, outcome: null, errorCode: null, message: null });
  }

  async finishAttempt(manager: EntityManager, exportId: string, attempt: number, outcome: string, at: Date, error?: { code: string; message: string }): Promise<void> {
    await manager.update(ErpExportAttemptOrmEntity, { exportId, attempt }, { finishedAt: at, outcome, errorCode: error?.code ?? null, message: error?.message ?? null });
  }

  attempts(manager: EntityManager, exportId: string): Promise<ErpExportAttemptOrmEntity[]> {
    return manager.find(ErpExportAttemptOrmEntity, { where: { exportId }, order: { attempt: 'ASC' } });
  }

  /**
   * Leases, in one statement, up to `limit` exports of one ERP due for an attempt and up to `limit`
   * due for a posting check; other processes skip the rows (`FOR UPDATE SKIP LOCKED`). Each list
   * is found through its partial index, and `= ANY (array)` lets the update reach the rows by key
   * (two `IN (...)` joined by OR would scan the whole table, posted exports included).
   */
  async leaseDue(manager: EntityManager, system: string, limit: number, leaseMs: number): Promise<{ attempts: Leased[]; postings: Leased[] }> {
    const rows = (await manager.query(
      `UPDATE erp_exports SET lease_until = now() + ($3::int * interval '1 millisecond'), lease_token = gen_random_uuid()
       WHERE export_id = ANY (
         ARRAY(SELECT export_id FROM erp_exports
               WHERE system = $1 AND status IN ('requested', 'attempting') AND (next_attempt_at IS NULL OR next_attempt_at <= now())
                 AND (lease_until IS NULL OR lease_until < now())
               ORDER BY created_at LIMIT $2 FOR UPDATE SKIP LOCKED)
         || ARRAY(SELECT export_id FROM erp_exports
               WHERE system = $1 AND status = 'succeeded' AND next_posting_check_at <= now()
                 AND (lease_until IS NULL OR lease_until < now())
               ORDER BY created_at LIMIT $2 FOR UPDATE SKIP LOCKED))
       RETURNING export_id, status, lease_token`,
      [system, limit, leaseMs],
    )) as unknown;
    type Row = { export_id: string; status: string; lease_token: string };
    const list = rowsOf<Row>(rows);
    const leased = (r: Row): Leased => ({ exportId: r.export_id, leaseToken: r.lease_token });
    return { attempts: list.filter((r) => r.status !== 'succeeded').map(leased), postings: list.filter((r) => r.status === 'succeeded').map(leased) };
  }

  /**
   * Extends the lease for `leaseMs` from now and loads the export, in one statement, if
   * `leaseToken` still holds it and it is in one of `statuses`; null otherwise (another worker took
   * it over, or it moved on).
   */
  async renewLeaseAndLoad(manager: EntityManager, leased: Leased, statuses: readonly string[], leaseMs: number): Promise<LoadedExport | null> {
    const rows = (await manager.query(
      `UPDATE erp_exports SET lease_until = now() + ($3::int * interval '1 millisecond')
        WHERE export_id = $1 AND lease_token = $2 AND status = ANY ($4::text[])
       RETURNING ${EXPORT_COLUMNS}`,
      [leased.exportId, leased.leaseToken, leaseMs, statuses],
    )) as unknown;
    const list = rowsOf<ErpExportOrmEntity>(rows);
    const row = list[0];
    return row ? { state: toDomain(row), row } : null;
  }

  /** Extends the lease for `leaseMs` from now if `leaseToken` still holds it; false when another worker took it over. */
  async renewLease(manager: EntityManager, exportId: string, leaseToken: string, leaseMs: number): Promise<boolean> {
    const rows = (await manager.query(
      `UPDATE erp_exports SET lease_until = now() + ($3::int * interval '1 millisecond') WHERE export_id = $1 AND lease_token = $2 RETURNING export_id`,
      [exportId, leaseToken, leaseMs],
    )) as unknown;
    const list = rowsOf<unknown>(rows);
    return list.length > 0;
  }

  /** Exports of each ERP waiting for it (requested, or attempting and not yet landed, failed or cancelled): its backlog. */
  async pendingBySystem(manager: EntityManager): Promise<Map<string, number>> {
    const rows = (await manager.query(`SELECT system, count(*)::int AS pending FROM erp_exports WHERE status IN ('requested', 'attempting') GROUP BY system`)) as { system: string; pending: number }[];
    return new Map(rows.map((r) => [r.system, Number(r.pending)]));
  }
}
