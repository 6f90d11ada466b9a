import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { type ExportFact, type PayloadOf, type Topic, Topics, contractFor, exportFactOrderings, exportStatusOf } from '@budget-erp/contracts';
import type { InboxContext, ReceivedEvent } from '@budget-erp/messaging';
import type { RunningService } from '@budget-erp/service-kit';
import { TRANSACTION_RUNNER, type TransactionRunner } from '../src/notifications/application/ports';
import { NotificationEventsKafkaController } from '../src/notifications/transport/notification-events.kafka-controller';
import { build } from './support/events';
import { type Infra, startInfra, startNotification } from './support/harness';

type Ref = { companyId: string; budgetId: string; exportId: string };

/**
 * The lifecycle agreement: every ordering, with duplicates, of a send's facts ends in the status
 * the platform's one lifecycle gives those facts, and tells the same people the same words.
 */
describe('export lifecycle agreement: notification', () => {
  let infra: Infra;
  let service: RunningService;
  let db: Client;
  let controller: NotificationEventsKafkaController;
  let uow: TransactionRunner;
  const companyId = `co-${randomUUID().slice(0, 8)}`;
  /** Mails told for each fact set, from the first ordering of it: every other ordering must tell the same. */
  const toldFor = new Map<string, unknown[]>();

  /** Applies one event as the inbox does: validated by its contract, through the controller, in one transaction. */
  async function deliver<T extends Topic>(topic: T, payload: PayloadOf<T>): Promise<void> {
    const validated = contractFor(topic).schema.parse(payload) as PayloadOf<T>;
    await uow.run(async (manager) => {
      const event: ReceivedEvent<T> = {
        id: randomUUID(),
        type: contractFor(topic).type,
        topic,
        subject: (payload as { budgetId: string }).budgetId,
        companyId,
        correlationId: randomUUID(),
        time: new Date().toISOString(),
        payload: validated,
        partition: 0,
        offset: '0',
      };
      const ctx = { manager, event, consumerGroup: 'notification', afterCommit: () => undefined } as InboxContext;
      const on = {
        [Topics.BudgetSent]: controller.onSent,
        [Topics.BudgetRetrieved]: controller.onRetrieved,
        [Topics.BudgetAccepted]: controller.onAccepted,
        [Topics.BudgetRejected]: controller.onRejected,
        [Topics.ExportSucceeded]: controller.onExportSucceeded,
        [Topics.ExportFailed]: controller.onExportFailed,
        [Topics.BudgetExportTimedOut]: controller.onExportTimedOut,
        [Topics.ErpPosted]: controller.onPosted,
      } as Partial<Record<Topic, (event: ReceivedEvent<T>, ctx: InboxContext) => Promise<void>>>;
      await on[topic]!.call(controller, event, ctx);
    });
  }

  /** The events that report each fact about `ref`; a newer send of the same budget supersedes it. */
  function eventsOf(ref: Ref, sentAt: string, newer: Ref, newerSentAt: string): Record<ExportFact, () => Promise<void>> {
    return {
      sent: () => deliver('budget.sent', build.sent(ref, 'Tower A', sentAt)),
      retrieved: () => deliver('budget.retrieved', build.retrieved(ref)),
      accepted: () => deliver('budget.accepted', build.accepted(ref)),
      rejected: () => deliver('budget.rejected', build.rejected(ref, 'Wrong job')),
      succeeded: () => deliver('export.succeeded', build.succeeded(ref)),
      failed: () => deliver('export.failed', build.failed(ref)),
      lost: () => deliver('export.failed', { ...build.failed(ref), reasonCode: 'erp_record_missing', message: 'CMiC has no budget batch BATCH-1' }),
      timed_out: () => deliver('budget.export.timed_out', build.timedOut(ref)),
      posted: () => deliver('erp.posted', build.posted(ref)),
      superseded: () => deliver('budget.sent', build.sent(newer, 'Tower A', newerSentAt)),
    };
  }

  beforeAll(async () => {
    infra = await startInfra('notification_lifecycle');
    service = await startNotification(infra, 2525, { MAIL_DISPATCHER_ENABLED: 'false' });
    controller = service.app.get(NotificationEventsKafkaController);
    uow = service.app.get<TransactionRunner>(TRANSACTION_RUNNER);
    db = new Client({ connectionString: infra.db.url });
    await db.connect();
  }, 60000);

  afterAll(async () => {
    await db?.end();
    await service?.close();
    await infra?.stop();
  });

  it.each(exportFactOrderings().map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const ref = { companyId, budgetId: `b-${randomUUID()}`, exportId: `x-${randomUUID()}` };
    const newer = { ...ref, exportId: `x-${randomUUID()}` };
    const sentAt = new Date(Date.now() - 60_000).toISOString();
    const events = eventsOf(ref, sentAt, newer, new Date().toISOString());

    for (const fact of c.facts) await events[fact]();

    const { rows } = await db.query(`SELECT export_id, status, facts FROM tracked_exports WHERE budget_id = $1`, [ref.budgetId]);
    const tracked = rows.find((r) => r.export_id === ref.exportId);
    expect(tracked.status).toBe(c.expected.status);
    expect(tracked.status).toBe(exportStatusOf(c.facts).status);
    expect([...tracked.facts].sort()).toEqual([...new Set(c.facts)].sort());
    if (c.facts.includes('superseded')) expect(rows.find((r) => r.export_id === newer.exportId).status).toBe('awaiting_acceptance');

    const told = (
      await db.query(
        `SELECT kind, recipient_user_id, subject, body_text FROM notifications WHERE budget_id = $1`,
        [ref.budgetId],
      )
    ).rows.sort((a, b) => `${a.kind}:${a.recipient_user_id}`.localeCompare(`${b.kind}:${b.recipient_user_id}`));
    const set = [...new Set(c.facts)].sort().join(',');
    if (!toldFor.has(set)) toldFor.set(set, told);
    expect(told).toEqual(toldFor.get(set));
    const has = (fact: ExportFact) => c.facts.includes(fact);
    const landedLate = exportStatusOf(c.facts).landedAfterGivenUp;
    expect(told.map((m) => `${m.kind}:${m.recipient_user_id}`)).toEqual(
      [
        landedLate ? ['export_landed_late:u-bob', 'export_landed_late:u-sam'] : [],
        c.facts.includes('accepted') ? ['budget_accepted:u-ana'] : [],
        has('failed') || has('lost') || (has('timed_out') && has('accepted')) ? ['export_failed:u-bob', 'export_failed:u-sam'] : [],
        c.facts.includes('posted') ? ['erp_posted:u-ana'] : [],
        c.facts.includes('rejected') ? ['budget_rejected:u-ana'] : [],
      ].flat().sort(),
    );
  });
});
