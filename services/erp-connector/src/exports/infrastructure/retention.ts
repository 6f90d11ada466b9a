import type { RetentionRule } from '@budget-erp/service-kit';

/**
 * A send's lines (the bulk of the export data) are kept while they may still be sent or checked:
 * an export requested, being attempted or awaiting posting keeps them however old. Past the
 * retention they go once the export is over (posted, failed, cancelled), or when the send was never
 * accepted. The send, export and attempt rows (a few hundred bytes each) stay as the export's history.
 */
export function exportDataRetentionRules(retainMs: number): RetentionRule[] {
  return [
    {
      name: 'send chunks',
      retainMs,
      deleteBatch: `DELETE FROM erp_send_chunks WHERE (export_id, chunk) IN (
          SELECT c.export_id, c.chunk FROM erp_send_chunks c
           WHERE c.received_at < now() - $1 * interval '1 millisecond'
             AND NOT EXISTS (SELECT 1 FROM erp_exports e WHERE e.export_id = c.export_id AND e.status IN ('requested', 'attempting', 'succeeded'))
           ORDER BY c.received_at LIMIT $2)
        RETURNING 1`,
    },
  ];
}
