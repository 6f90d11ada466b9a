import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Re-imports as a work queue: the inbox transaction that hears `budget.import.requested` only
 * records the import; a worker leases it and reads the ERP outside any transaction, retrying
 * transient errors with backoff.
 */
export class CreateErpImports1765100000000 implements MigrationInterface {
  name = 'CreateErpImports1765100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE erp_imports (
      import_id text PRIMARY KEY,
      company_id text NOT NULL,
      project_id text NOT NULL,
      budget_id text NULL,
      system text NOT NULL,
      job_number text NOT NULL,
      mode text NOT NULL,
      requested_by jsonb NOT NULL,
      status text NOT NULL,
      attempts integer NOT NULL DEFAULT 0,
      next_attempt_at timestamptz NULL,
      lease_until timestamptz NULL,
      last_error jsonb NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      finished_at timestamptz NULL
    )`);
    await q.query(`CREATE INDEX erp_imports_due ON erp_imports (system, next_attempt_at) WHERE status = 'queued'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE erp_imports');
  }
}
