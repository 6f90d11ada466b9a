import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import type { RunningService } from '@budget-erp/service-kit';
import { type TopicCollector, collectTopic, waitFor } from '@budget-erp/testing';
import { EventProducer, build, people } from './support/events';
import { type Infra, api, startInfra, startNotification, tokenFor } from './support/harness';
import { type ReceivedMail, type TestSmtpServer, startTestSmtpServer } from './support/smtp-test-server';

interface FeedPage {
  items: Array<{ id: string; kind: string; subject: string; body: string; read: boolean; budgetId: string | null }>;
  page: number;
  pageSize: number;
  total: number;
  unreadCount: number;
}

describe('notification service: emails and feed from platform events', () => {
  let infra: Infra;
  let smtp: TestSmtpServer;
  let service: RunningService;
  let events: EventProducer;
  let sentTopic: TopicCollector;
  let db: Client;
  const companyId = `co-${randomUUID().slice(0, 8)}`;

  const ids = () => ({ companyId, budgetId: `b-${randomUUID()}`, exportId: `x-${randomUUID()}` });
  const mailsWithSubject = (subject: string) => smtp.mails.filter((m) => m.subject === subject);
  const waitForMails = (subject: string, count: number): Promise<ReceivedMail[]> =>
    waitFor(() => (mailsWithSubject(subject).length >= count ? mailsWithSubject(subject) : undefined), {
      timeoutMs: 15000,
      description: `${count} mail(s) "${subject}"`,
    });
  const waitForStatus = (exportId: string, status: string) =>
    waitFor(async () => {
      const { rows } = await db.query('SELECT status FROM tracked_exports WHERE export_id = $1', [exportId]);
      return rows[0]?.status === status;
    }, { timeoutMs: 15000, description: `export ${exportId} ${status}` });

  /** Sends a budget.sent and waits until it is applied, so later events find the budget's name. */
  async function sendBudget(name: string) {
    const ref = ids();
    await events.send('budget.sent', build.sent(ref, name));
    await waitForStatus(ref.exportId, 'awaiting_acceptance');
    return ref;
  }

  beforeAll(async () => {
    [infra, smtp] = await Promise.all([startInfra('notification_emails'), startTestSmtpServer()]);
    service = await startNotification(infra, smtp.port);
    events = await EventProducer.connect(infra.broker.brokers);
    sentTopic = await collectTopic(infra.broker.brokers, 'notification.sent');
    db = new Client({ connectionString: infra.db.url });
    await db.connect();
  });

  afterAll(async () => {
    await db?.end();
    await sentTopic?.stop();
    await events?.close();
    await service?.close();
    await smtp?.stop();
    await infra?.stop();
  });

  it('when a budget is rejected, emails its creator the reason, in text and escaped HTML', async () => {
    const ref = await sendBudget('Tower A');

    await events.send('budget.rejected', build.rejected(ref, 'Cost code 01-100 <Concrete> is wrong'));

    const [mail] = await waitForMails('Budget "Tower A" was rejected', 1);
    expect(mail!.envelopeTo).toEqual(['ana@example.test']);
    expect(mail!.to).toContain('Ana Project');
    expect(mail!.text).toBe(
      'Hello Ana Project,\n\nBob Approver rejected budget "Tower A" in ERP Integrations.\n\n' +
        'Reason: Cost code 01-100 <Concrete> is wrong\n\n' +
        'The budget is unlocked again: correct it, lock it and send it to ERP again.\n',
    );
    expect(mail!.html).toContain('<strong>Reason:</strong> Cost code 01-100 &lt;Concrete&gt; is wrong');
    expect(mail!.messageId).toMatch(/^<[0-9a-f]{32}@budget-erp\.local>$/);
  });

  it('when an export fails, emails the sender and the approver the reason code and message, once each', async () => {
    const ref = await sendBudget('Garage B');
    await events.send('budget.accepted', build.accepted(ref));

    await events.send('export.failed', build.failed(ref));

    const mails = await waitForMails('Export of budget "Garage B" to CMiC failed', 2);
    expect(mails.map((m) => m.envelopeTo[0]).sort()).toEqual(['bob@example.test', 'sam@example.test']);
    for (const mail of mails) {
      expect(mail.text).toContain('The export of budget "Garage B" to CMiC (job J-100) failed.');
      expect(mail.text).toContain('Reason (cost_code_missing): Cost code 09-999 does not exist in CMiC job J-100');
    }
    expect(mails.find((m) => m.envelopeTo[0] === 'sam@example.test')!.text).toMatch(/^Hello Sam Sender,/);
    expect(mails.find((m) => m.envelopeTo[0] === 'bob@example.test')!.text).toMatch(/^Hello Bob Approver,/);
  });

  it('when the export saga gives up waiting, emails the sender and approver known from the earlier events', async () => {
    const ref = await sendBudget('Wing H');
    await events.send('budget.accepted', build.accepted(ref));
    await waitForStatus(ref.exportId, 'exporting');

    await events.send('budget.export.timed_out', {
      ...ref,
      projectId: 'p-1',
      reasonCode: 'timeout',
      message: 'CMiC did not confirm the export within 30 minutes',
      timedOutAt: new Date().toISOString(),
    });

    const mails = await waitForMails('Export of budget "Wing H" to CMiC failed', 2);
    expect(mails.map((m) => m.envelopeTo[0]).sort()).toEqual(['bob@example.test', 'sam@example.test']);
    expect(mails[0]!.text).toContain('Reason (timeout): CMiC did not confirm the export within 30 minutes');
  });

  it('when the connector then reports the same export failed, tells nobody a second time', async () => {
    const wingH = await db.query(`SELECT export_id, budget_id FROM tracked_exports WHERE sent->>'budgetName' = 'Wing H'`);
    const ref = { companyId, budgetId: wingH.rows[0].budget_id as string, exportId: wingH.rows[0].export_id as string };

    await events.send('export.failed', build.failed(ref));
    const later = await sendBudget('Wing I');
    await events.send('budget.accepted', build.accepted(later));
    await events.send('export.failed', build.failed(later));
    await waitForMails('Export of budget "Wing I" to CMiC failed', 2);

    expect(mailsWithSubject('Export of budget "Wing H" to CMiC failed')).toHaveLength(2);
  });

  it('when the export is posted, tells the creator they may unlock the budget', async () => {
    const ref = await sendBudget('Lobby C');

    await events.send('erp.posted', build.posted(ref));

    const [mail] = await waitForMails('Budget "Lobby C" is posted in CMiC: you may unlock it', 1);
    expect(mail!.envelopeTo).toEqual(['ana@example.test']);
    expect(mail!.text).toContain('The exported entries of budget "Lobby C" (job J-100, total 1,250.00) are posted in CMiC.');
    expect(mail!.text).toContain('you may unlock the budget');
  });

  it('when a budget is accepted, tells its creator', async () => {
    const ref = await sendBudget('Roof D');

    await events.send('budget.accepted', build.accepted(ref));

    const [mail] = await waitForMails('Budget "Roof D" was accepted for export to CMiC', 1);
    expect(mail!.envelopeTo).toEqual(['ana@example.test']);
    expect(mail!.text).toContain('Bob Approver accepted budget "Roof D" (job J-100, total 1,250.00)');
  });

  it('when the acceptance is heard before the send, tells the creator once the send is heard, and only once', async () => {
    const ref = ids();
    await events.send('budget.accepted', build.accepted(ref));
    await waitForStatus(ref.exportId, 'exporting');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(mailsWithSubject('Budget "Roof E" was accepted for export to CMiC')).toHaveLength(0);

    const sent = build.sent(ref, 'Roof E');
    await events.send('budget.sent', sent);
    // The same facts reported again under new event ids tell nobody anything more.
    await events.send('budget.sent', sent);
    await events.send('budget.accepted', build.accepted(ref));
    const later = await sendBudget('Roof F');
    await events.send('budget.accepted', build.accepted(later));
    await waitForMails('Budget "Roof F" was accepted for export to CMiC', 1);

    const mails = mailsWithSubject('Budget "Roof E" was accepted for export to CMiC');
    expect(mails).toHaveLength(1);
    expect(mails[0]!.envelopeTo).toEqual(['ana@example.test']);
    expect(mails[0]!.text).toContain('Bob Approver accepted budget "Roof E" (job J-100, total 1,250.00)');
  });

  it('when a budget is sent again, its earlier send is superseded, whichever send is heard first', async () => {
    const budgetId = `b-${randomUUID()}`;
    const earlier = { companyId, budgetId, exportId: `x-${randomUUID()}` };
    const newer = { companyId, budgetId, exportId: `x-${randomUUID()}` };
    await events.send('budget.sent', build.sent(newer, 'Tower S', '2026-11-23T10:05:00.000Z'));
    await waitForStatus(newer.exportId, 'awaiting_acceptance');

    await events.send('budget.sent', build.sent(earlier, 'Tower S', '2026-11-23T10:00:00.000Z'));

    await waitForStatus(earlier.exportId, 'superseded');
    const { rows } = await db.query('SELECT status FROM tracked_exports WHERE export_id = $1', [newer.exportId]);
    expect(rows[0].status).toBe('awaiting_acceptance');
  });

  it('when an export that timed out and was rejected lands in the ERP after all, tells the sender and the approver once', async () => {
    const ref = await sendBudget('Tower L');
    await events.send('budget.accepted', build.accepted(ref));
    await events.send('budget.export.timed_out', build.timedOut(ref));
    await events.send('budget.rejected', build.rejected(ref, 'Timed out, sending again'));
    await waitForStatus(ref.exportId, 'rejected');

    const success = build.succeeded(ref);
    await events.send('export.succeeded', success);
    // The same success reported again under a new event id, and the posting.
    const again = await events.send('export.succeeded', success);
    await events.send('erp.posted', build.posted(ref));

    const mails = await waitForMails('Export of budget "Tower L" reached CMiC after all', 2);
    await waitForMails('Budget "Tower L" is posted in CMiC: you may unlock it', 1);
    await waitFor(
      async () => (await db.query(`SELECT 1 FROM inbox_messages WHERE consumer_group = 'notification' AND message_id = $1`, [again])).rowCount === 1,
      { timeoutMs: 15000, description: 'the repeated success applied' },
    );
    expect(mails.map((m) => m.envelopeTo[0]).sort()).toEqual(['bob@example.test', 'sam@example.test']);
    expect(mails[0]!.text).toContain('reached CMiC after the platform had given up on it');
    const { rows: told } = await db.query(`SELECT count(*)::int AS n FROM notifications WHERE kind = 'export_landed_late' AND budget_id = $1`, [
      ref.budgetId,
    ]);
    expect(told[0].n).toBe(2);
    const { rows } = await db.query('SELECT status FROM tracked_exports WHERE export_id = $1', [ref.exportId]);
    expect(rows[0].status).toBe('synced');
  });

  it('when a re-import fails, emails who asked for it the reason', async () => {
    await events.send('erp.budget.import.failed', {
      budgetId: `b-${randomUUID()}`,
      projectId: 'p-1',
      companyId,
      importId: `i-${randomUUID()}`,
      reasonCode: 'job_not_found',
      message: 'Job J-404 does not exist in Sage 300 CRE',
      requestedBy: people.sam,
      failedAt: new Date().toISOString(),
    });

    const [mail] = await waitForMails('Import of your budget from the ERP failed', 1);
    expect(mail!.envelopeTo).toEqual(['sam@example.test']);
    expect(mail!.text).toContain('Reason (job_not_found): Job J-404 does not exist in Sage 300 CRE');
  });

  it('when the same event is delivered again, sends nothing more', async () => {
    const ref = await sendBudget('Annex E');
    const rejection = build.rejected(ref, 'Duplicate lines');
    const eventId = await events.send('budget.rejected', rejection);
    await waitForMails('Budget "Annex E" was rejected', 1);

    await events.send('budget.rejected', rejection, eventId);
    await events.send('budget.rejected', rejection, eventId);
    // One partition: once a later event is mailed, the redeliveries before it were handled.
    const later = await sendBudget('Annex F');
    await events.send('budget.rejected', build.rejected(later, 'Sentinel'));
    await waitForMails('Budget "Annex F" was rejected', 1);

    expect(mailsWithSubject('Budget "Annex E" was rejected')).toHaveLength(1);
    const { rows } = await db.query('SELECT count(*)::int AS n FROM notifications WHERE source_event_id = $1', [eventId]);
    expect(rows[0].n).toBe(1);
  });

  it('publishes notification.sent for each delivered email and each feed entry', async () => {
    const ref = await sendBudget('Deck G');
    const eventId = await events.send('budget.rejected', build.rejected(ref, 'Totals do not match'));
    await waitForMails('Budget "Deck G" was rejected', 1);

    const published = await waitFor(() => {
      const mine = sentTopic.messages.filter((m) => (m.value as { sourceEventId?: string }).sourceEventId === eventId);
      return mine.length >= 2 ? mine : undefined;
    }, { timeoutMs: 15000, description: 'notification.sent for the rejection' });

    expect(published.map((m) => (m.value as { channel: string }).channel).sort()).toEqual(['email', 'in_app']);
    for (const message of published) {
      expect(message.value).toMatchObject({ companyId, budgetId: ref.budgetId, recipientUserId: 'u-ana', kind: 'budget_rejected' });
      expect(message.headers['ce_type']).toBe('notification.sent.v1');
      expect(message.key).toBe(ref.budgetId);
    }
  });

  describe('in-app feed', () => {
    it("pages the caller's notifications newest first and counts the unread ones", async () => {
      const token = await tokenFor(people.ana, companyId);
      const all = await api<FeedPage>(service, token, 'GET', '/notifications?pageSize=100');
      const total = all.body.total;
      expect(total).toBeGreaterThanOrEqual(7);

      const first = await api<FeedPage>(service, token, 'GET', '/notifications?page=1&pageSize=3');
      const second = await api<FeedPage>(service, token, 'GET', '/notifications?page=2&pageSize=3');

      expect(first.status).toBe(200);
      expect(first.body).toMatchObject({ page: 1, pageSize: 3, total, unreadCount: total });
      expect(first.body.items).toHaveLength(3);
      expect(second.body.items).toHaveLength(3);
      expect(first.body.items.map((i) => i.id)).toEqual(all.body.items.slice(0, 3).map((i) => i.id));
      expect(second.body.items.map((i) => i.id)).toEqual(all.body.items.slice(3, 6).map((i) => i.id));
      expect(all.body.items.every((i) => i.body.startsWith('Hello Ana Project,'))).toBe(true);
    });

    it('marks one notification read, then lists only the unread ones with ?unread=true', async () => {
      const token = await tokenFor(people.ana, companyId);
      const before = await api<FeedPage>(service, token, 'GET', '/notifications?pageSize=100');
      const target = before.body.items[0]!;

      const marked = await api<{ id: string; read: boolean; readAt: string }>(service, token, 'POST', `/notifications/${target.id}/read`);
      const unread = await api<FeedPage>(service, token, 'GET', '/notifications?unread=true&pageSize=100');

      expect(marked.status).toBe(200);
      expect(marked.body).toMatchObject({ id: target.id, read: true });
      expect(unread.body.items.map((i) => i.id)).not.toContain(target.id);
      expect(unread.body.total).toBe(before.body.total - 1);
      expect(unread.body.unreadCount).toBe(before.body.unreadCount - 1);
    });

    it('marks all read at once', async () => {
      const token = await tokenFor(people.sam, companyId);

      const result = await api<{ marked: number }>(service, token, 'POST', '/notifications/read-all');
      const unread = await api<FeedPage>(service, token, 'GET', '/notifications?unread=true');

      expect(result.body.marked).toBeGreaterThanOrEqual(1);
      expect(unread.body).toMatchObject({ items: [], total: 0, unreadCount: 0 });
    });

    it("when someone else's or another company's notification is marked, answers 404 as for a missing one", async () => {
      const anaFeed = await api<FeedPage>(service, await tokenFor(people.ana, companyId), 'GET', '/notifications');
      const anasId = anaFeed.body.items[0]!.id;

      const asSam = await api(service, await tokenFor(people.sam, companyId), 'POST', `/notifications/${anasId}/read`);
      const asOtherCompany = await api(service, await tokenFor(people.ana, 'co-other'), 'POST', `/notifications/${anasId}/read`);
      const missing = await api(service, await tokenFor(people.ana, companyId), 'POST', `/notifications/${randomUUID()}/read`);
      const otherCompanyFeed = await api<FeedPage>(service, await tokenFor(people.ana, 'co-other'), 'GET', '/notifications');

      expect([asSam.status, asOtherCompany.status, missing.status]).toEqual([404, 404, 404]);
      expect(otherCompanyFeed.body.total).toBe(0);
    });

    it('when the paging query is bad, answers 400 naming every bad field', async () => {
      const token = await tokenFor(people.ana, companyId);

      const response = await api<{ statusCode: number; details: Array<{ path: string }> }>(
        service,
        token,
        'GET',
        '/notifications?page=0&pageSize=500&unread=maybe',
      );

      expect(response.status).toBe(400);
      expect(response.body.details.map((d) => d.path).sort()).toEqual(['page', 'pageSize', 'unread']);
    });

    it('documents the feed and preferences routes in the OpenAPI document', async () => {
      const document = (await (await fetch(`${service.url}/docs/json`)).json()) as { paths: Record<string, Record<string, unknown>> };

      expect(Object.keys(document.paths)).toEqual(
        expect.arrayContaining(['/notifications', '/notifications/read-all', '/notifications/preferences', '/notifications/{id}/read']),
      );
      expect(Object.keys(document.paths['/notifications/preferences']!).sort()).toEqual(['get', 'put']);
    });

    it('without a token, answers 401', async () => {
      const response = await fetch(`${service.url}/notifications`);

      expect(response.status).toBe(401);
    });
  });
});
