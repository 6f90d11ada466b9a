import { createTokenVerifier } from '@budget-erp/auth';
import { Client } from 'pg';
import { collectTopic, signTestJwt, startEmbeddedPostgres, startTestBroker, TestEventProducer } from '../src';

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
});
