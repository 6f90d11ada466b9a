import { messagingEntities, messagingMigrations } from '@budget-erp/messaging';
import { createTestDatabase, TestDatabase } from '@budget-erp/testing';
import { DataSource } from 'typeorm';
import { createDataSource } from '../src/database/database.module';
import { queryMetrics, statementShape } from '../src/database/query-counter';

const valueOf = async (counter: typeof queryMetrics.statements): Promise<number> => (await counter.get()).values[0]?.value ?? 0;

describe('SQL round trips counted on /metrics', () => {
  let database: TestDatabase;
  let dataSource: DataSource;

  beforeAll(async () => {
    database = await createTestDatabase('service_kit_query_counter');
    dataSource = await createDataSource({ url: database.url, entities: messagingEntities, migrations: messagingMigrations, poolSize: 2 });
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await database?.drop();
  });

  it('counts each statement of a transaction as a round trip and the transaction once', async () => {
    const statements = await valueOf(queryMetrics.statements);
    const transactions = await valueOf(queryMetrics.transactions);

    await dataSource.transaction(async (manager) => {
      await manager.query('SELECT 1');
      await manager.query('SELECT 2');
    });

    // START TRANSACTION, two SELECTs, COMMIT.
    expect((await valueOf(queryMetrics.statements)) - statements).toBe(4);
    expect((await valueOf(queryMetrics.transactions)) - transactions).toBe(1);
  });

  it('counts a statement outside a transaction without counting a transaction', async () => {
    const statements = await valueOf(queryMetrics.statements);
    const transactions = await valueOf(queryMetrics.transactions);

    await dataSource.query('SELECT 1');

    expect((await valueOf(queryMetrics.statements)) - statements).toBe(1);
    expect((await valueOf(queryMetrics.transactions)) - transactions).toBe(0);
  });
});

describe('the shape a statement is counted by (DB_COUNT_STATEMENT_TEXTS=1)', () => {
  it('folds whitespace, literals and parameter lists so one statement of many rows counts as one shape', () => {
    expect(statementShape(`INSERT INTO t (a, b)\n   VALUES ($1, $2), ($3, $4) -- 'x'`)).toBe(`INSERT INTO t (a, b) VALUES ($N…)… -- '?'`);
    expect(statementShape(`UPDATE t SET n = 42 WHERE id IN ($1, $2, $3)`)).toBe('UPDATE t SET n = N WHERE id IN ($N…)');
  });
});
