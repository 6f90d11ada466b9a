import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateErpExports1732390000001 implements MigrationInterface {
  name = 'CreateErpExports1732390000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE erp_exports (
      export_id text PRIMARY KEY,
      company_id text NOT NULL,
      system text NOT NULL,
      status text NOT NULL,
      data jsonb NOT NULL,
      attempts integer NOT NULL,
      in_flight boolean NOT NULL,
      next_attempt_at timestamptz NULL,
      last_error jsonb NULL,
      erp_reference text NULL,
      exported_at timestamptz NULL,
      reason_code text NULL,
      message text NULL,
      failed_at timestamptz NULL,
      next_posting_check_at timestamptz NULL,
      posting_checks integer NOT NULL,
      posted_at timestamptz NULL,
      lease_until timestamptz NULL,
      created_at timestamptz NOT NULL,
      version integer NOT NULL
    )`);
    await q.query(`CREATE INDEX erp_exports_due ON erp_exports (system, status, next_attempt_at) WHERE status IN ('requested', 'attempting')`);
    await q.query(`CREATE INDEX erp_exports_posting ON erp_exports (system, next_posting_check_at) WHERE status = 'succeeded'`);
    await q.query(`CREATE TABLE erp_export_attempts (
      export_id text NOT NULL REFERENCES erp_exports (export_id),
      attempt integer NOT NULL,
      started_at timestamptz NOT NULL,
      finished_at timestamptz NULL,
      outcome text NULL,
      error_code text NULL,
      message text NULL,
      PRIMARY KEY (export_id, attempt)
    )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE erp_export_attempts');
    await q.query('DROP TABLE erp_exports');
  }
}
