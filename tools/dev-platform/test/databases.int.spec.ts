import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { postgresProvider } from '../src';

const ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

async function query(url: string, sql: string): Promise<unknown[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}

describe('PostgreSQL databases of npm start', () => {
  const prefix = `t_devdb_${randomBytes(3).toString('hex')}_`;

  afterAll(async () => {
    await query(ADMIN_URL, `DROP DATABASE IF EXISTS "${prefix}budget" WITH (FORCE)`);
  });

  it('keeps a service database across starts, and --fresh recreates it empty', async () => {
    const first = await postgresProvider({ prefix }).databaseFor('budget');
    await query(first.url, 'CREATE TABLE kept (id int)');

    const again = await postgresProvider({ prefix }).databaseFor('budget');
    expect(again.url).toBe(first.url);
    expect(await query(again.url, "SELECT 1 FROM pg_tables WHERE tablename = 'kept'")).toHaveLength(1);

    const fresh = await postgresProvider({ prefix, fresh: true }).databaseFor('budget');
    expect(await query(fresh.url, "SELECT 1 FROM pg_tables WHERE tablename = 'kept'")).toHaveLength(0);
  });
});
