import { ERP_SYSTEM_IDS } from '@budget-erp/contracts';
import { startErpSimulator, type ErpSimulator } from '@budget-erp/erp-simulator';
import type { ErpConnection, ErpLine, ExportRequest } from '../src/erp-adapters/erp-adapter';
import { erpAdapters } from '../src/erp-adapters/erp-adapter.registry';

let sim: ErpSimulator;
const companyConnection = (): ErpConnection => ({ companyId: 'c1', erpCompanyId: 'c1', baseUrl: sim.url, credentials: { username: 'u', password: 'p', accessToken: 't' }, timeoutMs: 400 });
const control = (method: string, path: string, body?: unknown) =>
  fetch(`${sim.url}${path}`, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) }).then((r) => r.json() as Promise<{ revisions?: unknown[] }>);

/** The lines as the worker hands them over: read a slice at a time, here one slice. */
const slices =
  (lines: ErpLine[]): ExportRequest['lines'] =>
  async function* () {
    yield lines;
  };

const request = (key: string, over: Partial<ExportRequest> = {}): ExportRequest => ({
  idempotencyKey: key,
  jobNumber: 'J-1',
  kind: 'original',
  description: 'Original budget',
  lines: slices([{ costCode: '01-100', costType: 'L', subJob: null, description: 'Concrete', amount: '1250.00' }]),
  revision: null,
  ...over,
});

beforeAll(async () => {
  sim = await startErpSimulator({ port: 0 });
});
afterAll(async () => {
  await sim.stop();
});
beforeEach(async () => {
  sim.state.reset();
  for (const system of ERP_SYSTEM_IDS) {
    await control('POST', '/_sim/jobs', { system, companyId: 'c1', jobNumber: 'J-1', name: 'Main St', costCodes: [{ code: '01-100', description: 'Concrete' }], subJobs: system === 'quickbooks' ? [] : ['S1'] });
  }
});

describe.each(Object.values(erpAdapters).map((a) => [a.system, a] as const))('%s adapter against the simulator', (system, adapter) => {
  /** The company's instance of an ERP hosted per customer sits under its path on the simulator. */
  const connection = (): ErpConnection => ({ ...companyConnection(), baseUrl: `${sim.url}${adapter.instancePath?.('c1') ?? ''}` });
  it('reads the job, its cost codes and whether it has sub jobs', async () => {
    const job = await adapter.fetchJob(connection(), 'J-1');
    expect(job).toEqual({
      ok: true,
      value: { jobNumber: 'J-1', name: 'Main St', costCodes: [{ code: '01-100', description: 'Concrete' }], subJobs: adapter.capabilities.subJobs ? ['S1'] : [] },
    });
  });

  it('answers job_not_found for an unknown job', async () => {
    expect(await adapter.fetchJob(connection(), 'NOPE')).toMatchObject({ ok: false, error: { kind: 'permanent', code: 'job_not_found' } });
  });

  it('exports once per key, finds the export by its key, and sees it posted after the accountant posts', async () => {
    const first = await adapter.exportBudget(connection(), request('k-1'));
    expect(first).toMatchObject({ ok: true, value: { posted: false } });
    expect(await adapter.findExport(connection(), 'J-1', 'k-1')).toEqual(first);
    expect(await adapter.findExport(connection(), 'J-1', 'k-2')).toEqual({ ok: true, value: null });
    const ref = { erpReference: first.ok ? first.value.erpReference : '', idempotencyKey: 'k-1' };
    expect(await adapter.checkPosted(connection(), 'J-1', ref)).toEqual({ ok: true, value: { status: 'unposted' } });

    await control('POST', `/_sim/${system}/jobs/J-1/post-entries`);

    expect(await adapter.checkPosted(connection(), 'J-1', ref)).toEqual({ ok: true, value: { status: 'posted' } });
    expect(await adapter.readBudget(connection(), 'J-1')).toEqual({
      ok: true,
      value: [{ costCode: '01-100', costType: 'L', subJob: null, description: 'Concrete', amount: '1250.00' }],
    });
  });

  it('when the ERP lost its state and handed the same number to another job\'s export, the posting check finds the export missing, not posted', async () => {
    const mine = await adapter.exportBudget(connection(), request('k-mine'));
    const ref = { erpReference: mine.ok ? mine.value.erpReference : '', idempotencyKey: 'k-mine' };
    await control('POST', `/_sim/${system}/lose-state`);
    expect(await adapter.checkPosted(connection(), 'J-1', ref)).toMatchObject({ ok: true, value: { status: 'missing' } });

    // The restored ERP numbers a new export (another job's in real life) with the same reference, and posts it.
    await control('POST', '/_sim/jobs', { system, companyId: 'c1', jobNumber: 'J-2', name: 'Elm St', costCodes: [{ code: '01-100', description: 'Concrete' }], subJobs: [] });
    const theirs = await adapter.exportBudget(connection(), request('k-theirs', { jobNumber: 'J-2' }));
    expect(theirs.ok && theirs.value.erpReference).toBe(ref.erpReference);
    await control('POST', `/_sim/${system}/jobs/J-2/post-entries`);
    const check = await adapter.checkPosted(connection(), 'J-1', ref);
    expect(check).toMatchObject({ ok: true, value: { status: 'missing' } });
  });

  it.each([
    ['error500', 'transient', 'erp_unavailable'],
    ['timeout', 'transient', 'timeout'],
    ['down', 'transient', 'erp_unavailable'],
    ['reject', 'permanent', 'validation_rejected'],
  ])('classifies the %s fault as %s %s', async (mode, kind, code) => {
    await control('PUT', `/_sim/${system}/faults`, { mode, count: 1 });
    expect(await adapter.exportBudget(connection(), request('k-f'))).toMatchObject({ ok: false, error: { kind, code } });
  });

  it('sends the connection credentials to the ERP', async () => {
    await adapter.fetchJob(connection(), 'J-1');
    expect(sim.state.credentialsSeen.get(system)?.[0]).toMatch(/^(Basic|Bearer) /);
  });
});

const connection = companyConnection;

it('CMiC keeps the revision fields of a revision batch', async () => {
  const revision = { type: 'budget_transfer' as const, date: '2026-11-20', number: 3, status: 'approved' as const, approvedBy: 'Ann Lee' };
  await erpAdapters.cmic.exportBudget(connection(), request('r-1', { kind: 'revision', revision, lines: slices([{ costCode: '01-100', costType: null, subJob: 'S1', description: null, amount: '-25.00' }]) }));
  const job = await control('GET', '/_sim/cmic/jobs/J-1');
  expect(job.revisions).toEqual([expect.objectContaining({ type: 'budget_transfer', date: '2026-11-20', number: 3, status: 'approved', approvedBy: 'Ann Lee' })]);
});

it('QuickBooks refuses to export while the estimates feature is off, naming the setting', async () => {
  await control('PUT', '/_sim/quickbooks/companies/c1/preferences', { estimatesEnabled: false });
  expect(await erpAdapters.quickbooks.exportBudget(connection(), request('q-1'))).toMatchObject({
    ok: false,
    error: { kind: 'permanent', code: 'estimates_disabled', message: expect.stringContaining('Account and Settings') },
  });
});

describe('Acumatica, as its contract-based REST API behaves', () => {
  const acumatica = erpAdapters.acumatica;
  const instance = (): ErpConnection => ({ ...companyConnection(), baseUrl: `${sim.url}${acumatica.instancePath!('c1')}` });
  const put = (body: unknown) =>
    fetch(`${sim.url}/acumatica/c1/entity/Default/23.200.001/ChangeOrder`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  it('does not deduplicate ExternalRefNbr: a second change order with the same key is created, so the adapter looks the key up before any retry', async () => {
    const first = await acumatica.exportBudget(instance(), request('a-1'));
    const second = await acumatica.exportBudget(instance(), request('a-1'));
    expect(first.ok && second.ok && first.value.erpReference !== second.value.erpReference).toBe(true);
    expect(await acumatica.findExport(instance(), 'J-1', 'a-1')).toEqual(first);
  });

  it('puts lines without a sub job on the project default task and reads them back without one', async () => {
    const exported = await acumatica.exportBudget(instance(), request('a-2'));
    expect(exported.ok).toBe(true);
    const job = (await control('GET', '/_sim/acumatica/jobs/J-1?companyId=c1')) as { exports?: { lines: { subJob: string | null }[] }[] };
    expect(job.exports?.[0].lines[0].subJob).toBe('S1');
    await control('POST', '/_sim/acumatica/jobs/J-1/post-entries?companyId=c1');
    expect(await acumatica.readBudget(instance(), 'J-1')).toEqual({ ok: true, value: [{ costCode: '01-100', costType: 'L', subJob: null, description: 'Concrete', amount: '1250.00' }] });
  });

  it('refuses bare field values with 400 and a line on an unknown task or cost code with 422 naming each', async () => {
    const bare = await put({ ProjectID: 'J-1', CostBudget: [] });
    expect(bare.status).toBe(400);
    expect(((await bare.json()) as { exceptionMessage: string }).exceptionMessage).toContain('ProjectID');
    const invalid = await acumatica.exportBudget(instance(), request('a-3', { lines: slices([{ costCode: '99-999', costType: null, subJob: 'NOPE', description: null, amount: '10.00' }]) }));
    expect(invalid).toMatchObject({ ok: false, error: { kind: 'permanent', code: 'validation_rejected' } });
    expect(!invalid.ok && invalid.error.message).toMatch(/cost code 99-999 .*sub job NOPE/);
  });

  it('reads an unknown endpoint version as missing, as a site without that endpoint answers', async () => {
    const res = await fetch(`${sim.url}/acumatica/c1/entity/Default/17.200.001/Project`);
    expect(res.status).toBe(404);
  });
});
