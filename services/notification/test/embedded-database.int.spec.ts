import { randomUUID } from 'node:crypto';
import { loadConfig, type RunningService } from '@budget-erp/service-kit';
import { type EmbeddedPostgres, type TestBroker, startEmbeddedPostgres, startTestBroker, waitFor } from '@budget-erp/testing';
import { SendDailySummariesHandler } from '../src/daily-summary/application/send-daily-summaries/send-daily-summaries.handler';
import { notificationConfigSchema } from '../src/config';
import { startNotificationService } from '../src/start';
import { EventProducer, build } from './support/events';
import { JWT_SECRET, api, tokenFor } from './support/harness';
import { type TestSmtpServer, startTestSmtpServer } from './support/smtp-test-server';

// `npm start` falls back to an embedded PGlite, which runs one transaction at a time: the inbox,
// the dispatcher and the daily summary must never wait on another connection inside a transaction.
describe('notification service on the embedded database', () => {
  let embedded: EmbeddedPostgres;
  let broker: TestBroker;
  let smtp: TestSmtpServer;
  let events: EventProducer;
  let service: RunningService;
  const now = new Date('2026-11-23T09:00:00.000Z');
  const companyId = `co-${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    [embedded, broker, smtp] = await Promise.all([
      startEmbeddedPostgres(),
      startTestBroker({ partitions: 1 }),
      startTestSmtpServer(),
    ]);
    const config = loadConfig(notificationConfigSchema, {
      PORT: '0',
      DATABASE_URL: embedded.url,
      KAFKA_BROKERS: broker.brokers,
      JWT_SECRET,
      LOG_LEVEL: 'error',
      SMTP_PORT: String(smtp.port),
      MAIL_POLL_INTERVAL_MS: '100',
      DAILY_SUMMARY_ENABLED: 'false',
    });
    service = await startNotificationService(config, { host: '127.0.0.1', clock: { now: () => now } });
    events = await EventProducer.connect(broker.brokers);
  });

  afterAll(async () => {
    await events?.close();
    await service?.close();
    await smtp?.stop();
    await broker?.stop();
    await embedded?.stop();
  });

  it('mails a rejection, serves the feed and sends the daily summary', async () => {
    const pending = { companyId, budgetId: `b-${randomUUID()}`, exportId: `x-${randomUUID()}` };
    const rejected = { companyId, budgetId: `b-${randomUUID()}`, exportId: `x-${randomUUID()}` };
    await events.send('budget.sent', build.sent(pending, 'Tower A'));
    await events.send('budget.sent', build.sent(rejected, 'Garage B'));
    await events.send('budget.rejected', build.rejected(rejected, 'Wrong job'));

    await waitFor(() => smtp.mails.some((m) => m.subject.endsWith('was rejected')), { timeoutMs: 20000, description: 'the rejection mail' });
    const summary = await service.app.get(SendDailySummariesHandler).runDue();
    await waitFor(() => smtp.mails.some((m) => m.subject === 'ERP Integrations Daily Summary'), {
      timeoutMs: 20000,
      description: 'the daily summary',
    });
    const feed = await api<{ total: number }>(service, await tokenFor({ userId: 'u-ana', name: 'Ana', email: '' }, companyId), 'GET', '/notifications');

    expect(summary.sentTo).toEqual(['u-bob']);
    expect(smtp.mails.find((m) => m.subject === 'ERP Integrations Daily Summary')!.text).toContain('"Tower A"');
    expect(feed.body.total).toBe(1);
  });
});
