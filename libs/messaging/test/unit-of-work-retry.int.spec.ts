import { Client } from 'pg';
import { DataSource, EntityManager, MigrationInterface, QueryRunner } from 'typeorm';
import { createTestDatabase, TestDatabase } from '@budget-erp/testing';
import { DatabaseUnavailableError, UnitOfWork } from '../src';
import { openMigratedDataSource } from './support/messaging-database';

class CreateApplied1700000009000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('CREATE TABLE applied (id text NOT NULL)');
  }
  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE applied');
  }
}

describe('a unit of work whose connection is lost', () => {
  let database: TestDatabase;
  let dataSource: DataSource;
  let admin: Client;

  /** Terminates the unit's own backend, as a PostgreSQL restart or a cut network would. */
  const loseConnection = async (manager: EntityManager) => {
    const [{ pid }] = (await manager.query('SELECT pg_backend_pid() AS pid')) as { pid: number }[];
    await admin.query('SELECT pg_terminate_backend($1)', [pid]);
  };
  const appliedRows = async (id: string) => Number(((await dataSource.query('SELECT count(*) AS n FROM applied WHERE id = $1', [id])) as { n: string }[])[0].n);

  beforeAll(async () => {
    database = await createTestDatabase('uow_retry');
    dataSource = await openMigratedDataSource(database.url, [CreateApplied1700000009000]);
    admin = new Client({ connectionString: database.url });
    await admin.connect();
  });

  afterAll(async () => {
    await admin?.end();
    await dataSource?.destroy();
    await database?.drop();
  });

  it('when the connection is lost before the commit, runs the unit once more on a fresh connection and applies it once', async () => {
    const uow = new UnitOfWork(dataSource);
    let attempts = 0;
    const result = await uow.run(async (manager) => {
      attempts += 1;
      await manager.query(`INSERT INTO applied (id) VALUES ('retried')`);
      if (attempts === 1) await loseConnection(manager);
      await manager.query('SELECT 1');
      return 'done';
    });
    expect({ result, attempts, rows: await appliedRows('retried') }).toEqual({ result: 'done', attempts: 2, rows: 1 });
  });

  it('when the retry loses its connection too, throws DatabaseUnavailableError (nothing committed) and applies nothing', async () => {
    const uow = new UnitOfWork(dataSource);
    let attempts = 0;
    const outcome = await uow
      .run(async (manager) => {
        attempts += 1;
        await manager.query(`INSERT INTO applied (id) VALUES ('lost')`);
        await loseConnection(manager);
        await manager.query('SELECT 1');
      })
      .catch((error: unknown) => error);
    expect(outcome).toBeInstanceOf(DatabaseUnavailableError);
    expect({ committed: (outcome as DatabaseUnavailableError).committed, attempts, rows: await appliedRows('lost') }).toEqual({ committed: 'no', attempts: 2, rows: 0 });
  });

  it('when the unit fails for another reason, rolls back and throws that error without a retry', async () => {
    const uow = new UnitOfWork(dataSource);
    let attempts = 0;
    const outcome = await uow
      .run(async (manager) => {
        attempts += 1;
        await manager.query(`INSERT INTO applied (id) VALUES ('bug')`);
        throw new Error('a rule refused it');
      })
      .catch((error: unknown) => error);
    expect({ message: (outcome as Error).message, attempts, rows: await appliedRows('bug') }).toEqual({ message: 'a rule refused it', attempts: 1, rows: 0 });
  });
});
