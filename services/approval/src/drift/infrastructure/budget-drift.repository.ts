import { rowsOf } from '@budget-erp/service-kit';
import type { EntityManager } from 'typeorm';
import type { BudgetOrigin, DriftLine, PayloadOf, UserRef } from '@budget-erp/contracts';

export interface BudgetDrift {
  budgetId: string;
  projectId: string;
  driftId: string;
  erpSystem: string;
  jobNumber: string;
  origin: BudgetOrigin;
  lines: DriftLine[];
  platformTotal: string | null;
  erpTotal: string | null;
  detectedAt: string | null;
  resolvedAt: string | null;
  acknowledged: { by: UserRef; note: string; at: string } | null;
}

interface Row {
  budget_id: string;
  project_id: string;
  drift_id: string;
  erp_system: string;
  job_number: string;
  origin: string;
  lines: DriftLine[] | null;
  platform_total: string | null;
  erp_total: string | null;
  detected_at: Date | string | null;
  resolved_at: Date | string | null;
  acknowledged: BudgetDrift['acknowledged'];
}

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());
const toDrift = (r: Row): BudgetDrift => ({
  budgetId: r.budget_id,
  projectId: r.project_id,
  driftId: r.drift_id,
  erpSystem: r.erp_system,
  jobNumber: r.job_number,
  origin: r.origin as BudgetOrigin,
  lines: r.lines ?? [],
  platformTotal: r.platform_total,
  erpTotal: r.erp_total,
  detectedAt: iso(r.detected_at),
  resolvedAt: iso(r.resolved_at),
  acknowledged: r.acknowledged,
});

/**
 * The drifts the connector reported. Its two topics keep no order between them: a resolution heard
 * before its detection is kept, and the detection then only fills in the lines; of two reports of
 * one drift's lines the later detection wins, whatever order they come in.
 */
export const BudgetDrifts = {
  async detected(manager: EntityManager, p: PayloadOf<'erp.budget.drift_detected'>): Promise<void> {
    await manager.query(
      `INSERT INTO budget_drifts (company_id, budget_id, drift_id, project_id, erp_system, job_number, origin, lines, platform_total, erp_total, detected_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9, $10, $11)
       ON CONFLICT (company_id, budget_id, drift_id) DO UPDATE SET lines = $8::jsonb, platform_total = $9, erp_total = $10, detected_at = $11
         WHERE budget_drifts.detected_at IS NULL OR budget_drifts.detected_at < $11`,
      [p.companyId, p.budgetId, p.driftId, p.projectId, p.erpSystem, p.jobNumber, p.origin, JSON.stringify(p.lines), p.platformTotal, p.erpTotal, p.detectedAt],
    );
  },

  async resolved(manager: EntityManager, p: PayloadOf<'erp.budget.drift_resolved'>): Promise<void> {
    await manager.query(
      `INSERT INTO budget_drifts (company_id, budget_id, drift_id, project_id, erp_system, job_number, origin, resolved_at, resolved_total)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT (company_id, budget_id, drift_id) DO UPDATE SET resolved_at = COALESCE(budget_drifts.resolved_at, $8), resolved_total = COALESCE(budget_drifts.resolved_total, $9)`,
      [p.companyId, p.budgetId, p.driftId, p.projectId, p.erpSystem, p.jobNumber, p.origin, p.resolvedAt, p.total],
    );
  },

  /** The budget's drift that is still open (detected, not resolved), the latest first. */
  async open(manager: EntityManager, companyId: string, budgetId: string, lock = false): Promise<BudgetDrift | null> {
    const rows = rowsOf<Row>(
      await manager.query(
        `SELECT * FROM budget_drifts WHERE company_id = $1 AND budget_id = $2 AND resolved_at IS NULL AND detected_at IS NOT NULL
         ORDER BY detected_at DESC LIMIT 1${lock ? ' FOR UPDATE' : ''}`,
        [companyId, budgetId],
      ),
    );
    return rows[0] ? toDrift(rows[0]) : null;
  },

  async latest(manager: EntityManager, companyId: string, budgetId: string): Promise<BudgetDrift | null> {
    const rows = rowsOf<Row>(
      await manager.query(`SELECT * FROM budget_drifts WHERE company_id = $1 AND budget_id = $2 AND detected_at IS NOT NULL ORDER BY detected_at DESC LIMIT 1`, [companyId, budgetId]),
    );
    return rows[0] ? toDrift(rows[0]) : null;
  },

  async acknowledge(manager: EntityManager, companyId: string, budgetId: string, driftId: string, acknowledged: NonNullable<BudgetDrift['acknowledged']>): Promise<void> {
    await manager.query('UPDATE budget_drifts SET acknowledged = $4::jsonb WHERE company_id = $1 AND budget_id = $2 AND drift_id = $3', [companyId, budgetId, driftId, JSON.stringify(acknowledged)]);
  },
};
