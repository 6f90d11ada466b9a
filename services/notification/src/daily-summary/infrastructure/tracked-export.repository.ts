import type { EntityManager } from 'typeorm';
import type { ErpSystem, Person } from '../../notifications/domain/person';
import { type ExportStage, type PendingExport, newPendingExport } from '../domain/pending-export';

interface TrackedExportRow {
  export_id: string;
  company_id: string;
  budget_id: string;
  stage: ExportStage;
  budget_name: string | null;
  erp_system: ErpSystem | null;
  job_number: string | null;
  total: string | null;
  sent_by: Person | null;
  accepted_by: Person | null;
  sent_at: Date | null;
  failure: PendingExport['failure'];
  version: number;
}

const toDomain = (row: TrackedExportRow): PendingExport => ({
  exportId: row.export_id,
  companyId: row.company_id,
  budgetId: row.budget_id,
  stage: row.stage,
  budgetName: row.budget_name,
  erpSystem: row.erp_system,
  jobNumber: row.job_number,
  total: row.total,
  sentBy: row.sent_by,
  acceptedBy: row.accepted_by,
  sentAt: row.sent_at ? new Date(row.sent_at).toISOString() : null,
  failure: row.failure,
});

/**
 * Loads an export's progress locked for this transaction, creating it first if unseen, so events
 * of one export arriving concurrently from several topics are applied one after the other.
 */
export async function lockTrackedExport(
  manager: EntityManager,
  ref: { exportId: string; companyId: string; budgetId: string },
  now: Date,
): Promise<{ state: PendingExport; version: number }> {
  // One statement: inserts the export if unseen, else locks the existing row (the no-op update
  // takes the row lock, as SELECT ... FOR UPDATE would), and returns it either way.
  const [row]: TrackedExportRow[] = await manager.query(
    `INSERT INTO tracked_exports AS t (export_id, company_id, budget_id, stage, version, updated_at)
     VALUES ($1, $2, $3, 'unknown', 0, $4)
     ON CONFLICT (export_id) DO UPDATE SET export_id = t.export_id
     RETURNING export_id, company_id, budget_id, stage, budget_name, erp_system, job_number, total::text AS total,
               sent_by, accepted_by, sent_at, failure, version`,
    [ref.exportId, ref.companyId, ref.budgetId, now],
  );
  return row ? { state: toDomain(row), version: row.version } : { state: newPendingExport(ref.exportId, ref.companyId, ref.budgetId), version: 0 };
}

export async function saveTrackedExport(manager: EntityManager, state: PendingExport, version: number, now: Date): Promise<void> {
  const [, count]: [unknown, number] = await manager.query(
    `UPDATE tracked_exports
     SET stage = $2, budget_name = $3, erp_system = $4, job_number = $5, total = $6, sent_by = $7, sent_at = $8,
         failure = $9, version = version + 1, updated_at = $10, accepted_by = $12
     WHERE export_id = $1 AND version = $11`,
    [
      state.exportId,
      state.stage,
      state.budgetName,
      state.erpSystem,
      state.jobNumber,
      state.total,
      state.sentBy ? JSON.stringify(state.sentBy) : null,
      state.sentAt,
      state.failure ? JSON.stringify(state.failure) : null,
      now,
      version,
      state.acceptedBy ? JSON.stringify(state.acceptedBy) : null,
    ],
  );
  if (count !== 1) throw new Error(`tracked export ${state.exportId} was changed concurrently`);
}

/** Exports that need an approver, grouped by company. */
export async function pendingExportsByCompany(manager: EntityManager): Promise<Map<string, PendingExport[]>> {
  const rows: TrackedExportRow[] = await manager.query(
    `SELECT export_id, company_id, budget_id, stage, budget_name, erp_system, job_number, total::text AS total,
            sent_by, accepted_by, sent_at, failure, version
     FROM tracked_exports WHERE stage IN ('awaiting_acceptance', 'failed_to_export')`,
  );
  const byCompany = new Map<string, PendingExport[]>();
  for (const row of rows) byCompany.set(row.company_id, [...(byCompany.get(row.company_id) ?? []), toDomain(row)]);
  return byCompany;
}
