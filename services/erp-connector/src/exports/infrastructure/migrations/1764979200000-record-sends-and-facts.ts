import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Export v2: the connector keeps each send (its summary, then its chunks of lines as they arrive,
 * never rewritten) and the facts it heard about each export; an export row no longer copies the
 * lines, and an export the platform gave up before it reached the ERP ends cancelled.
 */
export class RecordSendsAndFacts1764979200000 implements MigrationInterface {
  name = 'RecordSendsAndFacts1764979200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE erp_sends (
      export_id text PRIMARY KEY,
      budget_id text NOT NULL,
      company_id text NOT NULL,
      erp_system text NOT NULL,
      sent_at timestamptz NOT NULL,
      summary jsonb NOT NULL,
      line_count integer NOT NULL,
      chunk_count integer NOT NULL,
      lines_digest text NOT NULL,
      received_at timestamptz NOT NULL
    )`);
    await q.query('CREATE INDEX erp_sends_by_budget ON erp_sends (budget_id, sent_at)');
    await q.query(`CREATE TABLE erp_send_chunks (
      export_id text NOT NULL,
      chunk integer NOT NULL,
      chunk_count integer NOT NULL,
      lines jsonb NOT NULL,
      received_at timestamptz NOT NULL,
      PRIMARY KEY (export_id, chunk)
    )`);
    await q.query(`CREATE TABLE erp_export_facts (
      export_id text NOT NULL,
      fact text NOT NULL,
      budget_id text NOT NULL,
      data jsonb NULL,
      recorded_at timestamptz NOT NULL,
      PRIMARY KEY (export_id, fact)
    )`);
    await q.query('ALTER TABLE erp_exports ADD COLUMN cancelled_reason text NULL, ADD COLUMN cancelled_at timestamptz NULL');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE erp_exports DROP COLUMN cancelled_reason, DROP COLUMN cancelled_at');
    await q.query('DROP TABLE erp_export_facts');
    await q.query('DROP TABLE erp_send_chunks');
    await q.query('DROP TABLE erp_sends');
  }
}
