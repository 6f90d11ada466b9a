import { createTokenVerifier } from '@budget-erp/auth';
import { createServer } from 'node:http';
import { type AddressInfo } from 'node:net';
import { Client } from 'pg';
import { collectTopic, httpJson, signTestJwt, startEmbeddedPostgres, startTestBroker, TestEventProducer } from '../src';

describe('process and event helpers', () => {
  it('when an embedded PostgreSQL is started, it answers queries until stopped', async () => {
    const embedded = await startEmbeddedPostgres();
    const client = new Client({ connectionString: embedded.url });
    try {
      await client.connect();
      expect((await client.query('SELECT 1 + 1 AS two')).rows).toEqual([{ two: 2 }]);
    } finally {
      await client.end();
      await embedded.stop();
    }
    const again = new Client({ connectionString: embedded.url });
    again.on('error', () => undefined);
    await expect(again.connect()).rejects.toThrow();
  });

  it('when a token is signed with node:crypto, the auth library verifies it to the same principal', async () => {
    const secret = 'testing-helpers-secret-0123456789';
    const token = signTestJwt(
      { sub: 'u-ivy', name: 'Ivy', email: 'ivy@example.com', companyId: 'co-1', perms: { budget: 'none', erpIntegrations: 'standard' }, privileges: [] },
      secret,
    );
    expect(await createTokenVerifier({ secret }).verify(token)).toEqual({
      ok: true,
      principal: expect.objectContaining({ userId: 'u-ivy', companyId: 'co-1' }),
    });
  });

  it('when an event is produced, it carries the CloudEvents headers of its contract and is keyed by its budget', async () => {
    const broker = await startTestBroker({ partitions: 1 });
    const events = await TestEventProducer.connect(broker.brokers);
    const wire = await collectTopic(broker.brokers, 'erp.posted');
    try {
      const payload = { companyId: 'co-1', budgetId: 'b-1', projectId: 'p-1', exportId: 'x-1', erpSystem: 'cmic', jobNumber: 'J-1', postedAt: new Date().toISOString() };
      const id = await events.send('erp.posted', payload as never, { source: '/component-test' });
      const [message] = await wire.waitForCount(1);
      expect(message.key).toBe('b-1');
      expect(message.headers).toEqual(
        expect.objectContaining({ ce_id: id, ce_type: 'erp.posted.v1', ce_source: '/component-test', ce_subject: 'b-1', ce_companyid: 'co-1', ce_specversion: '1.0' }),
      );
      expect(message.value).toEqual(payload);
    } finally {
      await wire.stop();
      await events.close();
      await broker.stop();
    }
  });

  it('when a JSON call is made, it sends the bearer token and the body, and reads an empty answer as null', async () => {
    const seen: Array<{ method?: string; authorization?: string; contentType?: string; body: string }> = [];
    const server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        seen.push({ method: request.method, authorization: request.headers.authorization, contentType: request.headers['content-type'], body });
        response.statusCode = request.method === 'DELETE' ? 204 : 201;
        response.end(request.method === 'DELETE' ? '' : JSON.stringify({ ok: true }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      expect(await httpJson(baseUrl, 'POST', '/things', 't-1', { name: 'a' })).toEqual({ status: 201, body: { ok: true } });
      expect(await httpJson(baseUrl, 'DELETE', '/things/1', 't-1')).toEqual({ status: 204, body: null });
      expect(seen).toEqual([
        { method: 'POST', authorization: 'Bearer t-1', contentType: 'application/json', body: '{"name":"a"}' },
        { method: 'DELETE', authorization: 'Bearer t-1', contentType: undefined, body: '' },
      ]);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
