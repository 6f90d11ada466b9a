import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { RunningPlatform, startPlatform } from '../src';

const ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

async function dropDatabases(prefix: string): Promise<void> {
  const client = new Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    const { rows } = await client.query<{ datname: string }>('SELECT datname FROM pg_database WHERE datname LIKE $1', [`${prefix}%`]);
    for (const { datname } of rows) await client.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

async function expectAllReady(platform: RunningPlatform): Promise<void> {
  expect(Object.keys(platform.services).sort()).toEqual(['approval', 'budget', 'erp-connector', 'notification']);
  for (const service of Object.values(platform.services)) {
    const response = await fetch(`${service.url}/health/ready`);
    expect({ service: service.name, status: response.status }).toEqual({ service: service.name, status: 200 });
  }
}

describe('npm start (startPlatform)', () => {
  it('with a reachable PostgreSQL, brings every service to ready on its own database, and stops cleanly', async () => {
    const prefix = `t_devplat_${randomBytes(3).toString('hex')}_`;
    const platform = await startPlatform({ ports: 'ephemeral', database: 'postgres', databasePrefix: prefix, logLevel: 'warn' });
    try {
      expect(platform.database).toBe('postgres');
      await expectAllReady(platform);
      expect(new Set(Object.values(platform.databases)).size).toBe(4);
    } finally {
      await platform.stop();
      await dropDatabases(prefix);
    }
    for (const service of Object.values(platform.services)) {
      expect(service.process.exitCode !== null || service.process.signalCode !== null).toBe(true);
    }
  }, 180000);

  it('without PostgreSQL, brings every service to ready on an embedded PGlite each', async () => {
    const platform = await startPlatform({ ports: 'ephemeral', database: 'pglite', logLevel: 'warn' });
    try {
      expect(platform.database).toBe('pglite');
      await expectAllReady(platform);
    } finally {
      await platform.stop();
    }
  }, 180000);
});
