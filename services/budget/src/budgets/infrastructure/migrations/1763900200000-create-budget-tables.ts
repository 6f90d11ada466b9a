import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateBudgetTables1763900200000 implements MigrationInterface {
  name = 'CreateBudgetTables1763900200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE budgets (
        id text PRIMARY KEY,
        company_id text NOT NULL,
        project_id text NOT NULL,
        name text NOT NULL,
        origin text NOT NULL CHECK (origin IN ('platform', 'erp')),
        locked boolean NOT NULL,
        erp_status text NOT NULL,
        exported boolean NOT NULL,
        synced_at timestamptz,
        synced_lines jsonb NOT NULL,
        hold jsonb,
        importing jsonb,
        last_import jsonb,
        created_by jsonb NOT NULL,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        version integer NOT NULL
      )`);
    await q.query(`CREATE INDEX budgets_company_project_idx ON budgets (company_id, project_id, created_at)`);
    await q.query(`
      CREATE TABLE budget_lines (
        id text PRIMARY KEY,
        budget_id text NOT NULL REFERENCES budgets (id) ON DELETE CASCADE,
        position integer NOT NULL,
        cost_code text NOT NULL,
        cost_type text,
        sub_job text,
        description text,
        amount_cents bigint NOT NULL
      )`);
    await q.query(`CREATE INDEX budget_lines_budget_idx ON budget_lines (budget_id, position)`);
    await q.query(`
      CREATE TABLE budget_modifications (
        id text PRIMARY KEY,
        budget_id text NOT NULL REFERENCES budgets (id) ON DELETE CASCADE,
        position integer NOT NULL,
        description text,
        status text NOT NULL,
        changes jsonb NOT NULL,
        sent_in text,
        synced boolean NOT NULL,
        created_by jsonb NOT NULL,
        created_at timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX budget_modifications_budget_idx ON budget_modifications (budget_id, position)`);
    await q.query(`
      CREATE TABLE export_sagas (
        export_id text PRIMARY KEY,
        budget_id text NOT NULL,
        company_id text NOT NULL,
        project_id text NOT NULL,
        erp_system text NOT NULL,
        kind text NOT NULL,
        status text NOT NULL,
        facts jsonb NOT NULL,
        deadline timestamptz,
        timeline jsonb NOT NULL,
        started_at timestamptz NOT NULL,
        version integer NOT NULL
      )`);
    await q.query(`CREATE INDEX export_sagas_budget_idx ON export_sagas (budget_id, started_at)`);
    await q.query(`CREATE INDEX export_sagas_deadline_idx ON export_sagas (status, deadline)`);
    await q.query(`
      CREATE TABLE erp_connections (
        company_id text PRIMARY KEY,
        erp_system text NOT NULL,
        estimates_enabled boolean NOT NULL,
        time_zone text NOT NULL,
        updated_at timestamptz NOT NULL
      )`);
    await q.query(`
      CREATE TABLE project_links (
        company_id text NOT NULL,
        project_id text NOT NULL,
        erp_system text NOT NULL,
        job_number text NOT NULL,
        job_name text NOT NULL,
        cost_codes jsonb NOT NULL,
        supports_sub_jobs boolean NOT NULL,
        sub_jobs jsonb NOT NULL,
        linked_at timestamptz NOT NULL,
        PRIMARY KEY (company_id, project_id)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['project_links', 'erp_connections', 'export_sagas', 'budget_modifications', 'budget_lines', 'budgets']) {
      await q.query(`DROP TABLE IF EXISTS ${table}`);
    }
  }
}
