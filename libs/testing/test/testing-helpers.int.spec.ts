import { createTokenVerifier, DEV_JWT_SECRET } from '@budget-erp/auth';
import { Client } from 'pg';
import { createTestDatabase, testToken, waitFor } from '../src';

describe('test helpers', () => {
  it('when a test database is dropped while a connection is still open, the connection is ended and the database is gone', async () => {
    const db = await createTestDatabase('helpers');
    expect(db.name).toMatch(/^t_helpers_[0-9a-f]{10}$/);
    const client = new Client({ connectionString: db.url });
    client.on('error', () => undefined);
    await client.connect();
    expect((await client.query('SELECT current_database() AS name')).rows[0].name).toBe(db.name);

    await db.drop();

    const admin = new Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/postgres' });
    await admin.connect();
    try {
      expect((await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [db.name])).rows).toEqual([]);
    } finally {
      await admin.end();
      await client.end().catch(() => undefined);
    }
  });

  it('when the condition becomes true, waitFor returns its value; when it never does, fails naming what was awaited', async () => {
    let calls = 0;
    await expect(waitFor(() => (++calls >= 3 ? `after ${calls}` : undefined), { intervalMs: 5 })).resolves.toBe('after 3');
    await expect(waitFor(() => false, { timeoutMs: 50, intervalMs: 10, description: 'the export to be posted' })).rejects.toThrow(
      /Timed out after 50 ms waiting for the export to be posted/,
    );
    await expect(
      waitFor(
        () => {
          throw new Error('not yet');
        },
        { timeoutMs: 30, intervalMs: 10 },
      ),
    ).rejects.toThrow(/last: not yet/);
  });

  it('when a token is minted for the approver of another company, it verifies to that principal', async () => {
    const token = await testToken('approver', { companyId: 'company-2' }, DEV_JWT_SECRET);
    const result = await createTokenVerifier({ secret: DEV_JWT_SECRET }).verify(token);
    expect(result).toEqual({
      ok: true,
      principal: expect.objectContaining({ userId: 'user-approver', companyId: 'company-2', privileges: ['can_push_to_accounting'] }),
    });
  });
});
