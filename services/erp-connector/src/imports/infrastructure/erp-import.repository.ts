import { rowsOf } from '@budget-erp/service-kit';
import type { EntityManager } from 'typeorm';
import type { ErpError } from '../../erp-adapters/erp-adapter';
import type { ImportRequest } from '../application/import-erp-budget.handler';

/** A queued import as the worker leases it. */
export interface QueuedImport {
  request: ImportRequest & { importId: string };
  attempts: number;
}

interface ImportRow {
  import_id: string;
  company_id: string;
  project_id: string;
  budget_id: string | null;
  system: string;
  job_number: string;
  mode: ImportRequest['mode'];
  requested_by: ImportRequest['requestedBy'];
  erp_digest: string | null;
  attempts: number;
}

/** `UPDATE ... RETURNING` answers `[rows, count]` on PostgreSQL through TypeORM; plain rows elsewhere. */
/** The `erp_imports` work queue: recorded in the inbox transaction, leased by the import worker. */
export const ErpImportQueue = {
  /** Records an import once (a redelivered request finds it recorded). */
  async enqueue(manager: EntityManager, request: ImportRequest & { importId: string }): Promise<boolean> {
    const rows = rowsOf<{ import_id: string }>(
      await manager.query(
        `INSERT INTO erp_imports (import_id, company_id, project_id, budget_id, system, job_number, mode, requested_by, erp_digest, status)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'queued') ON CONFLICT (import_id) DO NOTHING RETURNING import_id`,
        [request.importId, request.companyId, request.projectId, request.budgetId, request.system, request.jobNumber, request.mode, JSON.stringify(request.requestedBy), request.erpDigest ?? null],
      ),
    );
    return rows.length > 0;
  },

  /** Leases the due imports of these ERPs (`FOR UPDATE SKIP LOCKED`, so several processes share the queue); counts the attempt. */
  async leaseDue(manager: EntityManager, systems: readonly string[], limit: number, leaseMs: number): Promise<QueuedImport[]> {
    const rows = rowsOf<ImportRow>(
      await manager.query(
        `UPDATE erp_imports SET lease_until = now() + ($3::int * interval '1 millisecond'), attempts = attempts + 1
         WHERE import_id = ANY (ARRAY(SELECT import_id FROM erp_imports
               WHERE status = 'queued' AND system = ANY ($1::text[]) AND (next_attempt_at IS NULL OR next_attempt_at <= now())
                 AND (lease_until IS NULL OR lease_until < now())
               ORDER BY created_at LIMIT $2 FOR UPDATE SKIP LOCKED))
         RETURNING import_id, company_id, project_id, budget_id, system, job_number, mode, requested_by, erp_digest, attempts`,
        [systems, limit, leaseMs],
      ),
    );
    return rows.map((r) => ({
      attempts: Number(r.attempts),
      request: {
        importId: r.import_id,
        companyId: r.company_id,
        projectId: r.project_id,
        budgetId: r.budget_id,
        system: r.system as ImportRequest['system'],
        jobNumber: r.job_number,
        mode: r.mode,
        requestedBy: r.requested_by,
        erpDigest: r.erp_digest,
      },
    }));
  },

  /** Ends a queued import (its outcome is published in the same transaction); false when it had already ended. */
  async finish(manager: EntityManager, importId: string, outcome: 'imported' | 'failed', error: ErpError | null): Promise<boolean> {
    const rows = rowsOf<{ import_id: string }>(
      await manager.query(
        `UPDATE erp_imports SET status = $2, lease_until = NULL, next_attempt_at = NULL, last_error = $3, finished_at = now()
         WHERE import_id = $1 AND status = 'queued' RETURNING import_id`,
        [importId, outcome, error ? JSON.stringify(error) : null],
      ),
    );
    return rows.length > 0;
  },

  /** A transient failure: tried again after `delayMs`. */
  async retryLater(manager: EntityManager, importId: string, delayMs: number, error: ErpError): Promise<void> {
    await manager.query(
      `UPDATE erp_imports SET lease_until = NULL, next_attempt_at = now() + ($2::int * interval '1 millisecond'), last_error = $3
       WHERE import_id = $1 AND status = 'queued'`,
      [importId, delayMs, JSON.stringify(error)],
    );
  },
};
