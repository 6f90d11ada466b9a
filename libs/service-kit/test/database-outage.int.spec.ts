import { createTestDatabase, startTcpProxy, startTestBroker, TcpProxy, TestBroker, TestDatabase, waitFor } from '@budget-erp/testing';
import { FixtureService, fixtureEditor, fixtureToken, startFixture, stopFixture } from './support/fixture-process';

// The service reaches a real PostgreSQL through a TCP proxy the test cuts: an outage as the service sees it.
describe('a service whose database becomes unreachable', () => {
  let broker: TestBroker;
  let database: TestDatabase;
  let proxy: TcpProxy;
  let service: FixtureService;
  const editor = { ...fixtureEditor, perms: { budget: 'admin', erpIntegrations: 'none' } };

  const call = (method: string, route: string, body?: unknown) =>
    fetch(`${service.url}${route}`, {
      method,
      headers: { authorization: `Bearer ${fixtureToken(editor)}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
  const relayLines = (fragment: string) => service.logs.filter((entry) => String(entry.context) === 'OutboxRelay' && String(entry.message).includes(fragment));

  beforeAll(async () => {
    [broker, database] = await Promise.all([startTestBroker(), createTestDatabase('db_outage')]);
    const direct = new URL(database.url);
    proxy = await startTcpProxy({ host: direct.hostname, port: Number(direct.port || 5432) });
    const proxied = new URL(database.url);
    proxied.host = proxy.address;
    service = await startFixture({ DATABASE_URL: proxied.toString(), KAFKA_BROKERS: broker.brokers });
  });

  afterAll(async () => {
    await stopFixture(service);
    await proxy?.close();
    await broker?.stop();
    await database?.drop();
  });

  it('answers 503 DATABASE_UNAVAILABLE with Retry-After to reads and commands while it is down, applies nothing, and serves again once it is back', async () => {
    expect((await call('POST', '/things', { id: 'before', name: 'kept', lines: [] })).status).toBe(201);
    const failing = relayLines('failing').length;

    proxy.cut();
    for (const [method, route, body] of [
      ['GET', '/things/before', undefined],
      ['POST', '/things', { id: 'during', name: 'refused', lines: [] }],
      ['POST', '/notifications/n-during/sent', undefined],
    ] as const) {
      const response = await call(method, route, body);
      expect({ route, status: response.status, retryAfter: response.headers.get('retry-after') }).toEqual({ route, status: 503, retryAfter: '5' });
      expect(await response.json()).toEqual({
        statusCode: 503,
        error: 'Service Unavailable',
        code: 'DATABASE_UNAVAILABLE',
        message: 'The database is unavailable; retry later',
      });
    }
    const ready = await fetch(`${service.url}/health/ready`);
    expect(ready.status).toBe(503);
    expect(((await ready.json()) as { message: string }).message).toContain('database');
    // The relay keeps polling during the outage; it says so once.
    await waitFor(() => relayLines('failing').length > failing, { timeoutMs: 10_000, description: 'the relay to report the outage' });
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(relayLines('failing').length).toBe(failing + 1);

    proxy.restore();
    await waitFor(async () => (await call('GET', '/things/before')).status === 200, { timeoutMs: 20_000, description: 'reads to work again' });
    expect((await call('GET', '/things/during')).status).toBe(404);
    await waitFor(() => relayLines('recovered').length > 0, { timeoutMs: 20_000, description: 'the relay to report the recovery' });
    expect((await call('POST', '/things', { id: 'after', name: 'kept', lines: [] })).status).toBe(201);
    expect(service.logs.filter((entry) => entry.level === 'error' && String(entry.message).includes('failed:'))).toEqual([]);
  }, 60_000);
});
