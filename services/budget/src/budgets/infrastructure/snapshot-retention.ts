import type { RetentionRule } from '@budget-erp/service-kit';

/**
 * A send's lines as sent (`export_snapshot_chunks`, the bulk of a saga's data) are needed until
 * its export is over: to publish them, and to apply them to the budget when the export lands. Past
 * the retention they go once the saga is synced, rejected, retrieved or superseded (never while it
 * holds its budget: awaiting acceptance, exporting, failed to export or awaiting posting). The
 * snapshot's summary and the saga's timeline stay as the export's history.
 */
export function snapshotRetentionRules(retainMs: number): RetentionRule[] {
  return [
    {
      name: 'export snapshot chunks',
      retainMs,
      deleteBatch: `DELETE FROM export_snapshot_chunks WHERE (export_id, chunk) IN (
          SELECT c.export_id, c.chunk
            FROM export_snapshots s
            JOIN export_sagas g ON g.export_id = s.export_id
            JOIN export_snapshot_chunks c ON c.export_id = s.export_id
           WHERE s.sent_at < now() - $1 * interval '1 millisecond'
             AND g.status IN ('synced', 'rejected', 'retrieved', 'superseded')
             AND NOT EXISTS (SELECT 1 FROM budgets b WHERE b.id = s.budget_id AND b.hold->>'exportId' = s.export_id)
           ORDER BY s.sent_at LIMIT $2)
        RETURNING 1`,
    },
  ];
}
