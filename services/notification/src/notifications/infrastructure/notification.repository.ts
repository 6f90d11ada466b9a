import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { messageIdFor } from '../domain/email-delivery';
import type { PlannedNotification } from '../domain/plan-notifications';
import { type FeedItem, type NotificationRow, toFeedItem } from './notification.mapper';

export interface StoredNotification {
  id: string;
  emailQueued: boolean;
}

/**
 * Stores a notification and, when the recipient has an address, its pending email, in the caller's
 * transaction. The unique dedupe key makes a second store of the same (event, recipient) a no-op.
 */
export async function storeNotification(
  manager: EntityManager,
  planned: PlannedNotification,
  now: Date,
  messageIdDomain: string,
): Promise<StoredNotification | null> {
  const id = randomUUID();
  const inserted: Array<{ id: string }> = await manager.query(
    `INSERT INTO notifications (id, dedupe_key, company_id, recipient_user_id, recipient_name, recipient_email, kind,
                                budget_id, source_event_id, subject, body_text, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
     ON CONFLICT (dedupe_key) DO NOTHING
     RETURNING id`,
    [
      id,
      planned.dedupeKey,
      planned.companyId,
      planned.recipient.userId,
      planned.recipient.name,
      planned.recipient.email,
      planned.kind,
      planned.budgetId,
      planned.sourceEventId,
      planned.message.subject,
      planned.message.text,
      now,
    ],
  );
  if (inserted.length === 0) return null;
  if (!planned.email) return { id, emailQueued: false };
  // Delivery times are the database's clock, shared by every dispatcher, not this process's.
  await manager.query(
    `INSERT INTO email_deliveries (id, notification_id, message_id, to_address, to_name, subject, body_text, body_html,
                                   next_attempt_at, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now(), $9)`,
    [
      randomUUID(),
      id,
      messageIdFor(planned.dedupeKey, messageIdDomain),
      planned.recipient.email.trim(),
      planned.recipient.name,
      planned.message.subject,
      planned.message.text,
      planned.message.html,
      now,
    ],
  );
  return { id, emailQueued: true };
}

export interface FeedPage {
  items: FeedItem[];
  page: number;
  pageSize: number;
  total: number;
  unreadCount: number;
}

const columns = `id, kind, budget_id, subject, body_text, created_at, read_at`;

export async function readFeed(
  manager: EntityManager,
  owner: { companyId: string; userId: string },
  query: { page: number; pageSize: number; unreadOnly: boolean },
): Promise<FeedPage> {
  const filter = `company_id = $1 AND recipient_user_id = $2${query.unreadOnly ? ' AND read_at IS NULL' : ''}`;
  const rows: NotificationRow[] = await manager.query(
    `SELECT ${columns} FROM notifications WHERE ${filter}
     ORDER BY created_at DESC, id DESC LIMIT $3 OFFSET $4`,
    [owner.companyId, owner.userId, query.pageSize, (query.page - 1) * query.pageSize],
  );
  const [counts]: Array<{ total: string; unread: string }> = await manager.query(
    `SELECT count(*) FILTER (WHERE ${query.unreadOnly ? 'read_at IS NULL' : 'true'}) AS total,
            count(*) FILTER (WHERE read_at IS NULL) AS unread
     FROM notifications WHERE company_id = $1 AND recipient_user_id = $2`,
    [owner.companyId, owner.userId],
  );
  return {
    items: rows.map(toFeedItem),
    page: query.page,
    pageSize: query.pageSize,
    total: Number(counts!.total),
    unreadCount: Number(counts!.unread),
  };
}

/** Marks one of the owner's notifications read; null when it is not theirs or does not exist. */
export async function markRead(
  manager: EntityManager,
  owner: { companyId: string; userId: string },
  id: string,
  now: Date,
): Promise<FeedItem | null> {
  const [rows]: [NotificationRow[], number] = await manager.query(
    `UPDATE notifications SET read_at = COALESCE(read_at, $4)
     WHERE id = $1 AND company_id = $2 AND recipient_user_id = $3
     RETURNING ${columns}`,
    [id, owner.companyId, owner.userId, now],
  );
  return rows[0] ? toFeedItem(rows[0]) : null;
}

export async function markAllRead(manager: EntityManager, owner: { companyId: string; userId: string }, now: Date): Promise<number> {
  const [, count]: [unknown, number] = await manager.query(
    `UPDATE notifications SET read_at = $3 WHERE company_id = $1 AND recipient_user_id = $2 AND read_at IS NULL`,
    [owner.companyId, owner.userId, now],
  );
  return count;
}
