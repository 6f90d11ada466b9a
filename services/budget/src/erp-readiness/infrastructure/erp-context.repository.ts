import type { EntityManager } from 'typeorm';
import type { ErpContext, ErpSystem } from '../../budgets/domain/erp-system';
import { ErpConnectionOrmEntity, ProjectLinkOrmEntity } from './erp-context.orm-entity';

export async function loadErpContext(manager: EntityManager, companyId: string, projectId: string): Promise<ErpContext> {
  const connection = await manager.findOne(ErpConnectionOrmEntity, { where: { companyId } });
  const link = await manager.findOne(ProjectLinkOrmEntity, { where: { companyId, projectId } });
  return {
    connection: connection && { erpSystem: connection.erpSystem as ErpSystem, estimatesEnabled: connection.estimatesEnabled },
    link: link && {
      erpSystem: link.erpSystem as ErpSystem,
      jobNumber: link.jobNumber,
      costCodes: link.costCodes,
      supportsSubJobs: link.supportsSubJobs,
      subJobs: link.subJobs,
    },
  };
}

/** Keeps the newest fact: an older event redelivered late never overwrites a newer one. */
export async function upsertConnection(manager: EntityManager, row: ErpConnectionOrmEntity): Promise<void> {
  await manager.query(
    `INSERT INTO erp_connections (company_id, erp_system, estimates_enabled, time_zone, updated_at)
     VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (company_id) DO UPDATE SET erp_system = EXCLUDED.erp_system, estimates_enabled = EXCLUDED.estimates_enabled,
       time_zone = EXCLUDED.time_zone, updated_at = EXCLUDED.updated_at
     WHERE erp_connections.updated_at <= EXCLUDED.updated_at`,
    [row.companyId, row.erpSystem, row.estimatesEnabled, row.timeZone, row.updatedAt],
  );
}

export async function upsertProjectLink(manager: EntityManager, row: ProjectLinkOrmEntity): Promise<void> {
  await manager.query(
    `INSERT INTO project_links (company_id, project_id, erp_system, job_number, job_name, cost_codes, supports_sub_jobs, sub_jobs, linked_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
     ON CONFLICT (company_id, project_id) DO UPDATE SET erp_system = EXCLUDED.erp_system, job_number = EXCLUDED.job_number,
       job_name = EXCLUDED.job_name, cost_codes = EXCLUDED.cost_codes, supports_sub_jobs = EXCLUDED.supports_sub_jobs,
       sub_jobs = EXCLUDED.sub_jobs, linked_at = EXCLUDED.linked_at
     WHERE project_links.linked_at <= EXCLUDED.linked_at`,
    [
      row.companyId,
      row.projectId,
      row.erpSystem,
      row.jobNumber,
      row.jobName,
      JSON.stringify(row.costCodes),
      row.supportsSubJobs,
      JSON.stringify(row.subJobs),
      row.linkedAt,
    ],
  );
}
