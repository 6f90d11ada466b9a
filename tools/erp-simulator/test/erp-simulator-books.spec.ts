import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startErpSimulator, type ErpSimulator } from '../src';

/** The ERPs keep their books across a restart of the simulator, as real ERPs keep theirs. */
describe('ERP simulator books on disk', () => {
  let dataDir: string;
  let sim: ErpSimulator | undefined;

  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${sim!.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json', authorization: 'Bearer test' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(2000),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
  const batch = (extRef: string, amount: string) => ({
    extRef,
    batchType: 'ORIGINAL',
    description: 'Original budget',
    lines: [{ phsCode: '01-100', catCode: 'L', subJobCode: 'A', amount }],
  });
  const restart = async (options: { fresh?: boolean } = {}) => {
    await sim?.stop();
    sim = await startErpSimulator({ port: 0, dataDir, ...options });
  };

  beforeEach(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'erp-sim-books-'));
    sim = await startErpSimulator({ port: 0, dataDir });
    await call('POST', '/_sim/jobs', { system: 'cmic', companyId: 'c1', jobNumber: 'J-1', costCodes: ['01-100'], subJobs: ['A'] });
  });

  afterEach(async () => {
    await sim?.stop();
    sim = undefined;
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('after a restart, the jobs, exports, postings, entry numbers and faults are all still there', async () => {
    const first = await call('POST', '/cmic/jc/jobs/J-1/budget-batches?compCode=c1', batch('export-1', '100.00'));
    expect(first.status).toBe(201);
    await call('POST', '/_sim/cmic/jobs/J-1/post-entries?companyId=c1');
    await call('PUT', '/_sim/sage300cre/faults', { mode: 'down' });

    await restart();

    const job = await call('GET', '/_sim/cmic/jobs/J-1?companyId=c1');
    expect(job.status).toBe(200);
    expect(job.body.exports).toEqual([expect.objectContaining({ reference: first.body.batchNo, idempotencyKey: 'export-1', posted: true })]);
    expect(job.body.budget).toEqual([expect.objectContaining({ costCode: '01-100', amount: '100.00' })]);
    expect((await call('GET', '/_sim/sage300cre/faults')).body).toEqual({ mode: 'down', remaining: null });
    // The same export again is still recognised by its key; a new one gets the next number, not a used one.
    const again = await call('POST', '/cmic/jc/jobs/J-1/budget-batches?compCode=c1', batch('export-1', '100.00'));
    const next = await call('POST', '/cmic/jc/jobs/J-1/budget-batches?compCode=c1', batch('export-2', '5.00'));
    const numbers = (await call('GET', '/_sim/cmic/jobs/J-1?companyId=c1')).body.exports.map((e: { reference: string }) => e.reference);
    expect(again.status).toBeLessThan(300);
    expect(next.status).toBe(201);
    expect(new Set(numbers).size).toBe(2);
    expect(readdirSync(dataDir)).toEqual(['books.json']);
  });

  it('with fresh, starts with empty books', async () => {
    await call('POST', '/cmic/jc/jobs/J-1/budget-batches?compCode=c1', batch('export-1', '100.00'));

    await restart({ fresh: true });

    expect((await call('GET', '/_sim/cmic/jobs/J-1?companyId=c1')).status).toBe(404);
  });

  it('without a data directory, keeps nothing across a restart', async () => {
    await sim!.stop();
    sim = await startErpSimulator({ port: 0 });
    await call('POST', '/_sim/jobs', { system: 'cmic', companyId: 'c1', jobNumber: 'J-9', costCodes: ['01-100'] });
    await sim.stop();
    sim = await startErpSimulator({ port: 0 });

    expect((await call('GET', '/_sim/cmic/jobs/J-9?companyId=c1')).status).toBe(404);
  });

  it('when told to lose its state, the ERP forgets its exports and hands out the same entry numbers again, and that too is kept', async () => {
    await call('POST', '/cmic/jc/jobs/J-1/budget-batches?compCode=c1', batch('export-1', '100.00'));
    const before = (await call('GET', '/_sim/cmic/jobs/J-1?companyId=c1')).body.exports[0].reference;

    expect((await call('POST', '/_sim/cmic/lose-state')).body).toEqual({ system: 'cmic', entriesLost: 1 });
    await call('POST', '/cmic/jc/jobs/J-1/budget-batches?compCode=c1', batch('export-other', '7.00'));
    await restart();

    const exports = (await call('GET', '/_sim/cmic/jobs/J-1?companyId=c1')).body.exports;
    expect(exports).toEqual([expect.objectContaining({ idempotencyKey: 'export-other', reference: before })]);
  });
});
