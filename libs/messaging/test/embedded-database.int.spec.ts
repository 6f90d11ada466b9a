import { Topics } from '@budget-erp/contracts';
import { collectTopic, EmbeddedPostgres, startEmbeddedPostgres, startTestBroker, TestBroker, TopicCollector, waitFor } from '@budget-erp/testing';
import { DataSource } from 'typeorm';
import { OutboxRelay, OutboxWriter, UnitOfWork } from '../src';
import { lockedPayload } from './support/events';
import { openMigratedDataSource } from './support/messaging-database';
import { CreateAppliedEffects1700000000999, startTestInboxApp } from './support/test-inbox-app';

// PGlite runs one transaction at a time across all connections: the relay must never hold one open
// while it waits for Kafka, and the inbox must keep every query of a delivery on its transaction.
describe('outbox and inbox on the embedded database (PGlite over pglite-socket)', () => {
  let embedded: EmbeddedPostgres;
  let broker: TestBroker;
  let followUps: TopicCollector;

  beforeAll(async () => {
    embedded = await startEmbeddedPostgres();
    broker = await startTestBroker();
    followUps = await collectTopic(broker.brokers, Topics.BudgetUnlocked);
  });

  afterAll(async () => {
    await followUps?.stop();
    await broker?.stop();
    await embedded?.stop();
  });

  it.each([5, 1])(
    'with a pool of %i connection(s), when services write, relay, consume and publish follow-ups concurrently, every event is applied once and nothing deadlocks',
    async (poolSize) => {
      const dataSource: DataSource = await openMigratedDataSource(embedded.url, [CreateAppliedEffects1700000000999], poolSize);
      const relay = new OutboxRelay(dataSource, { brokers: broker.brokerList, clientId: `embedded-relay-${poolSize}`, pollIntervalMs: 50 });
      relay.start();
      const inbox = await startTestInboxApp({ dataSource, brokers: broker.brokerList, groupId: `embedded-consumer-${poolSize}` });
      // Reads run in a transaction too: pglite-socket may interleave an autocommit statement's
      // protocol messages with another connection's.
      const read = <T>(sql: string, parameters: unknown[] = []): Promise<T> => dataSource.transaction((manager) => manager.query(sql, parameters));
      try {
        const uow = new UnitOfWork(dataSource, relay);
        const writer = new OutboxWriter({ serviceName: 'budget' });
        const behaviours = ['ok', 'fail-twice', 'publish-follow-up'];
        const followUpsBefore = followUps.messages.length;
        const ids = await Promise.all(
          Array.from({ length: 30 }, (_, i) =>
            uow.run(async (manager) => {
              const subject = `embedded-${poolSize}-${i % 5}`;
              return (await writer.publish(manager, { topic: Topics.BudgetLocked, subject, companyId: 'company-1', payload: lockedPayload(subject, behaviours[i % 3]) })).id;
            }),
          ),
        );

        await waitFor(async () => (await read<{ n: number }[]>('SELECT count(*)::int AS n FROM inbox_messages WHERE message_id = ANY($1)', [ids]))[0].n === 30, {
          timeoutMs: 20_000,
          description: 'all 30 events applied',
        });
        const effects = await read<{ event_id: string; n: number }[]>(
          'SELECT event_id, count(*)::int AS n FROM applied_effects WHERE event_id = ANY($1) GROUP BY event_id',
          [ids],
        );
        expect(effects).toHaveLength(30);
        expect(effects.every((row) => row.n === 1)).toBe(true);
        await waitFor(() => followUps.messages.length >= followUpsBefore + 10, { description: '10 follow-up events published by handlers' });
        await waitFor(async () => (await read<{ n: number }[]>('SELECT count(*)::int AS n FROM outbox_messages WHERE published_at IS NULL'))[0].n === 0, {
          description: 'every stored event published',
        });
      } finally {
        await inbox.close();
        await relay.stop();
        await dataSource.destroy();
      }
    },
  );
});
