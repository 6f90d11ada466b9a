import { toCents } from '@budget-erp/money';
import type { EntityManager } from 'typeorm';
import type { ExportHold, ExportLine, ExportSnapshot, Landing, UserRef } from '../domain/budget';

/** A send's snapshot as stored: fixed at send time, never updated (a trigger refuses it). */
export interface StoredSend {
  exportId: string;
  budgetId: string;
  companyId: string;
  projectId: string;
  hold: ExportHold;
  snapshot: ExportSnapshot;
  createdBy: UserRef;
  /** The lines, already stored in the ordered chunks `budget.sent.lines` carries (`writeSendLines`). */
  lineCount: number;
  chunkCount: number;
  linesDigest: string;
}

const cents = (amount: string | null): string | null => (amount === null ? null : toCents(amount).toString());

/**
 * Stores a send's snapshot once, keyed by its export id: its summary, with the count and digest of
 * its lines, which `writeSendLines` stored in the ordered chunks they are published in (`json`,
 * kept as sent: PostgreSQL neither parses nor rewrites them). The budget's hold and the export saga
 * reference it.
 */
export async function insertSendSnapshot(manager: EntityManager, send: StoredSend): Promise<void> {
  const { snapshot, hold } = send;
  await manager.query(
    `INSERT INTO export_snapshots (export_id, budget_id, company_id, project_id, name, origin, kind, erp_system, job_number,
                                   total_cents, synced_total_cents, modification_ids, line_count, chunk_count, lines_digest,
                                   status_before, sent_by, created_by, sent_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12::jsonb, $13, $14, $15, $16, $17::jsonb, $18::jsonb, $19)`,
    [
      send.exportId, send.budgetId, send.companyId, send.projectId, snapshot.name, snapshot.origin, snapshot.kind, snapshot.erpSystem, snapshot.jobNumber,
      cents(snapshot.total), cents(snapshot.syncedTotal), JSON.stringify(snapshot.modificationIds), send.lineCount, send.chunkCount, send.linesDigest,
      hold.statusBefore, JSON.stringify(hold.sentBy), JSON.stringify(send.createdBy), hold.sentAt,
    ],
  );
}

interface SnapshotRow {
  export_id: string;
  erp_system: ExportHold['erpSystem'];
  job_number: string;
  kind: ExportHold['kind'];
  modification_ids: string[];
  status_before: ExportHold['statusBefore'];
  sent_by: UserRef;
  sent_at: Date;
}

/**
 * An export's hold and lines as sent, for when it reaches the ERP (null for an export never sent
 * from here). `{ lines: false }`: the lines stay in the database (`'in_store'`), where
 * `moveSyncedLinesByLanding` reads them.
 */
export async function loadLanding(manager: EntityManager, exportId: string, options: { lines: boolean } = { lines: true }): Promise<Landing | null> {
  const rows: SnapshotRow[] = await manager.query(
    `SELECT export_id, erp_system, job_number, kind, modification_ids, status_before, sent_by, sent_at FROM export_snapshots WHERE export_id = $1`,
    [exportId],
  );
  const row = rows[0];
  if (!row) return null;
  const chunks: { lines: ExportLine[] }[] = options.lines
    ? await manager.query(`SELECT lines FROM export_snapshot_chunks WHERE export_id = $1 ORDER BY chunk`, [exportId])
    : [];
  return {
    hold: {
      exportId: row.export_id,
      erpSystem: row.erp_system,
      jobNumber: row.job_number,
      kind: row.kind,
      modificationIds: row.modification_ids,
      statusBefore: row.status_before,
      sentBy: row.sent_by,
      sentAt: row.sent_at.toISOString(),
    },
    lines: options.lines ? chunks.flatMap((chunk) => chunk.lines) : 'in_store',
  };
}

/**
 * What the ERP holds, moved by an export that landed — `syncedLinesAfterLanding` of the budget's
 * synced lines and the export's stored lines, computed in PostgreSQL so that neither crosses into
 * the service: each landed line moves by its amount less the synced amount it was computed
 * against, on top of what the ERP held; a line sent at zero that the ERP no longer holds money for
 * is dropped. Held lines keep their order, new ones follow in the export's order.
 */
export async function moveSyncedLinesByLanding(manager: EntityManager, budgetId: string, exportId: string): Promise<void> {
  await manager.query(
    `UPDATE budgets b SET synced_lines = coalesce((
       WITH held AS (
         SELECT h.v, h.ord FROM jsonb_array_elements(b.synced_lines) WITH ORDINALITY AS h (v, ord)
       ), landed AS (
         -- Each chunk parsed once (json → jsonb), not once per use of a line's fields.
         SELECT l.v, c.chunk, l.ord FROM export_snapshot_chunks c, jsonb_array_elements(c.lines::jsonb) WITH ORDINALITY AS l (v, ord)
          WHERE c.export_id = $2
       ), merged AS (
         SELECT h.v IS NULL AS added, h.ord AS held_ord, l.chunk, l.ord AS landed_ord,
                CASE WHEN l.v IS NULL THEN h.v ELSE l.v || jsonb_build_object('amount', m.amount, 'syncedAmount', m.amount) END AS v,
                l.v IS NOT NULL AND (l.v->>'amount')::numeric = 0 AND l.v->>'syncedAmount' IS NOT NULL AND m.amount::numeric = 0 AS dropped
           FROM held h FULL JOIN landed l ON l.v->>'lineId' = h.v->>'lineId'
          CROSS JOIN LATERAL (
            SELECT ((coalesce((h.v->>'amount')::numeric, 0) + (l.v->>'amount')::numeric - coalesce((l.v->>'syncedAmount')::numeric, 0))::numeric(30, 2))::text AS amount
          ) m
       )
       SELECT jsonb_agg(v ORDER BY added, held_ord, chunk, landed_ord) FROM merged WHERE NOT dropped
     ), '[]'::jsonb)
     WHERE b.id = $1`,
    [budgetId, exportId],
  );
}
