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
});
