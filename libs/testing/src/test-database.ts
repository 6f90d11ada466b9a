import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

export interface TestDatabase {
  /** Connection URL of the new database. */
  url: string;
  /** Database name: `t_<prefix>_<random>`. */
  name: string;
  /** Terminates every connection to the database, then drops it. */
  drop(): Promise<void>;
}

const adminUrl = (): string =>
  process.env.TEST_POSTGRES_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

const withAdmin = async <T>(fn: (client: Client) => Promise<T>, url = adminUrl()): Promise<T> => {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
};

const sanitize = (prefix: string): string =>
  prefix.toLowerCase().replace(/[^a-z0-9_]/g, '_').replace(/_+/g, '_').slice(0, 30);

/** Creates a fresh, empty PostgreSQL database for one test file. */
export async function createTestDatabase(prefix = 'test'): Promise<TestDatabase> {
  const name = `t_${sanitize(prefix)}_${randomBytes(5).toString('hex')}`;
  await withAdmin((client) => client.query(`CREATE DATABASE "${name}"`));
  const url = new URL(adminUrl());
  url.pathname = `/${name}`;
  let dropped = false;
  return {
    name,
    url: url.toString(),
    drop: async () => {
      if (dropped) return;
      dropped = true;
      await withAdmin(async (client) => {
        await client.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [name]);
        await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      });
    },
  };
}

/**
 * Drops every database whose name starts with `prefix`: the databases a test made through
 * something else (e.g. `npm start` with a database prefix). LIKE wildcards in the prefix are escaped.
 */
export async function dropDatabasesWithPrefix(prefix: string, options: { adminUrl?: string } = {}): Promise<string[]> {
  if (!/^t_[a-z0-9_]+$/.test(prefix)) throw new Error(`refusing to drop databases by prefix "${prefix}": test prefixes start with t_`);
  return withAdmin(async (client) => {
    const pattern = `${prefix.replace(/_/g, '\\_')}%`;
    const { rows } = await client.query<{ datname: string }>('SELECT datname FROM pg_database WHERE datname LIKE $1', [pattern]);
    for (const { datname } of rows) await client.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    return rows.map((row) => row.datname);
  }, options.adminUrl);
}
