import type { EntityManager } from 'typeorm';
import { ProjectLinkOrmEntity } from './budget-review.orm-entity';

export interface ProjectLinkChange {
  companyId: string;
  projectId: string;
  link?: { erpSystem: string; jobNumber: string; jobName: string; linkedAt: string };
  budgetId?: string;
  imported?: boolean;
  exported?: boolean;
}

/**
 * Records what is known of a project; flags only ever turn on and the latest link wins, so
 * redelivered or reordered events leave the same row.
 */
export async function recordProject(manager: EntityManager, change: ProjectLinkChange): Promise<void> {
  await manager.query(
    `INSERT INTO project_links AS p (company_id, project_id, erp_system, job_number, job_name, linked_at, budget_id, imported, exported)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
     ON CONFLICT (company_id, project_id) DO UPDATE SET
       erp_system = CASE WHEN p.linked_at IS NULL OR EXCLUDED.linked_at > p.linked_at THEN COALESCE(EXCLUDED.erp_system, p.erp_system) ELSE p.erp_system END,
       job_number = CASE WHEN p.linked_at IS NULL OR EXCLUDED.linked_at > p.linked_at THEN COALESCE(EXCLUDED.job_number, p.job_number) ELSE p.job_number END,
       job_name = CASE WHEN p.linked_at IS NULL OR EXCLUDED.linked_at > p.linked_at THEN COALESCE(EXCLUDED.job_name, p.job_name) ELSE p.job_name END,
       linked_at = GREATEST(p.linked_at, EXCLUDED.linked_at),
       budget_id = COALESCE(p.budget_id, EXCLUDED.budget_id),
       imported = p.imported OR EXCLUDED.imported,
       exported = p.exported OR EXCLUDED.exported`,
    [
      change.companyId,
      change.projectId,
      change.link?.erpSystem ?? null,
      change.link?.jobNumber ?? null,
      change.link?.jobName ?? null,
      change.link ? new Date(change.link.linkedAt) : null,
      change.budgetId ?? null,
      change.imported ?? false,
      change.exported ?? false,
    ],
  );
}

export async function findProject(manager: EntityManager, companyId: string, projectId: string) {
  return manager.findOne(ProjectLinkOrmEntity, { where: { companyId, projectId } });
}

/** The highest revision number the job used, locked until the transaction ends. */
export async function lockLastRevisionNumber(
  manager: EntityManager,
  key: { companyId: string; erpSystem: string; jobNumber: string },
): Promise<number | null> {
  await manager.query(
    `INSERT INTO job_revision_numbers (company_id, erp_system, job_number, last_number) VALUES ($1, $2, $3, 0)
     ON CONFLICT DO NOTHING`,
    [key.companyId, key.erpSystem, key.jobNumber],
  );
  const rows: { last_number: number }[] = await manager.query(
    `SELECT last_number FROM job_revision_numbers WHERE company_id = $1 AND erp_system = $2 AND job_number = $3 FOR UPDATE`,
    [key.companyId, key.erpSystem, key.jobNumber],
  );
  return rows[0]?.last_number || null;
}

export async function recordRevisionNumber(
  manager: EntityManager,
  key: { companyId: string; erpSystem: string; jobNumber: string },
  used: number,
): Promise<void> {
  await manager.query(
    `INSERT INTO job_revision_numbers (company_id, erp_system, job_number, last_number) VALUES ($1, $2, $3, $4)
     ON CONFLICT (company_id, erp_system, job_number) DO UPDATE SET last_number = GREATEST(job_revision_numbers.last_number, EXCLUDED.last_number)`,
    [key.companyId, key.erpSystem, key.jobNumber, used],
  );
}

export async function recordCompanySettings(
  manager: EntityManager,
  settings: { companyId: string; erpSystem: string; timeZone: string; updatedAt: string },
): Promise<void> {
  await manager.query(
    `INSERT INTO company_settings AS s (company_id, erp_system, time_zone, updated_at) VALUES ($1, $2, $3, $4)
     ON CONFLICT (company_id) DO UPDATE SET erp_system = EXCLUDED.erp_system, time_zone = EXCLUDED.time_zone, updated_at = EXCLUDED.updated_at
     WHERE EXCLUDED.updated_at > s.updated_at`,
    [settings.companyId, settings.erpSystem, settings.timeZone, new Date(settings.updatedAt)],
  );
}

export async function companyTimeZone(manager: EntityManager, companyId: string): Promise<string | null> {
  const rows: { time_zone: string | null }[] = await manager.query(
    `SELECT time_zone FROM company_settings WHERE company_id = $1`,
    [companyId],
  );
  return rows[0]?.time_zone ?? null;
}
