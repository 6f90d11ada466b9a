import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Each send's snapshot lines move from `budget_reviews.exports` to a table of their own, written
 * once when the send is recorded. Before, every event of a budget read and rewrote the lines of
 * every send it ever had: megabytes per event for a large budget, more with each revision.
 */
export class MoveSnapshotLinesOutOfReviews1764000000000 implements MigrationInterface {
  name = 'MoveSnapshotLinesOutOfReviews1764000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE export_snapshot_lines (
        budget_id text NOT NULL,
        export_id text NOT NULL,
        lines jsonb NOT NULL,
        PRIMARY KEY (budget_id, export_id)
      )`);
    await q.query(`
      INSERT INTO export_snapshot_lines (budget_id, export_id, lines)
      SELECT r.budget_id, e.key, e.value -> 'sent' -> 'snapshot' -> 'lines'
        FROM budget_reviews r, jsonb_each(r.exports) e
       WHERE jsonb_typeof(e.value -> 'sent' -> 'snapshot' -> 'lines') = 'array'`);
    await q.query(`
      UPDATE budget_reviews r
         SET exports = (SELECT jsonb_object_agg(e.key, e.value #- '{sent,snapshot,lines}') FROM jsonb_each(r.exports) e)
       WHERE r.exports <> '{}'::jsonb`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      UPDATE budget_reviews r
         SET exports = (
           SELECT jsonb_object_agg(e.key, CASE WHEN l.lines IS NULL THEN e.value ELSE jsonb_set(e.value, '{sent,snapshot,lines}', l.lines) END)
             FROM jsonb_each(r.exports) e
             LEFT JOIN export_snapshot_lines l ON l.budget_id = r.budget_id AND l.export_id = e.key)
       WHERE r.exports <> '{}'::jsonb`);
    await q.query('DROP TABLE export_snapshot_lines');
  }
}
