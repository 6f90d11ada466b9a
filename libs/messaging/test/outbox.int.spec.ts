import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { Topics } from '@budget-erp/contracts';
import { collectTopic, createTestDatabase, startTestBroker, TestBroker, TestDatabase, TopicCollector, waitFor } from '@budget-erp/testing';
import { DataSource } from 'typeorm';
import { correlationContext, MessagingBugError, OutboxRelay, OutboxWriter, UnitOfWork } from '../src';
import { lockedPayload } from './support/events';
import { openMigratedDataSource } from './support/messaging-database';
import { openRelayConnection, RELAY_KEEPALIVE } from '../src/outbox/relay-connection';
import { CreateAppliedEffects1700000000999, startTestInboxApp, TestInboxApp } from './support/test-inbox-app';

describe('transactional outbox (real PostgreSQL, dev broker)', () => {
  let db: TestDatabase;
  let broker: TestBroker;
  let dataSource: DataSource;
  let locked: TopicCollector;
  const writer = new OutboxWriter({ serviceName: 'budget' });
  const relays: OutboxRelay[] = [];

  const startRelay = (): OutboxRelay => {
    const relay = new OutboxRelay(dataSource, { brokers: broker.brokerList, clientId: 'outbox-test', pollIntervalMs: 50, batchSize: 50 });
    relays.push(relay);
    relay.start();
    return relay;
  };
  const publishLocked = (uow: UnitOfWork, subject: string, behaviour = 'ok') =>
    uow.run((manager) => writer.publish(manager, { topic: Topics.BudgetLocked, subject, companyId: 'company-1', payload: lockedPayload(subject, behaviour) }));
  const unpublished = async (id: string): Promise<boolean> =>
    (await dataSource.query('SELECT 1 FROM outbox_messages WHERE id = $1 AND published_at IS NULL', [id])).length === 1;

  beforeAll(async () => {
    db = await createTestDatabase('outbox');
    broker = await startTestBroker();
    dataSource = await openMigratedDataSource(db.url, [CreateAppliedEffects1700000000999]);
    locked = await collectTopic(broker.brokers, Topics.BudgetLocked);
  });

  afterAll(async () => {
    for (const relay of relays) await relay.stop();
    await locked?.stop();
    await dataSource?.destroy();
    await broker?.stop();
    await db?.drop();
  });

  it('when the relay is killed between publishing and marking, the event is published again and the inbox applies it once', async () => {
    const uow = new UnitOfWork(dataSource);
    const event = await publishLocked(uow, 'budget-crash');

    const child = spawn(process.execPath, ['-r', '@swc-node/register', path.join(__dirname, 'support', 'crashing-relay.ts'), db.url, broker.brokers], {
      cwd: path.join(__dirname, '..', '..', '..'),
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    const exit = await new Promise<NodeJS.Signals | number | null>((resolve) => child.on('exit', (code, signal) => resolve(signal ?? code)));
    expect(exit).toBe('SIGKILL');
    expect(output).toContain(event.id);
    await locked.waitForCount(1);
    expect(locked.messages.filter((m) => m.headers.ce_id === event.id)).toHaveLength(1);
    expect(await unpublished(event.id)).toBe(true);

    let inbox: TestInboxApp | undefined;
    try {
      inbox = await startTestInboxApp({ dataSource, brokers: broker.brokerList, groupId: 'outbox-crash-consumer' });
      startRelay();
      await waitFor(async () => !(await unpublished(event.id)), { description: 'the event marked published by the new relay' });
      await waitFor(() => locked.messages.filter((m) => m.headers.ce_id === event.id).length === 2, { description: 'the event published a second time' });
      await waitFor(async () => (await dataSource.query('SELECT 1 FROM inbox_messages WHERE message_id = $1', [event.id])).length === 1, {
        description: 'the event applied',
      });
      // Give the second copy time to reach the handler; the inbox must skip it.
      const marker = await publishLocked(uow, 'budget-crash');
      await waitFor(async () => (await dataSource.query('SELECT 1 FROM inbox_messages WHERE message_id = $1', [marker.id])).length === 1, {
        description: 'a later event of the same budget applied',
      });
      expect(await dataSource.query('SELECT count(*)::int AS n FROM applied_effects WHERE event_id = $1', [event.id])).toEqual([{ n: 1 }]);
    } finally {
      await inbox?.close();
    }
  });

  it('when the transaction that stored an event rolls back, publishes nothing', async () => {
    const relay = relays[0] ?? startRelay();
    const uow = new UnitOfWork(dataSource, relay);
    let rolledBackId = '';
    await expect(
      uow.run(async (manager) => {
        rolledBackId = (await writer.publish(manager, { topic: Topics.BudgetLocked, subject: 'budget-rollback', companyId: 'company-1', payload: lockedPayload('budget-rollback') })).id;
        throw new Error('the state change failed');
      }),
    ).rejects.toThrow('the state change failed');
    const marker = await publishLocked(uow, 'budget-rollback');

    await waitFor(() => locked.messages.some((m) => m.headers.ce_id === marker.id), { description: 'the marker published' });
    expect(locked.messages.filter((m) => m.key === 'budget-rollback').map((m) => m.headers.ce_id)).toEqual([marker.id]);
    expect(await dataSource.query('SELECT 1 FROM outbox_messages WHERE id = $1', [rolledBackId])).toEqual([]);
  });

  it('when a payload breaks its contract, refuses to store it with MESSAGING.PAYLOAD_BREAKS_CONTRACT naming the field', async () => {
    const uow = new UnitOfWork(dataSource);
    const attempt = uow.run((manager) =>
      writer.publish(manager, { topic: Topics.BudgetLocked, subject: 'budget-bad', companyId: 'company-1', payload: { ...lockedPayload('budget-bad'), lockedAt: 'soon' } }),
    );
    await expect(attempt).rejects.toBeInstanceOf(MessagingBugError);
    await expect(attempt).rejects.toMatchObject({ code: 'MESSAGING.PAYLOAD_BREAKS_CONTRACT', message: expect.stringContaining('lockedAt') });
    expect(await dataSource.query(`SELECT 1 FROM outbox_messages WHERE message_key = 'budget-bad'`)).toEqual([]);
  });

  it('when publishing outside a transaction, refuses with MESSAGING.NOT_IN_TRANSACTION and stores nothing', async () => {
    const attempt = writer.publish(dataSource.manager, { topic: Topics.BudgetLocked, subject: 'budget-no-tx', companyId: 'company-1', payload: lockedPayload('budget-no-tx') });
    await expect(attempt).rejects.toMatchObject({ code: 'MESSAGING.NOT_IN_TRANSACTION' });
    expect(await dataSource.query(`SELECT 1 FROM outbox_messages WHERE message_key = 'budget-no-tx'`)).toEqual([]);
  });

  it('when many events of one budget are stored, publishes them in order with the budget id as key and CloudEvents headers', async () => {
    const relay = relays[0] ?? startRelay();
    const uow = new UnitOfWork(dataSource, relay);
    const ids: string[] = [];
    for (let i = 0; i < 120; i++) ids.push((await publishLocked(uow, 'budget-ordered')).id);

    await waitFor(() => locked.messages.filter((m) => m.key === 'budget-ordered').length === 120, { description: '120 ordered events' });
    const received = locked.messages.filter((m) => m.key === 'budget-ordered');
    expect(received.map((m) => m.headers.ce_id)).toEqual(ids);
    expect(new Set(received.map((m) => m.partition)).size).toBe(1);
    expect(received[0].headers).toMatchObject({
      ce_source: '/budget',
      ce_type: 'budget.locked.v1',
      ce_specversion: '1.0',
      ce_subject: 'budget-ordered',
      ce_companyid: 'company-1',
      'content-type': 'application/json',
    });
  });

  it('when one commit stores a backlog of several batches, each batch is published once, in order, and every row is marked published', async () => {
    const relay = relays[0] ?? startRelay();
    const uow = new UnitOfWork(dataSource, relay);
    const envelopes = await uow.run((manager) =>
      writer.publishAll(
        manager,
        Array.from({ length: 130 }, () => ({ topic: Topics.BudgetLocked, subject: 'budget-backlog', companyId: 'company-1', payload: lockedPayload('budget-backlog', 'ok') })),
      ),
    );

    await waitFor(() => locked.messages.filter((m) => m.key === 'budget-backlog').length >= 130, { description: 'the 130 events of the backlog' });
    await waitFor(async () => (await dataSource.query(`SELECT 1 FROM outbox_messages WHERE message_key = 'budget-backlog' AND published_at IS NULL`)).length === 0, {
      description: 'every row of the backlog marked published',
    });
    expect(locked.messages.filter((m) => m.key === 'budget-backlog').map((m) => m.headers.ce_id)).toEqual(envelopes.map((e) => e.id));
  });

  it('when published inside a correlation context, the event carries its correlation and causation ids', async () => {
    const uow = new UnitOfWork(dataSource, relays[0] ?? startRelay());
    const event = await correlationContext.run({ correlationId: 'request-42', causationId: 'http-request-42' }, () => publishLocked(uow, 'budget-correlated'));

    const [message] = await waitFor(() => {
      const found = locked.messages.filter((m) => m.headers.ce_id === event.id);
      return found.length === 1 && found;
    }, { description: 'the correlated event' });
    expect(message.headers.ce_correlationid).toBe('request-42');
    expect(message.headers.ce_causationid).toBe('http-request-42');
  });

  it('when two relays run on one database, only one leads and every event is still published', async () => {
    const first = relays[0] ?? startRelay();
    const second = startRelay();
    const uow = new UnitOfWork(dataSource, first);
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) ids.push((await publishLocked(uow, `budget-two-relays-${i % 3}`)).id);

    await waitFor(() => ids.every((id) => locked.messages.some((m) => m.headers.ce_id === id)), { description: 'all 20 events' });
    expect([first.status().leader, second.status().leader].filter(Boolean)).toHaveLength(1);
    expect(first.isHealthy() && second.isHealthy()).toBe(true);
    expect(await first.checkBroker()).toBe(true);
  });

  it('a relay that does not lead keeps one session between its attempts to lead instead of connecting on every poll', async () => {
    const leaderOrNot = [relays[0] ?? startRelay(), startRelay()];
    await waitFor(() => leaderOrNot.some((relay) => relay.status().leader), { description: 'a leader' });
    const sessions = async () =>
      ((await dataSource.query(`SELECT pid FROM pg_stat_activity WHERE application_name = 'outbox-test' AND datname = current_database() ORDER BY pid`)) as { pid: number }[]).map((row) => row.pid);
    // One session per running relay: the leader's and each other replica's, held open.
    const running = relays.filter((relay) => relay.status().running).length;
    const before = await waitFor(async () => {
      const pids = await sessions();
      return pids.length === running && pids;
    }, { description: `${running} relay sessions` });
    await new Promise((resolve) => setTimeout(resolve, 500)); // ten polls of 50 ms
    expect(await sessions()).toEqual(before);
  });

  it("the relay's session asks PostgreSQL for TCP keepalives, so a leader that vanishes without closing its socket loses the lock within seconds", async () => {
    const connection = await openRelayConnection(dataSource, 'keepalive-probe');
    try {
      const [settings] = await connection.query<Record<string, string>>('SELECT current_setting(\'tcp_keepalives_idle\') AS idle, current_setting(\'tcp_keepalives_interval\') AS interval, current_setting(\'tcp_keepalives_count\') AS count');
      expect(settings).toEqual({ idle: String(RELAY_KEEPALIVE.idleSeconds), interval: String(RELAY_KEEPALIVE.intervalSeconds), count: String(RELAY_KEEPALIVE.count) });
    } finally {
      await connection.close();
    }
  });

  it('a unit of work nudges the relay after a commit that stored events, not after one that stored none or rolled back', async () => {
    let nudges = 0;
    const uow = new UnitOfWork(dataSource, { nudge: () => void nudges++ });
    await uow.run((manager) => manager.query('SELECT 1'));
    expect(nudges).toBe(0);
    await expect(
      uow.run(async (manager) => {
        await writer.publish(manager, { topic: Topics.BudgetLocked, subject: 'budget-rolled-back', companyId: 'company-1', payload: lockedPayload('budget-rolled-back') });
        throw new Error('the state change failed');
      }),
    ).rejects.toThrow('the state change failed');
    expect(nudges).toBe(0);
    const stored = await publishLocked(uow, 'budget-nudged');
    expect(nudges).toBe(1);
    // No relay runs for this unit of work: take its event out so it cannot reach the tests after this one.
    await dataSource.query('DELETE FROM outbox_messages WHERE id = $1', [stored.id]);
  });
});
