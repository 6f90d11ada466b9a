import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';

export interface ServiceDatabase {
  /** Connection string the service gets as DATABASE_URL. */
  url: string;
  /** Where it runs, for the printed summary. */
  description: string;
}

export interface DatabaseProvider {
  kind: 'postgres' | 'pglite';
  databaseFor(service: string): Promise<ServiceDatabase>;
  stop(): Promise<void>;
}

const ADMIN_URL = process.env.DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** True when a PostgreSQL server answers at the admin URL within a second. */
export async function postgresReachable(adminUrl = ADMIN_URL): Promise<boolean> {
  const client = new Client({ connectionString: adminUrl, connectionTimeoutMillis: 1000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** One database per service on a reachable PostgreSQL server, created when missing. */
export function postgresProvider(options: { adminUrl?: string; prefix?: string; fresh?: boolean } = {}): DatabaseProvider {
  const adminUrl = options.adminUrl ?? ADMIN_URL;
  const prefix = options.prefix ?? 'budget_erp_';
  return {
    kind: 'postgres',
    async databaseFor(service) {
      const name = `${prefix}${service.replace(/[^a-z0-9]/g, '_')}`;
      const client = new Client({ connectionString: adminUrl });
      await client.connect();
      try {
        if (options.fresh) await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
        const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
        if (exists.rowCount === 0) await client.query(`CREATE DATABASE "${name}"`);
      } finally {
        await client.end();
      }
      const url = new URL(adminUrl);
      url.pathname = `/${name}`;
      return { url: url.toString(), description: `PostgreSQL ${url.host}/${name}` };
    },
    async stop() {
      // The server is not ours to stop.
    },
  };
}

/**
 * An embedded PGlite per service, served over the PostgreSQL wire protocol so services use the
 * same `pg` driver. PGlite runs one transaction at a time across its connections.
 */
export function pgliteProvider(options: { dataDir?: string; fresh?: boolean } = {}): DatabaseProvider {
  const servers: { stop(): Promise<void>; close(): Promise<void> }[] = [];
  return {
    kind: 'pglite',
    async databaseFor(service) {
      const { PGlite } = await import('@electric-sql/pglite');
      const { PGLiteSocketServer } = await import('@electric-sql/pglite-socket');
      let dataDir: string | undefined;
      if (options.dataDir) {
        dataDir = join(options.dataDir, service);
        if (options.fresh) rmSync(dataDir, { recursive: true, force: true });
        mkdirSync(dataDir, { recursive: true });
      }
      const db = dataDir ? await PGlite.create(dataDir) : await PGlite.create();
      const port = await freePort();
      const server = new PGLiteSocketServer({ db, port, host: '127.0.0.1', maxConnections: 20 });
      await server.start();
      servers.push({ stop: () => server.stop(), close: () => db.close() });
      return {
        url: `postgres://postgres@127.0.0.1:${port}/postgres?sslmode=disable`,
        description: `embedded PGlite 127.0.0.1:${port}${dataDir ? ` (${dataDir})` : ' (in memory)'}`,
      };
    },
    async stop() {
      for (const server of servers.splice(0)) {
        await server.stop().catch(() => undefined);
        await server.close().catch(() => undefined);
      }
    },
  };
}

export async function freePort(): Promise<number> {
  const net = await import('node:net');
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
