import { fromCents, toCents } from '@budget-erp/money';
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
  chunkCount: number;
  linesDigest: string;
}

/** Lines per INSERT: nine arrays of 10,000 values each are one statement and a few megabytes at most. */
const LINES_PER_STATEMENT = 10_000;

const cents = (amount: string | null): string | null => (amount === null ? null : toCents(amount).toString());

/** Stores a send's snapshot once, keyed by its export id; the budget's hold and the export saga reference it. */
export async function insertSendSnapshot(manager: EntityManager, send: StoredSend): Promise<void> {
  const { snapshot, hold } = send;
  await manager.query(
    `INSERT INTO export_snapshots (export_id, budget_id, company_id, project_id, name, origin, kind, erp_system, job_number,
                                   total_cents, synced_total_cents, modification_ids, line_count, chunk_count, lines_digest,
                                   status_before, sent_by, created_by, sent_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12::jsonb, $13, $14, $15, $16, $17::jsonb, $18::jsonb, $19)`,
    [
      send.exportId, send.budgetId, send.companyId, send.projectId, snapshot.name, snapshot.origin, snapshot.kind, snapshot.erpSystem, snapshot.jobNumber,
      cents(snapshot.total), cents(snapshot.syncedTotal), JSON.stringify(snapshot.modificationIds), snapshot.lines.length, send.chunkCount, send.linesDigest,
      hold.statusBefore, JSON.stringify(hold.sentBy), JSON.stringify(send.createdBy), hold.sentAt,
    ],
  );
  // Sequential on the one manager: the embedded database runs one statement of one transaction at a time.
  for (let start = 0; start < snapshot.lines.length; start += LINES_PER_STATEMENT) {
    const part = snapshot.lines.slice(start, start + LINES_PER_STATEMENT);
    await manager.query(
      `INSERT INTO export_snapshot_lines (export_id, position, line_id, cost_code, cost_type, sub_job, description, amount_cents, synced_amount_cents)
       SELECT $1, * FROM unnest($2::int[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::bigint[], $9::bigint[])`,
      [
        send.exportId,
        part.map((_, i) => start + i),
        part.map((l) => l.lineId),
        part.map((l) => l.costCode),
        part.map((l) => l.costType),
        part.map((l) => l.subJob),
        part.map((l) => l.description),
        part.map((l) => cents(l.amount)),
        part.map((l) => cents(l.syncedAmount)),
      ],
    );
  }
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
  const lines: { lineId: string; costCode: string; costType: string | null; subJob: string | null; description: string | null; amountCents: string; syncedAmountCents: string | null }[] =
    await manager.query(
      `SELECT line_id AS "lineId", cost_code AS "costCode", cost_type AS "costType", sub_job AS "subJob", description,
              amount_cents::text AS "amountCents", synced_amount_cents::text AS "syncedAmountCents"
         FROM export_snapshot_lines WHERE export_id = $1 ORDER BY position`,
      [exportId],
    );
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
    lines: lines.map(
      (l): ExportLine => ({
        lineId: l.lineId,
        costCode: l.costCode,
        costType: l.costType,
        subJob: l.subJob,
        description: l.description,
        amount: fromCents(BigInt(l.amountCents)),
        syncedAmount: l.syncedAmountCents === null ? null : fromCents(BigInt(l.syncedAmountCents)),
      }),
    ),
  };
}
