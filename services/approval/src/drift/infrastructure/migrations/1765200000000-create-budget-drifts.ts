import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Drifts between synced budgets and their ERP jobs, one row per drift, as the connector reports them. */
export class CreateBudgetDrifts1765200000000 implements MigrationInterface {
  name = 'CreateBudgetDrifts1765200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE budget_drifts (
      company_id text NOT NULL,
      budget_id text NOT NULL,
      drift_id text NOT NULL,
      project_id text NOT NULL,
      erp_system text NOT NULL,
      job_number text NOT NULL,
      origin text NOT NULL,
      lines jsonb NULL,
      platform_total text NULL,
      erp_total text NULL,
      detected_at timestamptz NULL,
      resolved_at timestamptz NULL,
      resolved_total text NULL,
      acknowledged jsonb NULL,
      PRIMARY KEY (company_id, budget_id, drift_id)
    )`);
    await q.query('CREATE INDEX budget_drifts_open ON budget_drifts (company_id, detected_at DESC, budget_id) WHERE resolved_at IS NULL AND acknowledged IS NULL');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE budget_drifts');
  }
}
