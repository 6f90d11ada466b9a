import { Topics } from '@budget-erp/contracts';
import { collectTopic, createTestDatabase, startTestBroker, TestBroker, TestDatabase, TopicCollector, waitFor } from '@budget-erp/testing';
import { DataSource } from 'typeorm';
import { OutboxRelay, OutboxWriter, UnitOfWork } from '../src';
import { lockedPayload } from './support/events';
import { openMigratedDataSource } from './support/messaging-database';

describe('outbox retention', () => {
  let db: TestDatabase;
  let broker: TestBroker;
  let dataSource: DataSource;
  let relay: OutboxRelay;
  let locked: TopicCollector;

  beforeAll(async () => {
    db = await createTestDatabase('outbox_retention');
    broker = await startTestBroker();
    dataSource = await openMigratedDataSource(db.url);
    locked = await collectTopic(broker.brokers, Topics.BudgetLocked);
  });

  afterAll(async () => {
    await relay?.stop();
    await locked?.stop();
    await dataSource?.destroy();
    await broker?.stop();
    await db?.drop();
  });

  it('when published rows are older than the retention period, the idle relay deletes them after publishing', async () => {
    const uow = new UnitOfWork(dataSource);
    const writer = new OutboxWriter({ serviceName: 'budget' });
    const ids: string[] = [];
    for (const subject of ['budget-r1', 'budget-r2', 'budget-r3']) {
      ids.push((await uow.run((manager) => writer.publish(manager, { topic: Topics.BudgetLocked, subject, companyId: 'company-1', payload: lockedPayload(subject) }))).id);
    }

    relay = new OutboxRelay(dataSource, { brokers: broker.brokerList, clientId: 'retention-relay', pollIntervalMs: 50, retainPublishedMs: 0 });
    relay.start();

    await waitFor(() => ids.every((id) => locked.messages.some((m) => m.headers.ce_id === id)), { description: 'the three events published' });
    await waitFor(async () => (await dataSource.query('SELECT count(*)::int AS n FROM outbox_messages'))[0].n === 0, {
      description: 'the published rows purged',
    });
  });

  it('under steady publishing that never leaves the relay idle, published rows are still purged on the purge interval', async () => {
    await relay.stop();
    relay = new OutboxRelay(dataSource, { brokers: broker.brokerList, clientId: 'retention-relay-busy', pollIntervalMs: 50, retainPublishedMs: 0, purgeIntervalMs: 200 });
    relay.start();
    const uow = new UnitOfWork(dataSource);
    const writer = new OutboxWriter({ serviceName: 'budget' });
    let writing = true;
    let written = 0;
    // Every pass of the relay finds new rows to publish, and each commit nudges it.
    const traffic = (async () => {
      while (writing) {
        const subject = `budget-busy-${written++}`;
        await uow.run((manager) => writer.publish(manager, { topic: Topics.BudgetLocked, subject, companyId: 'company-1', payload: lockedPayload(subject) }));
        relay.nudge();
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();
    try {
      await waitFor(() => written >= 100, { description: 'the first hundred events written' });
      const [{ mark }] = await dataSource.query('SELECT max(seq) AS mark FROM outbox_messages');
      await waitFor(async () => (await dataSource.query('SELECT count(*)::int AS n FROM outbox_messages WHERE seq <= $1', [mark]))[0].n === 0, {
        description: 'the rows published before the mark purged while publishing goes on',
      });
    } finally {
      writing = false;
      await traffic;
    }
    // Purging beside publishing loses nothing and repeats nothing: every event reached the topic once.
    const subjects = Array.from({ length: written }, (_, i) => `budget-busy-${i}`);
    await waitFor(() => subjects.every((subject) => locked.messages.some((m) => m.key === subject)), { description: 'every busy event published' });
    const busyKeys = locked.messages.map((m) => m.key).filter((key) => key?.startsWith('budget-busy-'));
    expect(busyKeys).toHaveLength(written);
  });

  it('when inbox rows are older than the inbox retention (30 days by default), the leader deletes them and keeps the recent ones', async () => {
    await relay.stop();
    await dataSource.query(
      `INSERT INTO inbox_messages (consumer_group, message_id, topic, processed_at) VALUES
         ('budget', 'applied-31-days-ago', 'budget.accepted', now() - interval '31 days'),
         ('budget', 'applied-45-days-ago', 'erp.posted', now() - interval '45 days'),
         ('budget', 'applied-29-days-ago', 'budget.accepted', now() - interval '29 days'),
         ('notification', 'applied-today', 'budget.sent', now())`,
    );

    relay = new OutboxRelay(dataSource, { brokers: broker.brokerList, clientId: 'retention-relay-2', pollIntervalMs: 50 });
    relay.start();

    const kept = () => dataSource.query('SELECT message_id FROM inbox_messages ORDER BY message_id').then((rows: { message_id: string }[]) => rows.map((r) => r.message_id));
    await waitFor(async () => (await kept()).length === 2, { description: 'the old inbox rows purged' });
    expect(await kept()).toEqual(['applied-29-days-ago', 'applied-today']);
  });

  it('when rows set aside as unpublishable are older than their retention (30 days by default), the leader deletes them and keeps the recent ones', async () => {
    await relay.stop();
    await dataSource.query(
      `INSERT INTO outbox_messages (id, topic, message_key, headers, payload, abandoned_at, last_error) VALUES
         (gen_random_uuid(), 'budget.sent.lines', 'set-aside-31-days-ago', '{}', '{}', now() - interval '31 days', 'MESSAGE_TOO_LARGE'),
         (gen_random_uuid(), 'budget.sent.lines', 'set-aside-29-days-ago', '{}', '{}', now() - interval '29 days', 'MESSAGE_TOO_LARGE')`,
    );

    relay = new OutboxRelay(dataSource, { brokers: broker.brokerList, clientId: 'retention-relay-3', pollIntervalMs: 50 });
    relay.start();

    const setAside = () => dataSource.query('SELECT message_key FROM outbox_messages WHERE abandoned_at IS NOT NULL').then((rows: { message_key: string }[]) => rows.map((r) => r.message_key));
    await waitFor(async () => (await setAside()).length === 1, { description: 'the old set-aside row purged' });
    expect(await setAside()).toEqual(['set-aside-29-days-ago']);
  });
});
