import { randomUUID } from 'node:crypto';
import { Topics } from '@budget-erp/contracts';
import { waitFor } from '@budget-erp/testing';
import { now, person, publishErpConnection, publishProjectLink, startWorld, tokenFor, World } from './support';

const companyId = `c-${randomUUID()}`;
const otherCompanyId = `c-${randomUUID()}`;
const projectId = `p-${randomUUID()}`;
const pat = person('Pat');

let world: World;
const tokens: Record<string, string> = {};
let budgetId: string;

beforeAll(async () => {
  world = await startWorld('budget_rules', [Topics.BudgetImportRequested, Topics.BudgetLocked]);
  tokens.admin = await tokenFor({ companyId, sub: pat.userId, name: pat.name, email: pat.email });
  tokens.readOnly = await tokenFor({ companyId, perms: { budget: 'read_only', erpIntegrations: 'none' } });
  tokens.standard = await tokenFor({ companyId, perms: { budget: 'standard', erpIntegrations: 'none' } });
  tokens.standardLocker = await tokenFor({ companyId, perms: { budget: 'standard', erpIntegrations: 'none' }, privileges: ['lock_budget'] });
  tokens.none = await tokenFor({ companyId, perms: { budget: 'none', erpIntegrations: 'admin' } });
  tokens.otherCompany = await tokenFor({ companyId: otherCompanyId });
  tokens.integrations = await tokenFor({ companyId, sub: pat.userId, name: pat.name, email: pat.email, perms: { budget: 'read_only', erpIntegrations: 'standard' } });
  const created = await world.http('POST', `/projects/${projectId}/budgets`, tokens.admin, {
    name: 'Rules',
    lines: [{ costCode: '01-100', amount: '100.00' }],
  });
  budgetId = created.body.id;
}, 60_000);

afterAll(async () => {
  await world?.stop();
});

describe('permissions', () => {
  it.each([
    ['a read-only user', 'creates a budget', 'readOnly', 'POST', () => `/projects/${projectId}/budgets`, { name: 'x', lines: [] }],
    ['a user without budget access', 'reads a budget', 'none', 'GET', () => `/budgets/${budgetId}`, undefined],
    ['a standard user without lock_budget', 'locks', 'standard', 'POST', () => `/budgets/${budgetId}/lock`, undefined],
    ['a standard user without send_and_retrieve_budgets', 'sends to ERP', 'standardLocker', 'POST', () => `/budgets/${budgetId}/send-to-erp`, undefined],
    ['a read-only user', 'adds a line', 'readOnly', 'POST', () => `/budgets/${budgetId}/lines`, { costCode: '01-100', amount: '1' }],
  ] as const)('when %s %s, answers 403 and changes nothing', async (_who, _what, token, method, path, body) => {
    const before = await world.http('GET', `/budgets/${budgetId}`, tokens.admin);
    const answer = await world.http(method, path(), tokens[token], body);
    expect(answer.status).toBe(403);
    expect(answer.body).toMatchObject({ statusCode: 403, error: expect.any(String), message: expect.any(String) });
    expect((await world.http('GET', `/budgets/${budgetId}`, tokens.admin)).body).toEqual(before.body);
  });

  it('when a standard user has lock_budget, the lock is allowed', async () => {
    const locked = await world.http('POST', `/budgets/${budgetId}/lock`, tokens.standardLocker);
    expect(locked).toMatchObject({ status: 200, body: { locked: true } });
    const unlocked = await world.http('POST', `/budgets/${budgetId}/unlock`, tokens.standardLocker, {});
    expect(unlocked).toMatchObject({ status: 200, body: { locked: false } });
  });

  it('when a read-only user reads the budget and its readiness, answers 200', async () => {
    expect((await world.http('GET', `/budgets/${budgetId}`, tokens.readOnly)).status).toBe(200);
    expect((await world.http('GET', `/budgets/${budgetId}/erp-readiness`, tokens.readOnly)).status).toBe(200);
  });

  it('when no token is given, answers 401', async () => {
    const response = await fetch(`${world.service.url}/budgets/${budgetId}`);
    expect(response.status).toBe(401);
  });
});

describe('tenants', () => {
  it.each([
    ['GET /budgets/:id', 'GET', () => `/budgets/${budgetId}`, undefined],
    ['GET /budgets/:id/erp-readiness', 'GET', () => `/budgets/${budgetId}/erp-readiness`, undefined],
    ['GET /budgets/:id/timeline', 'GET', () => `/budgets/${budgetId}/timeline`, undefined],
    ['POST /budgets/:id/lock', 'POST', () => `/budgets/${budgetId}/lock`, undefined],
    ['POST /budgets/:id/lines', 'POST', () => `/budgets/${budgetId}/lines`, { costCode: '01-100', amount: '1' }],
    ['POST /budgets/:id/send-to-erp', 'POST', () => `/budgets/${budgetId}/send-to-erp`, undefined],
  ] as const)("when another company calls %s on this company's budget, answers 404 exactly like a missing one", async (_route, method, path, body) => {
    const foreign = await world.http(method, path(), tokens.otherCompany, body);
    const missing = await world.http(method, path().replace(budgetId, randomUUID()), tokens.otherCompany, body);
    expect(foreign.status).toBe(404);
    expect(missing.status).toBe(404);
    expect(foreign.body.code).toBe(missing.body.code);
  });

  it("when another company lists the project's budgets, sees none", async () => {
    expect((await world.http('GET', `/projects/${projectId}/budgets`, tokens.otherCompany)).body).toEqual({ items: [], next: null });
    expect((await world.http('GET', `/projects/${projectId}/budgets`, tokens.admin)).body.items).toHaveLength(1);
  });
});

describe('bad bodies', () => {
  it.each([
    ['1e3', 'lines.0.amount'],
    ['12.345', 'lines.0.amount'],
    ['-0', 'lines.0.amount'],
    ['abc', 'lines.0.amount'],
    [12, 'lines.0.amount'],
  ])('when a line amount is %j, answers 400 naming %s and creates nothing', async (amount, path) => {
    const answer = await world.http('POST', `/projects/${projectId}/budgets`, tokens.admin, { name: 'Bad', lines: [{ costCode: '01-100', amount }] });
    expect(answer.status).toBe(400);
    expect(answer.body.details).toEqual([expect.objectContaining({ path })]);
    expect((await world.http('GET', `/projects/${projectId}/budgets`, tokens.admin)).body.items).toHaveLength(1);
  });

  it('when several fields are bad at once, names every one of them, unknown fields included', async () => {
    const answer = await world.http('POST', `/projects/${projectId}/budgets`, tokens.admin, {
      name: '',
      colour: 'red',
      lines: [{ costCode: '01-100', amount: '1e3' }, { amount: '5', quantity: 3 }],
    });
    expect(answer.status).toBe(400);
    const paths = (answer.body.details as { path: string }[]).map((d) => d.path);
    expect(paths).toEqual(expect.arrayContaining(['name', 'lines.0.amount', 'lines.1.costCode']));
    expect(JSON.stringify(answer.body.details)).toContain('colour');
    expect(JSON.stringify(answer.body.details)).toContain('quantity');
  });

  it('when a line added to a budget is bad, answers 400 and the budget is unchanged', async () => {
    const before = await world.http('GET', `/budgets/${budgetId}`, tokens.admin);
    for (const amount of ['1e3', '12.345', '-0', 'abc']) {
      const answer = await world.http('POST', `/budgets/${budgetId}/lines`, tokens.admin, { costCode: '01-100', amount });
      expect(answer).toMatchObject({ status: 400, body: { details: [expect.objectContaining({ path: 'amount' })] } });
    }
    const patched = await world.http('PATCH', `/budgets/${budgetId}/lines/${before.body.lines[0].id}`, tokens.admin, { amount: '1.001', uom: 'EA' });
    expect(patched.status).toBe(400);
    expect((await world.http('GET', `/budgets/${budgetId}`, tokens.admin)).body).toEqual(before.body);
  });

  it('when the body is not JSON, answers 400 rather than 500', async () => {
    const answer = await world.http('POST', `/projects/${projectId}/budgets`, tokens.admin, '{"name": ');
    expect(answer.status).toBe(400);
  });

  it('when re-import is not confirmed, answers 400 naming confirm', async () => {
    const answer = await world.http('POST', `/budgets/${budgetId}/reimport`, tokens.admin, { confirm: false });
    expect(answer).toMatchObject({ status: 400, body: { details: [expect.objectContaining({ path: 'confirm' })] } });
  });
});

describe('modifications over HTTP', () => {
  it('when a locked budget gets an approved modification, its total includes it; unlocking asks what to do with it', async () => {
    const created = await world.http('POST', `/projects/${projectId}/budgets`, tokens.admin, { name: 'Mods', lines: [{ costCode: '01-100', amount: '100' }] });
    const id = created.body.id;
    expect(await world.http('POST', `/budgets/${id}/modifications`, tokens.admin, { changes: [{ lineId: created.body.lines[0].id, amount: '5' }] })).toMatchObject({
      status: 409,
      body: { code: 'BUDGET.NOT_LOCKED' },
    });
    await world.http('POST', `/budgets/${id}/lock`, tokens.admin);
    const modified = await world.http('POST', `/budgets/${id}/modifications`, tokens.admin, {
      description: 'Move money to concrete',
      status: 'approved',
      changes: [{ lineId: created.body.lines[0].id, amount: '25.50' }, { costCode: '02-200', amount: '10' }],
    });
    expect(modified).toMatchObject({ status: 201, body: { total: '135.50', modifications: [{ status: 'approved', synced: false }] } });
    const second = await world.http('POST', `/budgets/${id}/modifications`, tokens.admin, { changes: [{ lineId: created.body.lines[0].id, amount: '-0.50' }] });
    expect(second).toMatchObject({ status: 201, body: { modifications: [{ description: 'Move money to concrete' }, { status: 'draft' }] } });
    // Read back from the database: every field, the order and the timestamps as they were answered.
    const reloaded = await world.http('GET', `/budgets/${id}`, tokens.admin);
    expect(reloaded.body.modifications).toEqual(second.body.modifications);
    expect(reloaded.body.modifications).toHaveLength(2);
    expect(await world.http('POST', `/budgets/${id}/unlock`, tokens.admin, {})).toMatchObject({ status: 409, body: { code: 'BUDGET.MODIFICATIONS_DECISION_REQUIRED' } });
    const unlocked = await world.http('POST', `/budgets/${id}/unlock`, tokens.admin, { modifications: 'delete' });
    expect(unlocked).toMatchObject({ status: 200, body: { locked: false, modifications: [], total: '100.00' } });
  });
});

describe('re-import of an ERP-origin budget', () => {
  const erpProject = `p-${randomUUID()}`;
  const line = (costCode: string, amount: string) => ({ costCode, costType: null, subJob: null, description: null, amount });

  it('when the ERP budget is imported, then re-imported on request with the previewed ERP digest, the request carries the digest and the ERP amounts replace the platform ones and the result is visible', async () => {
    await publishProjectLink(world, { companyId, projectId: erpProject, erpSystem: 'sage300cre', jobNumber: 'S-9', jobName: 'Depot', costCodes: [{ code: '01-100', description: '' }], linkedBy: pat });
    await world.publish(
      Topics.ErpBudgetImported,
      {
        budgetId: null, projectId: erpProject, companyId, importId: randomUUID(), mode: 'initial_overwrite', erpSystem: 'sage300cre', jobNumber: 'S-9',
        lines: [line('01-100', '400.00')], total: '400.00', requestedBy: pat, importedAt: now(),
      },
      erpProject,
      companyId,
    );
    const imported = await waitFor(async () => (await world.http('GET', `/projects/${erpProject}/budgets`, tokens.admin)).body.items[0], { timeoutMs: 15_000 });
    expect(imported).toMatchObject({ origin: 'erp', total: '400.00', locked: false });

    const requested = await world.http('POST', `/budgets/${imported.id}/reimport`, tokens.admin, { confirm: true, erpDigest: 'digest-of-the-preview' });
    expect(requested).toMatchObject({ status: 202, body: { importId: expect.any(String), erpStatus: 'importing' } });
    const event = await world.waitForWire(Topics.BudgetImportRequested, (m) => m.key === imported.id);
    expect(event.value).toMatchObject({ importId: requested.body.importId, mode: 'reimport', erpDigest: 'digest-of-the-preview', erpSystem: 'sage300cre', jobNumber: 'S-9', requestedBy: pat });
    expect(await world.http('POST', `/budgets/${imported.id}/lock`, tokens.admin)).toMatchObject({ status: 409, body: { code: 'BUDGET.IMPORT_IN_PROGRESS' } });

    await world.publish(
      Topics.ErpBudgetImported,
      {
        budgetId: imported.id, projectId: erpProject, companyId, importId: requested.body.importId, mode: 'reimport', erpSystem: 'sage300cre', jobNumber: 'S-9',
        lines: [line('01-100', '450.25'), line('01-100', '10.00')], total: '460.25', requestedBy: pat, importedAt: now(),
      },
      imported.id,
      companyId,
    );
    const after = await waitFor(async () => {
      const b = (await world.http('GET', `/budgets/${imported.id}`, tokens.admin)).body;
      return b.erpStatus !== 'importing' ? b : undefined;
    }, { timeoutMs: 15_000 });
    expect(after).toMatchObject({ total: '460.25', importInProgress: false, lastImport: { importId: requested.body.importId, outcome: 'succeeded' } });
  });

  it('when the re-import fails, the budget says why and can be edited again', async () => {
    const budget = (await world.http('GET', `/projects/${erpProject}/budgets`, tokens.admin)).body.items[0];
    const requested = await world.http('POST', `/budgets/${budget.id}/reimport`, tokens.admin, { confirm: true });
    await world.publish(
      Topics.ErpBudgetImportFailed,
      {
        budgetId: budget.id, projectId: erpProject, companyId, importId: requested.body.importId, reasonCode: 'erp_unavailable',
        message: 'Sage 300 CRE did not answer', requestedBy: pat, failedAt: now(),
      },
      budget.id,
      companyId,
    );
    const after = await waitFor(async () => {
      const b = (await world.http('GET', `/budgets/${budget.id}`, tokens.admin)).body;
      return b.erpStatus !== 'importing' ? b : undefined;
    }, { timeoutMs: 15_000 });
    expect(after).toMatchObject({ lastImport: { outcome: 'failed', message: 'Sage 300 CRE did not answer' }, total: '460.25' });
    expect((await world.http('POST', `/budgets/${budget.id}/lines`, tokens.admin, { costCode: '01-100', amount: '1' })).status).toBe(201);
  });
});

describe('initial import of the ERP budget into a named budget (POST /budgets/:id/import)', () => {
  const importProject = `p-${randomUUID()}`;
  const line = (costCode: string, amount: string) => ({ costCode, costType: null, subJob: null, description: null, amount });
  let id: string;

  beforeAll(async () => {
    await publishProjectLink(world, { companyId, projectId: importProject, erpSystem: 'cmic', jobNumber: 'IM-1', jobName: 'Mall', costCodes: [{ code: '01-100', description: '' }], linkedBy: pat });
    id = (await world.http('POST', `/projects/${importProject}/budgets`, tokens.admin, { name: 'To import into', lines: [{ costCode: '01-100', amount: '100.00' }] })).body.id;
    await waitFor(async () => ((await world.http('GET', `/budgets/${id}/erp-readiness`, tokens.admin)).body.reasons as { code: string }[]).every((r) => r.code !== 'ERP.PROJECT_NOT_LINKED') || undefined, { timeoutMs: 15_000 });
  });

  const requestsFor = (budgetId: string) => world.wire.filter((m) => m.topic === Topics.BudgetImportRequested && m.key === budgetId);

  it('when the budget is locked, answers 409 BUDGET.LOCKED at once and publishes nothing', async () => {
    expect((await world.http('POST', `/budgets/${id}/lock`, tokens.admin)).status).toBe(200);
    const refused = await world.http('POST', `/budgets/${id}/import`, tokens.integrations, { mode: 'overwrite' });
    expect(refused).toMatchObject({ status: 409, body: { code: 'BUDGET.LOCKED', message: expect.stringContaining('unlock it') } });
    expect((await world.http('GET', `/budgets/${id}`, tokens.admin)).body).toMatchObject({ erpStatus: 'not_sent', locked: true });
    expect((await world.http('POST', `/budgets/${id}/unlock`, tokens.admin, {})).status).toBe(200);
    expect(requestsFor(id)).toEqual([]);
  });

  it('when the user has no ERP Integrations access, answers 403; a bad mode answers 400 naming mode', async () => {
    expect((await world.http('POST', `/budgets/${id}/import`, tokens.standard, {})).status).toBe(403);
    const bad = await world.http('POST', `/budgets/${id}/import`, tokens.integrations, { mode: 'merge' });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('mode');
  });

  it('when keep-and-add is asked, the budget is importing, then keeps its lines and adds the ERP ones', async () => {
    const requested = await world.http('POST', `/budgets/${id}/import`, tokens.integrations, { mode: 'keep_and_add' });
    expect(requested).toMatchObject({ status: 202, body: { importId: expect.any(String), erpStatus: 'importing' } });
    const event = await world.waitForWire(Topics.BudgetImportRequested, (m) => m.key === id);
    expect(event.value).toMatchObject({ importId: requested.body.importId, mode: 'initial_keep_and_add', erpSystem: 'cmic', jobNumber: 'IM-1', requestedBy: pat });
    expect(await world.http('POST', `/budgets/${id}/lines`, tokens.admin, { costCode: '01-100', amount: '1' })).toMatchObject({ status: 409, body: { code: 'BUDGET.IMPORT_IN_PROGRESS' } });
    await world.publish(
      Topics.ErpBudgetImported,
      {
        budgetId: id, projectId: importProject, companyId, importId: requested.body.importId, mode: 'initial_keep_and_add', erpSystem: 'cmic', jobNumber: 'IM-1',
        lines: [line('02-200', '40.00')], total: '40.00', requestedBy: pat, importedAt: now(),
      },
      id,
      companyId,
    );
    const after = await waitFor(async () => {
      const b = (await world.http('GET', `/budgets/${id}`, tokens.admin)).body;
      return b.erpStatus !== 'importing' ? b : undefined;
    }, { timeoutMs: 15_000 });
    expect(after).toMatchObject({ origin: 'erp', erpStatus: 'not_sent', total: '140.00', lastImport: { importId: requested.body.importId, outcome: 'succeeded' } });
    expect((after.lines as { costCode: string; amount: string }[]).map((l) => [l.costCode, l.amount])).toEqual([['01-100', '100.00'], ['02-200', '40.00']]);
  });

  it('when overwrite is asked, the ERP lines replace the budget lines', async () => {
    const requested = await world.http('POST', `/budgets/${id}/import`, tokens.integrations, {});
    expect(requested.status).toBe(202);
    const event = await world.waitForWire(Topics.BudgetImportRequested, (m) => m.key === id && m.value.importId === requested.body.importId);
    expect(event.value.mode).toBe('initial_overwrite');
    await world.publish(
      Topics.ErpBudgetImported,
      {
        budgetId: id, projectId: importProject, companyId, importId: requested.body.importId, mode: 'initial_overwrite', erpSystem: 'cmic', jobNumber: 'IM-1',
        lines: [line('03-300', '75.50')], total: '75.50', requestedBy: pat, importedAt: now(),
      },
      id,
      companyId,
    );
    const after = await waitFor(async () => {
      const b = (await world.http('GET', `/budgets/${id}`, tokens.admin)).body;
      return b.lastImport?.importId === requested.body.importId ? b : undefined;
    }, { timeoutMs: 15_000 });
    expect(after).toMatchObject({ total: '75.50', erpStatus: 'not_sent' });
    expect((after.lines as { costCode: string }[]).map((l) => l.costCode)).toEqual(['03-300']);
  });
});

describe('send-to-ERP readiness on QuickBooks Online', () => {
  const qbCompany = `c-${randomUUID()}`;
  const qbProject = `p-${randomUUID()}`;
  let token: string;
  let id: string;
  const reasons = async () => ((await world.http('GET', `/budgets/${id}/erp-readiness`, token)).body.reasons as { code: string }[]).map((r) => r.code);
  const until = (expected: string[]) =>
    waitFor(async () => ((await reasons()).join() === expected.join() ? true : undefined), {
      timeoutMs: 15_000,
      description: `readiness reasons ${expected.join()}`,
    });
  const connection = (estimatesEnabled: boolean) => publishErpConnection(world, qbCompany, 'quickbooks', estimatesEnabled);

  it('each reason appears when its cause does and clears when it is fixed', async () => {
    token = await tokenFor({ companyId: qbCompany });
    const created = await world.http('POST', `/projects/${qbProject}/budgets`, token, {
      name: 'QB',
      lines: [{ costCode: '01-100', subJob: 'A', amount: '0.00' }],
    });
    id = created.body.id;
    expect(await reasons()).toEqual(['BUDGET.NOT_LOCKED', 'ERP.NOT_CONNECTED', 'ERP.PROJECT_NOT_LINKED', 'BUDGET.ZERO_TOTAL']);

    await connection(false);
    await publishProjectLink(world, {
      companyId: qbCompany, projectId: qbProject, erpSystem: 'quickbooks', jobNumber: 'Q-1', jobName: 'Shop', supportsSubJobs: false,
      costCodes: [{ code: '01-100', description: '' }], linkedBy: pat,
    });
    await until(['BUDGET.NOT_LOCKED', 'BUDGET.ZERO_TOTAL', 'ERP.SUB_JOBS_NOT_SUPPORTED', 'ERP.ESTIMATES_DISABLED']);
    const answer = (await world.http('GET', `/budgets/${id}/erp-readiness`, token)).body;
    expect(answer.canSend).toBe(false);
    expect(answer.reasons.find((r: { code: string }) => r.code === 'ERP.ESTIMATES_DISABLED').message).toContain('QuickBooks Online');

    const lineId = created.body.lines[0].id;
    await world.http('DELETE', `/budgets/${id}/lines/${lineId}`, token);
    await until(['BUDGET.NOT_LOCKED', 'BUDGET.NO_LINES', 'ERP.ESTIMATES_DISABLED']);

    await world.http('POST', `/budgets/${id}/lines`, token, { costCode: '01-100', amount: '10' });
    await until(['BUDGET.NOT_LOCKED', 'ERP.ESTIMATES_DISABLED']);

    await connection(true);
    await until(['BUDGET.NOT_LOCKED']);

    await world.http('POST', `/budgets/${id}/lock`, token);
    expect((await world.http('GET', `/budgets/${id}/erp-readiness`, token)).body).toEqual({ canSend: true, reasons: [] });
  });
});

describe('concurrent changes and documentation', () => {
  it('when two locks race, exactly one wins and the other answers 409', async () => {
    const created = await world.http('POST', `/projects/${projectId}/budgets`, tokens.admin, { name: 'Race', lines: [] });
    const answers = await Promise.all([1, 2, 3].map(() => world.http('POST', `/budgets/${created.body.id}/lock`, tokens.admin)));
    expect(answers.map((a) => a.status).sort()).toEqual([200, 409, 409]);
    expect(answers.filter((a) => a.status === 409).map((a) => a.body.code)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^BUDGET\.(ALREADY_LOCKED|CHANGED_CONCURRENTLY)$/)]),
    );
  });

  it('publishes every budget route in the OpenAPI document at /docs', async () => {
    const response = await fetch(`${world.service.url}/docs/json`);
    const document = (await response.json()) as { paths: Record<string, unknown> };
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining([
        '/projects/{projectId}/budgets',
        '/budgets/{id}',
        '/budgets/{id}/lines',
        '/budgets/{id}/lines/{lineId}',
        '/budgets/{id}/modifications',
        '/budgets/{id}/lock',
        '/budgets/{id}/unlock',
        '/budgets/{id}/erp-readiness',
        '/budgets/{id}/send-to-erp',
        '/budgets/{id}/retrieve-from-erp',
        '/budgets/{id}/reimport',
        '/budgets/{id}/import',
        '/budgets/{id}/timeline',
      ]),
    );
  });
});
