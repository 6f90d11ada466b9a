import { waitFor } from '@budget-erp/testing';
import { accepted, tokenFor, World } from './support/world';

/** A connector killed (SIGKILL) mid-export and restarted ends with exactly one export in the ERP. */
const companyId = 'co-crash';
let world: World;

beforeAll(async () => {
  // The first process waits long on the ERP so that it is surely killed mid-call.
  world = await World.start('erp_connector_crash', { ERP_TIMEOUT_MS: '60000', ERP_SYSTEMS: 'cmic' });
  expect((await world.http('PUT', '/erp/connection', tokenFor(companyId), { system: 'cmic' })).status).toBe(200);
}, 60_000);

afterAll(async () => {
  await world?.stop();
});

it('when the connector dies mid-call, applied or not by the ERP, the restarted connector ends with exactly one export in the ERP for each', async () => {
  const job = (jobNumber: string) => world.sim.state.findJob('cmic', jobNumber, companyId)!;
  const inFlight = async (fault: 'lost_reply' | 'timeout', jobNumber: string) => {
    await world.simControl('POST', '/_sim/jobs', { system: 'cmic', companyId, jobNumber, costCodes: ['01-100'] });
    await world.simControl('PUT', '/_sim/cmic/faults', { mode: fault, count: 1 });
    const event = accepted({ companyId, system: 'cmic', jobNumber, lines: [{ costCode: '01-100', amount: '500.00' }] });
    await world.publish('budget.accepted', event, event.budgetId, event.companyId);
    await waitFor(
      async () =>
        (await world.dbQuery('SELECT 1 FROM erp_exports WHERE export_id = $1 AND in_flight', [event.exportId])).length === 1 &&
        world.sim.state.fault('cmic').mode === 'ok',
      { description: `the ${jobNumber} export in flight, its request held by the ERP` },
    );
    return event;
  };
  const applied = await inFlight('lost_reply', 'K-1');
  const notApplied = await inFlight('timeout', 'K-2');
  expect(job('K-1').entries).toHaveLength(1);
  expect(job('K-2').entries).toHaveLength(0);

  await world.service!.kill();
  await world.startService({ ERP_SYSTEMS: 'cmic' });

  for (const [event, jobNumber, secondAttempt] of [
    [applied, 'K-1', 'found_in_erp'],
    [notApplied, 'K-2', 'landed'],
  ] as const) {
    await world.waitForWire('export.succeeded', (m) => m.value.exportId === event.exportId, 20_000);
    expect(job(jobNumber).entries).toHaveLength(1);
    const status = await world.http('GET', `/erp/exports/${event.exportId}`, tokenFor(companyId, 'read_only'));
    expect(status.body).toMatchObject({ status: 'succeeded', attempts: [{ attempt: 1, outcome: 'in_flight' }, { attempt: 2, outcome: secondAttempt }] });
  }
});
