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
    // Exports recorded before: their lines (already as the ERP receives them) become the one chunk
    // of their send, so an export still to be attempted sends exactly what it would have sent.
    await q.query(`INSERT INTO erp_send_chunks (export_id, chunk, chunk_count, lines, received_at)
      SELECT e.export_id, 0, 1,
             COALESCE((SELECT jsonb_agg(l || jsonb_build_object('lineId', '', 'syncedAmount', NULL) ORDER BY n) FROM jsonb_array_elements(e.data->'lines') WITH ORDINALITY AS x(l, n)), '[]'::jsonb),
             now()
        FROM erp_exports e WHERE e.data ? 'lines'`);
    await q.query(`UPDATE erp_exports SET data = (data - 'lines') || jsonb_build_object(
        'chunkCount', 1, 'lineCount', jsonb_array_length(data->'lines'), 'exportedLineCount', jsonb_array_length(data->'lines'))
      WHERE data ? 'lines'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE erp_exports DROP COLUMN cancelled_reason, DROP COLUMN cancelled_at');
    await q.query('DROP TABLE erp_export_facts');
    await q.query('DROP TABLE erp_send_chunks');
    await q.query('DROP TABLE erp_sends');
  }
}
