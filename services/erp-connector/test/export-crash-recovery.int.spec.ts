import { waitFor } from '@budget-erp/testing';
import { accepted, tokenFor, World } from './support/world';

/** A connector killed (SIGKILL) mid-export and restarted ends with exactly one export in the ERP. */
const SYSTEMS = ['cmic', 'sage300cre', 'quickbooks'] as const;
type System = (typeof SYSTEMS)[number];
const companyOf = (system: System) => `co-crash-${system}`;
let world: World;

beforeAll(async () => {
  // The first process waits long on the ERP so that it is surely killed mid-call (its lease outlasts three such calls).
  world = await World.start('erp_connector_crash', { ERP_TIMEOUT_MS: '60000', EXPORT_LEASE_MS: '180001' });
  for (const system of SYSTEMS) expect((await world.http('PUT', '/erp/connection', tokenFor(companyOf(system)), { system })).status).toBe(200);
}, 60_000);

afterAll(async () => {
  await world?.stop();
});

it('for each ERP, when the connector dies mid-call, applied or not by the ERP, the restarted connector ends with exactly one export in the ERP', async () => {
  const job = (system: System, jobNumber: string) => world.sim.state.findJob(system, jobNumber, companyOf(system))!;
  const inFlight = async (system: System, fault: 'lost_reply' | 'timeout', jobNumber: string) => {
    const companyId = companyOf(system);
    await world.simControl('POST', '/_sim/jobs', { system, companyId, jobNumber, costCodes: ['01-100'] });
    await world.simControl('PUT', `/_sim/${system}/faults`, { mode: fault, count: 1 });
    const event = accepted({ companyId, system, jobNumber, lines: [{ costCode: '01-100', amount: '500.00' }] });
    await world.requestExport(event);
    await waitFor(
      async () =>
        (await world.dbQuery('SELECT 1 FROM erp_exports WHERE export_id = $1 AND in_flight', [event.exportId])).length === 1 &&
        world.sim.state.fault(system).mode === 'ok',
      { description: `the ${system} ${jobNumber} export in flight, its request held by the ERP` },
    );
    return event;
  };
  const cases: { system: System; jobNumber: string; event: Awaited<ReturnType<typeof inFlight>>; secondAttempt: string }[] = [];
  for (const system of SYSTEMS) {
    cases.push({ system, jobNumber: 'K-1', event: await inFlight(system, 'lost_reply', 'K-1'), secondAttempt: 'found_in_erp' });
    cases.push({ system, jobNumber: 'K-2', event: await inFlight(system, 'timeout', 'K-2'), secondAttempt: 'landed' });
    expect(job(system, 'K-1').entries).toHaveLength(1);
    expect(job(system, 'K-2').entries).toHaveLength(0);
  }

  await world.service!.kill();
  // The killed process's leases run out (three minutes later, as its ERP deadline demands); the next process resumes its exports.
  await world.dbQuery(`UPDATE erp_exports SET lease_until = now() WHERE in_flight`);
  await world.startService();

  for (const { system, jobNumber, event, secondAttempt } of cases) {
    await world.waitForWire('export.succeeded', (m) => m.value.exportId === event.exportId, 20_000);
    expect(job(system, jobNumber).entries).toHaveLength(1);
    const status = await world.http('GET', `/erp/exports/${event.exportId}`, tokenFor(companyOf(system), 'read_only'));
    expect(status.body).toMatchObject({ status: 'succeeded', attempts: [{ attempt: 1, outcome: 'in_flight' }, { attempt: 2, outcome: secondAttempt }] });
  }
});
