import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import type { PayloadOf } from '@budget-erp/contracts';
import type { RunningService } from '@budget-erp/service-kit';
import { waitFor } from '@budget-erp/testing';
import { EventProducer, build, people } from './support/events';
import { type Infra, startInfra, startNotification } from './support/harness';
import { type ReceivedMail, type TestSmtpServer, startTestSmtpServer } from './support/smtp-test-server';

/**
 * Drift: the company's integrations users (its approvers, and whoever asked for an import) are
 * emailed once per drift, whether the event is redelivered or the drift is reported again with
 * other lines; a new drift of the same budget is told again.
 */
describe('notification service: a budget out of sync with its ERP job', () => {
  let infra: Infra;
  let smtp: TestSmtpServer;
  let service: RunningService;
  let events: EventProducer;
  let db: Client;
  const companyId = `co-${randomUUID().slice(0, 8)}`;
  const ivan = { userId: 'u-ivan', name: 'Ivan Integrations', email: 'ivan@example.test' };
  const subject = 'Budget out of sync with CMiC job J-7';
  const mails = (): ReceivedMail[] => smtp.mails.filter((m) => m.subject === subject);

  const drift = (budgetId: string, driftId: string, erpAmount: string): PayloadOf<'erp.budget.drift_detected'> => ({
    budgetId,
    projectId: 'p-7',
    companyId,
    driftId,
    erpSystem: 'cmic',
    jobNumber: 'J-7',
    origin: 'platform',
    trigger: 'schedule',
    lines: [{ costCode: '01-100', costType: null, subJob: null, description: null, platformAmount: '1000.00', erpAmount, difference: '200.00' }],
    platformTotal: '1000.00',
    erpTotal: erpAmount,
    detectedAt: new Date().toISOString(),
  });

  beforeAll(async () => {
    [infra, smtp] = await Promise.all([startInfra('notification_drift'), startTestSmtpServer()]);
    service = await startNotification(infra, smtp.port);
    events = await EventProducer.connect(infra.broker.brokers);
    db = new Client({ connectionString: infra.db.url });
    await db.connect();
  });

  afterAll(async () => {
    await db?.end();
    await events?.close();
    await service?.close();
    await smtp?.stop();
    await infra?.stop();
  });

  it('emails every integrations user once per drift, never again for a redelivery or new lines of the same drift, and again for a new drift', async () => {
    // Bob accepts an export (an approver); Ivan asked for an import: both are integrations users.
    const ref = { companyId, budgetId: `b-${randomUUID()}`, exportId: `x-${randomUUID()}` };
    await events.send('budget.sent', build.sent(ref, 'Tower J'));
    await events.send('budget.accepted', build.accepted(ref));
    await events.send('erp.budget.import.failed', {
      budgetId: null,
      projectId: 'p-8',
      companyId,
      importId: `i-${randomUUID()}`,
      reasonCode: 'job_not_found',
      message: 'Job J-8 does not exist in CMiC',
      requestedBy: ivan,
      failedAt: new Date().toISOString(),
    });
    await waitFor(async () => (await db.query('SELECT 1 FROM notification_recipients WHERE company_id = $1', [companyId])).rowCount === 2, {
      timeoutMs: 15000,
      description: 'Bob and Ivan remembered',
    });

    const budgetId = `b-${randomUUID()}`;
    const driftId = `d-${randomUUID()}`;
    const eventId = await events.send('erp.budget.drift_detected', drift(budgetId, driftId, '1200.00'));
    const told = await waitFor(() => (mails().length >= 2 ? mails() : undefined), { timeoutMs: 15000, description: 'the drift mails' });
    expect(told.map((m) => m.envelopeTo[0]).sort()).toEqual([people.bob.email, ivan.email]);
    expect(told[0]!.text).toContain('1 line of a synced budget differs from what CMiC job J-7 holds: the platform synced 1,000.00, CMiC now holds 1,200.00.');
    expect(told[0]!.text).toContain('re-send it, exported to CMiC as a correcting revision, or acknowledge the difference with a note');

    await events.send('erp.budget.drift_detected', drift(budgetId, driftId, '1200.00'), eventId);
    await events.send('erp.budget.drift_detected', drift(budgetId, driftId, '1300.00'));
    const next = `d-${randomUUID()}`;
    await events.send('erp.budget.drift_detected', drift(budgetId, next, '900.00'));
    // One partition: once the new drift is mailed, the reports before it were handled.
    await waitFor(() => (mails().length >= 4 ? true : undefined), { timeoutMs: 15000, description: 'the new drift mailed' });
    expect(mails()).toHaveLength(4);
    const { rows } = await db.query(`SELECT count(*)::int AS n FROM notifications WHERE kind = 'drift_detected' AND budget_id = $1`, [budgetId]);
    expect(rows[0].n).toBe(4);
  });
});
