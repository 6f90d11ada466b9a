import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { Topics } from '@budget-erp/contracts';
import { waitFor } from '@budget-erp/testing';
import { now, person, publishErpConnection, publishProjectLink, startWorld, tokenFor, World } from './support';

/** The timeout sweeper judges by the outcomes the service applied, not by the clock alone. */
const companyId = `c-${randomUUID()}`;
const projectId = `p-${randomUUID()}`;
const pat = person('Pat');
const ann = person('Ann');
let world: World;
let pm: string;

beforeAll(async () => {
  world = await startWorld('budget_timeout_outage', [Topics.BudgetSent, Topics.BudgetExportTimedOut], { EXPORT_TIMEOUT_MS: '600000' });
  pm = await tokenFor({ companyId, sub: pat.userId, name: pat.name, email: pat.email });
  await publishErpConnection(world, companyId, 'cmic');
  await publishProjectLink(world, { companyId, projectId, erpSystem: 'cmic', jobNumber: 'J-7', jobName: 'Tower', costCodes: [{ code: '01-100', description: 'Concrete' }], linkedBy: pat });
}, 60_000);

afterAll(async () => {
  await world?.stop();
});

const get = (path: string) => world.http('GET', path, pm);
const post = (path: string, body?: unknown) => world.http('POST', path, pm, body);
const waitForStatus = (budgetId: string, erpStatus: string) =>
  waitFor(async () => ((await get(`/budgets/${budgetId}`)).body.erpStatus === erpStatus ? true : undefined), { timeoutMs: 15_000, description: `budget ${budgetId} to be ${erpStatus}` });

it('when the service was down past an export\'s deadline and the export landed meanwhile, the outcome waiting in its topic is applied first: the export is not timed out', async () => {
  const created = await post(`/projects/${projectId}/budgets`, { name: 'Lands during the outage', lines: [{ costCode: '01-100', amount: '25.00' }] });
  const budgetId = created.body.id as string;
  await waitFor(async () => ((await get(`/budgets/${budgetId}/erp-readiness`)).body.reasons as unknown[]).length === 1, { description: 'the ERP link to be known' });
  await post(`/budgets/${budgetId}/lock`);
  const exportId = (await post(`/budgets/${budgetId}/send-to-erp`)).body.exportId as string;
  await world.waitForWire(Topics.BudgetSent, (m) => m.key === budgetId);
  await world.publish(Topics.BudgetAccepted, { budgetId, projectId, companyId, exportId, description: null, revision: null, acceptedBy: ann, acceptedAt: now() }, budgetId, companyId);
  await waitForStatus(budgetId, 'exporting');

  await world.stopService();
  // The export lands while the service is down, and the outage outlasts the export's deadline.
  await world.publish(
    Topics.ExportSucceeded,
    { budgetId, projectId, companyId, exportId, erpSystem: 'cmic', jobNumber: 'J-7', kind: 'original', sentBy: pat, acceptedBy: ann, createdBy: pat, erpReference: 'BATCH-O', total: '25.00', exportedAt: now() },
    budgetId,
    companyId,
  );
  const sql = new Client({ connectionString: world.db.url });
  await sql.connect();
  try {
    await sql.query(`UPDATE export_sagas SET deadline = now() - interval '1 minute' WHERE export_id = $1`, [exportId]);
  } finally {
    await sql.end();
  }
  await world.startService();

  await waitForStatus(budgetId, 'awaiting_posting');
  const timeline = (await get(`/budgets/${budgetId}/timeline`)).body;
  expect(timeline.exports[0]).toMatchObject({ exportId, status: 'awaiting_posting', landedAfterGivenUp: false });
  expect(world.wire.filter((m) => m.topic === Topics.BudgetExportTimedOut)).toEqual([]);
});
