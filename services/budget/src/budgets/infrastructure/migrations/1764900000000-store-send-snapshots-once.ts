import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Export v2: a send's snapshot is stored once, immutable, keyed by its export id
 * (`export_snapshots` + `export_snapshot_chunks`); the budget's hold and the export saga reference
 * it instead of each carrying a copy of its lines. Sends stored before are moved over, in chunks of
 * 1,000 lines; their digest, which did not exist then, stays null. The saga's facts take the names of the
 * shared export lifecycle.
 */
export class StoreSendSnapshotsOnce1764900000000 implements MigrationInterface {
  name = 'StoreSendSnapshotsOnce1764900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE export_snapshots (
        export_id text PRIMARY KEY,
        budget_id text NOT NULL,
        company_id text NOT NULL,
        project_id text NOT NULL,
        name text NOT NULL,
        origin text NOT NULL,
        kind text NOT NULL CHECK (kind IN ('original', 'revision')),
        erp_system text NOT NULL,
        job_number text NOT NULL,
        total_cents bigint NOT NULL,
        synced_total_cents bigint NOT NULL,
        modification_ids jsonb NOT NULL,
        line_count integer NOT NULL,
        chunk_count integer,
        lines_digest text,
        status_before text NOT NULL CHECK (status_before IN ('not_sent', 'synced')),
        sent_by jsonb NOT NULL,
        created_by jsonb NOT NULL,
        sent_at timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX export_snapshots_budget_idx ON export_snapshots (budget_id, sent_at)`);
    // The lines as sent, in the chunks of budget.sent.lines (json: stored as written, never parsed or rewritten).
    await q.query(`
      CREATE TABLE export_snapshot_chunks (
        export_id text NOT NULL REFERENCES export_snapshots (export_id) ON DELETE CASCADE,
        chunk integer NOT NULL,
        lines json NOT NULL,
        PRIMARY KEY (export_id, chunk)
      )`);
    await q.query(`CREATE FUNCTION export_snapshots_are_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'a send''s snapshot is immutable (%)', TG_TABLE_NAME; END $$`);
    await q.query(`CREATE TRIGGER export_snapshots_immutable BEFORE UPDATE ON export_snapshots FOR EACH ROW EXECUTE FUNCTION export_snapshots_are_immutable()`);
    await q.query(`CREATE TRIGGER export_snapshot_chunks_immutable BEFORE UPDATE ON export_snapshot_chunks FOR EACH ROW EXECUTE FUNCTION export_snapshots_are_immutable()`);

    // Sends stored before: their hold (with the snapshot) was kept by the saga, and by the budget while it held it.
    await q.query(`
      WITH sends AS (
        SELECT s.export_id, s.budget_id, s.company_id, s.project_id, s.started_at, coalesce(s.hold, b.hold) AS hold
          FROM export_sagas s LEFT JOIN budgets b ON b.id = s.budget_id AND b.hold->>'exportId' = s.export_id
      )
      INSERT INTO export_snapshots (export_id, budget_id, company_id, project_id, name, origin, kind, erp_system, job_number, total_cents,
                                    synced_total_cents, modification_ids, line_count, chunk_count, status_before, sent_by, created_by, sent_at)
      SELECT export_id, budget_id, company_id, project_id, hold->'snapshot'->>'name', hold->'snapshot'->>'origin', hold->'snapshot'->>'kind',
             hold->'snapshot'->>'erpSystem', hold->'snapshot'->>'jobNumber', round((hold->'snapshot'->>'total')::numeric * 100)::bigint,
             round((hold->'snapshot'->>'syncedTotal')::numeric * 100)::bigint, hold->'snapshot'->'modificationIds',
             jsonb_array_length(hold->'snapshot'->'lines'), greatest(1, ceil(jsonb_array_length(hold->'snapshot'->'lines') / 1000.0))::int,
             coalesce(hold->>'statusBefore', 'not_sent'), hold->'sentBy', hold->'sentBy',
             coalesce((hold->>'sentAt')::timestamptz, started_at)
        FROM sends WHERE hold ? 'snapshot'`);
    await q.query(`
      INSERT INTO export_snapshot_chunks (export_id, chunk, lines)
      SELECT export_id, (n - 1) / 1000, json_agg(line ORDER BY n)
        FROM (SELECT s.export_id, l.line, l.n
                FROM export_sagas s LEFT JOIN budgets b ON b.id = s.budget_id AND b.hold->>'exportId' = s.export_id,
                     jsonb_array_elements(coalesce(s.hold, b.hold)->'snapshot'->'lines') WITH ORDINALITY AS l (line, n)) AS lines
       GROUP BY export_id, (n - 1) / 1000`);
    await q.query(`
      UPDATE budgets SET hold = (hold - 'snapshot') || jsonb_build_object(
          'jobNumber', hold->'snapshot'->'jobNumber', 'kind', hold->'snapshot'->'kind', 'modificationIds', hold->'snapshot'->'modificationIds')
       WHERE hold ? 'snapshot'`);
    await q.query(`
      UPDATE budgets SET importing = (importing - 'statusBefore') || jsonb_build_object(
          'resumeTo', CASE WHEN importing->>'statusBefore' = 'synced' THEN 'synced' ELSE 'not_sent' END)
       WHERE importing ? 'statusBefore'`);
    await q.query(`ALTER TABLE export_sagas DROP COLUMN IF EXISTS hold`);
    await q.query(`
      UPDATE export_sagas SET
        facts = (facts - 'timedOut') || jsonb_build_object('sent', jsonb_build_object('at', started_at))
                || CASE WHEN facts ? 'timedOut' THEN jsonb_build_object('timed_out', facts->'timedOut') ELSE '{}'::jsonb END,
        status = CASE status WHEN 'posted' THEN 'synced' ELSE status END`);
    // New sagas reference their snapshot; older ones may predate the snapshots kept for them.
    await q.query(`ALTER TABLE export_sagas ADD CONSTRAINT export_sagas_snapshot_fk FOREIGN KEY (export_id) REFERENCES export_snapshots (export_id) NOT VALID`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE export_sagas DROP CONSTRAINT IF EXISTS export_sagas_snapshot_fk`);
    await q.query(`ALTER TABLE export_sagas ADD COLUMN IF NOT EXISTS hold jsonb`);
    await q.query(`DROP TABLE IF EXISTS export_snapshot_chunks`);
    await q.query(`DROP TABLE IF EXISTS export_snapshots`);
    await q.query(`DROP FUNCTION IF EXISTS export_snapshots_are_immutable()`);
  }
}
