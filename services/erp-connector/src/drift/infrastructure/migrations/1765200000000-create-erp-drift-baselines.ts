import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What each synced budget's ERP job should hold (its baseline, folded from its posted exports or
 * set by its last import) and where the comparison with the ERP stands, for drift reconciliation.
 */
export class CreateErpDriftBaselines1765200000000 implements MigrationInterface {
  name = 'CreateErpDriftBaselines1765200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE erp_drift_baselines (
      company_id text NOT NULL,
      budget_id text NOT NULL,
      project_id text NOT NULL,
      system text NOT NULL,
      job_number text NOT NULL,
      origin text NOT NULL,
      lines jsonb NOT NULL,
      version integer NOT NULL DEFAULT 1,
      synced_at timestamptz NOT NULL,
      next_check_at timestamptz NOT NULL,
      pending_trigger text NOT NULL DEFAULT 'schedule',
      checking_until timestamptz NULL,
      last_checked_at timestamptz NULL,
      check_failures integer NOT NULL DEFAULT 0,
      drift_id text NULL,
      drift_digest text NULL,
      drift_lines jsonb NULL,
      erp_total text NULL,
      PRIMARY KEY (company_id, budget_id)
    )`);
    await q.query('CREATE INDEX erp_drift_baselines_due ON erp_drift_baselines (system, next_check_at)');
    await q.query('CREATE INDEX erp_drift_baselines_job ON erp_drift_baselines (company_id, system, job_number)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE erp_drift_baselines');
  }
}
