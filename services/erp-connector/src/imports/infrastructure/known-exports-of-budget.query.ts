import type { EntityManager } from 'typeorm';
import { erpSystemInfo } from '@budget-erp/contracts';
import type { KnownExportOfBudget } from '../domain/initial-import-rules';

/** The exports the connector recorded for a budget of the company (none for a budget never accepted, or another company's). */
export async function knownExportsOfBudget(manager: EntityManager, companyId: string, budgetId: string): Promise<KnownExportOfBudget[]> {
  const rows = (await manager.query(
    `SELECT data->>'projectId' AS project_id, data->>'jobNumber' AS job_number, system, status
       FROM erp_exports WHERE company_id = $1 AND data->>'budgetId' = $2`,
    [companyId, budgetId],
  )) as { project_id: string; job_number: string; system: string; status: string }[];
  return rows.map((r) => ({ projectId: r.project_id, jobNumber: r.job_number, erpName: erpSystemInfo(r.system)?.name ?? r.system, status: r.status }));
}
