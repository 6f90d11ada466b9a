import { startErpSimulator, type ErpSimulator } from '../src';

let sim: ErpSimulator;
const call = async (method: string, path: string, body?: unknown, timeoutMs = 2000) => {
  const res = await fetch(`${sim.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json', authorization: 'Bearer test' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
};

const cmicBatch = (extRef: string, amount = '1000.00') => ({
  extRef,
  batchType: 'ORIGINAL',
  description: 'Original budget',
  lines: [{ phsCode: '01-100', catCode: 'L', subJobCode: 'A', amount }],
});

beforeAll(async () => {
  sim = await startErpSimulator({ port: 0 });
});
afterAll(async () => {
  await sim.stop();
});
beforeEach(async () => {
  sim.state.reset();
  await call('POST', '/_sim/jobs', { system: 'cmic', companyId: 'c1', jobNumber: 'J-1', costCodes: ['01-100', '02-200'], subJobs: ['A'] });
  await call('POST', '/_sim/jobs', { system: 'sage300cre', companyId: 'c1', jobNumber: 'S-1', costCodes: [{ code: '100', description: 'Site' }], subJobs: ['01'] });
  await call('POST', '/_sim/jobs', { system: 'quickbooks', companyId: 'c1', jobNumber: 'Q-1', costCodes: ['Framing'] });
});

describe('CMiC', () => {
  it('lists the job cost codes (phases) and sub jobs of a company job', async () => {
    expect((await call('GET', '/cmic/jc/jobs/J-1/cost-codes?compCode=c1')).body.items).toEqual([
      { phsCode: '01-100', phsName: '01-100' },
      { phsCode: '02-200', phsName: '02-200' },
    ]);
    expect((await call('GET', '/cmic/jc/jobs/J-1?compCode=c1')).body.subJobs).toEqual([{ subJobCode: 'A' }]);
    expect((await call('GET', '/cmic/jc/jobs/J-1?compCode=other')).status).toBe(404);
  });

  it('keeps a budget batch unposted until the accountant posts it, then the amounts join the job budget', async () => {
    const created = await call('POST', '/cmic/jc/jobs/J-1/budget-batches?compCode=c1', cmicBatch('x-1'));
    expect(created).toMatchObject({ status: 201, body: { status: 'UNPOSTED', extRef: 'x-1', total: '1000.00' } });
    expect((await call('GET', '/cmic/jc/jobs/J-1/budget?compCode=c1')).body.items).toEqual([]);

    await call('POST', '/_sim/cmic/jobs/J-1/post-entries');

    expect((await call('GET', `/cmic/jc/budget-batches/${created.body.batchNo}?compCode=c1`)).body.status).toBe('POSTED');
    expect((await call('GET', '/cmic/jc/jobs/J-1/budget?compCode=c1')).body.items).toEqual([
      { phsCode: '01-100', catCode: 'L', subJobCode: 'A', description: null, amount: '1000.00' },
    ]);
  });

  it('when the same extRef is sent twice, keeps one batch and answers the first one', async () => {
    const first = await call('POST', '/cmic/jc/jobs/J-1/budget-batches?compCode=c1', cmicBatch('x-1'));
    const again = await call('POST', '/cmic/jc/jobs/J-1/budget-batches?compCode=c1', cmicBatch('x-1'));
    expect(again).toMatchObject({ status: 200, body: { batchNo: first.body.batchNo } });
    expect((await call('GET', '/_sim/cmic/jobs/J-1')).body.exports).toHaveLength(1);
    expect((await call('GET', '/cmic/jc/budget-batches?compCode=c1&extRef=x-1')).body.items).toHaveLength(1);
    expect((await call('GET', '/cmic/jc/budget-batches?compCode=c1&extRef=nope')).body.items).toHaveLength(0);
  });

  it('keeps revision fields on a revision batch', async () => {
    await call('POST', '/cmic/jc/jobs/J-1/budget-batches?compCode=c1', {
      extRef: 'r-1',
      batchType: 'REVISION',
      revision: { revType: 'scope_change', revDate: '2026-11-23', revNumber: 2, revStatus: 'approved', approvedBy: 'Ann' },
      lines: [{ phsCode: '02-200', amount: '-50.5' }],
    });
    const job = (await call('GET', '/_sim/cmic/jobs/J-1')).body;
    expect(job.revisions).toEqual([
      expect.objectContaining({ type: 'scope_change', date: '2026-11-23', number: 2, status: 'approved', approvedBy: 'Ann' }),
    ]);
    expect(job.exports[0].lines[0].amount).toBe('-50.50');
  });

  it('rejects unknown cost codes and sub jobs with every problem named', async () => {
    const res = await call('POST', '/cmic/jc/jobs/J-1/budget-batches?compCode=c1', {
      extRef: 'x',
      lines: [{ phsCode: '99', subJobCode: 'Z', amount: '1.001' }],
    });
    expect(res.status).toBe(400);
    expect(res.body.messages).toEqual([
      'line 1: cost code 99 does not exist on job J-1',
      'line 1: amount must have at most 2 fraction digits',
      'line 1: sub job Z does not exist on job J-1',
    ]);
  });
});

describe('Sage 300 CRE', () => {
  it('finds an entry by its reference and shows it Posted after Post Entries', async () => {
    const body = { Reference: 'k-1', Job: 'S-1', EntryType: 'OriginalEstimate', Lines: [{ CostCode: '100', SubJob: '01', Amount: '250.00' }] };
    expect((await call('POST', '/sage300cre/companies/c1/jc/entries', body)).body.Status).toBe('Unposted');
    await call('POST', '/_sim/sage300cre/jobs/S-1/post-entries');
    const found = (await call('GET', '/sage300cre/companies/c1/jc/entries?reference=k-1')).body.Entries;
    expect(found).toEqual([expect.objectContaining({ Reference: 'k-1', Status: 'Posted', Total: '250.00' })]);
    expect((await call('GET', '/sage300cre/companies/c1/jobs/S-1/estimates')).body.Lines[0].Amount).toBe('250.00');
  });
});

describe('QuickBooks Online', () => {
  const estimate = (subJob?: string) => ({
    CustomerRef: { value: 'Q-1' },
    Line: [{ Amount: '700.00', DetailType: 'SalesItemLineDetail', SalesItemLineDetail: { ItemRef: { value: 'Framing' }, SubJobRef: subJob ? { value: subJob } : undefined } }],
  });

  it('refuses to create a job with sub jobs, because QuickBooks has none', async () => {
    const res = await call('POST', '/_sim/jobs', { system: 'quickbooks', companyId: 'c1', jobNumber: 'Q-2', costCodes: ['A'], subJobs: ['x'] });
    expect(res).toMatchObject({ status: 400, body: { problems: ['QuickBooks Online has no sub jobs'] } });
  });

  it('refuses an estimate line with a sub job', async () => {
    const res = await call('POST', '/quickbooks/v3/company/c1/estimate?requestid=e-1', estimate('A'));
    expect(res.status).toBe(400);
    expect(res.body.Fault.Error[0].Message).toBe('line 1: sub jobs are not supported');
  });

  it('refuses estimates while the estimates feature is off', async () => {
    await call('PUT', '/_sim/quickbooks/companies/c1/preferences', { estimatesEnabled: false });
    expect((await call('GET', '/quickbooks/v3/company/c1/preferences')).body.Preferences.SalesFormsPrefs.AllowEstimates).toBe(false);
    const res = await call('POST', '/quickbooks/v3/company/c1/estimate?requestid=e-1', estimate());
    expect(res.body.Fault.Error[0].Message).toMatch(/Estimates are turned off/);
  });

  it('shows the estimate on the job costing report only once posted, and creates it once per request id', async () => {
    await call('POST', '/quickbooks/v3/company/c1/estimate?requestid=e-1', estimate());
    await call('POST', '/quickbooks/v3/company/c1/estimate?requestid=e-1', estimate());
    expect((await call('GET', '/quickbooks/v3/company/c1/reports/JobCosting?customer=Q-1')).body.Estimates).toEqual([]);
    await call('POST', '/_sim/quickbooks/jobs/Q-1/post-entries');
    const report = (await call('GET', '/quickbooks/v3/company/c1/reports/JobCosting?customer=Q-1')).body;
    expect(report.Estimates).toEqual([expect.objectContaining({ RequestId: 'e-1', TotalAmt: '700.00' })]);
    expect(report.Rows.Row).toEqual([expect.objectContaining({ ItemRef: 'Framing', EstimatedCost: '700.00' })]);
  });
});

describe('faults', () => {
  it('error500 with a count fails that many requests, then the ERP answers again', async () => {
    await call('PUT', '/_sim/cmic/faults', { mode: 'error500', count: 2 });
    expect((await call('GET', '/cmic/jc/jobs/J-1?compCode=c1')).status).toBe(500);
    expect((await call('GET', '/cmic/jc/jobs/J-1?compCode=c1')).status).toBe(500);
    expect((await call('GET', '/cmic/jc/jobs/J-1?compCode=c1')).status).toBe(200);
  });

  it('down drops the connection of that ERP only', async () => {
    await call('PUT', '/_sim/quickbooks/faults', { mode: 'down' });
    await expect(call('GET', '/quickbooks/v3/company/c1/projects/Q-1')).rejects.toThrow();
    expect((await call('GET', '/cmic/jc/jobs/J-1?compCode=c1')).status).toBe(200);
  });

  it('timeout never answers and applies nothing', async () => {
    await call('PUT', '/_sim/cmic/faults', { mode: 'timeout', count: 1 });
    await expect(call('POST', '/cmic/jc/jobs/J-1/budget-batches?compCode=c1', cmicBatch('t-1'), 300)).rejects.toThrow();
    expect((await call('GET', '/_sim/cmic/jobs/J-1')).body.exports).toHaveLength(0);
  });

  it('lost_reply applies the write but the caller never hears back', async () => {
    await call('PUT', '/_sim/sage300cre/faults', { mode: 'lost_reply', count: 1 });
    const body = { Reference: 'lost-1', Job: 'S-1', Lines: [{ CostCode: '100', Amount: '10.00' }] };
    await expect(call('POST', '/sage300cre/companies/c1/jc/entries', body, 300)).rejects.toThrow();
    expect((await call('GET', '/sage300cre/companies/c1/jc/entries?reference=lost-1')).body.Entries).toHaveLength(1);
  });

  it('reject answers the ERP validation error for writes and lets reads through', async () => {
    await call('PUT', '/_sim/cmic/faults', { mode: 'reject', count: 1 });
    expect((await call('GET', '/cmic/jc/jobs/J-1?compCode=c1')).status).toBe(200);
    const res = await call('POST', '/cmic/jc/jobs/J-1/budget-batches?compCode=c1', cmicBatch('x-9'));
    expect(res).toMatchObject({ status: 400, body: { messages: ['Job J-1 is closed for budget changes'] } });
  });

  it('throttled answers 429 with Retry-After and a ThrottleExceeded Fault, then lets the next call through', async () => {
    await call('PUT', '/_sim/quickbooks/faults', { mode: 'throttled', count: 1 });
    const throttled = await fetch(`${sim.url}/quickbooks/v3/company/c1/projects/Q-1`, { headers: { authorization: 'Bearer test' } });
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get('retry-after')).toBe('1');
    expect(await throttled.json()).toMatchObject({ Fault: { type: 'ThrottleExceeded' } });
    expect((await call('GET', '/quickbooks/v3/company/c1/projects/Q-1')).status).toBe(200);
  });

  it('throttled with retryAfterSeconds answers 429 asking for that many seconds; a negative one is refused with 400', async () => {
    await call('PUT', '/_sim/quickbooks/faults', { mode: 'throttled', count: 1, retryAfterSeconds: 3600 });
    const throttled = await fetch(`${sim.url}/quickbooks/v3/company/c1/projects/Q-1`, { headers: { authorization: 'Bearer test' } });
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get('retry-after')).toBe('3600');
    expect((await call('PUT', '/_sim/quickbooks/faults', { mode: 'throttled', retryAfterSeconds: -1 })).status).toBe(400);
  });

  it('down with writesOnly drops the connection of a write while reads answer', async () => {
    await call('PUT', '/_sim/quickbooks/faults', { mode: 'down', writesOnly: true });
    try {
      expect((await call('GET', '/quickbooks/v3/company/c1/projects/Q-1')).status).toBe(200);
      await expect(fetch(`${sim.url}/quickbooks/v3/company/c1/estimate`, { method: 'POST', headers: { authorization: 'Bearer test', 'content-type': 'application/json' }, body: '{}' })).rejects.toThrow();
    } finally {
      await call('PUT', '/_sim/quickbooks/faults', { mode: 'ok' });
    }
  });

  it('refuses an unknown fault mode with 400', async () => {
    expect((await call('PUT', '/_sim/cmic/faults', { mode: 'sometimes' })).status).toBe(400);
  });
});

describe('control routes', () => {
  it('PUT budget replaces what the ERP holds, as a change made inside the ERP', async () => {
    await call('PUT', '/_sim/cmic/jobs/J-1/budget', { lines: [{ costCode: '01-100', amount: '12.5' }] });
    expect((await call('GET', '/_sim/cmic/jobs/J-1')).body.budget).toEqual([
      { costCode: '01-100', costType: null, subJob: null, description: null, amount: '12.50' },
    ]);
  });
});
