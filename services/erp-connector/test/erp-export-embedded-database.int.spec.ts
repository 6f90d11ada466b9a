import { startEmbeddedPostgres, type EmbeddedPostgres } from '@budget-erp/testing';
import { accepted, tokenFor, World } from './support/world';

/** On the embedded database (PGlite, one transaction at a time) an export still lands once and its posting is seen. */
const companyId = 'co-embedded';
let embedded: EmbeddedPostgres;
let world: World;

beforeAll(async () => {
  embedded = await startEmbeddedPostgres();
  world = await World.start('erp_connector_embedded', { DATABASE_URL: embedded.url });
  expect((await world.http('PUT', '/erp/connection', tokenFor(companyId), { system: 'cmic' })).status).toBe(200);
}, 60_000);

afterAll(async () => {
  await world?.stop();
  await embedded?.stop();
});

it('exports after a lost reply exactly once per ERP, other ERPs busy alongside, and publishes erp.posted after posting', async () => {
  for (const system of ['cmic', 'sage300cre'] as const) {
    await world.simControl('POST', '/_sim/jobs', { system, companyId, jobNumber: 'P-1', costCodes: ['01-100'], subJobs: ['A'] });
  }
  await world.simControl('PUT', '/_sim/cmic/faults', { mode: 'lost_reply', count: 1 });
  const events = [
    accepted({ companyId, system: 'cmic', jobNumber: 'P-1', lines: [{ costCode: '01-100', subJob: 'A', amount: '250.00' }] }),
    accepted({ companyId, system: 'sage300cre', jobNumber: 'P-1', lines: [{ costCode: '01-100', amount: '75.25' }] }),
  ];
  for (const e of events) await world.requestExport(e);
  for (const e of events) await world.waitForWire('export.succeeded', (m) => m.value.exportId === e.exportId, 20_000);
  expect(world.sim.state.findJob('cmic', 'P-1', companyId)!.entries).toHaveLength(1);
  expect(world.sim.state.findJob('sage300cre', 'P-1', companyId)!.entries).toHaveLength(1);

  await world.simControl('POST', `/_sim/cmic/jobs/P-1/post-entries?companyId=${companyId}`);
  await world.waitForWire('erp.posted', (m) => m.value.exportId === events[0].exportId);
  const status = await world.http('GET', `/erp/exports/${events[0].exportId}`, tokenFor(companyId, 'read_only'));
  expect(status.body).toMatchObject({ status: 'posted', attempts: [{ outcome: 'transient_failure' }, { outcome: 'found_in_erp' }] });
});
