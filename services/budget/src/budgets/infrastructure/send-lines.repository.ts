import { addAmounts, fromCents, toCents } from '@budget-erp/money';
import { chunkBytesOf, CloudEventEnvelope, contractFor, LinesDigest, startsNewChunk, toKafkaHeaders } from '@budget-erp/contracts';
import type { EntityManager } from 'typeorm';
import { approvedModificationEffect, type Budget, type ExportLine, type ModificationEffect } from '../domain/budget';
import type { LinesFacts } from '../domain/erp-readiness';
import type { ErpContext } from '../domain/erp-system';

/**
 * A send without loading the budget's lines: readiness from SQL aggregates, and the snapshot's
 * lines read through a cursor, a page at a time, straight into the chunks they are stored and
 * published in. Memory stays at one page and the chunks not yet written, whatever the budget's size.
 */

/** Lines fetched per round trip from the cursor. */
const PAGE_LINES = 1000;
/** Chunks written per INSERT. */
const CHUNKS_PER_STATEMENT = 20;

/** What the approved modifications do to the lines (they are few): amounts added to existing lines, and new lines. */
/** `approvedModificationEffect` over the lines in the database: only the lines the changes name are read. */
async function modificationEffect(manager: EntityManager, budget: Budget): Promise<ModificationEffect> {
  const approved = budget.modifications.filter((m) => m.status === 'approved');
  const named = [...new Set(approved.flatMap((m) => m.changes.map((c) => c.lineId).filter((id): id is string => id !== null)))];
  const existing = new Set<string>(
    named.length === 0
      ? []
      : ((await manager.query('SELECT id FROM budget_lines WHERE budget_id = $1 AND id = ANY($2::text[])', [budget.id, named])) as { id: string }[]).map((r) => r.id),
  );
  return approvedModificationEffect(approved, (lineId) => existing.has(lineId));
}

/**
 * The facts readiness needs of the lines a send would export, from aggregates over `budget_lines`
 * and the (few) approved modifications; whether anything changed since the last sync is left to
 * the send itself (`unchanged: null`), which sees every line once anyway.
 */
export async function linesFactsInDatabase(manager: EntityManager, budget: Budget, erp: ErpContext): Promise<LinesFacts> {
  const effect = await modificationEffect(manager, budget);
  const [totals] = (await manager.query(
    `SELECT count(*)::int AS n, coalesce(sum(amount_cents), 0)::text AS cents, (count(*) FILTER (WHERE sub_job <> ''))::int AS sub_n
       FROM budget_lines WHERE budget_id = $1`,
    [budget.id],
  )) as { n: number; cents: string; sub_n: number }[];
  const changesCents = [...effect.deltas.values()].flat().reduce((sum, amount) => sum + toCents(amount), 0n);
  const addedCents = effect.added.reduce((sum, line) => sum + toCents(line.amount), 0n);
  const addedWithSubJob = effect.added.filter((line) => line.subJob);
  const link = erp.link;
  const unknownCostCodes: string[] = [];
  const subJobCostCodes: string[] = [];
  if (link) {
    const known = new Set(link.costCodes);
    const rows = (await manager.query(
      `SELECT cost_code FROM budget_lines WHERE budget_id = $1 AND NOT (cost_code = ANY($2::text[])) GROUP BY cost_code ORDER BY min(position)`,
      [budget.id, link.costCodes],
    )) as { cost_code: string }[];
    unknownCostCodes.push(...rows.map((r) => r.cost_code));
    for (const line of effect.added) if (!known.has(line.costCode)) unknownCostCodes.push(line.costCode);
    if (!link.supportsSubJobs && totals.sub_n + addedWithSubJob.length > 0) {
      const subRows = (await manager.query(
        `SELECT cost_code FROM budget_lines WHERE budget_id = $1 AND sub_job <> '' GROUP BY cost_code ORDER BY min(position)`,
        [budget.id],
      )) as { cost_code: string }[];
      subJobCostCodes.push(...subRows.map((r) => r.cost_code), ...addedWithSubJob.map((line) => line.costCode));
    }
  }
  return {
    lineCount: totals.n + effect.added.length,
    totalCents: BigInt(totals.cents) + changesCents + addedCents,
    unknownCostCodes: [...new Set(unknownCostCodes)],
    subJobCostCodes: [...new Set(subJobCostCodes)],
    subJobLineCount: totals.sub_n + addedWithSubJob.length,
    unchanged: null,
  };
}

/** Whether the budget's row holds what the ERP holds (without reading it). */
export async function hasSyncedLines(manager: EntityManager, budgetId: string): Promise<boolean> {
  const [row] = (await manager.query(`SELECT jsonb_array_length(synced_lines) > 0 AS has FROM budgets WHERE id = $1`, [budgetId])) as { has: boolean }[];
  return row?.has === true;
}

/** A send's lines as stored: how many, in how many chunks, their digest and totals. */
export interface StoredSendLines {
  lineCount: number;
  chunkCount: number;
  linesDigest: string;
  totalCents: bigint;
  syncedTotalCents: bigint;
  /** Every line equals what the ERP holds (a synced budget with nothing to send). */
  unchanged: boolean;
}

/**
 * Cuts lines, as they come, into the chunks of `budget.sent.lines` with `chunkSendLines`' rule (`startsNewChunk`)
 * (at most 1,000 lines and about 900 KiB of JSON each; an empty send has one empty chunk), feeding
 * the digest and the totals on the way.
 */
export class SendLinesChunker {
  private current: ExportLine[] = [];
  private currentJson: string[] = [];
  private bytes = 0;
  private chunks = 0;
  private readonly digest = new LinesDigest();
  private total = 0n;
  private syncedTotal = 0n;
  private unchanged = true;

  /** `closed` receives each full chunk with its lines' JSON, in order. */
  constructor(private readonly closed: (chunk: number, lines: ExportLine[], json: string) => Promise<void>) {}

  async add(line: ExportLine): Promise<void> {
    const json = JSON.stringify(line);
    const size = chunkBytesOf(json);
    if (startsNewChunk(this.current.length, this.bytes, size)) await this.close();
    this.current.push(line);
    this.currentJson.push(json);
    this.bytes += size;
    this.total += toCents(line.amount);
    this.syncedTotal += toCents(line.syncedAmount ?? '0');
    if (line.syncedAmount === null || line.amount !== line.syncedAmount) this.unchanged = false;
  }

  async end(): Promise<StoredSendLines> {
    await this.close();
    return {
      lineCount: this.digest.lineCount,
      chunkCount: this.chunks,
      linesDigest: this.digest.digest(),
      totalCents: this.total,
      syncedTotalCents: this.syncedTotal,
      unchanged: this.unchanged,
    };
  }

  private async close(): Promise<void> {
    const lines = this.current;
    const json = `[${this.currentJson.join(',')}]`;
    this.current = [];
    this.currentJson = [];
    this.bytes = 0;
    this.digest.update(lines);
    await this.closed(this.chunks, lines, json);
    this.chunks += 1;
  }
}

interface CursorRow {
  part: number;
  lineId: string;
  costCode: string;
  costType: string | null;
  subJob: string | null;
  description: string | null;
  cents: string | null;
  amount: string | null;
  syncedAmount: string | null;
}

let cursors = 0;

/**
 * Stores a send's lines, as they come, in `export_snapshot_chunks`, cut as `budget.sent.lines`
 * carries them, each chunk's payload checked against that contract once, here. The chunks are
 * written before their `export_snapshots` row, whose counts and digest they give (the foreign key
 * is checked at commit).
 */
export async function writeSendLines(
  manager: EntityManager,
  send: { exportId: string; budgetId: string; projectId: string; companyId: string },
  lines: AsyncIterable<ExportLine> | Iterable<ExportLine>,
): Promise<StoredSendLines> {
  const schema = contractFor('budget.sent.lines').schema;
  const pending: { chunk: number; json: string }[] = [];
  const flush = async (): Promise<void> => {
    if (pending.length === 0) return;
    const rows = pending.map((_, i) => `($1, $${i * 2 + 2}::int, $${i * 2 + 3}::json)`);
    await manager.query(`INSERT INTO export_snapshot_chunks (export_id, chunk, lines) VALUES ${rows.join(', ')}`, [
      send.exportId,
      ...pending.flatMap((p) => [p.chunk, p.json]),
    ]);
    pending.length = 0;
  };
  const chunker = new SendLinesChunker(async (chunk, chunkLines, json) => {
    const checked = schema.safeParse({ ...send, chunk, chunkCount: chunk + 1, lines: chunkLines });
    if (!checked.success) {
      const problems = checked.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
      throw new Error(`budget.sent.lines chunk ${chunk} of ${send.exportId} breaks its contract: ${problems}`);
    }
    pending.push({ chunk, json });
    if (pending.length >= CHUNKS_PER_STATEMENT) await flush();
  });
  for await (const line of lines) await chunker.add(line);
  const stored = await chunker.end();
  await flush();
  return stored;
}

/**
 * The lines a send of `budget` (loaded without them) exports — its lines in order with the
 * approved modifications applied, the lines the modifications add, then the synced lines that were
 * removed, at zero — read through a cursor a page at a time: the same lines, order and values as
 * `exportSnapshot` gives for the budget loaded whole.
 */
export async function* exportLinesInDatabase(manager: EntityManager, budget: Budget): AsyncGenerator<ExportLine> {
  const effect = await modificationEffect(manager, budget);
  const addedIds = effect.added.map((line) => line.id);
  const syncedOfAdded = new Map<string, string>(
    addedIds.length === 0
      ? []
      : (
          (await manager.query(
            `SELECT e->>'lineId' AS id, e->>'amount' AS amount FROM budgets b, jsonb_array_elements(b.synced_lines) e WHERE b.id = $1 AND e->>'lineId' = ANY($2::text[])`,
            [budget.id, addedIds],
          )) as { id: string; amount: string }[]
        ).map((r) => [r.id, r.amount]),
  );
  const addedLines = (): ExportLine[] =>
    effect.added.map((line) => ({
      lineId: line.id, costCode: line.costCode, costType: line.costType, subJob: line.subJob, description: line.description,
      amount: line.amount, syncedAmount: syncedOfAdded.get(line.id) ?? null,
    }));
  const cursor = `send_lines_${(cursors += 1)}`;
  await manager.query(
    `DECLARE ${cursor} NO SCROLL CURSOR FOR
     WITH synced AS (
       SELECT e.v, e.ord FROM budgets b, jsonb_array_elements(b.synced_lines) WITH ORDINALITY AS e (v, ord) WHERE b.id = $1
     )
     SELECT 0 AS part, l.position::bigint AS pos, l.id AS "lineId", l.cost_code AS "costCode", l.cost_type AS "costType", l.sub_job AS "subJob",
            l.description, l.amount_cents::text AS cents, NULL::text AS amount, s.v->>'amount' AS "syncedAmount"
       FROM budget_lines l LEFT JOIN synced s ON s.v->>'lineId' = l.id
      WHERE l.budget_id = $1
     UNION ALL
     SELECT 1, s.ord, s.v->>'lineId', s.v->>'costCode', s.v->>'costType', s.v->>'subJob', s.v->>'description', NULL, '0.00', s.v->>'amount'
       FROM synced s
      WHERE NOT EXISTS (SELECT 1 FROM budget_lines l WHERE l.budget_id = $1 AND l.id = s.v->>'lineId')
        AND NOT (s.v->>'lineId' = ANY($2::text[]))
     ORDER BY 1, 2, 3`,
    [budget.id, addedIds],
  );
  let addedDone = false;
  for (;;) {
    const page = (await manager.query(`FETCH ${PAGE_LINES} FROM ${cursor}`)) as CursorRow[];
    for (const row of page) {
      if (row.part === 1 && !addedDone) {
        addedDone = true;
        yield* addedLines();
      }
      let amount = row.amount ?? fromCents(BigInt(row.cents!));
      for (const delta of effect.deltas.get(row.lineId) ?? []) amount = addAmounts(amount, delta);
      yield {
        lineId: row.lineId, costCode: row.costCode, costType: row.costType, subJob: row.subJob, description: row.description,
        amount, syncedAmount: row.syncedAmount,
      };
    }
    if (page.length < PAGE_LINES) break;
  }
  await manager.query(`CLOSE ${cursor}`);
  if (!addedDone) yield* addedLines();
}

/**
 * Publishes a send's stored chunks on `budget.sent.lines` by copying them into the outbox inside
 * PostgreSQL (one INSERT … SELECT): the lines do not cross into the service a second time. Each
 * record gets its own event id and otherwise the envelope of the send's summary (same
 * correlation, time and source).
 */
export async function publishStoredChunks(
  manager: EntityManager,
  summary: CloudEventEnvelope,
  send: { exportId: string; budgetId: string; projectId: string; companyId: string; chunkCount: number },
): Promise<void> {
  const headers = toKafkaHeaders({ ...summary, id: ID_PLACEHOLDER, type: contractFor('budget.sent.lines').type });
  const idHeader = Object.keys(headers).find((key) => headers[key] === ID_PLACEHOLDER)!;
  delete headers[idHeader];
  await manager.query(
    `INSERT INTO outbox_messages (id, topic, message_key, headers, payload)
     SELECT c.id, 'budget.sent.lines', $2, $3::jsonb || jsonb_build_object($4::text, c.id::text),
            jsonb_build_object('budgetId', $2::text, 'projectId', $5::text, 'companyId', $6::text, 'exportId', $1::text,
                               'chunk', c.chunk, 'chunkCount', $7::int, 'lines', c.lines)
       FROM (SELECT gen_random_uuid() AS id, chunk, lines FROM export_snapshot_chunks WHERE export_id = $1 ORDER BY chunk) c
      ORDER BY c.chunk`,
    [send.exportId, send.budgetId, JSON.stringify(headers), idHeader, send.projectId, send.companyId, send.chunkCount],
  );
}

const ID_PLACEHOLDER = '00000000-0000-4000-8000-000000000000';
