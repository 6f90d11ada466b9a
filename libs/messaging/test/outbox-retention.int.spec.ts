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
});
