import { Topics } from '@budget-erp/contracts';
import { collectTopic, createTestDatabase, startTestBroker, TestBroker, TestDatabase, TopicCollector, waitFor } from '@budget-erp/testing';
import { DataSource } from 'typeorm';
import { OutboxRelay, OutboxWriter, UnitOfWork } from '../src';
import { envelopeFor, eventMessage, lockedPayload, produceRaw } from './support/events';
import { openMigratedDataSource } from './support/messaging-database';
import { CreateAppliedEffects1700000000999, startTestInboxApp, TestInboxApp } from './support/test-inbox-app';

describe('broker outages', () => {
  let db: TestDatabase;
  let broker: TestBroker | undefined;
  let dataSource: DataSource;
  let relay: OutboxRelay;
  let collector: TopicCollector | undefined;
  let inbox: TestInboxApp | undefined;
  const writer = new OutboxWriter({ serviceName: 'budget' });

  beforeAll(async () => {
    db = await createTestDatabase('relay_outage');
    dataSource = await openMigratedDataSource(db.url, [CreateAppliedEffects1700000000999]);
  });

  afterAll(async () => {
    await inbox?.close();
    await relay?.stop();
    await collector?.stop();
    await broker?.stop();
    await dataSource?.destroy();
    await db?.drop();
  });

  it('when the broker goes away, keeps the events, records the failure, reports unhealthy, and publishes them once the broker is back', async () => {
    broker = await startTestBroker();
    const port = Number(broker.brokers.split(':')[1]);
    relay = new OutboxRelay(dataSource, { brokers: broker.brokerList, clientId: 'outage-relay', pollIntervalMs: 50, maxBackoffMs: 300 });
    relay.start();
    const uow = new UnitOfWork(dataSource, relay);
    const publish = (subject: string) =>
      uow.run((manager) => writer.publish(manager, { topic: Topics.BudgetLocked, subject, companyId: 'company-1', payload: lockedPayload(subject) }));

    collector = await collectTopic(broker.brokers, Topics.BudgetLocked);
    const before = await publish('budget-before');
    await waitFor(() => collector!.messages.some((m) => m.headers.ce_id === before.id), { description: 'the first event' });
    await collector.stop();
    collector = undefined;
    await broker.stop();
    broker = undefined;

    const during = await publish('budget-during');
    await waitFor(() => !relay.isHealthy(), { timeoutMs: 20_000, description: 'the relay to report the outage' });
    const [row] = await dataSource.query('SELECT attempts, last_error, published_at FROM outbox_messages WHERE id = $1', [during.id]);
    expect(row.attempts).toBeGreaterThanOrEqual(1);
    expect(row.last_error).toEqual(expect.any(String));
    expect(row.published_at).toBeNull();
    expect(relay.status().lastError).toEqual(expect.any(String));

    broker = await startTestBroker({ port });
    collector = await collectTopic(broker.brokers, Topics.BudgetLocked);
    await waitFor(() => collector!.messages.some((m) => m.headers.ce_id === during.id), { timeoutMs: 20_000, description: 'the held event after the broker is back' });
    await waitFor(async () => (await dataSource.query('SELECT 1 FROM outbox_messages WHERE id = $1 AND published_at IS NOT NULL', [during.id])).length === 1, {
      description: 'the held event marked published',
    });
    await waitFor(() => relay.isHealthy(), { description: 'the relay healthy again' });
  });

  it('when the broker is down as the service starts, the inbox still lets the app start, reports unhealthy, and consumes once the broker is up', async () => {
    await relay?.stop();
    await collector?.stop();
    collector = undefined;
    await broker?.stop();
    broker = undefined;
    const probe = await startTestBroker();
    const port = Number(probe.brokers.split(':')[1]);
    await probe.stop();

    inbox = await startTestInboxApp({ dataSource, brokers: [`127.0.0.1:${port}`], groupId: 'late-broker-consumer' });
    expect(inbox.transport.isHealthy()).toBe(false);

    broker = await startTestBroker({ port });
    const envelope = envelopeFor(Topics.BudgetLocked, 'budget-late-broker');
    await produceRaw(broker.brokerList, Topics.BudgetLocked, [eventMessage(envelope, lockedPayload('budget-late-broker'))]);
    await waitFor(async () => (await dataSource.query('SELECT 1 FROM inbox_messages WHERE message_id = $1', [envelope.id])).length === 1, {
      timeoutMs: 40_000,
      description: 'the event consumed after the broker came up',
    });
    expect(inbox.transport.isHealthy()).toBe(true);
  });
});
