import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import type { RunningService } from '@budget-erp/service-kit';
import { waitFor } from '@budget-erp/testing';
import { type Infra, startInfra, startNotification } from './support/harness';
import { type TestSmtpServer, startTestSmtpServer } from './support/smtp-test-server';

/** Old notifications, finished email deliveries and past summary claims go; what is still needed stays. */
describe('retention purge', () => {
  let infra: Infra;
  let smtp: TestSmtpServer;
  let service: RunningService | undefined;
  let db: Client;
  const companyId = `co-${randomUUID().slice(0, 8)}`;
  const DAY = 24 * 3_600_000;

  beforeAll(async () => {
    [infra, smtp] = await Promise.all([startInfra('notification_retention'), startTestSmtpServer()]);
    db = new Client({ connectionString: infra.db.url });
    await db.connect();
  });

  afterAll(async () => {
    await service?.close();
    await db?.end();
    await smtp?.stop();
    await infra?.stop();
  });

  const notification = async (ageMs: number): Promise<string> => {
    const id = randomUUID();
    await db.query(
      `INSERT INTO notifications (id, dedupe_key, company_id, recipient_user_id, recipient_name, recipient_email, kind, subject, body_text, created_at)
       VALUES ($1::uuid, $1::text, $2, 'u-1', 'Pat', 'pat@example.com', 'budget_rejected', 'Subject', 'Body', now() - $3 * interval '1 millisecond')`,
      [id, companyId, ageMs],
    );
    return id;
  };
  const delivery = async (notificationId: string, ageMs: number, outcome: 'sent' | 'abandoned' | 'pending'): Promise<void> => {
    await db.query(
      `INSERT INTO email_deliveries (id, notification_id, message_id, to_address, to_name, subject, body_text, body_html, next_attempt_at, created_at, sent_at, abandoned_at)
       VALUES ($1::uuid, $2, $1::text, 'pat@example.com', 'Pat', 'Subject', 'Body', '<p>Body</p>', now() + interval '1 hour', now() - $3 * interval '1 millisecond',
               CASE WHEN $4::text = 'sent' THEN now() END, CASE WHEN $4::text = 'abandoned' THEN now() END)`,
      [randomUUID(), notificationId, ageMs, outcome],
    );
  };
  const exists = async (id: string) => (await db.query('SELECT 1 FROM notifications WHERE id = $1', [id])).rowCount === 1;

  it('deletes notifications, sent or abandoned deliveries and summary claims past NOTIFICATIONS_RETAIN_MS on its own interval; a pending delivery and anything younger stay', async () => {
    // The tables exist once the service has migrated; it purges only what is older than a day.
    service = await startNotification(infra, smtp.port, { MAIL_DISPATCHER_ENABLED: 'false', RETENTION_PURGE_INTERVAL_MS: '200', NOTIFICATIONS_RETAIN_MS: String(DAY) });
    // Seeded in one transaction, so the purge sees each notification with its delivery or claim.
    await db.query('BEGIN');
    const oldSent = await notification(2 * DAY);
    await delivery(oldSent, 2 * DAY, 'sent');
    const oldAbandoned = await notification(2 * DAY);
    await delivery(oldAbandoned, 2 * DAY, 'abandoned');
    const oldPending = await notification(2 * DAY);
    await delivery(oldPending, 2 * DAY, 'pending');
    const oldFeedOnly = await notification(2 * DAY);
    const oldSummary = await notification(2 * DAY);
    await db.query(`INSERT INTO daily_summaries (company_id, approver_user_id, day, notification_id, created_at) VALUES ($1, 'u-1', current_date - 2, $2, now() - interval '2 days')`, [
      companyId,
      oldSummary,
    ]);
    const recent = await notification(DAY / 2);
    await delivery(recent, DAY / 2, 'sent');
    await db.query('COMMIT');

    await waitFor(async () => !(await exists(oldSent)) && !(await exists(oldAbandoned)) && !(await exists(oldFeedOnly)) && !(await exists(oldSummary)), {
      description: 'the old notifications purged',
    });
    expect(await exists(oldPending)).toBe(true);
    expect(await exists(recent)).toBe(true);
    const deliveries = await db.query<{ notification_id: string }>('SELECT notification_id FROM email_deliveries ORDER BY created_at');
    expect(deliveries.rows.map((r) => r.notification_id)).toEqual([oldPending, recent]);
    expect((await db.query('SELECT 1 FROM daily_summaries')).rowCount).toBe(0);
  });
});
