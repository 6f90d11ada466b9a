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

/** An export's hold and lines as sent, for when it reaches the ERP (null for an export never sent from here). */
export async function loadLanding(manager: EntityManager, exportId: string): Promise<Landing | null> {
  const rows: SnapshotRow[] = await manager.query(
    `SELECT export_id, erp_system, job_number, kind, modification_ids, status_before, sent_by, sent_at FROM export_snapshots WHERE export_id = $1`,
    [exportId],
  );
  const row = rows[0];
  if (!row) return null;
  const chunks: { lines: ExportLine[] }[] = await manager.query(`SELECT lines FROM export_snapshot_chunks WHERE export_id = $1 ORDER BY chunk`, [exportId]);
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
    lines: chunks.flatMap((chunk) => chunk.lines),
  };
}
