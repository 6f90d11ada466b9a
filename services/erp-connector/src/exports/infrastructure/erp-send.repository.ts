import { rowsOf } from '@budget-erp/service-kit';
import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { ExportFact, PayloadOf, RevisionFields, SnapshotLine, UserRef } from '@budget-erp/contracts';

/** A send as `budget.sent` announced it; its lines are in the chunks. */
export type SendSummary = PayloadOf<'budget.sent'>;

/** The approver's decision, from `budget.accepted`, with the event that carried it. */
export interface AcceptedDecision {
  description: string | null;
  revision: RevisionFields | null;
  acceptedBy: UserRef;
  acceptedAt: string;
  correlationId: string;
  causationId: string;
}

/** What the connector heard about one export: the facts, and the decision if it was accepted. */
export interface HeardFacts {
  facts: Set<ExportFact>;
  accepted: AcceptedDecision | null;
}

/**
 * Sends (summary, then chunks of lines as they arrive) and the facts heard about each export.
 * Every row is written once and never rewritten: a redelivered event inserts nothing.
 */
@Injectable()
export class ErpSendRepository {
  /**
   * Serializes, until the transaction ends, everything that records or reads a budget's export
   * facts: two events of one budget consumed at once by two processes (different topics) then
   * never both miss each other's row, and an attempt starting on another process sees every fact
   * committed before it, or it was in flight when the fact came.
   */
  async lockBudget(manager: EntityManager, budgetId: string): Promise<void> {
    await manager.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`erp-connector:budget:${budgetId}`]);
  }

  /** Stores a send's summary; false when it was already stored. */
  async insertSend(manager: EntityManager, summary: SendSummary): Promise<boolean> {
    const rows = rowsOf<{ export_id: string }>(
      await manager.query(
        `INSERT INTO erp_sends (export_id, budget_id, company_id, erp_system, sent_at, summary, line_count, chunk_count, lines_digest, received_at)
         VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8, $9, now()) ON CONFLICT (export_id) DO NOTHING RETURNING export_id`,
        [summary.exportId, summary.budgetId, summary.companyId, summary.erpSystem, summary.sentAt, JSON.stringify(summary), summary.lineCount, summary.chunkCount, summary.linesDigest],
      ),
    );
    return rows.length > 0;
  }

  async insertChunk(manager: EntityManager, chunk: PayloadOf<'budget.sent.lines'>): Promise<void> {
    await manager.query(
      `INSERT INTO erp_send_chunks (export_id, chunk, chunk_count, lines, received_at) VALUES ($1, $2, $3, $4::jsonb, now())
       ON CONFLICT (export_id, chunk) DO NOTHING`,
      [chunk.exportId, chunk.chunk, chunk.chunkCount, JSON.stringify(chunk.lines)],
    );
  }

  /**
   * Records a fact heard about an export, once. Callers hold the budget's lock; `recorded_at` is the
   * moment of the insert under that lock (`clock_timestamp()`, not the transaction's start, which
   * may precede a wait for the lock), so an attempt that started before it ran while the fact was
   * unknown (in flight when it was heard) and one that started after it knew it.
   */
  async recordFact(manager: EntityManager, exportId: string, budgetId: string, fact: ExportFact, data: AcceptedDecision | null = null): Promise<void> {
    await manager.query(
      `INSERT INTO erp_export_facts (export_id, fact, budget_id, data, recorded_at) VALUES ($1, $2, $3, $4::jsonb, clock_timestamp())
       ON CONFLICT (export_id, fact) DO NOTHING`,
      [exportId, fact, budgetId, data === null ? null : JSON.stringify(data)],
    );
  }

  /**
   * A later send of a budget supersedes its earlier ones, in whatever order the sends are heard:
   * records `superseded` for the sends of the budget older than this one, and for this one if a
   * newer one is already known. An export that already reached the ERP (landed or posted) is not
   * superseded: a revision follows its original, it does not replace it. Returns the export ids
   * found superseded (recorded at the insert's moment, as `recordFact` does).
   */
  async recordSupersession(manager: EntityManager, send: SendSummary): Promise<string[]> {
    const rows = rowsOf<{ export_id: string }>(
      await manager.query(
        `INSERT INTO erp_export_facts (export_id, fact, budget_id, data, recorded_at)
         SELECT s.export_id, 'superseded', s.budget_id, NULL::jsonb, clock_timestamp() FROM erp_sends s
          WHERE s.budget_id = $1 AND s.export_id <> $2 AND (s.sent_at, s.export_id) < ($3::timestamptz, $2)
            AND NOT EXISTS (SELECT 1 FROM erp_exports e WHERE e.export_id = s.export_id AND e.status IN ('succeeded', 'posted'))
         UNION ALL
         SELECT $2, 'superseded', $1, NULL::jsonb, clock_timestamp() WHERE EXISTS (
           SELECT 1 FROM erp_sends s WHERE s.budget_id = $1 AND s.export_id <> $2 AND (s.sent_at, s.export_id) > ($3::timestamptz, $2))
           AND NOT EXISTS (SELECT 1 FROM erp_exports e WHERE e.export_id = $2 AND e.status IN ('succeeded', 'posted'))
         ON CONFLICT (export_id, fact) DO NOTHING RETURNING export_id`,
        [send.budgetId, send.exportId, send.sentAt],
      ),
    );
    return rows.map((r) => r.export_id);
  }

  async heard(manager: EntityManager, exportId: string): Promise<HeardFacts> {
    const rows = (await manager.query('SELECT fact, data FROM erp_export_facts WHERE export_id = $1', [exportId])) as { fact: ExportFact; data: AcceptedDecision | null }[];
    return { facts: new Set(rows.map((r) => r.fact)), accepted: rows.find((r) => r.fact === 'accepted')?.data ?? null };
  }

  async send(manager: EntityManager, exportId: string): Promise<SendSummary | null> {
    const rows = (await manager.query('SELECT summary FROM erp_sends WHERE export_id = $1', [exportId])) as { summary: SendSummary }[];
    return rows[0]?.summary ?? null;
  }

  /** How many of the send's chunks (numbers below `chunkCount`) are held. */
  async chunksHeld(manager: EntityManager, exportId: string, chunkCount: number): Promise<number> {
    const rows = (await manager.query('SELECT count(*)::int AS held FROM erp_send_chunks WHERE export_id = $1 AND chunk < $2', [exportId, chunkCount])) as { held: number }[];
    return Number(rows[0]?.held ?? 0);
  }

  /**
   * The lines of one chunk. Given the data source, read in a transaction of its own (while a request
   * to the ERP streams them; the embedded database serves one transaction at a time across
   * connections and mixes up statements sent outside one); given a manager, inside its transaction.
   */
  async chunkLines(db: EntityManager | DataSource, exportId: string, chunk: number): Promise<SnapshotLine[]> {
    const read = async (manager: EntityManager) =>
      (await manager.query('SELECT lines FROM erp_send_chunks WHERE export_id = $1 AND chunk = $2', [exportId, chunk])) as { lines: SnapshotLine[] }[];
    const rows = db instanceof DataSource ? await db.transaction(read) : await read(db);
    if (!rows[0]) throw new Error(`Chunk ${chunk} of send ${exportId} is missing`);
    return rows[0].lines;
  }
}
