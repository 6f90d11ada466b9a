import { INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Topics } from '@budget-erp/contracts';
import { collectTopic, createTestDatabase, startTestBroker, TestBroker, TestDatabase, TopicCollector, waitFor } from '@budget-erp/testing';
import { DataSource } from 'typeorm';
import { MessagingModule, OutboxRelay, OutboxWriter, UnitOfWork } from '../src';
import { lockedPayload } from './support/events';
import { openMigratedDataSource } from './support/messaging-database';

describe('MessagingModule in a Nest application', () => {
  let db: TestDatabase;
  let broker: TestBroker;
  let dataSource: DataSource;
  let locked: TopicCollector;
  let app: INestApplicationContext | undefined;

  beforeAll(async () => {
    db = await createTestDatabase('messaging_module');
    broker = await startTestBroker();
    // A pool of one connection: the relay must not hold a pooled connection for its leader lock.
    dataSource = await openMigratedDataSource(db.url, [], 1);
    locked = await collectTopic(broker.brokers, Topics.BudgetLocked);
  });

  afterAll(async () => {
    await app?.close();
    await locked?.stop();
    await dataSource?.destroy();
    await broker?.stop();
    await db?.drop();
  });

  it('when the application boots, the relay starts and events stored by the unit of work are published, even on a pool of one connection; on close it stops', async () => {
    @Module({ providers: [{ provide: DataSource, useValue: dataSource }], exports: [DataSource] })
    class DatabaseModule {}
    @Module({ imports: [{ module: DatabaseModule, global: true }, MessagingModule.forRoot({ serviceName: 'budget', brokers: broker.brokerList, relay: { pollIntervalMs: 5_000 } })] })
    class AppModule {}
    app = await NestFactory.createApplicationContext(AppModule, { logger: ['error'] });
    await app.init();
    const relay = app.get(OutboxRelay);
    const uow = app.get(UnitOfWork);
    const outbox = app.get(OutboxWriter);

    const started = Date.now();
    const event = await uow.run((manager) =>
      outbox.publish(manager, { topic: Topics.BudgetLocked, subject: 'budget-module', companyId: 'company-1', payload: lockedPayload('budget-module') }),
    );
    await waitFor(() => locked.messages.some((m) => m.headers.ce_id === event.id), { description: 'the event published' });
    // The poll interval is 5 s: arriving well before it shows the commit nudged the relay.
    expect(Date.now() - started).toBeLessThan(4_000);
    expect(locked.messages.find((m) => m.headers.ce_id === event.id)!.headers.ce_source).toBe('/budget');
    expect(relay.isHealthy()).toBe(true);
    expect(relay.status().leader).toBe(true);

    await app.close();
    app = undefined;
    expect(relay.status().running).toBe(false);
  });
});
