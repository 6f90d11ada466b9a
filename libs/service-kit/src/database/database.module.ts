import { createHash } from 'node:crypto';
import { DynamicModule, Global, Inject, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { DataSource, MigrationExecutor, MixedList } from 'typeorm';
import { ensureDatabaseExists } from './ensure-database';
import { countQueries } from './query-counter';

type EntityList = MixedList<string | (new (...args: never[]) => unknown) | import('typeorm').EntitySchema>;
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
type MigrationList = MixedList<Function | string>;

export interface DatabaseOptions {
  url: string;
  entities: EntityList;
  migrations: MigrationList;
  /** Connections in the pool; small by default (several services share one server). */
  poolSize?: number;
  applicationName?: string;
  /** How long opening a connection may take before it fails (default 5 s). */
  connectTimeoutMs?: number;
}

const logger = new Logger('Migrations');

/** The `pg_advisory_lock` key that serializes the migrations of one service: a signed 64-bit integer, as text. */
export function migrationLockKey(serviceName: string): string {
  return createHash('sha256').update(`budget-erp:migrations:${serviceName}`).digest().readBigInt64BE(0).toString();
}

/**
 * Runs the pending migrations while holding the service's advisory lock, all on one connection, so
 * replicas starting together migrate once: the others wait, then find nothing pending. A session
 * lock rather than a transaction lock, because the migrations run in their own transaction on the
 * same connection (the only one PGlite would let proceed anyway). Returns the migrations it ran.
 */
export async function runMigrationsLocked(dataSource: DataSource, serviceName: string): Promise<string[]> {
  const key = migrationLockKey(serviceName);
  const queryRunner = dataSource.createQueryRunner();
  try {
    await queryRunner.connect();
    const [{ locked }] = (await queryRunner.query('SELECT pg_try_advisory_lock($1::bigint) AS locked', [key])) as { locked: boolean }[];
    if (!locked) {
      logger.log(`another instance of ${serviceName} is migrating the database; waiting for it`);
      await queryRunner.query('SELECT pg_advisory_lock($1::bigint)', [key]);
    }
    try {
      const executor = new MigrationExecutor(dataSource, queryRunner);
      executor.transaction = 'all';
      const ran = (await executor.executePendingMigrations()).map((migration) => migration.name);
      if (ran.length > 0) logger.log(`ran ${ran.length} migration(s): ${ran.join(', ')}`);
      return ran;
    } finally {
      // A lost connection has released the lock already; its error must not hide the migration's.
      await queryRunner.query('SELECT pg_advisory_unlock($1::bigint)', [key]).catch(() => undefined);
    }
  } finally {
    await queryRunner.release();
  }
}

export async function createDataSource(options: DatabaseOptions): Promise<DataSource> {
  countQueries();
  const connectTimeoutMs = options.connectTimeoutMs ?? 5000;
  await ensureDatabaseExists(options.url, { connectTimeoutMs });
  const dataSource = new DataSource({
    type: 'postgres',
    url: options.url,
    entities: options.entities,
    migrations: options.migrations,
    migrationsRun: false,
    synchronize: false,
    logging: false,
    ...(options.applicationName ? { applicationName: options.applicationName } : {}),
    extra: { max: options.poolSize ?? 5, connectionTimeoutMillis: connectTimeoutMs },
  });
  await dataSource.initialize();
  try {
    await runMigrationsLocked(dataSource, options.applicationName ?? new URL(options.url).pathname.replace(/^\//, ''));
  } catch (error) {
    await dataSource.destroy().catch(() => undefined);
    throw error;
  }
  return dataSource;
}

class DataSourceCloser implements OnApplicationShutdown {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  async onApplicationShutdown(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}

/** Provides the service's TypeORM `DataSource` (inject it by its class), migrated on start under an advisory lock, never synchronized. */
@Global()
@Module({})
export class DatabaseModule {
  static forRoot(options: DatabaseOptions): DynamicModule {
    return {
      module: DatabaseModule,
      providers: [{ provide: DataSource, useFactory: () => createDataSource(options) }, DataSourceCloser],
      exports: [DataSource],
    };
  }
}
