import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { dropDatabasesWithPrefix } from '../src';

const ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

async function admin<T>(fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

const existing = (names: string[]) =>
  admin(async (c) => (await c.query<{ datname: string }>('SELECT datname FROM pg_database WHERE datname = ANY($1)', [names])).rows.map((r) => r.datname).sort());

describe('dropDatabasesWithPrefix', () => {
  it('drops every database of the prefix, even with a connection open, and leaves a look-alike name alone', async () => {
    const prefix = `t_dropx_${randomBytes(3).toString('hex')}_`;
    // "_" is a LIKE wildcard: unescaped, the prefix would also match this name.
    const lookAlike = `tx${prefix.slice(2)}budget`;
    const names = [`${prefix}budget`, `${prefix}approval`, lookAlike];
    await admin(async (c) => {
      for (const name of names) await c.query(`CREATE DATABASE "${name}"`);
    });
    const open = new Client({ connectionString: `postgres://postgres@127.0.0.1:5432/${names[0]}` });
    await open.connect();
    open.on('error', () => undefined);
    try {
      const dropped = await dropDatabasesWithPrefix(prefix);
      expect(dropped.sort()).toEqual([names[1], names[0]].sort());
      expect(await existing(names)).toEqual([lookAlike]);
    } finally {
      await open.end().catch(() => undefined);
      await admin((c) => c.query(`DROP DATABASE IF EXISTS "${lookAlike}" WITH (FORCE)`));
    }
  });

  it('refuses a prefix that is not a test prefix, dropping nothing', async () => {
    for (const prefix of ['budget_erp_', 't_', '', 't_x%']) {
      await expect(dropDatabasesWithPrefix(prefix)).rejects.toThrow('test prefixes start with t_');
    }
  });
});
