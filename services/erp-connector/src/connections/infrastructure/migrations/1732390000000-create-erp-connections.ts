import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateErpConnections1732390000000 implements MigrationInterface {
  name = 'CreateErpConnections1732390000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE erp_connections (
      company_id text PRIMARY KEY,
      system text NOT NULL,
      erp_company_id text NOT NULL,
      estimates_enabled boolean NOT NULL,
      time_zone text NOT NULL,
      sealed_credentials text NULL,
      updated_at timestamptz NOT NULL,
      version integer NOT NULL
    )`);
    await q.query(`CREATE TABLE erp_project_links (
      company_id text NOT NULL,
      project_id text NOT NULL,
      system text NOT NULL,
      job_number text NOT NULL,
      job_name text NOT NULL,
      cost_codes jsonb NOT NULL,
      sub_jobs jsonb NOT NULL,
      supports_sub_jobs boolean NOT NULL,
      linked_at timestamptz NOT NULL,
      version integer NOT NULL,
      PRIMARY KEY (company_id, project_id)
    )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE erp_project_links');
    await q.query('DROP TABLE erp_connections');
  }
}
