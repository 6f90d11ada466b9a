import { waitFor } from '@budget-erp/testing';
import { accepted, tokenFor, World } from './support/world';

/** Credentials that do not open end the export with credentials_unreadable; rotated keys keep opening. */
const keyA = Buffer.alloc(32, 11).toString('base64');
const keyB = Buffer.alloc(32, 12).toString('base64');
const CANARY = 'rotation-canary-9d1c';

let world: World;

const createJob = (companyId: string, jobNumber: string) =>
  world.simControl('POST', '/_sim/jobs', { system: 'cmic', companyId, jobNumber, name: `Job ${jobNumber}`, costCodes: [{ code: '01-100', description: 'Concrete' }], subJobs: [] });
const exportFor = async (companyId: string, jobNumber: string) => {
  const event = accepted({ companyId, system: 'cmic', jobNumber, lines: [{ costCode: '01-100', amount: '10.00' }] });
  await world.requestExport(event);
  return event.exportId;
};
const outcomeOf = (exportId: string) =>
  waitFor(() => world.wire.find((m) => (m.topic === 'export.succeeded' || m.topic === 'export.failed') && m.value.exportId === exportId), {
    timeoutMs: 30_000,
    description: `the outcome of export ${exportId}`,
  });

beforeAll(async () => {
  world = await World.start('erp_credentials', { ERP_CREDENTIALS_KEY: keyA });
  for (const companyId of ['co-a', 'co-b']) {
    const res = await world.http('PUT', '/erp/connection', await tokenFor(companyId), { system: 'cmic', settings: { credentials: { username: companyId, password: CANARY } } });
    expect(res.status).toBe(200);
    await createJob(companyId, 'CRED-1');
  }
}, 60_000);

afterAll(async () => {
  await world?.stop();
});

it("when a company's row holds another company's sealed credentials, its export fails at once with credentials_unreadable instead of retrying", async () => {
  await world.dbQuery(`UPDATE erp_connections SET sealed_credentials = (SELECT sealed_credentials FROM erp_connections WHERE company_id = 'co-a') WHERE company_id = 'co-b'`);
  const exportId = await exportFor('co-b', 'CRED-1');
  const outcome = await outcomeOf(exportId);
  expect({ topic: outcome.topic, reasonCode: outcome.value.reasonCode, attempts: outcome.value.attempts }).toEqual({ topic: 'export.failed', reasonCode: 'credentials_unreadable', attempts: 1 });
  expect(String(outcome.value.message)).toContain('sealed for another company');
  // Over HTTP the same credentials are a 409 that says what to do, not a 500.
  const linked = await world.http('POST', '/erp/projects/p-cred/link', await tokenFor('co-b'), { jobNumber: 'CRED-1' });
  expect({ status: linked.status, code: linked.body.code }).toEqual({ status: 409, code: 'ERP.CREDENTIALS_UNREADABLE' });
});

it('after the key rotates, credentials sealed with the previous key still reach the ERP through ERP_CREDENTIALS_PREVIOUS_KEYS; without it the export fails with credentials_unreadable', async () => {
  await world.service!.close();
  await world.startService({ ERP_CREDENTIALS_KEY: keyB, ERP_CREDENTIALS_PREVIOUS_KEYS: keyA });
  const rotated = await outcomeOf(await exportFor('co-a', 'CRED-1'));
  expect(rotated.topic).toBe('export.succeeded');
  expect(world.sim.state.credentialsSeen.get('cmic')?.some((header) => Buffer.from(header.replace(/^Basic /, ''), 'base64').toString().includes(CANARY))).toBe(true);

  await world.service!.close();
  await world.startService({ ERP_CREDENTIALS_KEY: keyB });
  const forgotten = await outcomeOf(await exportFor('co-a', 'CRED-1'));
  expect({ topic: forgotten.topic, reasonCode: forgotten.value.reasonCode }).toEqual({ topic: 'export.failed', reasonCode: 'credentials_unreadable' });
  expect(String(forgotten.value.message)).toContain('which is not configured');
}, 90_000);

it('when two first PUT /erp/connection of a company arrive together, both answer 200 and one connection is kept', async () => {
  const token = await tokenFor('co-concurrent');
  const answers = await Promise.all(
    ['cmic', 'sage300cre', 'cmic', 'quickbooks'].map((system) => world.http('PUT', '/erp/connection', token, { system, settings: { credentials: { username: system, password: CANARY } } })),
  );
  expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200]);
  expect(await world.dbQuery(`SELECT company_id FROM erp_connections WHERE company_id = 'co-concurrent'`)).toHaveLength(1);
});
