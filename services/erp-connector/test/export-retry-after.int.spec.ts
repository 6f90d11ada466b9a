import { accepted, tokenFor, World } from './support/world';

/** An export the ERP throttles (429 with Retry-After) waits at least as long as the ERP asked before its next attempt, as imports do. */
const companyId = 'co-export-throttled';
let world: World;

beforeAll(async () => {
  // A backoff of tens of milliseconds: only the ERP's Retry-After (1 s) can make the retry wait longer.
  world = await World.start('erp_connector_export_retry_after', { EXPORT_RETRY_BASE_MS: '50', EXPORT_RETRY_MAX_MS: '100' });
  expect((await world.http('PUT', '/erp/connection', tokenFor(companyId), { system: 'cmic' })).status).toBe(200);
  await world.simControl('POST', '/_sim/jobs', { system: 'cmic', companyId, jobNumber: 'RA-1', costCodes: ['01-100'] });
}, 60_000);

afterAll(async () => {
  await world?.stop();
});

it('an export answered 429 Retry-After: 1 is attempted again no sooner than a second later, and lands once', async () => {
  await world.simControl('PUT', '/_sim/cmic/faults', { mode: 'throttled', count: 1 });
  const send = accepted({ companyId, system: 'cmic', jobNumber: 'RA-1', lines: [{ costCode: '01-100', amount: '10.00' }] });
  await world.requestExport(send);
  await world.waitForWire('export.succeeded', (m) => m.value.exportId === send.exportId);
  const attempts = await world.dbQuery<{ attempt: number; started_at: Date; finished_at: Date | null; error_code: string | null }>(
    'SELECT attempt, started_at, finished_at, error_code FROM erp_export_attempts WHERE export_id = $1 ORDER BY attempt',
    [send.exportId],
  );
  expect(attempts.map((a) => a.error_code)).toEqual(['erp_unavailable', null]);
  expect(attempts[1]!.started_at.getTime() - attempts[0]!.finished_at!.getTime()).toBeGreaterThanOrEqual(950);
  const job = await world.simControl<{ exports: unknown[] }>('GET', `/_sim/cmic/jobs/RA-1?companyId=${companyId}`);
  expect(job.exports).toHaveLength(1);
});
