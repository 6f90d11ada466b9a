import { ERP_SYSTEM_IDS, type ErpSystem } from '@budget-erp/contracts';
import { waitFor } from '@budget-erp/testing';
import { accepted, person, tokenFor, World, type WiredMessage } from './support/world';

/**
 * Drift reconciliation through the connector's public routes and topics, for every ERP: a synced
 * budget is compared with its ERP job after its posting, on a schedule and on demand; a change made
 * inside the ERP publishes erp.budget.drift_detected once with the differing lines, and undoing it
 * publishes erp.budget.drift_resolved under the same drift id.
 */
const SYSTEMS = ERP_SYSTEM_IDS;
const company = (system: ErpSystem) => `co-drift-${system}`;
let world: World;

beforeAll(async () => {
  world = await World.start('erp_connector_drift', { DRIFT_CHECK_INTERVAL_MS: '400', DRIFT_CHECK_SPACING_MS: '50', DRIFT_POLL_MS: '100' });
  for (const system of SYSTEMS) expect((await world.http('PUT', '/erp/connection', tokenFor(company(system)), { system })).status).toBe(200);
}, 60_000);

afterAll(async () => {
  await world?.stop();
});

const createJob = (system: ErpSystem, jobNumber: string) =>
  world.simControl('POST', '/_sim/jobs', { system, companyId: company(system), jobNumber, costCodes: ['01-100', '02-200', '03-300'] });
const setErpBudget = (system: ErpSystem, jobNumber: string, lines: { costCode: string; amount: string }[]) =>
  world.simControl('PUT', `/_sim/${system}/jobs/${jobNumber}/budget?companyId=${company(system)}`, { lines: lines.map((l) => ({ ...l, costType: null, subJob: null, description: null })) });
const postEntries = (system: ErpSystem, jobNumber: string) => world.simControl('POST', `/_sim/${system}/jobs/${jobNumber}/post-entries?companyId=${company(system)}`);
const driftEvents = (budgetId: string): WiredMessage[] => world.wire.filter((m) => m.topic.startsWith('erp.budget.drift_') && m.key === budgetId);

/** An original export of 01-100 1000.00 and 02-200 500.00, landed and posted in the ERP. */
async function syncedBudget(system: ErpSystem, jobNumber: string) {
  await createJob(system, jobNumber);
  const send = accepted({ companyId: company(system), system, jobNumber, lines: [{ costCode: '01-100', amount: '1000.00' }, { costCode: '02-200', amount: '500.00' }] });
  await world.requestExport(send);
  await world.waitForWire('export.succeeded', (m) => m.value.exportId === send.exportId);
  await postEntries(system, jobNumber);
  await world.waitForWire('erp.posted', (m) => m.value.exportId === send.exportId);
  return send;
}

describe.each(SYSTEMS)('%s', (system) => {
  it('a synced budget changed inside the ERP: the schedule publishes drift_detected once with the exact differing lines; undoing it, the on-demand check publishes drift_resolved under the same drift id', async () => {
    const send = await syncedBudget(system, 'D-1');
    const token = tokenFor(company(system), 'standard');
    // After the posting the budget is compared at once, and agrees with its job.
    expect((await world.http('GET', `/erp/budgets/${send.budgetId}/drift`, token)).status).toBe(200);
    await world.waitForWire('erp.posted', (m) => m.value.exportId === send.exportId);
    expect((await world.http('POST', `/erp/budgets/${send.budgetId}/drift-check`, token)).body).toMatchObject({ status: 'in_sync', lines: [], platformTotal: '1500.00', erpTotal: '1500.00' });

    await setErpBudget(system, 'D-1', [{ costCode: '01-100', amount: '1200.10' }, { costCode: '03-300', amount: '0.05' }]);
    const detected = await world.waitForWire('erp.budget.drift_detected', (m) => m.key === send.budgetId);
    expect(detected.value).toMatchObject({
      budgetId: send.budgetId,
      companyId: company(system),
      erpSystem: system,
      jobNumber: 'D-1',
      origin: 'platform',
      trigger: 'schedule',
      platformTotal: '1500.00',
      erpTotal: '1200.15',
      lines: [
        { costCode: '01-100', costType: null, subJob: null, platformAmount: '1000.00', erpAmount: '1200.10', difference: '200.10' },
        { costCode: '02-200', costType: null, subJob: null, platformAmount: '500.00', erpAmount: '0.00', difference: '-500.00' },
        { costCode: '03-300', costType: null, subJob: null, platformAmount: '0.00', erpAmount: '0.05', difference: '0.05' },
      ],
    });
    expect(detected.headers.ce_type).toBe('erp.budget.drift_detected.v1');

    // The same difference found again publishes nothing more.
    const again = await world.http('POST', `/erp/budgets/${send.budgetId}/drift-check`, token);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ status: 'drifted', driftId: detected.value.driftId, erpTotal: '1200.15' });
    expect(driftEvents(send.budgetId).map((m) => m.topic)).toEqual(['erp.budget.drift_detected']);

    await setErpBudget(system, 'D-1', [{ costCode: '01-100', amount: '1000.00' }, { costCode: '02-200', amount: '500.00' }]);
    const resolvedNow = await world.http('POST', `/erp/budgets/${send.budgetId}/drift-check`, token);
    expect(resolvedNow.body).toMatchObject({ status: 'in_sync', driftId: null, lines: [] });
    const resolved = await world.waitForWire('erp.budget.drift_resolved', (m) => m.key === send.budgetId);
    expect(resolved.value).toMatchObject({ driftId: detected.value.driftId, total: '1500.00', origin: 'platform' });
    expect(driftEvents(send.budgetId).map((m) => m.topic)).toEqual(['erp.budget.drift_detected', 'erp.budget.drift_resolved']);
  });

  it('an export the platform had given up that reached the ERP and was posted there anyway shows up as drift', async () => {
    await createJob(system, 'D-2');
    const send = accepted({ companyId: company(system), system, jobNumber: 'D-2', lines: [{ costCode: '01-100', amount: '750.00' }] });
    await world.requestExport(send);
    await world.waitForWire('export.succeeded', (m) => m.value.exportId === send.exportId);
    const base = { budgetId: send.budgetId, projectId: send.summary.projectId, companyId: send.companyId, exportId: send.exportId };
    await world.publish('budget.retrieved', { ...base, retrievedBy: person('Pat'), retrievedAt: new Date().toISOString() }, send.budgetId, send.companyId);
    // The accountant posts once the connector knows the platform gave the export up.
    await waitFor(async () => {
      const view = await world.http('GET', `/erp/exports/${send.exportId}`, tokenFor(company(system), 'read_only'));
      return (view.body.lifecycle as { facts: string[] } | undefined)?.facts.includes('retrieved') ? true : undefined;
    }, { description: 'the retrieval recorded' });
    await postEntries(system, 'D-2');
    const detected = await world.waitForWire('erp.budget.drift_detected', (m) => m.key === send.budgetId).catch((e: Error) => {
      throw new Error(`${e.message}\n${world.logLines.filter((l) => /Drift|ExportWorker|warn|error/.test(l)).slice(-30).join('\n')}`);
    });
    expect(detected.value).toMatchObject({ trigger: 'posting', platformTotal: '0.00', erpTotal: '750.00', lines: [{ costCode: '01-100', platformAmount: '0.00', erpAmount: '750.00', difference: '750.00' }] });
  });
});

describe('the drift routes', () => {
  it('another company, a budget never synced: 404 BUDGET.NOT_SYNCED; a read-only user may read the drift but not ask for a check (403)', async () => {
    const send = await syncedBudget('cmic', 'D-3');
    expect((await world.http('GET', `/erp/budgets/${send.budgetId}/drift`, tokenFor('co-other'))).body).toMatchObject({ statusCode: 404, code: 'BUDGET.NOT_SYNCED' });
    expect((await world.http('POST', `/erp/budgets/${send.budgetId}/drift-check`, tokenFor('co-other'))).status).toBe(404);
    expect((await world.http('POST', '/erp/budgets/b-never/drift-check', tokenFor(company('cmic')))).status).toBe(404);
    expect((await world.http('GET', `/erp/budgets/${send.budgetId}/drift`, tokenFor(company('cmic'), 'read_only'))).status).toBe(200);
    expect((await world.http('POST', `/erp/budgets/${send.budgetId}/drift-check`, tokenFor(company('cmic'), 'read_only'))).status).toBe(403);
  });
});
