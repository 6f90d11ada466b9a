import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { waitFor } from '@budget-erp/testing';
import { World } from './support/world';

/**
 * When the connector heard that an export was given up is the moment the fact was recorded under
 * its budget's lock, not the start of the transaction that heard it: an attempt holds that lock
 * while it reads the facts and starts, so an attempt that started before a fact's `recorded_at` was
 * in flight when it was heard, one that started after it knew it (what the fault matrix's ledger
 * tells apart).
 */
const companyId = 'co-given-up-order';
let world: World;

beforeAll(async () => {
  world = await World.start('erp_connector_given_up_order');
}, 60_000);

afterAll(async () => {
  await world?.stop();
});

it('a timeout heard while an attempt holds the budget is recorded as heard after that attempt released it, not when its transaction began', async () => {
  const budgetId = randomUUID();
  const exportId = randomUUID();
  const holder = new Client({ connectionString: world.db.url });
  await holder.connect();
  let releasedAt: Date;
  try {
    // The budget's lock, as an attempt's transaction holds it while it reads the facts and starts.
    await holder.query('SELECT pg_advisory_lock(hashtextextended($1, 0))', [`erp-connector:budget:${budgetId}`]);
    await world.publish(
      'budget.export.timed_out',
      { budgetId, projectId: randomUUID(), companyId, exportId, reasonCode: 'timeout', message: 'No answer from the ERP in time', timedOutAt: new Date().toISOString() },
      budgetId,
      companyId,
    );
    // The connector's transaction that heard it has begun and waits for the budget.
    await waitFor(
      async () => {
        const waiting = await holder.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
            WHERE l.locktype = 'advisory' AND NOT l.granted AND a.datname = current_database()`,
        );
        return waiting.rows[0].n > 0 ? true : undefined;
      },
      { description: 'the timeout heard and waiting for the budget' },
    );
    releasedAt = new Date();
    await holder.query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [`erp-connector:budget:${budgetId}`]);
  } finally {
    await holder.end();
  }

  const [fact] = await waitFor(
    async () => {
      const rows = await world.dbQuery<{ recorded_at: Date }>('SELECT recorded_at FROM erp_export_facts WHERE export_id = $1 AND fact = $2', [exportId, 'timed_out']);
      return rows.length === 1 ? rows : undefined;
    },
    { description: 'the timeout recorded' },
  );
  expect(fact.recorded_at.getTime()).toBeGreaterThanOrEqual(releasedAt.getTime());
});
