import { Admin, Kafka, logLevel } from 'kafkajs';
import { createTestDatabase, startTestBroker, TestBroker, TestDatabase, waitFor } from '@budget-erp/testing';
import { FixtureService, fixtureEditor, fixtureToken, startFixture, stopFixture } from './support/fixture-process';

// A long session timeout makes a killed member linger in its group for a minute: the worst case a
// restarted service meets, which HTTP must not wait for.
const sessionTimeoutMs = 60_000;
const groupId = 'platform-test';

describe('a service restarted while its consumer group still holds its predecessor', () => {
  let broker: TestBroker;
  let database: TestDatabase;
  let admin: Admin;
  const started: FixtureService[] = [];

  const start = async () => {
    const service = await startFixture({ DATABASE_URL: database.url, KAFKA_BROKERS: broker.brokers, KAFKA_SESSION_TIMEOUT_MS: String(sessionTimeoutMs), LOG_LEVEL: 'warn' });
    started.push(service);
    return service;
  };
  const members = async () => {
    const { groups } = await admin.describeGroups([groupId]);
    return { state: groups[0]?.state, memberIds: (groups[0]?.members ?? []).map((member) => member.memberId) };
  };
  const joinedWith = async (count: number) => waitFor(async () => {
    const group = await members();
    return group.state === 'Stable' && group.memberIds.length === count ? group : null;
  }, { timeoutMs: 30_000, description: `the group to be stable with ${count} member(s)` });
  const get = (service: FixtureService, route: string) => fetch(`${service.url}${route}`, { headers: { authorization: `Bearer ${fixtureToken({ ...fixtureEditor, perms: { budget: 'admin', erpIntegrations: 'none' } })}` } });

  beforeAll(async () => {
    [broker, database] = await Promise.all([startTestBroker(), createTestDatabase('restart')]);
    admin = new Kafka({ clientId: 'restart-test', brokers: broker.brokerList, logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
  });

  afterAll(async () => {
    for (const service of started) await stopFixture(service, 'SIGKILL');
    await admin?.disconnect();
    await broker?.stop();
    await database?.drop();
  });

  it('when stopped with SIGTERM, leaves its consumer group at once, so its successor joins without waiting for the session to expire', async () => {
    const first = await start();
    await joinedWith(1);
    await stopFixture(first, 'SIGTERM');
    expect(await members()).toEqual({ state: 'Empty', memberIds: [] });

    await start();
    await joinedWith(1);
  }, 60_000);

  it('when its predecessor was killed with SIGKILL, listens, is live and ready and serves the API while the group still waits for the dead member', async () => {
    const { memberIds: [deadMember] } = await joinedWith(1);
    await stopFixture(started[started.length - 1], 'SIGKILL');

    const restarted = await start();
    const live = await fetch(`${restarted.url}/health/live`);
    const ready = await fetch(`${restarted.url}/health/ready`);
    const created = await fetch(`${restarted.url}/things`, {
      method: 'POST',
      headers: { authorization: `Bearer ${fixtureToken({ ...fixtureEditor, perms: { budget: 'admin', erpIntegrations: 'none' } })}`, 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'after-restart', name: 'served', lines: [] }),
    });
    const readiness = (await ready.json()) as { checks: Record<string, { status: string }> };
    // The killed member is still in the group, which waits for it to rejoin: the new consumer has not joined yet.
    const group = await members();
    expect({ live: live.status, ready: ready.status, inbox: readiness.checks[`inbox:${groupId}`]?.status, outbox: readiness.checks.outbox?.status, created: created.status }).toEqual({
      live: 200,
      ready: 200,
      inbox: 'up',
      outbox: 'up',
      created: 201,
    });
    expect(group.memberIds).toContain(deadMember);
    expect(group.state).toBe('PreparingRebalance');
    expect((await get(restarted, '/things/after-restart')).status).toBe(200);
    process.stdout.write(`restart with a lingering group member (session ${sessionTimeoutMs} ms): HTTP listening ${restarted.startedInMs} ms after the process was spawned\n`);
  }, 60_000);
});
