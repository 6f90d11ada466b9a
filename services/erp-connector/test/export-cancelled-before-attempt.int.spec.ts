import { waitFor } from '@budget-erp/testing';
import { accepted, person, tokenFor, World } from './support/world';

/**
 * An export recorded while no worker of its ERP runs, then given up, is cancelled by the first
 * worker of that ERP to start, before any request reaches the ERP; meanwhile it counts in that
 * ERP's backlog only.
 */
const companyId = 'co-cancel-before-attempt';
let world: World;

beforeAll(async () => {
  world = await World.start('erp_connector_cancel_first', { ERP_SYSTEMS: 'cmic,sage300cre' });
  expect((await world.http('PUT', '/erp/connection', tokenFor(companyId), { system: 'quickbooks' })).status).toBe(200);
  await world.simControl('POST', '/_sim/jobs', { system: 'quickbooks', companyId, jobNumber: 'C-1', costCodes: ['01-100'] });
}, 60_000);

afterAll(async () => {
  await world?.stop();
});

const pendingQuickBooks = async (service = world.service!) => {
  const text = await (await fetch(`${service.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('erp_connector_pending_exports{') && l.includes('erp_system="quickbooks"'));
  return Number(line?.slice(line.lastIndexOf(' ') + 1));
};

it('a QuickBooks export rejected before any QuickBooks worker ran is cancelled by the first one to start, and QuickBooks never receives it', async () => {
  const send = accepted({ companyId, system: 'quickbooks', jobNumber: 'C-1', lines: [{ costCode: '01-100', amount: '300.00' }] });
  await world.requestExport(send);
  await waitFor(async () => ((await pendingQuickBooks()) === 1 ? true : undefined), { description: 'the QuickBooks export recorded and pending' });

  await world.publish(
    'budget.rejected',
    { budgetId: send.budgetId, projectId: send.summary.projectId, companyId, exportId: send.exportId, reason: 'Wrong job', rejectedBy: person('Alex'), rejectedAt: new Date().toISOString(), sentBy: person('Pat'), createdBy: person('Pat'), afterFailedExport: false },
    send.budgetId,
    companyId,
  );
  await waitFor(async () => ((await world.dbQuery('SELECT 1 FROM erp_export_facts WHERE export_id = $1 AND fact = $2', [send.exportId, 'rejected'])).length === 1 ? true : undefined), {
    description: 'the rejection recorded',
  });
  expect(await pendingQuickBooks()).toBe(1);

  const quickbooksWorker = await world.startService({ ERP_SYSTEMS: 'quickbooks' });
  await waitFor(async () => ((await world.dbQuery<{ status: string }>('SELECT status FROM erp_exports WHERE export_id = $1', [send.exportId]))[0]?.status === 'cancelled' ? true : undefined), {
    timeoutMs: 20_000,
    description: 'the export cancelled by the QuickBooks worker',
  });
  expect(await pendingQuickBooks(quickbooksWorker)).toBe(0);
  expect(await world.dbQuery('SELECT 1 FROM erp_export_attempts WHERE export_id = $1', [send.exportId])).toEqual([]);
  expect(world.sim.state.findJob('quickbooks', 'C-1', companyId)!.entries).toEqual([]);
  const view = await world.http('GET', `/erp/exports/${send.exportId}`, tokenFor(companyId, 'read_only'));
  expect(view.body).toMatchObject({ status: 'cancelled', cancelled: { reason: 'rejected' }, attempts: [], lifecycle: { status: 'rejected', landedAfterGivenUp: false } });
  expect(world.wire.filter((m) => m.value.exportId === send.exportId)).toEqual([]);
});
