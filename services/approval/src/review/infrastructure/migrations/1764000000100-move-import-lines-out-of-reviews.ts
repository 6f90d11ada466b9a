import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The ERP lines each re-import brought move from `budget_reviews.imports` to a table of their
 * own, as the sends' snapshot lines did: before, every event of an ERP-origin budget read and
 * rewrote the lines of every import it ever had, a row growing with each re-import.
 */
export class MoveImportLinesOutOfReviews1764000000100 implements MigrationInterface {
  name = 'MoveImportLinesOutOfReviews1764000000100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE import_lines (
        budget_id text NOT NULL,
        import_id text NOT NULL,
        lines jsonb NOT NULL,
        PRIMARY KEY (budget_id, import_id)
      )`);
    await q.query(`
      INSERT INTO import_lines (budget_id, import_id, lines)
      SELECT r.budget_id, i.key, i.value -> 'imported' -> 'lines'
        FROM budget_reviews r, jsonb_each(r.imports) i
       WHERE jsonb_typeof(i.value -> 'imported' -> 'lines') = 'array'`);
    await q.query(`
      UPDATE budget_reviews r
         SET imports = (SELECT jsonb_object_agg(i.key, i.value #- '{imported,lines}') FROM jsonb_each(r.imports) i)
       WHERE r.imports <> '{}'::jsonb`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      UPDATE budget_reviews r
         SET imports = (
           SELECT jsonb_object_agg(i.key, CASE WHEN l.lines IS NULL THEN i.value ELSE jsonb_set(i.value, '{imported,lines}', l.lines) END)
             FROM jsonb_each(r.imports) i
             LEFT JOIN import_lines l ON l.budget_id = r.budget_id AND l.import_id = i.key)
       WHERE r.imports <> '{}'::jsonb`);
    await q.query('DROP TABLE import_lines');
  }
}
