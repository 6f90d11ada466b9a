import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateApprovalReadModel1763900000000 implements MigrationInterface {
  name = 'CreateApprovalReadModel1763900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE budget_reviews (
        budget_id text PRIMARY KEY,
        company_id text NOT NULL,
        project_id text NOT NULL,
        exports jsonb NOT NULL,
        imports jsonb NOT NULL,
        erp_status text NOT NULL,
        list_filter text,
        listed_at timestamptz,
        origin text NOT NULL,
        name text,
        erp_system text,
        job_number text,
        total numeric(18,2),
        version integer NOT NULL
      )`);
    await q.query(
      `CREATE INDEX budget_reviews_list_idx ON budget_reviews (company_id, list_filter, listed_at, budget_id)`,
    );
    await q.query(`
      CREATE TABLE project_links (
        company_id text NOT NULL,
        project_id text NOT NULL,
        erp_system text,
        job_number text,
        job_name text,
        linked_at timestamptz,
        budget_id text,
        imported boolean NOT NULL DEFAULT false,
        exported boolean NOT NULL DEFAULT false,
        PRIMARY KEY (company_id, project_id)
      )`);
    await q.query(`CREATE INDEX project_links_company_idx ON project_links (company_id, linked_at, project_id)`);
    await q.query(`
      CREATE TABLE job_revision_numbers (
        company_id text NOT NULL,
        erp_system text NOT NULL,
        job_number text NOT NULL,
        last_number integer NOT NULL,
        PRIMARY KEY (company_id, erp_system, job_number)
      )`);
    await q.query(`
      CREATE TABLE company_settings (
        company_id text PRIMARY KEY,
        erp_system text,
        time_zone text,
        updated_at timestamptz NOT NULL
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE company_settings`);
    await q.query(`DROP TABLE job_revision_numbers`);
    await q.query(`DROP TABLE project_links`);
    await q.query(`DROP TABLE budget_reviews`);
  }
}
