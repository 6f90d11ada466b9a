import { waitFor } from '@budget-erp/testing';
import { accepted, tokenFor, World } from './support/world';

/** A send's lines go once past EXPORT_DATA_RETAIN_MS and no longer needed; an export still awaiting posting keeps them. */
const company = 'co-export-retention';
const DAY = 24 * 3_600_000;
let world: World;

beforeAll(async () => {
  world = await World.start('erp_export_retention', { RETENTION_PURGE_INTERVAL_MS: '200', EXPORT_DATA_RETAIN_MS: String(DAY), POSTING_CHECK_FIRST_MS: '60000', POSTING_CHECK_MAX_MS: '3600000' });
  expect((await world.http('PUT', '/erp/connection', tokenFor(company), { system: 'cmic' })).status).toBe(200);
}, 60_000);

afterAll(async () => {
  await world?.stop();
});

const chunksOf = async (exportId: string) => (await world.dbQuery('SELECT 1 FROM erp_send_chunks WHERE export_id = $1', [exportId])).length;
const statusOf = async (exportId: string) => (await world.dbQuery<{ status: string }>('SELECT status FROM erp_exports WHERE export_id = $1', [exportId]))[0]?.status;

it("deletes the lines of a posted export and of a send never accepted once older than the retention; an export awaiting posting, and a recent send, keep theirs", async () => {
  for (const jobNumber of ['RET-1', 'RET-2', 'RET-3']) await world.simControl('POST', '/_sim/jobs', { system: 'cmic', companyId: company, jobNumber, costCodes: ['01-100'] });
  const line = [{ costCode: '01-100', amount: '10.00' }];
  const posted = accepted({ companyId: company, system: 'cmic', jobNumber: 'RET-1', lines: line });
  const awaiting = accepted({ companyId: company, system: 'cmic', jobNumber: 'RET-2', lines: line });
  const neverAccepted = accepted({ companyId: company, system: 'cmic', jobNumber: 'RET-3', lines: line });
  const recent = accepted({ companyId: company, system: 'cmic', jobNumber: 'RET-3', lines: line });
  await world.requestExport(posted);
  await world.requestExport(awaiting);
  await world.publishSend(neverAccepted);
  await world.publishSend(recent);
  await waitFor(async () => (await statusOf(posted.exportId)) === 'succeeded' && (await statusOf(awaiting.exportId)) === 'succeeded', { description: 'both exports landed' });
  await world.simControl('POST', '/_sim/cmic/jobs/RET-1/post-entries');
  expect((await world.http('POST', `/erp/exports/${posted.exportId}/posting-check`, tokenFor(company))).status).toBe(202);
  await waitFor(async () => (await statusOf(posted.exportId)) === 'posted', { description: 'the first export posted' });
  await waitFor(async () => (await chunksOf(recent.exportId)) === 1 && (await chunksOf(neverAccepted.exportId)) === 1, { description: 'the sends not accepted stored' });

  // Everything but the recent send was received two days ago.
  await world.dbQuery(`UPDATE erp_send_chunks SET received_at = now() - interval '2 days' WHERE export_id = ANY($1)`, [[posted.exportId, awaiting.exportId, neverAccepted.exportId]]);
  await waitFor(async () => (await chunksOf(posted.exportId)) === 0 && (await chunksOf(neverAccepted.exportId)) === 0, { description: 'the old lines no longer needed purged' });
  expect(await chunksOf(awaiting.exportId)).toBe(1);
  expect(await chunksOf(recent.exportId)).toBe(1);
  // The export's history stays.
  expect((await world.http('GET', `/erp/exports/${posted.exportId}`, tokenFor(company, 'read_only'))).body).toMatchObject({ status: 'posted' });
});
