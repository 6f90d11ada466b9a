import { Client } from 'pg';
import { waitFor } from '@budget-erp/testing';
import { accepted, tokenFor, World } from './support/world';

/**
 * A timeout heard just as a worker starts an attempt of the export: both take the budget's lock
 * before the export's row, so one waits for the other instead of deadlocking. (The attempt used to
 * renew its lease on the row first: the two deadlocked, and PostgreSQL aborted one of them: either
 * the timeout, so the attempt went on to send an export the connector was hearing was given up,
 * or the attempt, so the export waited out its lease.)
 */
const companyId = 'co-given-up-while-attempt-starts';
let world: World;

beforeAll(async () => {
  // No QuickBooks worker at first: the export waits, recorded, until the test starts one.
  world = await World.start('erp_connector_given_up_attempt_starts', { ERP_SYSTEMS: 'cmic' });
  expect((await world.http('PUT', '/erp/connection', tokenFor(companyId), { system: 'quickbooks' })).status).toBe(200);
  await world.simControl('POST', '/_sim/jobs', { system: 'quickbooks', companyId, jobNumber: 'Q-1', costCodes: ['01-100'] });
}, 60_000);

afterAll(async () => {
  await world?.stop();
});

it('a timeout heard while a worker starts an attempt: the export is cancelled without a deadlock and QuickBooks never receives it', async () => {
  const send = accepted({ companyId, system: 'quickbooks', jobNumber: 'Q-1', lines: [{ costCode: '01-100', amount: '300.00' }] });
  await world.requestExport(send);
  await waitFor(async () => ((await world.dbQuery('SELECT 1 FROM erp_exports WHERE export_id = $1', [send.exportId])).length === 1 ? true : undefined), {
    description: 'the export recorded',
  });

  const holder = new Client({ connectionString: world.db.url });
  await holder.connect();
  const waitingForBudget = async () =>
    (
      await holder.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
          WHERE l.locktype = 'advisory' AND NOT l.granted AND a.datname = current_database()`,
      )
    ).rows[0].n;
  try {
    await holder.query('SELECT pg_advisory_lock(hashtextextended($1, 0))', [`erp-connector:budget:${send.budgetId}`]);
    // First in line for the budget: the timeout heard.
    await world.publish(
      'budget.export.timed_out',
      { budgetId: send.budgetId, projectId: send.summary.projectId, companyId, exportId: send.exportId, reasonCode: 'timeout', message: 'No answer from the ERP in time', timedOutAt: new Date().toISOString() },
      send.budgetId,
      companyId,
    );
    await waitFor(async () => ((await waitingForBudget()) === 1 ? true : undefined), { description: 'the timeout waiting for the budget' });
    // Second: a QuickBooks worker leasing the export and starting its attempt.
    await world.startService({ ERP_SYSTEMS: 'quickbooks' });
    await waitFor(async () => ((await waitingForBudget()) === 2 ? true : undefined), { timeoutMs: 20_000, description: 'the attempt waiting for the budget' });
    await holder.query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [`erp-connector:budget:${send.budgetId}`]);
  } finally {
    await holder.end();
  }

  await waitFor(async () => ((await world.dbQuery<{ status: string }>('SELECT status FROM erp_exports WHERE export_id = $1', [send.exportId]))[0]?.status === 'cancelled' ? true : undefined), {
    timeoutMs: 20_000,
    description: 'the export cancelled',
  });
  expect(world.logLines.filter((line) => /deadlock/i.test(line))).toEqual([]);
  expect(await world.dbQuery('SELECT 1 FROM erp_export_attempts WHERE export_id = $1', [send.exportId])).toEqual([]);
  expect(world.sim.state.findJob('quickbooks', 'Q-1', companyId)!.entries).toEqual([]);
  expect(world.wire.filter((m) => m.topic === 'export.succeeded' && m.value.exportId === send.exportId)).toEqual([]);
});
