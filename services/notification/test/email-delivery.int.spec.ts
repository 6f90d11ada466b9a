import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import type { RunningService } from '@budget-erp/service-kit';
import { startTcpProxy, waitFor } from '@budget-erp/testing';
import { EmailDispatcher } from '../src/notifications/application/dispatch-emails/email-dispatcher';
import { EventProducer, build } from './support/events';
import { type Infra, startInfra, startNotification } from './support/harness';
import { type TestSmtpServer, startTestSmtpServer } from './support/smtp-test-server';

describe('email delivery: SMTP outages delay mail, never lose or repeat it', () => {
  let infra: Infra;
  let smtp: TestSmtpServer;
  let events: EventProducer;
  let db: Client;
  const services: RunningService[] = [];
  const companyId = `co-${randomUUID().slice(0, 8)}`;

  const start = async (env: Record<string, string> = {}) => {
    const service = await startNotification(infra, smtp.port, env);
    services.push(service);
    return service;
  };
  const stop = async (service: RunningService) => {
    await service.close();
    services.splice(services.indexOf(service), 1);
  };
  /** A budget sent and rejected: the rejection's mail is queued once both are heard. Returns the rejection's event id. */
  const reject = async (budgetName: string) => {
    const ref = { companyId, budgetId: `b-${randomUUID()}`, exportId: `x-${randomUUID()}` };
    await events.send('budget.sent', build.sent(ref, budgetName));
    return events.send('budget.rejected', build.rejected(ref, `Reason for ${budgetName}`));
  };
  const emailRow = (eventId: string) =>
    db
      .query(
        `SELECT e.attempts, e.sent_at, e.abandoned_at, e.last_error FROM email_deliveries e
         JOIN notifications n ON n.id = e.notification_id WHERE n.source_event_id = $1`,
        [eventId],
      )
      .then((r) => r.rows[0] as { attempts: number; sent_at: Date | null; abandoned_at: Date | null; last_error: string | null } | undefined);
  const mailsFor = (eventReason: string) => smtp.mails.filter((m) => m.text.includes(eventReason));

  beforeAll(async () => {
    [infra, smtp] = await Promise.all([startInfra('notification_delivery'), startTestSmtpServer()]);
    events = await EventProducer.connect(infra.broker.brokers);
    db = new Client({ connectionString: infra.db.url });
    await db.connect();
  });

  afterAll(async () => {
    for (const service of [...services]) await service.close();
    await db?.end();
    await events?.close();
    await smtp?.stop();
    await infra?.stop();
  });

  it('when the event that queues an email commits, the email goes out at once, not at the next poll', async () => {
    // A minute between polls: only the after-commit nudge can deliver the mails within the wait below.
    const service = await start({ MAIL_POLL_INTERVAL_MS: '60000' });
    smtp.behave('accept');
    await new Promise((resolve) => setTimeout(resolve, 300)); // the dispatcher's first look at start-up is over
    for (const name of ['Nudged One', 'Nudged Two', 'Nudged Three']) {
      const eventId = await reject(name);
      await waitFor(async () => (await emailRow(eventId))?.sent_at, { timeoutMs: 10000, description: `the email for ${name} sent` });
      expect(mailsFor(`Reason for ${name}`)).toHaveLength(1);
    }
    await stop(service);
  });

  it('when the SMTP server refuses for a while then recovers, delivers exactly one mail after retrying', async () => {
    const service = await start({ MAIL_MAX_REFUSALS: '2' });
    smtp.behave('refuse-temporarily');
    const refusedBefore = smtp.refused;

    const eventId = await reject('Budget One');
    await waitFor(() => smtp.refused >= refusedBefore + 3, { timeoutMs: 15000, description: 'three refused attempts' });
    expect(mailsFor('Reason for Budget One')).toHaveLength(0);
    smtp.behave('accept');

    await waitFor(async () => (await emailRow(eventId))?.sent_at, { timeoutMs: 15000, description: 'email marked sent' });
    const row = await emailRow(eventId);
    expect(mailsFor('Reason for Budget One')).toHaveLength(1);
    expect(row!.attempts).toBeGreaterThanOrEqual(4);
    expect(row!.last_error).toBeNull();

    // Nothing else goes out later for the same notification.
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(mailsFor('Reason for Budget One')).toHaveLength(1);
    const metrics = await (await fetch(`${service.url}/metrics`)).text();
    expect(metrics).toMatch(/notification_emails_sent_total\{[^}]*kind="budget_rejected"[^}]*\} 1/);
    expect(metrics).toMatch(/notification_email_failures_total\{[^}]*outcome="retry"[^}]*\} (?:[3-9]|\d{2,})/);
  });

  it('when the server refuses the address itself, gives up after the allowed attempts but keeps the feed entry', async () => {
    smtp.behave('refuse-address');

    const eventId = await reject('Budget Three');

    await waitFor(async () => (await emailRow(eventId))?.abandoned_at, { timeoutMs: 15000, description: 'email abandoned' });
    const row = await emailRow(eventId);
    expect(row!.attempts).toBe(2);
    expect(row!.last_error).toContain('mailbox unavailable');
    const { rows } = await db.query('SELECT count(*)::int AS n FROM notifications WHERE source_event_id = $1', [eventId]);
    expect(rows[0].n).toBe(1);
    smtp.behave('accept');
  });

  it('when the service restarts during an SMTP outage, the pending mail goes out once after both are back', async () => {
    const first = services[0]!;
    smtp.behave('refuse-temporarily');
    const refusedBefore = smtp.refused;
    const eventId = await reject('Budget Two');
    await waitFor(() => smtp.refused > refusedBefore, { timeoutMs: 15000, description: 'a refused attempt' });

    await stop(first);
    smtp.behave('accept');
    expect((await emailRow(eventId))!.sent_at).toBeNull();
    await start();

    await waitFor(async () => (await emailRow(eventId))?.sent_at, { timeoutMs: 15000, description: 'email sent after restart' });
    expect(mailsFor('Reason for Budget Two')).toHaveLength(1);
  });

  it('when the database goes down after the mail left and before its record, the record is retried once it is back and the mail is not sent twice', async () => {
    // The only dispatcher is the one whose database goes down (in an outage every replica loses it).
    const others = [...services];
    for (const other of others) await stop(other);
    const target = new URL(infra.db.url);
    const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
    const proxied = new URL(infra.db.url);
    proxied.hostname = '127.0.0.1';
    proxied.port = String(proxy.port);
    // A claim lapses after 4 × 500 ms: the outage below outlasts it, so a lapsed claim would send the mail again.
    const service = await start({ DATABASE_URL: proxied.toString(), SMTP_TIMEOUT_MS: '500' });
    try {
      smtp.behave('accept');
      let outage: Promise<void> = Promise.resolve();
      smtp.beforeAnswering = async () => {
        smtp.beforeAnswering = null;
        proxy.cut();
        // The server answers while the database is down; it comes back after twice the claim's lease.
        outage = new Promise((resolve) => setTimeout(resolve, 4000)).then(() => proxy.restore());
      };
      const eventId = await reject('Recorded After Outage');
      await waitFor(() => smtp.beforeAnswering === null, { description: 'the mail handed to the server' });
      await outage;
      // A dispatcher that gave the record up would have sent the mail again before recording it.
      await waitFor(async () => (await emailRow(eventId))?.sent_at, { timeoutMs: 15000, description: 'the sent mail recorded once the database is back' });
      expect(mailsFor('Reason for Recorded After Outage')).toHaveLength(1);
      expect(await emailRow(eventId)).toMatchObject({ attempts: 1, abandoned_at: null });
    } finally {
      await stop(service);
      await proxy.close();
      for (let i = 0; i < others.length; i++) await start();
    }
  });

  it('when two dispatchers share the database, each email is sent by exactly one of them', async () => {
    const a = services[0]!;
    await a.app.get(EmailDispatcher).stop();
    const b = await start({ MAIL_DISPATCHER_ENABLED: 'false', MAIL_BATCH_SIZE: '3' });
    const eventIds: string[] = [];
    for (let i = 0; i < 24; i++) eventIds.push(await reject(`Parallel ${i}`));
    await waitFor(
      async () => {
        const { rows } = await db.query(
          `SELECT count(*)::int AS n FROM email_deliveries e JOIN notifications n ON n.id = e.notification_id
           WHERE n.source_event_id = ANY($1)`,
          [eventIds],
        );
        return rows[0].n === 24;
      },
      { timeoutMs: 20000, description: '24 pending emails' },
    );

    const [dispatcherA, dispatcherB] = [a.app.get(EmailDispatcher), b.app.get(EmailDispatcher)];
    dispatcherA.start();
    dispatcherB.start();

    const mails = await waitFor(() => {
      const parallel = smtp.mails.filter((m) => m.text.includes('Reason for Parallel '));
      return parallel.length >= 24 ? parallel : undefined;
    }, { timeoutMs: 20000, description: '24 parallel mails' });
    await new Promise((resolve) => setTimeout(resolve, 500));

    const all = smtp.mails.filter((m) => m.text.includes('Reason for Parallel '));
    expect(all).toHaveLength(24);
    expect(new Set(all.map((m) => m.messageId)).size).toBe(24);
    expect(mails.length).toBe(24);
    const { rows } = await db.query(
      `SELECT count(*)::int AS n FROM outbox_messages WHERE topic = 'notification.sent' AND payload->>'channel' = 'email'
       AND payload->>'sourceEventId' = ANY($1)`,
      [eventIds],
    );
    expect(rows[0].n).toBe(24);
    await Promise.all([dispatcherA.stop(), dispatcherB.stop()]);
  });
});
