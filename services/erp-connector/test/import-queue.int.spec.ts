import { randomUUID } from 'node:crypto';
import { waitFor } from '@budget-erp/testing';
import { tokenFor, World } from './support/world';

/**
 * Imports read the ERP outside any inbox transaction: `budget.import.requested` only records the
 * import in `erp_imports`; the import worker leases it, reads the ERP, retries transient errors
 * with backoff and publishes `erp.budget.imported` once, or `erp.budget.import.failed` with a
 * reason code after its last attempt. The connector process, the ERP simulator, real PostgreSQL
 * and the dev broker.
 */
const companyId = 'iq-co';
const system = 'cmic';
let world: World;

const setFault = (mode: string, count?: number) => world.simControl('PUT', `/_sim/${system}/faults`, count === undefined ? { mode } : { mode, count });
const requestReimport = async (jobNumber: string, importId = randomUUID(), mode?: 'initial_overwrite' | 'initial_keep_and_add' | 'reimport', erpDigest?: string) => {
  const budgetId = `b-${importId}`;
  return world.publish(
    'budget.import.requested',
    { budgetId, projectId: `p-${jobNumber}`, companyId, importId, erpSystem: system, jobNumber, ...(mode ? { mode } : {}), ...(erpDigest ? { erpDigest } : {}), requestedBy: { userId: 'u', name: 'Pat', email: '' }, requestedAt: new Date().toISOString() },
    budgetId,
    companyId,
  );
};
const importRow = async (importId: string) => (await world.dbQuery<{ status: string; attempts: number; last_error: { code: string; retryAfterMs?: number } | null }>('SELECT status, attempts, last_error FROM erp_imports WHERE import_id = $1', [importId]))[0];

beforeAll(async () => {
  world = await World.start('erp_connector_import_queue', { EXPORT_MAX_ATTEMPTS: '3' });
  expect((await world.http('PUT', '/erp/connection', tokenFor(companyId), { system })).status).toBe(200);
  for (const jobNumber of ['IQ-1', 'IQ-2']) {
    await world.simControl('POST', '/_sim/jobs', { system, companyId, jobNumber, costCodes: [{ code: '01-100', description: 'Concrete' }], subJobs: [] });
    await world.simControl('PUT', `/_sim/${system}/jobs/${jobNumber}/budget?companyId=${companyId}`, { lines: [{ costCode: '01-100', amount: '250.00' }] });
  }
  // Linking reads the job from the ERP (ERP_TIMEOUT_MS is short here): a slow answer is 409 ERP.UNAVAILABLE, "try again in a moment".
  await waitFor(async () => (await world.http('POST', '/erp/projects/p-IQ-2/link', tokenFor(companyId), { jobNumber: 'IQ-2' })).status === 200, { timeoutMs: 30_000, intervalMs: 500 });
}, 60_000);

afterEach(async () => {
  await setFault('ok');
});

afterAll(async () => {
  await world?.stop();
});

it('a re-import whose ERP answers 500 twice is retried and publishes erp.budget.imported once, on the third attempt', async () => {
  await setFault('error500', 2);
  const importId = randomUUID();
  await requestReimport('IQ-1', importId);
  const imported = await world.waitForWire('erp.budget.imported', (m) => m.value.importId === importId);
  expect(imported.value).toMatchObject({ mode: 'reimport', total: '250.00', lines: [{ costCode: '01-100', amount: '250.00' }] });
  expect(await importRow(importId)).toMatchObject({ status: 'imported', attempts: 3 });
  expect(world.wire.filter((m) => m.topic.startsWith('erp.budget.import') && m.value.importId === importId)).toHaveLength(1);
});

it('a re-import whose ERP stays down fails after EXPORT_MAX_ATTEMPTS with reason erp_unavailable, and only then', async () => {
  await setFault('error500');
  const importId = randomUUID();
  await requestReimport('IQ-1', importId);
  const failed = await world.waitForWire('erp.budget.import.failed', (m) => m.value.importId === importId);
  expect(failed.value).toMatchObject({ reasonCode: 'erp_unavailable' });
  expect(await importRow(importId)).toMatchObject({ status: 'failed', attempts: 3 });
  expect(world.wire.filter((m) => m.value.importId === importId)).toHaveLength(1);
});

it('a re-import of a job the ERP does not have fails at the first attempt with reason job_not_found (not retried)', async () => {
  const importId = randomUUID();
  await requestReimport('IQ-MISSING', importId);
  const failed = await world.waitForWire('erp.budget.import.failed', (m) => m.value.importId === importId);
  expect(failed.value.reasonCode).toBe('job_not_found');
  expect(await importRow(importId)).toMatchObject({ status: 'failed', attempts: 1 });
});

it('an initial import the budget service accepted into a named budget is published with its mode (keep-and-add)', async () => {
  const importId = randomUUID();
  await requestReimport('IQ-1', importId, 'initial_keep_and_add');
  const imported = await world.waitForWire('erp.budget.imported', (m) => m.value.importId === importId);
  expect(imported.value).toMatchObject({ budgetId: `b-${importId}`, mode: 'initial_keep_and_add', total: '250.00' });
});

it('a redelivered import request (same import id) is imported once', async () => {
  const importId = randomUUID();
  const first = await requestReimport('IQ-1', importId);
  const second = await requestReimport('IQ-1', importId);
  await world.waitForWire('erp.budget.imported', (m) => m.value.importId === importId);
  await waitFor(async () => (await world.dbQuery('SELECT 1 FROM inbox_messages WHERE message_id = ANY ($1)', [[first, second]])).length === 2);
  expect((await world.dbQuery('SELECT import_id FROM erp_imports WHERE import_id = $1', [importId])).length).toBe(1);
  expect(world.wire.filter((m) => m.topic === 'erp.budget.imported' && m.value.importId === importId)).toHaveLength(1);
});

it('an initial import while the ERP answers 500 answers 202 importing, then publishes the import once the ERP is back', async () => {
  await setFault('error500');
  const res = await world.http('POST', '/erp/projects/p-IQ-2/import', tokenFor(companyId), { mode: 'overwrite' });
  expect(res.status).toBe(202);
  expect(res.body).toMatchObject({ status: 'importing', importId: expect.any(String) });
  await waitFor(async () => ((await importRow(res.body.importId as string))?.attempts ?? 0) >= 1);
  await setFault('ok');
  const imported = await world.waitForWire('erp.budget.imported', (m) => m.value.importId === res.body.importId);
  expect(imported.value).toMatchObject({ budgetId: null, projectId: 'p-IQ-2', mode: 'initial_overwrite', total: '250.00' });
});

it('the preview reads the ERP live; an import given its digest applies exactly the previewed lines, and fails with erp_changed once the ERP changed', async () => {
  await world.simControl('PUT', `/_sim/${system}/jobs/IQ-2/budget?companyId=${companyId}`, {
    lines: [
      { costCode: '01-100', amount: '120.50' },
      { costCode: '02-200', amount: '0.00' },
      { costCode: '03-300', amount: '9.5' },
    ],
  });
  const preview = await world.http('GET', '/erp/projects/p-IQ-2/erp-budget', tokenFor(companyId));
  expect(preview.status).toBe(200);
  expect(preview.body).toMatchObject({ erpSystem: system, jobNumber: 'IQ-2', total: '130.00', digest: expect.any(String) });
  expect((preview.body.lines as { costCode: string; amount: string }[]).map((l) => [l.costCode, l.amount])).toEqual([['01-100', '120.50'], ['03-300', '9.50']]);

  const applied = randomUUID();
  await requestReimport('IQ-2', applied, 'reimport', preview.body.digest as string);
  const imported = await world.waitForWire('erp.budget.imported', (m) => m.value.importId === applied);
  expect(imported.value).toMatchObject({ total: preview.body.total, lines: preview.body.lines });

  await world.simControl('PUT', `/_sim/${system}/jobs/IQ-2/budget?companyId=${companyId}`, { lines: [{ costCode: '01-100', amount: '999.00' }] });
  const stale = randomUUID();
  await requestReimport('IQ-2', stale, 'reimport', preview.body.digest as string);
  const failed = await world.waitForWire('erp.budget.import.failed', (m) => m.value.importId === stale);
  expect(failed.value).toMatchObject({ reasonCode: 'erp_changed', message: expect.stringContaining('999.00') });
  expect(world.wire.filter((m) => m.topic === 'erp.budget.imported' && m.value.importId === stale)).toEqual([]);
});

it('the preview of a project that is not linked answers 404 ERP.PROJECT_NOT_LINKED; of an ERP that does not answer, 409 ERP.UNAVAILABLE', async () => {
  expect((await world.http('GET', '/erp/projects/p-nowhere/erp-budget', tokenFor(companyId))).body).toMatchObject({ statusCode: 404, code: 'ERP.PROJECT_NOT_LINKED' });
  await setFault('error500');
  expect((await world.http('GET', '/erp/projects/p-IQ-2/erp-budget', tokenFor(companyId))).body).toMatchObject({ statusCode: 409, code: 'ERP.UNAVAILABLE' });
});

it('an import throttled by the ERP (429 Retry-After: 1) records what the ERP asked to wait and imports at the next attempt', async () => {
  await setFault('throttled', 1);
  const importId = randomUUID();
  await requestReimport('IQ-1', importId);
  const waiting = await waitFor(async () => {
    const row = await importRow(importId);
    return row?.last_error ? row : undefined;
  });
  expect(waiting.last_error).toMatchObject({ code: 'erp_unavailable', retryAfterMs: 1000 });
  await world.waitForWire('erp.budget.imported', (m) => m.value.importId === importId);
  expect(await importRow(importId)).toMatchObject({ status: 'imported', attempts: 2 });
});
