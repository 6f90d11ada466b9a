import { randomUUID } from 'node:crypto';
import { waitFor } from '@budget-erp/testing';
import { accepted, tokenFor, World } from './support/world';

/**
 * The initial import over HTTP is bound to the project in its URL and refused at once (409, with
 * the reason) when the connector's own exports show the budget was exported; the connector, the
 * ERP simulator, real PostgreSQL and the dev broker.
 */
const companyId = 'imp-co';
let world: World;
const token = () => tokenFor(companyId);

const createJob = (jobNumber: string) =>
  world.simControl('POST', '/_sim/jobs', { system: 'sage300cre', companyId, jobNumber, costCodes: [{ code: '01-100', description: 'Concrete' }], subJobs: [] });
const link = async (jobNumber: string) => {
  await createJob(jobNumber);
  expect((await world.http('POST', `/erp/projects/p-${jobNumber}/link`, token(), { jobNumber })).status).toBe(200);
};
const exportBudget = async (jobNumber: string) => {
  const event = accepted({ companyId, system: 'sage300cre', jobNumber, lines: [{ costCode: '01-100', amount: '100.00' }] });
  await world.requestExport(event);
  return event;
};

beforeAll(async () => {
  world = await World.start('erp_connector_import_binding');
  expect((await world.http('PUT', '/erp/connection', token(), { system: 'sage300cre' })).status).toBe(200);
  await link('IB-1');
  await link('IB-2');
}, 60_000);

afterAll(async () => {
  await world?.stop();
});

it('a budget of another project of the company answers 404 BUDGET.NOT_FOUND and publishes nothing', async () => {
  const exported = await exportBudget('IB-1');
  await world.waitForWire('export.succeeded', (m) => m.value.exportId === exported.exportId);
  const res = await world.http('POST', '/erp/projects/p-IB-2/import', token(), { budgetId: exported.budgetId });
  expect(res.status).toBe(404);
  expect(res.body).toMatchObject({ code: 'BUDGET.NOT_FOUND', message: `Budget ${exported.budgetId} was not found in project p-IB-2` });
  expect(world.wire.filter((m) => m.topic.startsWith('erp.budget.import') && m.value.budgetId === exported.budgetId)).toEqual([]);
});

it('a budget exported from the platform (landed, awaiting posting, then posted) is refused with 409 IMPORT.BUDGET_ALREADY_EXPORTED', async () => {
  const exported = await exportBudget('IB-1');
  await world.waitForWire('export.succeeded', (m) => m.value.exportId === exported.exportId);
  const awaiting = await world.http('POST', '/erp/projects/p-IB-1/import', token(), { budgetId: exported.budgetId, mode: 'overwrite' });
  expect(awaiting.status).toBe(409);
  expect(awaiting.body).toMatchObject({ code: 'IMPORT.BUDGET_ALREADY_EXPORTED', message: expect.stringContaining('Sage 300 CRE job IB-1') });

  await world.simControl('POST', `/_sim/sage300cre/jobs/IB-1/post-entries?companyId=${companyId}`);
  await world.waitForWire('erp.posted', (m) => m.value.exportId === exported.exportId);
  expect((await world.http('POST', '/erp/projects/p-IB-1/import', token(), { budgetId: exported.budgetId })).body.code).toBe('IMPORT.BUDGET_ALREADY_EXPORTED');
});

it('a budget whose export is still being attempted is refused with 409 IMPORT.EXPORT_IN_PROGRESS', async () => {
  await world.simControl('PUT', '/_sim/sage300cre/faults', { mode: 'error500' });
  try {
    const running = await exportBudget('IB-2');
    await waitFor(async () => (await world.dbQuery(`SELECT 1 FROM erp_exports WHERE data->>'budgetId' = $1 AND status IN ('requested', 'attempting')`, [running.budgetId])).length > 0);
    const res = await world.http('POST', '/erp/projects/p-IB-2/import', token(), { budgetId: running.budgetId });
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('IMPORT.EXPORT_IN_PROGRESS');
  } finally {
    await world.simControl('PUT', '/_sim/sage300cre/faults', { mode: 'ok' });
  }
});

it('a budget the connector never exported, or another company’s, goes ahead (202) for the budget service to decide', async () => {
  const unknown = await world.http('POST', '/erp/projects/p-IB-1/import', token(), { budgetId: `b-${randomUUID()}` });
  expect(unknown.status).toBe(202);
  const exported = await exportBudget('IB-1');
  await world.waitForWire('export.succeeded', (m) => m.value.exportId === exported.exportId);
  await world.http('PUT', '/erp/connection', tokenFor('imp-other'), { system: 'sage300cre' });
  const foreign = await world.http('POST', '/erp/projects/p-IB-1/import', tokenFor('imp-other'), { budgetId: exported.budgetId });
  // Another company learns nothing of the budget: its project is simply not linked there.
  expect(foreign.status).toBe(409);
  expect(foreign.body.code).toBe('ERP.PROJECT_NOT_LINKED');
});
