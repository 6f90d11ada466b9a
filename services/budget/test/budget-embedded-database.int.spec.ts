import { randomUUID } from 'node:crypto';
import { Topics } from '@budget-erp/contracts';
import { startEmbeddedPostgres, waitFor } from '@budget-erp/testing';
import { now, person, publishErpConnection, publishProjectLink, startWorld, tokenFor, World } from './support';

// PGlite runs one transaction at a time across connections: a unit of work that awaited a query on
// another connection would hang here. This runs the whole export path on it, sweeper included.
const companyId = `c-${randomUUID()}`;
const projectId = `p-${randomUUID()}`;
const pat = person('Pat');
const ann = person('Ann');

let world: World;
let pm: string;

beforeAll(async () => {
  world = await startWorld('budget_embedded', [Topics.BudgetSent], { EXPORT_TIMEOUT_MS: '60000', EXPORT_TIMEOUT_SWEEP_MS: '50' }, startEmbeddedPostgres);
  pm = await tokenFor({ companyId, sub: pat.userId, name: pat.name, email: pat.email });
}, 60_000);

afterAll(async () => {
  await world?.stop();
});

it('on the embedded database, a budget goes from creation through send, export and posting to synced', async () => {
  await publishErpConnection(world, companyId, 'sage300cre');
  await publishProjectLink(world, { companyId, projectId, erpSystem: 'sage300cre', jobNumber: 'S-1', jobName: 'Yard', costCodes: [{ code: '01-100', description: '' }], linkedBy: pat });
  const created = await world.http('POST', `/projects/${projectId}/budgets`, pm, { name: 'Embedded', lines: [{ costCode: '01-100', amount: '75.25' }] });
  expect(created.status).toBe(201);
  const budgetId = created.body.id as string;
  expect((await world.http('POST', `/budgets/${budgetId}/lock`, pm)).status).toBe(200);
  await waitFor(async () => ((await world.http('GET', `/budgets/${budgetId}/erp-readiness`, pm)).body.canSend ? true : undefined), { timeoutMs: 15_000 });

  const sent = await world.http('POST', `/budgets/${budgetId}/send-to-erp`, pm);
  expect(sent.status).toBe(202);
  const { exportId } = sent.body as { exportId: string };
  await world.waitForWire(Topics.BudgetSent, (m) => m.key === budgetId);

  const people = { sentBy: pat, createdBy: pat };
  await world.publish(
    Topics.BudgetAccepted,
    { budgetId, projectId, companyId, exportId, description: null, revision: null, acceptedBy: ann, acceptedAt: now() },
    budgetId,
    companyId,
  );
  await world.publish(
    Topics.ExportSucceeded,
    { budgetId, projectId, companyId, exportId, erpSystem: 'sage300cre', jobNumber: 'S-1', kind: 'original', acceptedBy: ann, ...people, erpReference: 'JC-1', total: '75.25', exportedAt: now() },
    budgetId,
    companyId,
  );
  await world.publish(
    Topics.ErpPosted,
    { budgetId, projectId, companyId, exportId, erpSystem: 'sage300cre', jobNumber: 'S-1', total: '75.25', ...people, postedAt: now() },
    budgetId,
    companyId,
  );
  const synced = await waitFor(async () => {
    const b = (await world.http('GET', `/budgets/${budgetId}`, pm)).body;
    return b.erpStatus === 'synced' ? b : undefined;
  }, { timeoutMs: 20_000, description: 'the budget to be synced' });
  expect(synced).toMatchObject({ locked: true, exported: true, exportId: null, total: '75.25' });
  expect((await world.http('POST', `/budgets/${budgetId}/unlock`, pm, {})).status).toBe(200);
});

it('on the embedded database, lines added, changed and removed and an approved modification are stored exactly', async () => {
  const created = await world.http('POST', `/projects/${projectId}/budgets`, pm, {
    name: 'Edits',
    lines: [{ costCode: '01-100', amount: '1' }, { costCode: '01-100', amount: '2' }, { costCode: '01-100', amount: '3' }],
  });
  expect(created.status).toBe(201);
  const budgetId = created.body.id as string;
  const [first, second, third] = created.body.lines as { id: string }[];
  expect((await world.http('PATCH', `/budgets/${budgetId}/lines/${second.id}`, pm, { amount: '20', description: 'Steel' })).status).toBe(200);
  expect((await world.http('DELETE', `/budgets/${budgetId}/lines/${first.id}`, pm)).status).toBe(200);
  const added = await world.http('POST', `/budgets/${budgetId}/lines`, pm, { costCode: '01-100', amount: '0.5' });
  expect(added.status).toBe(201);
  expect((await world.http('POST', `/budgets/${budgetId}/lock`, pm)).status).toBe(200);
  const modification = await world.http('POST', `/budgets/${budgetId}/modifications`, pm, { changes: [{ lineId: third.id, amount: '-1' }] });
  expect(modification.status).toBe(201);
  const modificationId = (modification.body.modifications as { id: string }[])[0].id;
  expect((await world.http('POST', `/budgets/${budgetId}/modifications/${modificationId}/approve`, pm)).status).toBe(200);

  const stored = (await world.http('GET', `/budgets/${budgetId}`, pm)).body;
  expect(stored.lines).toMatchObject([
    { id: second.id, amount: '20.00', description: 'Steel' },
    { id: third.id, amount: '3.00' },
    { costCode: '01-100', amount: '0.50' },
  ]);
  // The approved modification's -1.00 counts in the total.
  expect(stored.total).toBe('22.50');
  expect(stored.modifications).toMatchObject([{ id: modificationId, status: 'approved', changes: [{ lineId: third.id, amount: '-1.00' }] }]);
});
