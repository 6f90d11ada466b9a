import { waitFor } from '@budget-erp/testing';
import { accepted, tokenFor, World } from './support/world';

/**
 * The autoscaling signal of each ERP's workers is its backlog, `erp_connector_pending_exports`:
 * while one ERP is down its figure grows with every export accepted for it, and the others' stay
 * at zero as their exports land.
 */
const SYSTEMS = ['cmic', 'sage300cre', 'quickbooks'] as const;
type System = (typeof SYSTEMS)[number];
const company = (system: System) => `co-backlog-${system}`;
let world: World;

async function pending(): Promise<Record<System, number>> {
  const text = await (await fetch(`${world.service!.url}/metrics`)).text();
  const figure = (system: System) => {
    const line = text.split('\n').find((l) => l.startsWith('erp_connector_pending_exports{') && l.includes(`erp_system="${system}"`));
    if (!line) throw new Error(`/metrics has no erp_connector_pending_exports for ${system}`);
    return Number(line.slice(line.lastIndexOf(' ') + 1));
  };
  return { cmic: figure('cmic'), sage300cre: figure('sage300cre'), quickbooks: figure('quickbooks') };
}

beforeAll(async () => {
  // Exports of the down ERP keep retrying (never fail) for as long as the test keeps it down.
  world = await World.start('erp_connector_backlog', { EXPORT_MAX_ATTEMPTS: '1000' });
  for (const system of SYSTEMS) {
    expect((await world.http('PUT', '/erp/connection', tokenFor(company(system)), { system })).status).toBe(200);
    await world.simControl('POST', '/_sim/jobs', { system, companyId: company(system), jobNumber: 'B-1', costCodes: ['01-100'] });
  }
}, 60_000);

afterAll(async () => {
  await world?.stop();
});

it('with QuickBooks down, its pending exports grow with each accepted export while CMiC and Sage 300 CRE stay at zero, and drain once it is back', async () => {
  expect(await pending()).toEqual({ cmic: 0, sage300cre: 0, quickbooks: 0 });
  await world.simControl('PUT', '/_sim/quickbooks/faults', { mode: 'down' });
  const seen: Record<System, number>[] = [];
  for (let i = 1; i <= 3; i += 1) {
    const stuck = accepted({ companyId: company('quickbooks'), system: 'quickbooks', jobNumber: 'B-1', lines: [{ costCode: '01-100', amount: `${i}.00` }] });
    await world.requestExport(stuck);
    for (const other of ['cmic', 'sage300cre'] as const) {
      const flowing = accepted({ companyId: company(other), system: other, jobNumber: 'B-1', lines: [{ costCode: '01-100', amount: `${i}.00` }] });
      await world.requestExport(flowing);
      await world.waitForWire('export.succeeded', (m) => m.value.exportId === flowing.exportId);
    }
    seen.push(await waitFor(async () => {
      const now = await pending();
      return now.quickbooks === i && now.cmic === 0 && now.sage300cre === 0 ? now : undefined;
    }, { description: `${i} QuickBooks exports pending, none for the others` }));
  }
  expect(seen.map((s) => s.quickbooks)).toEqual([1, 2, 3]);
  expect((await world.dbQuery(`SELECT 1 FROM erp_export_attempts a JOIN erp_exports e USING (export_id) WHERE e.system = 'quickbooks'`)).length).toBeGreaterThan(0);

  await world.simControl('PUT', '/_sim/quickbooks/faults', { mode: 'ok' });
  await waitFor(async () => ((await pending()).quickbooks === 0 ? true : undefined), { timeoutMs: 20_000, description: 'the QuickBooks backlog drained' });
  await waitFor(() => (world.wire.filter((m) => m.topic === 'export.succeeded' && m.value.erpSystem === 'quickbooks').length === 3 ? true : undefined), {
    description: 'the three QuickBooks exports published as succeeded',
  });
});
