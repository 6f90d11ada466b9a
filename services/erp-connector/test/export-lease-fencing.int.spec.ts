import { waitFor } from '@budget-erp/testing';
import { accepted, tokenFor, World } from './support/world';

/** An export attempt cannot outlive its lease: a worker whose lease was taken over abandons its ERP call and records nothing. */
const companyId = 'co-lease';
let world: World;

beforeAll(async () => {
  // A long ERP deadline: without fencing, the first attempt's call would still be waiting when the lease changes hands.
  world = await World.start('erp_connector_lease', { ERP_TIMEOUT_MS: '20000', EXPORT_LEASE_MS: '60001' });
  expect((await world.http('PUT', '/erp/connection', tokenFor(companyId), { system: 'cmic' })).status).toBe(200);
}, 60_000);

afterAll(async () => {
  await world?.stop();
});

it('a worker whose lease was taken over mid-call abandons the call and records nothing; the next holder finds the export in the ERP, which holds it once', async () => {
  await world.simControl('POST', '/_sim/jobs', { system: 'cmic', companyId, jobNumber: 'L-1', costCodes: ['01-100'] });
  // The ERP applies the export but its reply never comes.
  await world.simControl('PUT', '/_sim/cmic/faults', { mode: 'lost_reply', count: 1 });
  const event = accepted({ companyId, system: 'cmic', jobNumber: 'L-1', lines: [{ costCode: '01-100', amount: '750.00' }] });
  await world.requestExport(event);
  await waitFor(
    async () => (await world.dbQuery('SELECT 1 FROM erp_exports WHERE export_id = $1 AND in_flight', [event.exportId])).length === 1 && world.sim.state.fault('cmic').mode === 'ok',
    { description: 'the export in flight, its request applied by the ERP and its reply held' },
  );
  const [before] = await world.dbQuery<{ version: number }>('SELECT version FROM erp_exports WHERE export_id = $1', [event.exportId]);

  // Another worker takes the lease over (as one would after the first was cut off from the database).
  await world.dbQuery(`UPDATE erp_exports SET lease_token = gen_random_uuid(), lease_until = now() + interval '1 hour' WHERE export_id = $1`, [event.exportId]);
  await waitFor(() => world.logLines.some((line) => line.includes(`export ${event.exportId}: another worker took its lease over`)), {
    description: 'the first worker abandoning its call',
  });

  const [after] = await world.dbQuery<{ version: number; in_flight: boolean }>('SELECT version, in_flight FROM erp_exports WHERE export_id = $1', [event.exportId]);
  expect(after).toEqual({ version: before.version, in_flight: true });
  expect(await world.dbQuery('SELECT attempt, outcome FROM erp_export_attempts WHERE export_id = $1', [event.exportId])).toEqual([{ attempt: 1, outcome: null }]);
  expect(world.wire.filter((m) => m.value.exportId === event.exportId)).toEqual([]);

  // The new holder goes away without a word; its lease runs out and a worker resumes the export.
  await world.dbQuery('UPDATE erp_exports SET lease_until = now() WHERE export_id = $1', [event.exportId]);
  await world.waitForWire('export.succeeded', (m) => m.value.exportId === event.exportId);
  expect(world.sim.state.findJob('cmic', 'L-1', companyId)!.entries).toHaveLength(1);
  const status = await world.http('GET', `/erp/exports/${event.exportId}`, tokenFor(companyId, 'read_only'));
  expect(status.body).toMatchObject({ status: 'succeeded', attempts: [{ attempt: 1, outcome: 'in_flight' }, { attempt: 2, outcome: 'found_in_erp' }] });
  expect(world.wire.filter((m) => m.topic === 'export.succeeded' && m.value.exportId === event.exportId)).toHaveLength(1);
});
