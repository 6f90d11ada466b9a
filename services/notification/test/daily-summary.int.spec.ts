import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import type { RunningService } from '@budget-erp/service-kit';
import { waitFor } from '@budget-erp/testing';
import { SendDailySummariesHandler } from '../src/daily-summary/application/send-daily-summaries/send-daily-summaries.handler';
import { EventProducer, build, people } from './support/events';
import { type Infra, api, startInfra, startNotification, tokenFor } from './support/harness';
import { type TestSmtpServer, startTestSmtpServer } from './support/smtp-test-server';

const SUBJECT = 'ERP Integrations Daily Summary';
const dan = { userId: 'u-dan', name: 'Dan Approver', email: 'dan@example.test' };
const zed = { userId: 'u-zed', name: 'Zed Approver', email: 'zed@example.test' };

describe('ERP Integrations Daily Summary', () => {
  let infra: Infra;
  let smtp: TestSmtpServer;
  let events: EventProducer;
  let db: Client;
  let service: RunningService;
  let now = new Date('2026-11-23T06:00:00.000Z');
  const clock = { now: () => now };
  const companyId = `co-${randomUUID().slice(0, 8)}`;
  const otherCompanyId = `co-${randomUUID().slice(0, 8)}`;

  const summaries = () => smtp.mails.filter((m) => m.subject === SUBJECT);
  const summaryRecipients = () => summaries().map((m) => m.envelopeTo[0]).sort();
  const ref = (company = companyId) => ({ companyId: company, budgetId: `b-${randomUUID()}`, exportId: `x-${randomUUID()}` });
  const start = () =>
    startNotification(infra, smtp.port, { DAILY_SUMMARY_ENABLED: 'true', DAILY_SUMMARY_HOUR: '7', DAILY_SUMMARY_CHECK_INTERVAL_MS: '100' }, { clock });
  const settle = () => new Promise((resolve) => setTimeout(resolve, 700));

  beforeAll(async () => {
    [infra, smtp] = await Promise.all([startInfra('notification_summary'), startTestSmtpServer()]);
    events = await EventProducer.connect(infra.broker.brokers);
    db = new Client({ connectionString: infra.db.url });
    await db.connect();
    service = await start();

    // Pending in the company: two awaiting acceptance and one failed export.
    const awaiting1 = ref();
    const awaiting2 = ref();
    const failed = ref();
    await events.send('budget.sent', build.sent(awaiting1, 'Tower A'));
    await events.send('budget.sent', build.sent(awaiting2, 'Garage B'));
    await events.send('budget.sent', build.sent(failed, 'Lobby C'));
    await events.send('budget.accepted', build.accepted(failed));
    await events.send('export.failed', build.failed(failed));
    // No longer pending: retrieved, rejected (Bob decides, so he is a known approver), exporting.
    const retrieved = ref();
    await events.send('budget.sent', build.sent(retrieved, 'Retrieved D'));
    await events.send('budget.retrieved', build.retrieved(retrieved));
    const rejected = ref();
    await events.send('budget.sent', build.sent(rejected, 'Rejected E'));
    await events.send('budget.rejected', build.rejected(rejected, 'Wrong job', people.bob));
    const exporting = ref();
    await events.send('budget.sent', build.sent(exporting, 'Exporting F'));
    await events.send('budget.accepted', build.accepted(exporting));
    // Another company whose approver has nothing pending.
    const elsewhere = ref(otherCompanyId);
    await events.send('budget.sent', build.sent(elsewhere, 'Elsewhere G'));
    await events.send('budget.rejected', build.rejected(elsewhere, 'Not ours', zed));

    await waitFor(
      async () => {
        const { rows } = await db.query(
          `SELECT status, count(*)::int AS n FROM tracked_exports WHERE company_id = $1 GROUP BY status ORDER BY status`,
          [companyId],
        );
        return JSON.stringify(rows) === JSON.stringify([
          { status: 'awaiting_acceptance', n: 2 },
          { status: 'exporting', n: 1 },
          { status: 'failed_to_export', n: 1 },
          { status: 'rejected', n: 1 },
          { status: 'retrieved', n: 1 },
        ]);
      },
      { timeoutMs: 20000, description: 'the company’s exports tracked' },
    );
    await waitFor(
      async () => (await db.query(`SELECT 1 FROM notification_recipients WHERE user_id = 'u-zed'`)).rowCount === 1,
      { timeoutMs: 20000, description: 'the other company’s approver known' },
    );

    // Dan is an approver who never decided yet but saved his preferences; Eve opted out.
    const asDan = await api(service, await tokenFor(dan, companyId, true), 'PUT', '/notifications/preferences', { dailySummary: true });
    const asEve = await api(service, await tokenFor(people.eve, companyId, true), 'PUT', '/notifications/preferences', { dailySummary: false });
    expect(asDan.body).toEqual({ dailySummary: true, approver: true });
    expect(asEve.body).toEqual({ dailySummary: false, approver: true });
  }, 60000);

  afterAll(async () => {
    await service?.close();
    await db?.end();
    await events?.close();
    await smtp?.stop();
    await infra?.stop();
  });

  it('before the send hour, sends no summary', async () => {
    await settle();

    expect(summaries()).toHaveLength(0);
  });

  it('once the send hour has passed, emails each approver with pending items who did not opt out', async () => {
    now = new Date('2026-11-23T07:30:00.000Z');

    await waitFor(() => summaries().length >= 2, { timeoutMs: 10000, description: 'two summaries' });
    await settle();

    expect(summaryRecipients()).toEqual(['bob@example.test', 'dan@example.test']);
    const bobs = summaries().find((m) => m.envelopeTo[0] === 'bob@example.test')!;
    expect(bobs.text).toContain('Hello Bob Approver,');
    expect(bobs.text).toContain('Your ERP Integrations items for 2026-11-23: 2 awaiting acceptance, 1 failed to export.');
    expect(bobs.text).toContain('"Tower A" — CMiC, job J-100 — total 1,250.00: awaiting acceptance, sent by Sam Sender');
    expect(bobs.text).toContain('"Garage B"');
    expect(bobs.text).toContain(
      'Failed to Export:\n- "Lobby C" — CMiC, job J-100 — total 1,250.00: failed to export (cost_code_missing): Cost code 09-999 does not exist in CMiC job J-100',
    );
    expect(bobs.text).not.toContain('Retrieved D');
    expect(bobs.text).not.toContain('Rejected E');
    expect(bobs.text).not.toContain('Exporting F');
    expect(bobs.html).toContain('<h3 style="font-size:15px">Failed to Export</h3>');
  });

  it('later the same day, and after a restart, sends no second summary', async () => {
    now = new Date('2026-11-23T18:00:00.000Z');
    await settle();
    await service.close();
    service = await start();
    await service.app.get(SendDailySummariesHandler).runDue();
    await settle();

    expect(summaryRecipients()).toEqual(['bob@example.test', 'dan@example.test']);
    const { rows } = await db.query(`SELECT approver_user_id, day::text AS day FROM daily_summaries ORDER BY approver_user_id`);
    expect(rows).toEqual([
      { approver_user_id: 'u-bob', day: '2026-11-23' },
      { approver_user_id: 'u-dan', day: '2026-11-23' },
    ]);
  });

  it('the next day, sends the next summary once, including an approver who opted back in', async () => {
    now = new Date('2026-11-24T07:00:00.000Z');
    const asEve = await api(service, await tokenFor(people.eve, companyId, true), 'PUT', '/notifications/preferences', { dailySummary: true });
    expect(asEve.status).toBe(200);
    const run = await service.app.get(SendDailySummariesHandler).runDue();
    await waitFor(() => summaries().length >= 5, { timeoutMs: 10000, description: 'three more summaries' });
    await settle();

    expect(run.day).toBe('2026-11-24');
    expect(summaryRecipients()).toEqual([
      'bob@example.test',
      'bob@example.test',
      'dan@example.test',
      'dan@example.test',
      'eve@example.test',
    ]);
  });

  it('when two instances run the same day at once, each approver still gets one summary', async () => {
    const second = await start();
    try {
      now = new Date('2026-11-25T08:00:00.000Z');
      const runs = await Promise.all([
        service.app.get(SendDailySummariesHandler).runDue(),
        second.app.get(SendDailySummariesHandler).runDue(),
      ]);
      await waitFor(() => summaries().length >= 8, { timeoutMs: 10000, description: 'three more summaries' });
      await settle();

      expect(runs.flatMap((r) => r.sentTo).length).toBeLessThanOrEqual(3);
      const { rows } = await db.query(
        `SELECT approver_user_id FROM daily_summaries WHERE day = '2026-11-25' ORDER BY approver_user_id`,
      );
      expect(rows.map((r) => r.approver_user_id)).toEqual(['u-bob', 'u-dan', 'u-eve']);
      expect(summaries()).toHaveLength(8);
    } finally {
      await second.close();
    }
  });

  it('keeps the summary in the approver’s feed too', async () => {
    const feed = await api<{ items: Array<{ kind: string; subject: string }> }>(
      service,
      await tokenFor(dan, companyId, true),
      'GET',
      '/notifications',
    );

    expect(feed.body.items.filter((i) => i.kind === 'daily_summary').map((i) => i.subject)).toEqual([SUBJECT, SUBJECT, SUBJECT]);
  });

  it('when the preferences body is bad, answers 400 naming every bad field', async () => {
    const response = await api<{ details: Array<{ path: string }> }>(
      service,
      await tokenFor(dan, companyId, true),
      'PUT',
      '/notifications/preferences',
      { dailySummary: 'yes', extra: 1 },
    );

    expect(response.status).toBe(400);
    expect(response.body.details.map((d) => d.path).sort()).toEqual(['dailySummary', 'extra']);
  });
});
