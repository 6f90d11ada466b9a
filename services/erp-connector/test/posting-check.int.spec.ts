import { waitFor } from '@budget-erp/testing';
import { accepted, tokenFor, World } from './support/world';

/**
 * Posting checks back off toward hours, go through the ERP's posting-check breaker (apart from the
 * export attempts' breaker), honour 429 Retry-After, and can be asked for now.
 */
const company = 'co-posting-check';
let world: World;

beforeAll(async () => {
  // After the check at landing, the next would come in 30–60 s: any earlier check is one that was asked for.
  // An open breaker leaves its ERP alone for a minute: longer than any test here.
  world = await World.start('erp_posting_check', { POSTING_CHECK_FIRST_MS: '60000', POSTING_CHECK_MAX_MS: '3600000', BREAKER_COOLDOWN_MS: '60000' });
  expect((await world.http('PUT', '/erp/connection', tokenFor(company), { system: 'quickbooks' })).status).toBe(200);
  expect((await world.http('PUT', '/erp/connection', tokenFor('co-posting-check-cmic'), { system: 'cmic' })).status).toBe(200);
}, 60_000);

afterAll(async () => {
  await world?.stop();
});

const checksOf = async (exportId: string) =>
  (await world.dbQuery<{ posting_checks: number; next_posting_check_at: Date; now: Date }>('SELECT posting_checks, next_posting_check_at, now() AS now FROM erp_exports WHERE export_id = $1', [exportId]))[0];

async function landed(companyId: string, system: 'quickbooks' | 'cmic', jobNumber: string) {
  await world.simControl('POST', '/_sim/jobs', { system, companyId, jobNumber, costCodes: ['01-100'] });
  const event = accepted({ companyId, system, jobNumber, lines: [{ costCode: '01-100', amount: '320.00' }] });
  await world.requestExport(event);
  await world.waitForWire('export.succeeded', (m) => m.value.exportId === event.exportId);
  await waitFor(async () => (await checksOf(event.exportId)).posting_checks === 1, { description: 'the first posting check, at landing' });
  return event;
}

it('an ERP answering a posting check 429 with Retry-After is not asked again before then; a check asked for now after the accountant posted publishes erp.posted', async () => {
  const event = await landed(company, 'quickbooks', 'PC-1');
  await world.simControl('PUT', '/_sim/quickbooks/faults', { mode: 'throttled', count: 1, retryAfterSeconds: 3600 });

  const asked = await world.http('POST', `/erp/exports/${event.exportId}/posting-check`, tokenFor(company));
  expect(asked.status).toBe(202);
  expect(asked.body).toMatchObject({ exportId: event.exportId, status: 'succeeded' });
  await waitFor(async () => (await checksOf(event.exportId)).posting_checks === 2, { description: 'the check asked for, answered 429' });
  const throttled = await checksOf(event.exportId);
  expect(throttled.next_posting_check_at.getTime() - throttled.now.getTime()).toBeGreaterThan(59 * 60 * 1000);

  await world.simControl('POST', '/_sim/quickbooks/jobs/PC-1/post-entries');
  expect((await world.http('POST', `/erp/exports/${event.exportId}/posting-check`, tokenFor(company))).status).toBe(202);
  await world.waitForWire('erp.posted', (m) => m.value.exportId === event.exportId);

  const again = await world.http('POST', `/erp/exports/${event.exportId}/posting-check`, tokenFor(company));
  expect(again).toMatchObject({ status: 409, body: { code: 'EXPORT.NOT_AWAITING_POSTING' } });
});

it('asking for a posting check of another company\'s export or of an unknown one answers 404; a read-only user is refused 403', async () => {
  const event = await landed(company, 'quickbooks', 'PC-2');
  expect(await world.http('POST', `/erp/exports/${event.exportId}/posting-check`, tokenFor('co-someone-else'))).toMatchObject({ status: 404, body: { code: 'EXPORT.NOT_FOUND' } });
  expect(await world.http('POST', '/erp/exports/x-unknown/posting-check', tokenFor(company))).toMatchObject({ status: 404, body: { code: 'EXPORT.NOT_FOUND' } });
  expect((await world.http('POST', `/erp/exports/${event.exportId}/posting-check`, tokenFor(company, 'read_only'))).status).toBe(403);
  expect((await checksOf(event.exportId)).posting_checks).toBe(1);
});

it('posting checks that find the ERP down open its posting-check breaker: further checks wait for its cool-down, while an export to that ERP is still attempted at once', async () => {
  const companyId = 'co-posting-check-cmic';
  const event = await landed(companyId, 'cmic', 'PC-3');
  await world.simControl('POST', '/_sim/jobs', { system: 'cmic', companyId, jobNumber: 'PC-3B', costCodes: ['01-100'] });
  await world.simControl('PUT', '/_sim/cmic/faults', { mode: 'down' });
  try {
    // BREAKER_THRESHOLD is 4 in the test environment: four failed checks in a row open the breaker.
    for (let check = 2; check <= 5; check += 1) {
      expect((await world.http('POST', `/erp/exports/${event.exportId}/posting-check`, tokenFor(companyId))).status).toBe(202);
      await waitFor(async () => (await checksOf(event.exportId)).posting_checks === check, { description: `posting check ${check}, failed` });
    }
    const metrics = await (await fetch(`${world.service!.url}/metrics`)).text();
    expect(metrics).toMatch(/erp_posting_check_circuit_open\{system="cmic"[^}]*\} 1/);
    expect(metrics).not.toMatch(/erp_circuit_open\{system="cmic"[^}]*\} 1/);

    // A check asked for while the breaker is open is put off to its cool-down's end, not made.
    expect((await world.http('POST', `/erp/exports/${event.exportId}/posting-check`, tokenFor(companyId))).status).toBe(202);
    await waitFor(async () => {
      const row = await checksOf(event.exportId);
      return row.next_posting_check_at.getTime() - row.now.getTime() > 30_000;
    }, { description: 'the check asked for put off by the open breaker' });
    expect((await checksOf(event.exportId)).posting_checks).toBe(5);

    // The export breaker is not the checks': an export to the down ERP is attempted (and fails) at once.
    const other = accepted({ companyId, system: 'cmic', jobNumber: 'PC-3B', lines: [{ costCode: '01-100', amount: '75.00' }] });
    await world.requestExport(other);
    await waitFor(async () => (await world.dbQuery('SELECT 1 FROM erp_export_attempts WHERE export_id = $1 AND outcome = $2', [other.exportId, 'transient_failure'])).length >= 1, {
      description: 'an attempt of the other export, failed against the down ERP',
    });
  } finally {
    await world.simControl('PUT', '/_sim/cmic/faults', { mode: 'ok' });
  }
});

it('an export attempt answered 429 with Retry-After is retried no sooner than the ERP asked', async () => {
  await world.simControl('POST', '/_sim/jobs', { system: 'quickbooks', companyId: company, jobNumber: 'PC-4', costCodes: ['01-100'] });
  await world.simControl('PUT', '/_sim/quickbooks/faults', { mode: 'throttled', count: 1, retryAfterSeconds: 3600 });
  const event = accepted({ companyId: company, system: 'quickbooks', jobNumber: 'PC-4', lines: [{ costCode: '01-100', amount: '90.00' }] });
  await world.requestExport(event);
  await waitFor(async () => (await world.dbQuery('SELECT 1 FROM erp_export_attempts WHERE export_id = $1 AND outcome IS NOT NULL', [event.exportId])).length === 1, {
    description: 'the first attempt, answered 429',
  });
  const [row] = await world.dbQuery<{ wait_ms: number; status: string }>(
    'SELECT status, (extract(epoch FROM next_attempt_at - now()) * 1000)::int AS wait_ms FROM erp_exports WHERE export_id = $1',
    [event.exportId],
  );
  expect(row.status).toBe('attempting');
  expect(row.wait_ms).toBeGreaterThan(59 * 60 * 1000);
  expect((await world.http('GET', `/erp/exports/${event.exportId}`, tokenFor(company, 'read_only'))).body).toMatchObject({
    attempts: [{ attempt: 1, outcome: 'transient_failure', errorCode: 'erp_unavailable', message: expect.stringContaining('HTTP 429') }],
  });
});
