import { DataSource } from 'typeorm';

/** Keepalive of the relay's session: idle seconds before the first probe, seconds between probes, probes lost before the peer is gone. */
export const RELAY_KEEPALIVE = { idleSeconds: 5, intervalSeconds: 2, count: 3 };

/** The relay's own database session: holds its leader lock and runs its few statements. */
export interface RelayConnection {
  query<T>(sql: string): Promise<T[]>;
  close(): Promise<void>;
}

interface PgClientLike {
  connect(): Promise<unknown>;
  query(sql: string): Promise<{ rows: unknown[] }>;
  end(): Promise<void>;
  on(event: 'error', listener: (error: Error) => void): unknown;
}

interface PgPoolLike {
  options: Record<string, unknown> & { password?: unknown };
  Client: new (config: Record<string, unknown>) => PgClientLike;
}

/**
 * Opens a connection beside the data source's pool, with the same settings, so the relay never
 * takes a pooled connection for its lifetime (a pool of one, as an embedded database may use,
 * keeps working). Falls back to a pooled query runner for drivers without a pg pool.
 */
export async function openRelayConnection(dataSource: DataSource, applicationName: string): Promise<RelayConnection> {
  const pool = (dataSource.driver as unknown as { master?: PgPoolLike }).master;
  if (pool?.Client && pool.options) {
    // A statement that hangs (e.g. a silent network partition) fails instead of stalling the relay.
    // TCP keepalive both ways: this side notices a vanished server, and the server drops a vanished
    // leader's session — and with it the relay lock — in about 10 s instead of the OS's two hours.
    const client = new pool.Client({
      ...pool.options,
      password: pool.options.password,
      application_name: applicationName,
      query_timeout: 30_000,
      keepAlive: true,
      keepAliveInitialDelayMillis: RELAY_KEEPALIVE.idleSeconds * 1000,
    });
    let lost: Error | undefined;
    client.on('error', (error) => {
      lost = error;
    });
    await client.connect();
    await client
      .query(
        `SET tcp_keepalives_idle = ${RELAY_KEEPALIVE.idleSeconds}; SET tcp_keepalives_interval = ${RELAY_KEEPALIVE.intervalSeconds}; SET tcp_keepalives_count = ${RELAY_KEEPALIVE.count}`,
      )
      // An embedded database has no TCP sessions to keep alive.
      .catch(() => undefined);
    return {
      query: async <T>(sql: string) => {
        if (lost) throw lost;
        return (await client.query(sql)).rows as T[];
      },
      close: () => client.end().catch(() => undefined),
    };
  }
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  return {
    query: <T>(sql: string) => runner.query(sql) as Promise<T[]>,
    close: () => runner.release().catch(() => undefined),
  };
}
