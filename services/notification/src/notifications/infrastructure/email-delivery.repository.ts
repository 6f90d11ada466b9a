import type { EntityManager } from 'typeorm';

export interface ClaimedEmail {
  id: string;
  notificationId: string;
  messageId: string;
  toAddress: string;
  toName: string;
  subject: string;
  text: string;
  html: string;
  /** Attempts made before this one. */
  attempts: number;
}

interface EmailRow {
  id: string;
  notification_id: string;
  message_id: string;
  to_address: string;
  to_name: string;
  subject: string;
  body_text: string;
  body_html: string;
  attempts: number;
}

/**
 * Claims due emails for one dispatcher for `leaseMs`. Rows locked by another claimer are skipped and
 * a claimed row is invisible to others until its lease runs out, so two dispatchers never send the
 * same email at the same time; the lease only expires for a dispatcher that died mid-send.
 */
export async function claimDueEmails(manager: EntityManager, claimer: string, leaseMs: number, limit: number): Promise<ClaimedEmail[]> {
  const [rows]: [EmailRow[], number] = await manager.query(
    `UPDATE email_deliveries SET claimed_by = $1, claimed_until = now() + ($2::integer * interval '1 millisecond')
     WHERE id IN (
       SELECT id FROM email_deliveries
       WHERE sent_at IS NULL AND abandoned_at IS NULL AND next_attempt_at <= now()
         AND (claimed_until IS NULL OR claimed_until < now())
       ORDER BY next_attempt_at, created_at
       LIMIT $3
       FOR UPDATE SKIP LOCKED)
     RETURNING id, notification_id, message_id, to_address, to_name, subject, body_text, body_html, attempts`,
    [claimer, leaseMs, limit],
  );
  return rows.map((row) => ({
    id: row.id,
    notificationId: row.notification_id,
    messageId: row.message_id,
    toAddress: row.to_address,
    toName: row.to_name,
    subject: row.subject,
    text: row.body_text,
    html: row.body_html,
    attempts: row.attempts,
  }));
}

export interface SentEmail {
  notificationId: string;
  companyId: string;
  budgetId: string | null;
  recipientUserId: string;
  kind: string;
  sourceEventId: string | null;
}

/** Records the delivery; null when this claimer no longer holds the row (nothing is recorded twice). */
export async function markEmailSent(manager: EntityManager, id: string, claimer: string, now: Date): Promise<SentEmail | null> {
  const [rows]: [Array<{ notification_id: string }>, number] = await manager.query(
    `UPDATE email_deliveries SET sent_at = $3, attempts = attempts + 1, claimed_by = NULL, claimed_until = NULL, last_error = NULL
     WHERE id = $1 AND claimed_by = $2 AND sent_at IS NULL
     RETURNING notification_id`,
    [id, claimer, now],
  );
  if (!rows[0]) return null;
  const [notification]: Array<{
    company_id: string;
    budget_id: string | null;
    recipient_user_id: string;
    kind: string;
    source_event_id: string | null;
  }> = await manager.query(
    `SELECT company_id, budget_id, recipient_user_id, kind, source_event_id FROM notifications WHERE id = $1`,
    [rows[0].notification_id],
  );
  return {
    notificationId: rows[0].notification_id,
    companyId: notification!.company_id,
    budgetId: notification!.budget_id,
    recipientUserId: notification!.recipient_user_id,
    kind: notification!.kind,
    sourceEventId: notification!.source_event_id,
  };
}

export async function scheduleEmailRetry(
  manager: EntityManager,
  id: string,
  claimer: string,
  error: string,
  delayMs: number,
): Promise<void> {
  await manager.query(
    `UPDATE email_deliveries
     SET attempts = attempts + 1, last_error = $3, claimed_by = NULL, claimed_until = NULL,
         next_attempt_at = now() + ($4::integer * interval '1 millisecond')
     WHERE id = $1 AND claimed_by = $2 AND sent_at IS NULL`,
    [id, claimer, error.slice(0, 2000), delayMs],
  );
}

export async function abandonEmail(manager: EntityManager, id: string, claimer: string, error: string, now: Date): Promise<void> {
  await manager.query(
    `UPDATE email_deliveries
     SET attempts = attempts + 1, last_error = $3, claimed_by = NULL, claimed_until = NULL, abandoned_at = $4
     WHERE id = $1 AND claimed_by = $2 AND sent_at IS NULL`,
    [id, claimer, error.slice(0, 2000), now],
  );
}

/** Emails not yet sent nor abandoned (for readiness and metrics). */
export async function countUnsentEmails(manager: EntityManager): Promise<number> {
  const [row]: Array<{ n: string }> = await manager.query(
    `SELECT count(*) AS n FROM email_deliveries WHERE sent_at IS NULL AND abandoned_at IS NULL`,
  );
  return Number(row!.n);
}
