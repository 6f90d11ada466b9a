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

it.each([
  ['the ERP had applied the export when the connector died', 'lost_reply', 'K-1', 1],
  ['the ERP had not applied the export when the connector died', 'timeout', 'K-2', 0],
] as const)('when %s, the restarted connector ends with exactly one export in the ERP', async (_case, fault, jobNumber, appliedBeforeCrash) => {
  if (world.service?.child.exitCode !== null || world.service.child.signalCode !== null) {
    await world.startService({ ERP_TIMEOUT_MS: '60000', ERP_SYSTEMS: 'cmic' });
  }
  await world.simControl('POST', '/_sim/jobs', { system: 'cmic', companyId, jobNumber, costCodes: ['01-100'] });
  await world.simControl('PUT', '/_sim/cmic/faults', { mode: fault, count: 1 });
  const event = accepted({ companyId, system: 'cmic', jobNumber, lines: [{ costCode: '01-100', amount: '500.00' }] });
  await world.publish('budget.accepted', event, event.budgetId, event.companyId);

  const job = () => world.sim.state.findJob('cmic', jobNumber, companyId)!;
  await waitFor(
    async () =>
      (await world.dbQuery('SELECT 1 FROM erp_exports WHERE export_id = $1 AND in_flight', [event.exportId])).length === 1 &&
      world.sim.state.fault('cmic').mode === 'ok',
    { description: 'the export attempt to be in flight, its request held by the ERP' },
  );
  expect(job().entries).toHaveLength(appliedBeforeCrash);

  await world.service!.kill();
  await world.startService({ ERP_SYSTEMS: 'cmic' });

  await world.waitForWire('export.succeeded', (m) => m.value.exportId === event.exportId, 20_000);
  expect(job().entries).toHaveLength(1);
  const status = await world.http('GET', `/erp/exports/${event.exportId}`, tokenFor(companyId, 'read_only'));
  expect(status.body).toMatchObject({
    status: 'succeeded',
    attempts: [{ attempt: 1, outcome: 'in_flight' }, { attempt: 2, outcome: appliedBeforeCrash ? 'found_in_erp' : 'landed' }],
  });
  // Posted, so no posting check of this export touches the next case's injected fault.
  await world.simControl('POST', `/_sim/cmic/jobs/${jobNumber}/post-entries?companyId=${companyId}`);
  await world.waitForWire('erp.posted', (m) => m.value.exportId === event.exportId);
  await world.service!.close();
});
