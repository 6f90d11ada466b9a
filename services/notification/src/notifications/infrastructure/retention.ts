import type { RetentionRule } from '@budget-erp/service-kit';

/**
 * What the notification service keeps only for a while, oldest first and in batches: email
 * deliveries that are over (sent or abandoned; a pending one stays, however old), daily summary
 * claims of past days, then notifications no delivery or claim still refers to.
 */
export function notificationRetentionRules(retainMs: number): RetentionRule[] {
  return [
    {
      name: 'email deliveries',
      retainMs,
      deleteBatch: `DELETE FROM email_deliveries WHERE id IN (
          SELECT id FROM email_deliveries
           WHERE created_at < now() - $1 * interval '1 millisecond' AND (sent_at IS NOT NULL OR abandoned_at IS NOT NULL)
           ORDER BY created_at LIMIT $2)
        RETURNING 1`,
    },
    {
      name: 'daily summary claims',
      retainMs,
      deleteBatch: `DELETE FROM daily_summaries WHERE (company_id, approver_user_id, day) IN (
          SELECT company_id, approver_user_id, day FROM daily_summaries WHERE created_at < now() - $1 * interval '1 millisecond' ORDER BY created_at LIMIT $2)
        RETURNING 1`,
    },
    {
      name: 'notifications',
      retainMs,
      deleteBatch: `DELETE FROM notifications WHERE id IN (
          SELECT n.id FROM notifications n
           WHERE n.created_at < now() - $1 * interval '1 millisecond'
             AND NOT EXISTS (SELECT 1 FROM email_deliveries d WHERE d.notification_id = n.id)
             AND NOT EXISTS (SELECT 1 FROM daily_summaries s WHERE s.notification_id = n.id)
           ORDER BY n.created_at LIMIT $2)
        RETURNING 1`,
    },
  ];
}
