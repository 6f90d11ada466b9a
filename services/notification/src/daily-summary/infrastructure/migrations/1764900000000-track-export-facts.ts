import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Tracked exports keep the facts heard about them (a set, whose status is `exportStatusOf` them)
 * and what each fact's event told, instead of one forward-only stage. A v1 row cannot be carried
 * over: it never kept the budget's creator nor which fact closed it, and v1 events are no longer
 * consumed (budget.sent and budget.accepted broke to v2 with no production data to keep), so the
 * table is recreated empty.
 */
export class TrackExportFacts1764900000000 implements MigrationInterface {
  name = 'TrackExportFacts1764900000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TABLE tracked_exports`);
    await runner.query(`
      CREATE TABLE tracked_exports (
        export_id text PRIMARY KEY,
        company_id text NOT NULL,
        budget_id text NOT NULL,
        facts jsonb NOT NULL,
        status text NOT NULL,
        sent_at timestamptz,
        sent jsonb,
        accepted jsonb,
        rejected jsonb,
        failure jsonb,
        succeeded jsonb,
        posted jsonb,
        version integer NOT NULL,
        updated_at timestamptz NOT NULL
      )`);
    await runner.query(
      `CREATE INDEX tracked_exports_pending_idx ON tracked_exports (company_id) WHERE status IN ('awaiting_acceptance', 'failed_to_export')`,
    );
    await runner.query(`CREATE INDEX tracked_exports_sends_idx ON tracked_exports (company_id, budget_id) WHERE sent_at IS NOT NULL`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TABLE tracked_exports`);
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
  }
}
