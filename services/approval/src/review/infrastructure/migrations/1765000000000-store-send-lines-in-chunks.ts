import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A send's lines now arrive apart from its summary, in chunks of at most 1,000 (`budget.sent.lines`),
 * and are stored as they arrive, one row per chunk, never rewritten. The lines each send already
 * has move into chunks of 1,000; its stored snapshot becomes a summary with the line and chunk
 * counts, marked as having all its lines (those sends carry no digest: they were checked whole
 * against the contract when they came in). An import's stored report gains the digest of its lines,
 * so that two reports of it compare without loading them.
 *
 * Exports that timed out before this change stay recorded as failed: the old review could not tell
 * the two apart. Both give the same status; only a late landing of such an export goes unflagged.
 */
export class StoreSendLinesInChunks1765000000000 implements MigrationInterface {
  name = 'StoreSendLinesInChunks1765000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE send_line_chunks (
        budget_id text NOT NULL,
        export_id text NOT NULL,
        chunk integer NOT NULL,
        company_id text NOT NULL,
        chunk_count integer NOT NULL,
        lines jsonb NOT NULL,
        PRIMARY KEY (budget_id, export_id, chunk)
      )`);
    await q.query(`
      INSERT INTO send_line_chunks (budget_id, export_id, chunk, company_id, chunk_count, lines)
      SELECT l.budget_id, l.export_id, (e.ord - 1) / 1000, r.company_id,
             (jsonb_array_length(l.lines) + 999) / 1000, jsonb_agg(e.line ORDER BY e.ord)
        FROM export_snapshot_lines l
        JOIN budget_reviews r ON r.budget_id = l.budget_id
        CROSS JOIN LATERAL jsonb_array_elements(l.lines) WITH ORDINALITY AS e(line, ord)
       GROUP BY l.budget_id, l.export_id, (e.ord - 1) / 1000, r.company_id, jsonb_array_length(l.lines)`);
    await q.query(`
      UPDATE budget_reviews r
         SET exports = (
           SELECT jsonb_object_agg(e.key, CASE WHEN e.value ? 'sent' THEN
                    jsonb_set(e.value #- '{sent,snapshot}', '{sent,summary}',
                      (e.value -> 'sent' -> 'snapshot') || jsonb_build_object(
                        'lineCount', COALESCE(jsonb_array_length(l.lines), 0),
                        'chunkCount', COALESCE((jsonb_array_length(l.lines) + 999) / 1000, 0),
                        'linesDigest', NULL))
                    || CASE WHEN l.lines IS NULL THEN '{}'::jsonb ELSE '{"linesReceived": true}'::jsonb END
                  ELSE e.value END)
             FROM jsonb_each(r.exports) e
             LEFT JOIN export_snapshot_lines l ON l.budget_id = r.budget_id AND l.export_id = e.key)
       WHERE r.exports <> '{}'::jsonb`);
    await q.query(`
      UPDATE budget_reviews r
         SET imports = (
           SELECT jsonb_object_agg(i.key, CASE WHEN i.value ? 'imported' THEN
                    jsonb_set(i.value, '{imported,linesDigest}',
                      to_jsonb(encode(sha256(convert_to(COALESCE(l.lines, '[]'::jsonb)::text, 'UTF8')), 'hex')))
                  ELSE i.value END)
             FROM jsonb_each(r.imports) i
             LEFT JOIN import_lines l ON l.budget_id = r.budget_id AND l.import_id = i.key)
       WHERE r.imports <> '{}'::jsonb`);
    await q.query('DROP TABLE export_snapshot_lines');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE export_snapshot_lines (
        budget_id text NOT NULL,
        export_id text NOT NULL,
        lines jsonb NOT NULL,
        PRIMARY KEY (budget_id, export_id)
      )`);
    await q.query(`
      INSERT INTO export_snapshot_lines (budget_id, export_id, lines)
      SELECT c.budget_id, c.export_id, jsonb_agg(e.line ORDER BY c.chunk, e.ord)
        FROM send_line_chunks c
        CROSS JOIN LATERAL jsonb_array_elements(c.lines) WITH ORDINALITY AS e(line, ord)
       GROUP BY c.budget_id, c.export_id`);
    await q.query(`
      UPDATE budget_reviews r
         SET exports = (
           SELECT jsonb_object_agg(e.key, CASE WHEN e.value ? 'sent' THEN
                    jsonb_set((e.value #- '{sent,summary}') - 'linesReceived', '{sent,snapshot}',
                      (e.value -> 'sent' -> 'summary') - 'lineCount' - 'chunkCount' - 'linesDigest')
                  ELSE e.value END)
             FROM jsonb_each(r.exports) e)
       WHERE r.exports <> '{}'::jsonb`);
    await q.query(`
      UPDATE budget_reviews r
         SET imports = (SELECT jsonb_object_agg(i.key, i.value #- '{imported,linesDigest}') FROM jsonb_each(r.imports) i)
       WHERE r.imports <> '{}'::jsonb`);
    await q.query('DROP TABLE send_line_chunks');
  }
}
