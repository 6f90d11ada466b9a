import type { EntityManager } from 'typeorm';
import type { ExportFact } from '@budget-erp/contracts';
import {
  type AcceptedDetails,
  type FailureDetails,
  type PostedDetails,
  type RejectedDetails,
  type SendOfBudget,
  type SentDetails,
  type SucceededDetails,
  type TrackedExport,
  newTrackedExport,
  statusOf,
} from '../domain/tracked-export';

interface TrackedExportRow {
  export_id: string;
  company_id: string;
  budget_id: string;
  facts: ExportFact[];
  sent: SentDetails | null;
  accepted: AcceptedDetails | null;
  rejected: RejectedDetails | null;
  failure: FailureDetails | null;
  succeeded: SucceededDetails | null;
  posted: PostedDetails | null;
  version: number;
}

const columns = `export_id, company_id, budget_id, facts, sent, accepted, rejected, failure, succeeded, posted, version`;

const toDomain = (row: TrackedExportRow): TrackedExport => ({
  exportId: row.export_id,
  companyId: row.company_id,
  budgetId: row.budget_id,
  facts: row.facts,
  sent: row.sent,
  accepted: row.accepted,
  rejected: row.rejected,
  failure: row.failure,
  succeeded: row.succeeded,
  posted: row.posted,
});

const json = (value: unknown): string | null => (value === null ? null : JSON.stringify(value));

/**
 * Loads an export locked for this transaction, creating it first if unseen, so events of one
 * export arriving concurrently from several topics are applied one after the other.
 */
export async function lockTrackedExport(
  manager: EntityManager,
  ref: { exportId: string; companyId: string; budgetId: string },
  now: Date,
): Promise<{ state: TrackedExport; version: number }> {
  // One statement: inserts the export if unseen, else locks the existing row (the no-op update
  // takes the row lock, as SELECT ... FOR UPDATE would), and returns it either way.
  const [row]: TrackedExportRow[] = await manager.query(
    `INSERT INTO tracked_exports AS t (export_id, company_id, budget_id, facts, status, version, updated_at)
     VALUES ($1, $2, $3, '[]', $4, 0, $5)
     ON CONFLICT (export_id) DO UPDATE SET export_id = t.export_id
     RETURNING ${columns}`,
    [ref.exportId, ref.companyId, ref.budgetId, statusOf({ facts: [] }), now],
  );
  return row ? { state: toDomain(row), version: row.version } : { state: newTrackedExport(ref.exportId, ref.companyId, ref.budgetId), version: 0 };
}

/** Saves the export; `status` is stored beside the facts only so that pending exports can be found by index. */
export async function saveTrackedExport(manager: EntityManager, state: TrackedExport, version: number, now: Date): Promise<void> {
  const [, count]: [unknown, number] = await manager.query(
    `UPDATE tracked_exports
     SET facts = $2, status = $3, sent_at = $4, sent = $5, accepted = $6, rejected = $7, failure = $8, succeeded = $9,
         posted = $10, version = version + 1, updated_at = $11
     WHERE export_id = $1 AND version = $12`,
    [
      state.exportId,
      JSON.stringify(state.facts),
      statusOf(state),
      state.sent?.at ?? null,
      json(state.sent),
      json(state.accepted),
      json(state.rejected),
      json(state.failure),
      json(state.succeeded),
      json(state.posted),
      now,
      version,
    ],
  );
  if (count !== 1) throw new Error(`tracked export ${state.exportId} was changed concurrently`);
}

/** The other sends of a budget heard so far. */
export async function otherSendsOfBudget(
  manager: EntityManager,
  ref: { exportId: string; companyId: string; budgetId: string },
): Promise<SendOfBudget[]> {
  const rows: Array<{ export_id: string; sent_at: Date }> = await manager.query(
    `SELECT export_id, sent_at FROM tracked_exports
     WHERE company_id = $1 AND budget_id = $2 AND export_id <> $3 AND sent_at IS NOT NULL`,
    [ref.companyId, ref.budgetId, ref.exportId],
  );
  return rows.map((row) => ({ exportId: row.export_id, sentAt: new Date(row.sent_at).toISOString() }));
}

/** Exports that need an approver, grouped by company. */
export async function pendingExportsByCompany(manager: EntityManager): Promise<Map<string, TrackedExport[]>> {
  const rows: TrackedExportRow[] = await manager.query(
    `SELECT ${columns} FROM tracked_exports WHERE status IN ('awaiting_acceptance', 'failed_to_export')`,
  );
  const byCompany = new Map<string, TrackedExport[]>();
  for (const row of rows) byCompany.set(row.company_id, [...(byCompany.get(row.company_id) ?? []), toDomain(row)]);
  return byCompany;
}
