import { rowsOf } from '@budget-erp/service-kit';
import type { EntityManager } from 'typeorm';
import type { BudgetOrigin, DriftCheckTrigger, DriftLine, ErpSystem } from '@budget-erp/contracts';
import type { BaselineLine, DriftState } from '../domain/drift';

/** A synced budget as drift reconciliation keeps it. */
export interface DriftBaseline {
  companyId: string;
  budgetId: string;
  projectId: string;
  system: ErpSystem;
  jobNumber: string;
  origin: BudgetOrigin;
  lines: BaselineLine[];
  version: number;
  pendingTrigger: DriftCheckTrigger;
  state: DriftState;
  driftLines: DriftLine[] | null;
  erpTotal: string | null;
  lastCheckedAt: string | null;
  /** ERP reads that failed in a row. */
  checkFailures: number;
}

interface Row {
  company_id: string;
  budget_id: string;
  project_id: string;
  system: string;
  job_number: string;
  origin: string;
  lines: BaselineLine[];
  version: number;
  pending_trigger: string;
  drift_id: string | null;
  drift_digest: string | null;
  drift_lines: DriftLine[] | null;
  erp_total: string | null;
  last_checked_at: Date | string | null;
  check_failures: number;
}

const COLUMNS = 'company_id, budget_id, project_id, system, job_number, origin, lines, version, pending_trigger, drift_id, drift_digest, drift_lines, erp_total, last_checked_at, check_failures';

const toBaseline = (r: Row): DriftBaseline => ({
  companyId: r.company_id,
  budgetId: r.budget_id,
  projectId: r.project_id,
  system: r.system as ErpSystem,
  jobNumber: r.job_number,
  origin: r.origin as BudgetOrigin,
  lines: r.lines,
  version: Number(r.version),
  pendingTrigger: r.pending_trigger as DriftCheckTrigger,
  state: r.drift_id && r.drift_digest ? { status: 'drifted', driftId: r.drift_id, digest: r.drift_digest } : { status: 'in_sync' },
  driftLines: r.drift_lines,
  erpTotal: r.erp_total,
  lastCheckedAt: r.last_checked_at === null ? null : new Date(r.last_checked_at).toISOString(),
  checkFailures: Number(r.check_failures),
});

/** The `erp_drift_baselines` table: one row per synced budget. */
export const DriftBaselines = {
  async find(manager: EntityManager, companyId: string, budgetId: string, lock = false): Promise<DriftBaseline | null> {
    const rows = rowsOf<Row>(await manager.query(`SELECT ${COLUMNS} FROM erp_drift_baselines WHERE company_id = $1 AND budget_id = $2${lock ? ' FOR UPDATE' : ''}`, [companyId, budgetId]));
    return rows[0] ? toBaseline(rows[0]) : null;
  },

  /**
   * Records what the budget's ERP job should hold now (after a posting or an import) and asks for
   * a comparison at once. The budget now speaks for its job: another budget of the company that
   * was synced with the same job stops being compared with it.
   */
  async resync(
    manager: EntityManager,
    b: { companyId: string; budgetId: string; projectId: string; system: ErpSystem; jobNumber: string; origin: BudgetOrigin; lines: BaselineLine[]; trigger: DriftCheckTrigger },
  ): Promise<void> {
    await manager.query(
      `INSERT INTO erp_drift_baselines (company_id, budget_id, project_id, system, job_number, origin, lines, synced_at, next_check_at, pending_trigger)
       VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, now(), now(), $8)
       ON CONFLICT (company_id, budget_id) DO UPDATE SET project_id = $3, system = $4, job_number = $5, origin = $6, lines = $7::jsonb,
         version = erp_drift_baselines.version + 1, synced_at = now(), next_check_at = now(), pending_trigger = $8`,
      [b.companyId, b.budgetId, b.projectId, b.system, b.jobNumber, b.origin, JSON.stringify(b.lines), b.trigger],
    );
    await manager.query(`DELETE FROM erp_drift_baselines WHERE company_id = $1 AND system = $2 AND job_number = $3 AND budget_id <> $4 AND drift_id IS NULL`, [
      b.companyId,
      b.system,
      b.jobNumber,
      b.budgetId,
    ]);
  },

  /**
   * Leases the budgets due for a comparison, at most one per ERP and company, and none of an ERP
   * and company with a comparison in flight or one made less than `spacingMs` ago: each company's
   * ERP sees at most one drift read at a time, and at most one per `spacingMs`.
   */
  async leaseDue(manager: EntityManager, systems: readonly string[], limit: number, leaseMs: number, spacingMs: number): Promise<DriftBaseline[]> {
    const rows = rowsOf<Row>(
      await manager.query(
        `UPDATE erp_drift_baselines SET checking_until = now() + ($3::int * interval '1 millisecond')
         WHERE (company_id, budget_id) IN (
           SELECT company_id, budget_id FROM erp_drift_baselines WHERE (company_id, budget_id) IN (
             SELECT DISTINCT ON (d.system, d.company_id) d.company_id, d.budget_id FROM erp_drift_baselines d
              WHERE d.system = ANY ($1::text[]) AND d.next_check_at <= now() AND (d.checking_until IS NULL OR d.checking_until < now())
                AND NOT EXISTS (SELECT 1 FROM erp_drift_baselines o WHERE o.system = d.system AND o.company_id = d.company_id
                                AND (o.checking_until > now() OR o.last_checked_at > now() - ($4::int * interval '1 millisecond')))
              ORDER BY d.system, d.company_id, d.next_check_at)
           ORDER BY next_check_at LIMIT $2 FOR UPDATE SKIP LOCKED)
         RETURNING ${COLUMNS}`,
        [systems, limit, leaseMs, spacingMs],
      ),
    );
    return rows.map(toBaseline);
  },

  /** Records a comparison of the baseline. */
  async recordCheck(
    manager: EntityManager,
    b: DriftBaseline,
    next: DriftState,
    driftLines: DriftLine[] | null,
    erpTotal: string,
    intervalMs: number,
  ): Promise<void> {
    const drifted = next.status === 'drifted' ? next : null;
    await manager.query(
      `UPDATE erp_drift_baselines SET drift_id = $3, drift_digest = $4, drift_lines = $5::jsonb, erp_total = $6, last_checked_at = now(), checking_until = NULL, check_failures = 0,
         next_check_at = now() + ($7::int * interval '1 millisecond'), pending_trigger = 'schedule'
       WHERE company_id = $1 AND budget_id = $2`,
      [b.companyId, b.budgetId, drifted?.driftId ?? null, drifted?.digest ?? null, driftLines ? JSON.stringify(driftLines) : null, erpTotal, intervalMs],
    );
  },

  /** A comparison that could not read the ERP: tried again after `delayMs`. */
  async retryLater(manager: EntityManager, b: DriftBaseline, delayMs: number): Promise<void> {
    await manager.query(
      `UPDATE erp_drift_baselines SET checking_until = NULL, last_checked_at = now(), check_failures = check_failures + 1,
         next_check_at = now() + ($3::int * interval '1 millisecond')
       WHERE company_id = $1 AND budget_id = $2`,
      [b.companyId, b.budgetId, delayMs],
    );
  },

  /** The baseline moved while the ERP was read (a posting or an import): compared again at once. */
  async checkAgain(manager: EntityManager, b: DriftBaseline): Promise<void> {
    await manager.query('UPDATE erp_drift_baselines SET checking_until = NULL, next_check_at = now() WHERE company_id = $1 AND budget_id = $2', [b.companyId, b.budgetId]);
  },
};
