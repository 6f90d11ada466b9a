import type { EntityManager } from 'typeorm';
import { LinesDigest } from '@budget-erp/contracts';
import type { ErpLine, SendSummary, SnapshotLine } from '../domain/budget-review';
import type { LinesRead, LoadedLines } from '../domain/review-view';

/** One chunk of a send's lines as `budget.sent.lines` carries it. */
export interface SendLinesChunk {
  budgetId: string;
  companyId: string;
  exportId: string;
  chunk: number;
  chunkCount: number;
  lines: SnapshotLine[];
}

/**
 * Serializes the recording of one budget's send and its chunks: they arrive on two topics, and
 * whichever comes last must see the others to find the send complete.
 */
export async function lockBudget(manager: EntityManager, budgetId: string): Promise<void> {
  await manager.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`approval:${budgetId}`]);
}

/** Stores a chunk as it arrived; a redelivered one changes nothing. True when this call stored it. */
export async function storeChunk(manager: EntityManager, chunk: SendLinesChunk): Promise<boolean> {
  const stored: unknown[] = await manager.query(
    `INSERT INTO send_line_chunks (budget_id, export_id, chunk, company_id, chunk_count, lines) VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (budget_id, export_id, chunk) DO NOTHING RETURNING chunk`,
    [chunk.budgetId, chunk.exportId, chunk.chunk, chunk.companyId, chunk.chunkCount, JSON.stringify(chunk.lines)],
  );
  return stored.length === 1;
}

export type StoredLinesCheck =
  | { state: 'complete' }
  | { state: 'incomplete'; missingChunks: number }
  | { state: 'mismatch'; reason: string };

/**
 * The line count and digest of a send's stored chunks, computed by PostgreSQL: the row of each
 * line as `LinesDigest` hashes it (a JSON array of its fields, then a newline), joined in chunk and
 * line order. jsonb writes strings with JSON's escapes, so the rows are the producer's; when the
 * digest still differs, `checkStoredLines` recomputes it with `LinesDigest` before deciding.
 */
const STORED_DIGEST_SQL = `
  SELECT COALESCE(sum(x.n), 0)::int AS n, encode(sha256(convert_to(COALESCE(string_agg(x.rows, '' ORDER BY x.chunk), ''), 'UTF8')), 'hex') AS digest
    FROM (SELECT c.chunk, jsonb_array_length(c.lines) AS n,
                 (SELECT string_agg('[' || (e.line -> 'lineId')::text || ',' || (e.line -> 'costCode')::text || ',' ||
                                    (e.line -> 'costType')::text || ',' || (e.line -> 'subJob')::text || ',' ||
                                    (e.line -> 'description')::text || ',' || (e.line -> 'amount')::text || ',' ||
                                    (e.line -> 'syncedAmount')::text || E']\\n', '' ORDER BY e.ord)
                    FROM jsonb_array_elements(c.lines) WITH ORDINALITY AS e(line, ord)) AS rows
            FROM send_line_chunks c
           WHERE c.budget_id = $1 AND c.export_id = $2 AND c.chunk < $3) x`;

/** The line count and digest of a send's first `chunkCount` stored chunks, as PostgreSQL computes them. */
export async function storedLinesDigest(
  manager: EntityManager,
  send: { budgetId: string; exportId: string; chunkCount: number },
): Promise<{ lineCount: number; digest: string }> {
  const [row]: { n: number; digest: string }[] = await manager.query(STORED_DIGEST_SQL, [send.budgetId, send.exportId, send.chunkCount]);
  return { lineCount: row.n, digest: row.digest };
}

/**
 * Whether every chunk of a send is stored and, read in order, they are the lines its summary
 * describes (count and digest). PostgreSQL reads and hashes them, so a 500,000-line send never
 * crosses into this process; only when that disagrees with the summary are the chunks read here,
 * one at a time, and hashed with the contract's own `LinesDigest`.
 */
export async function checkStoredLines(
  manager: EntityManager,
  send: { budgetId: string; companyId: string; exportId: string; summary: SendSummary },
): Promise<StoredLinesCheck> {
  const { budgetId, companyId, exportId, summary } = send;
  const [{ n }]: { n: number }[] = await manager.query(
    `SELECT count(*)::int AS n FROM send_line_chunks WHERE budget_id = $1 AND export_id = $2 AND company_id = $3 AND chunk < $4`,
    [budgetId, exportId, companyId, summary.chunkCount],
  );
  if (n < summary.chunkCount) return { state: 'incomplete', missingChunks: summary.chunkCount - n };
  const stored = await storedLinesDigest(manager, { budgetId, exportId, chunkCount: summary.chunkCount });
  if (stored.lineCount === summary.lineCount && stored.digest === summary.linesDigest) return { state: 'complete' };
  const digest = new LinesDigest();
  for (let chunk = 0; chunk < summary.chunkCount; chunk++) {
    const [row]: { lines: SnapshotLine[] }[] = await manager.query(
      `SELECT lines FROM send_line_chunks WHERE budget_id = $1 AND export_id = $2 AND chunk = $3`,
      [budgetId, exportId, chunk],
    );
    digest.update(row.lines);
  }
  if (digest.lineCount !== summary.lineCount) {
    return { state: 'mismatch', reason: `its ${summary.chunkCount} chunks hold ${digest.lineCount} lines, the summary says ${summary.lineCount}` };
  }
  const actual = digest.digest();
  if (actual !== summary.linesDigest) {
    return { state: 'mismatch', reason: `the digest of its lines is ${actual}, the summary says ${summary.linesDigest}` };
  }
  return { state: 'complete' };
}

/** Stores the ERP lines of an import's report, replacing those of an earlier report it won over. */
export async function storeImportLines(manager: EntityManager, budgetId: string, importId: string, lines: ErpLine[]): Promise<void> {
  await manager.query(
    `INSERT INTO import_lines (budget_id, import_id, lines) VALUES ($1, $2, $3)
     ON CONFLICT (budget_id, import_id) DO UPDATE SET lines = EXCLUDED.lines`,
    [budgetId, importId, JSON.stringify(lines)],
  );
}

/** Loads the named sends' lines (their chunks in order) and imports' ERP lines. */
export async function loadLines(manager: EntityManager, budgetId: string, read: LinesRead): Promise<LoadedLines> {
  const sends = new Map<string, SnapshotLine[]>();
  const imports = new Map<string, ErpLine[]>();
  if (read.sends.length > 0) {
    const rows: { export_id: string; lines: SnapshotLine[] }[] = await manager.query(
      `SELECT export_id, lines FROM send_line_chunks WHERE budget_id = $1 AND export_id = ANY($2::text[]) ORDER BY export_id, chunk`,
      [budgetId, read.sends],
    );
    for (const id of read.sends) sends.set(id, []);
    for (const row of rows) sends.get(row.export_id)!.push(...row.lines);
  }
  if (read.imports.length > 0) {
    const rows: { import_id: string; lines: ErpLine[] }[] = await manager.query(
      `SELECT import_id, lines FROM import_lines WHERE budget_id = $1 AND import_id = ANY($2::text[])`,
      [budgetId, read.imports],
    );
    for (const row of rows) imports.set(row.import_id, row.lines);
  }
  return { sends, imports };
}

/** Where a page of review lines ends: in the latest send's lines, or in the removed lines after them. */
export interface LinePosition {
  part: 'sent' | 'removed';
  chunk: number;
  index: number;
}

export interface PagedLine {
  position: LinePosition;
  line: SnapshotLine;
}

/**
 * Up to `limit` lines after `after` (from the start when null): the latest send's lines in order,
 * then the lines of the last synced send whose line id the latest one no longer has.
 */
export async function pageSendLines(
  manager: EntityManager,
  query: { budgetId: string; exportId: string; lastSyncedExportId: string | null; after: LinePosition | null; limit: number },
): Promise<PagedLine[]> {
  const { budgetId, exportId, lastSyncedExportId, after, limit } = query;
  const page: PagedLine[] = [];
  if (!after || after.part === 'sent') {
    // Lines after (chunk, index - 1): PostgreSQL cuts each chunk to what the page still needs.
    let chunk = after?.chunk ?? 0;
    let index = after ? after.index + 1 : 0;
    while (page.length < limit) {
      const [row]: { chunk: number; skip: number; lines: SnapshotLine[] }[] = await manager.query(
        `WITH next AS (
           SELECT chunk, lines, CASE WHEN chunk = $3 THEN $4::int ELSE 0 END AS skip
             FROM send_line_chunks
            WHERE budget_id = $1 AND export_id = $2 AND (chunk > $3 OR (chunk = $3 AND jsonb_array_length(lines) > $4))
            ORDER BY chunk LIMIT 1)
         SELECT next.chunk, next.skip,
                (SELECT jsonb_agg(e.line ORDER BY e.ord) FROM jsonb_array_elements(next.lines) WITH ORDINALITY AS e(line, ord)
                  WHERE e.ord > next.skip AND e.ord <= next.skip + $5) AS lines
           FROM next`,
        [budgetId, exportId, chunk, index, limit - page.length],
      );
      if (!row) break;
      row.lines.forEach((line, i) => page.push({ position: { part: 'sent', chunk: row.chunk, index: row.skip + i }, line }));
      chunk = row.chunk;
      index = row.skip + row.lines.length;
    }
  }
  if (page.length < limit && lastSyncedExportId) {
    const start = after?.part === 'removed' ? after : { chunk: -1, index: -1 };
    const rows: { chunk: number; index: number; line: SnapshotLine }[] = await manager.query(
      `SELECT s.chunk, (e.ord - 1)::int AS index, e.line
         FROM send_line_chunks s CROSS JOIN LATERAL jsonb_array_elements(s.lines) WITH ORDINALITY AS e(line, ord)
        WHERE s.budget_id = $1 AND s.export_id = $2 AND s.chunk >= $3 AND (s.chunk, e.ord - 1) > ($3::int, $4::int)
          AND NOT EXISTS (
            SELECT 1 FROM send_line_chunks c CROSS JOIN LATERAL jsonb_array_elements(c.lines) AS x(line)
             WHERE c.budget_id = $1 AND c.export_id = $5 AND x.line ->> 'lineId' = e.line ->> 'lineId')
        ORDER BY s.chunk, e.ord
        LIMIT $6`,
      [budgetId, lastSyncedExportId, start.chunk, start.index, exportId, limit - page.length],
    );
    for (const row of rows) page.push({ position: { part: 'removed', chunk: row.chunk, index: row.index }, line: row.line });
  }
  return page;
}
