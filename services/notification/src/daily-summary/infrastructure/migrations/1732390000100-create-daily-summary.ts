import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateDailySummary1732390000100 implements MigrationInterface {
  name = 'CreateDailySummary1732390000100';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE tracked_exports (
        export_id text PRIMARY KEY,
        company_id text NOT NULL,
        budget_id text NOT NULL,
        stage text NOT NULL,
        budget_name text,
        erp_system text,
        job_number text,
        total numeric(18,2),
        sent_by jsonb,
        accepted_by jsonb,
        sent_at timestamptz,
        failure jsonb,
        version integer NOT NULL,
        updated_at timestamptz NOT NULL
      )`);
    await runner.query(
      `CREATE INDEX tracked_exports_pending_idx ON tracked_exports (company_id) WHERE stage IN ('awaiting_acceptance', 'failed_to_export')`,
    );
    await runner.query(`
      CREATE TABLE daily_summaries (
        company_id text NOT NULL,
        approver_user_id text NOT NULL,
        day date NOT NULL,
        notification_id uuid NOT NULL REFERENCES notifications (id),
        created_at timestamptz NOT NULL,
        PRIMARY KEY (company_id, approver_user_id, day)
      )`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TABLE daily_summaries`);
    await runner.query(`DROP TABLE tracked_exports`);
  }
}
