import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { StaleAggregateError } from '@budget-erp/service-kit';
import type { ExportState } from '../domain/export';
import { toDomain, toRow } from './erp-export.mapper';
import { ErpExportAttemptOrmEntity, ErpExportOrmEntity } from './erp-export.orm-entity';

export interface LoadedExport {
  state: Exclude<ExportState, { status: 'none' }>;
  row: ErpExportOrmEntity;
}

@Injectable()
export class ErpExportRepository {
  async find(manager: EntityManager, exportId: string): Promise<LoadedExport | null> {
    const row = await manager.findOne(ErpExportOrmEntity, { where: { exportId } });
    return row ? { state: toDomain(row), row } : null;
  }

  /** Inserts a new export; false when it already exists (a redelivered `budget.accepted`). */
  async insert(manager: EntityManager, state: Exclude<ExportState, { status: 'none' }>): Promise<boolean> {
    if (await manager.exists(ErpExportOrmEntity, { where: { exportId: state.data.exportId } })) return false;
    const row = toRow(state);
    row.version = 1;
    row.leaseUntil = null;
    await manager.insert(ErpExportOrmEntity, row);
    return true;
  }

  /** Saves a new state over the loaded one; zero rows updated means another worker changed it. */
  async save(manager: EntityManager, loaded: LoadedExport, next: Exclude<ExportState, { status: 'none' }>, options: { leaseUntil?: Date | null } = {}): Promise<LoadedExport> {
    const row = toRow(next, { ...loaded.row } as ErpExportOrmEntity);
    const { exportId, version, createdAt: _createdAt, ...fields } = row;
    const result = await manager
      .createQueryBuilder()
      .update(ErpExportOrmEntity)
      .set({ ...fields, ...('leaseUntil' in options ? { leaseUntil: options.leaseUntil } : {}), version: version + 1 })
      .where('export_id = :exportId AND version = :version', { exportId, version })
      .execute();
    if (result.affected === 0) throw new StaleAggregateError('Export', exportId);
    return { state: next, row: { ...row, version: version + 1, leaseUntil: 'leaseUntil' in options ? (options.leaseUntil ?? null) : row.leaseUntil } as ErpExportOrmEntity };
  }

  /** Leaves the export alone until `until` without changing its state (the ERP's breaker is open). */
  async defer(manager: EntityManager, exportId: string, until: Date): Promise<void> {
    await manager.query('UPDATE erp_exports SET next_attempt_at = GREATEST(COALESCE(next_attempt_at, $2), $2), lease_until = NULL WHERE export_id = $1', [exportId, until]);
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

  /** Leases up to `limit` due exports of one ERP to this worker (other processes skip them). */
  async leaseDue(manager: EntityManager, system: string, kind: 'attempt' | 'posting', limit: number, leaseMs: number): Promise<string[]> {
    const due =
      kind === 'attempt'
        ? `status IN ('requested', 'attempting') AND (next_attempt_at IS NULL OR next_attempt_at <= now())`
        : `status = 'succeeded' AND next_posting_check_at <= now()`;
    const rows = (await manager.query(
      `UPDATE erp_exports SET lease_until = now() + ($3::int * interval '1 millisecond')
       WHERE export_id IN (
         SELECT export_id FROM erp_exports
         WHERE system = $1 AND ${due} AND (lease_until IS NULL OR lease_until < now())
         ORDER BY created_at LIMIT $2 FOR UPDATE SKIP LOCKED)
       RETURNING export_id`,
      [system, limit, leaseMs],
    )) as unknown;
    const list = Array.isArray(rows) && Array.isArray(rows[0]) ? (rows[0] as { export_id: string }[]) : (rows as { export_id: string }[]);
    return list.map((r) => r.export_id);
  }

  async releaseLease(manager: EntityManager, exportId: string): Promise<void> {
    await manager.query('UPDATE erp_exports SET lease_until = NULL WHERE export_id = $1', [exportId]);
  }
}
