import { messagingEntities, messagingMigrations } from '@budget-erp/messaging';
import { createTestDatabase, EmbeddedPostgres, startEmbeddedPostgres, TestDatabase } from '@budget-erp/testing';
import { ConsoleLogger, Logger } from '@nestjs/common';
import { DataSource, MigrationInterface, QueryRunner } from 'typeorm';
import { createDataSource, DatabaseOptions, migrationLockKey } from '../src/database/database.module';
import { JsonLogger } from '../src/logging/json-logger';

// Slow on purpose, and fails when run twice: two replicas migrating at once would collide here.
class CreateLedger1700000000100 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('CREATE TABLE ledger (id text PRIMARY KEY)');
    await queryRunner.query('SELECT pg_sleep(0.3)');
  }
  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE ledger');
  }
}

class SeedLedger1700000000200 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`INSERT INTO ledger (id) VALUES ('opening')`);
  }
  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DELETE FROM ledger WHERE id = 'opening'`);
  }
}

const migrations = [...messagingMigrations, CreateLedger1700000000100, SeedLedger1700000000200];
const options = (url: string): DatabaseOptions => ({ url, entities: messagingEntities, migrations, applicationName: 'ledger', poolSize: 2 });

async function destroyAll(results: PromiseSettledResult<DataSource>[]): Promise<void> {
  for (const result of results) if (result.status === 'fulfilled' && result.value.isInitialized) await result.value.destroy();
}

describe('migrations when replicas start together', () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase('service_kit_migration_lock');
  });

  afterAll(async () => {
    await database?.drop();
  });

  it('when three data sources start on the same fresh database at once, all come up and each migration ran exactly once', async () => {
    const results = await Promise.allSettled([1, 2, 3].map(() => createDataSource(options(database.url))));
    try {
      expect(results.map((result) => (result.status === 'rejected' ? String(result.reason) : 'up'))).toEqual(['up', 'up', 'up']);
      const [dataSource] = results.map((result) => (result as PromiseFulfilledResult<DataSource>).value);
      const rows = await dataSource.query<{ name: string }[]>('SELECT name FROM migrations ORDER BY id');
      expect(rows.map((row) => row.name)).toEqual(migrations.map((migration) => migration.name));
      expect(await dataSource.query('SELECT id FROM ledger')).toEqual([{ id: 'opening' }]);
      // Nobody keeps the lock once started.
      const held = await dataSource.query<{ count: string }[]>(
        `SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
      );
      expect(held[0].count).toBe('0');
    } finally {
      await destroyAll(results);
    }
  });

  it('when another replica holds the migration lock, a starting one waits for it instead of migrating alongside', async () => {
    const holder = await createDataSource(options(database.url));
    const lines: string[] = [];
    Logger.overrideLogger(new JsonLogger('ledger', 'info', (line) => lines.push(line)));
    const runner = holder.createQueryRunner();
    await runner.connect();
    let starting: Promise<DataSource> | undefined;
    try {
      await runner.query('SELECT pg_advisory_lock($1::bigint)', [migrationLockKey('ledger')]);
      let startedAt: number | undefined;
      starting = createDataSource(options(database.url)).then((dataSource) => {
        startedAt = Date.now();
        return dataSource;
      });
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(startedAt).toBeUndefined();
      expect(lines.some((line) => line.includes('another instance of ledger is migrating the database; waiting for it'))).toBe(true);
      const releasedAt = Date.now();
      await runner.query('SELECT pg_advisory_unlock($1::bigint)', [migrationLockKey('ledger')]);
      const started = await starting;
      expect(startedAt).toBeGreaterThanOrEqual(releasedAt);
      await started.destroy();
    } finally {
      Logger.overrideLogger(new ConsoleLogger());
      await runner.release();
      await holder.destroy();
    }
  });

  it('without the lock, the same start collides (the race above is real)', async () => {
    const unlocked = await createTestDatabase('service_kit_migration_nolock');
    const dataSources = [1, 2, 3].map(
      () => new DataSource({ type: 'postgres', url: unlocked.url, entities: messagingEntities, migrations, migrationsRun: true, extra: { max: 2 } }),
    );
    const results = await Promise.allSettled(dataSources.map((dataSource) => dataSource.initialize()));
    try {
      expect(results.filter((result) => result.status === 'rejected').length).toBeGreaterThan(0);
    } finally {
      for (const dataSource of dataSources) if (dataSource.isInitialized) await dataSource.destroy();
      await unlocked.drop();
    }
  });

  it('gives each service its own constant lock key', () => {
    expect(migrationLockKey('budget')).toBe(migrationLockKey('budget'));
    expect(migrationLockKey('budget')).not.toBe(migrationLockKey('approval'));
    expect(BigInt(migrationLockKey('budget'))).toBeLessThan(2n ** 63n);
  });
});

// PGlite serves every connection from one session and runs one transaction at a time: the lock
// must not make a service wait for itself there.
describe('migrations on the embedded database (PGlite over pglite-socket)', () => {
  let embedded: EmbeddedPostgres;
  let url: string;

  beforeAll(async () => {
    embedded = await startEmbeddedPostgres();
    url = embedded.url;
  });

  afterAll(async () => {
    await embedded?.stop();
  });

  it('when a service starts, then starts again, it migrates once and comes up both times', async () => {
    const first = await createDataSource(options(url));
    try {
      expect((await first.query<{ name: string }[]>('SELECT name FROM migrations ORDER BY id')).map((row) => row.name)).toEqual(
        migrations.map((migration) => migration.name),
      );
    } finally {
      await first.destroy();
    }
    const again = await createDataSource(options(url));
    try {
      expect(await again.query('SELECT count(*)::int AS count FROM migrations')).toEqual([{ count: migrations.length }]);
      expect(await again.query('SELECT id FROM ledger')).toEqual([{ id: 'opening' }]);
    } finally {
      await again.destroy();
    }
  });
});
