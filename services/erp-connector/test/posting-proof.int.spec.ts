import { ERP_SYSTEMS, type ErpSystem } from '@budget-erp/contracts';
import { waitFor } from '@budget-erp/testing';
import { accepted, tokenFor, World } from './support/world';

/** A posting is proven by the ERP record of this very export, not by a record found at its number. */
const SYSTEMS: ErpSystem[] = ERP_SYSTEMS.map((system) => system.id);
const companyId = 'co-proof';
let world: World;

const createJob = (system: string, jobNumber: string) =>
  world.simControl('POST', '/_sim/jobs', { system, companyId, jobNumber, name: `Job ${jobNumber}`, costCodes: [{ code: '01-100', description: 'Concrete' }], subJobs: [] });
const exportTo = async (system: ErpSystem, jobNumber: string) => {
  const event = accepted({ companyId, system, jobNumber, lines: [{ costCode: '01-100', amount: '10.00' }] });
  await world.requestExport(event);
  return world.waitForWire('export.succeeded', (m) => m.value.exportId === event.exportId, 30_000);
};

beforeAll(async () => {
  world = await World.start('erp_posting_proof', { POSTING_CHECK_FIRST_MS: '200', POSTING_CHECK_MAX_MS: '300' });
}, 60_000);

afterAll(async () => {
  await world?.stop();
});

it.each(SYSTEMS)(
  '%s: when the ERP loses its state and hands the export\'s number to another job\'s posted export, the export fails with erp_record_missing and is never reported posted',
  async (system) => {
    const res = await world.http('PUT', '/erp/connection', await tokenFor(companyId), { system, settings: { credentials: { username: 'u', password: 'p', accessToken: 't' } } });
    expect(res.status).toBe(200);
    await createJob(system, `MINE-${system}`);
    await createJob(system, `THEIRS-${system}`);
    const mine = await exportTo(system, `MINE-${system}`);

    await world.simControl('POST', `/_sim/${system}/lose-state`);
    const theirs = await exportTo(system, `THEIRS-${system}`);
    expect(theirs.value.erpReference).toBe(mine.value.erpReference);
    await world.simControl('POST', `/_sim/${system}/jobs/THEIRS-${system}/post-entries`);

    const failed = await waitFor(() => world.wire.find((m) => m.topic === 'export.failed' && m.value.exportId === mine.value.exportId), { timeoutMs: 20_000, description: 'export.failed of the lost export' });
    expect(failed.value).toMatchObject({ reasonCode: 'erp_record_missing', message: expect.stringContaining(String(mine.value.erpReference)) });
    // Theirs is posted; mine never is.
    await waitFor(() => world.wire.find((m) => m.topic === 'erp.posted' && m.value.exportId === theirs.value.exportId), { timeoutMs: 20_000, description: 'erp.posted of the other export' });
    expect(world.wire.filter((m) => m.topic === 'erp.posted' && m.value.exportId === mine.value.exportId)).toEqual([]);
  },
  60_000,
);
