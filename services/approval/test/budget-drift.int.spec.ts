import { randomUUID } from 'node:crypto';
import type { PayloadOf } from '@budget-erp/contracts';
import { waitFor } from '@budget-erp/testing';
import { type Caller, EventProducer, type Infra, type RunningProcess, api, callers, startApproval, startInfra, tokenFor } from './support/harness';
import { budgetSent, erpPosted, exportSucceeded, newBudget, type BudgetIds } from './support/upstream-events';

interface ListAnswer {
  items: Array<{ budgetId: string | null; projectId: string; erpStatus: string; origin: string }>;
}

/**
 * Drift in the ERP Integrations tool, through the service's routes and topics: the connector's
 * erp.budget.drift_detected lists a budget under out_of_sync with each line's platform and ERP
 * amounts and the fix its origin calls for; a redelivery or a resolution heard first changes
 * nothing it should not; acknowledging with a note takes it off the list.
 */
describe('approval: budgets out of sync with their ERP job', () => {
  let infra: Infra;
  let service: RunningProcess;
  let events: EventProducer;
  const companyId = `co-${randomUUID().slice(0, 8)}`;
  const as = (caller: Caller, method: string, path: string, body?: unknown, company = companyId) => api(service, tokenFor(caller, company), method, path, body);
  const outOfSync = async () => ((await as(callers.reader, 'GET', '/erp-integrations/budgets?filter=out_of_sync&limit=100')).body as ListAnswer).items.map((i) => i.budgetId);

  const detected = (ids: BudgetIds, driftId: string, origin: 'platform' | 'erp', at: string, erp = { amount: '1200.00', difference: '200.00', total: '1450.50' }): PayloadOf<'erp.budget.drift_detected'> => ({
    ...ids,
    driftId,
    erpSystem: 'cmic',
    jobNumber: 'J-100',
    origin,
    trigger: 'schedule',
    lines: [{ costCode: '01-100', costType: 'labor', subJob: null, description: 'Framing', platformAmount: '1000.00', erpAmount: erp.amount, difference: erp.difference }],
    platformTotal: '1250.50',
    erpTotal: erp.total,
    detectedAt: at,
  });
  const resolved = (ids: BudgetIds, driftId: string, origin: 'platform' | 'erp'): PayloadOf<'erp.budget.drift_resolved'> => ({
    ...ids,
    driftId,
    erpSystem: 'cmic',
    jobNumber: 'J-100',
    origin,
    trigger: 'on_demand',
    total: '1250.50',
    resolvedAt: new Date().toISOString(),
  });

  /** A platform budget exported and posted: synced. */
  async function syncedBudget(): Promise<BudgetIds> {
    const ids = newBudget(companyId);
    const exportId = `x-${randomUUID()}`;
    await events.sendBudget(budgetSent(ids, exportId, 1));
    await events.send('export.succeeded', exportSucceeded(ids, exportId, 2));
    await events.send('erp.posted', erpPosted(ids, exportId, 3));
    await waitFor(async () => ((await as(callers.alex, 'GET', `/erp-integrations/budgets/${ids.budgetId}`)).body as { erpStatus?: string }).erpStatus === 'synced', { timeoutMs: 15000 });
    return ids;
  }

  beforeAll(async () => {
    infra = await startInfra('approval_drift');
    service = await startApproval(infra);
    events = await EventProducer.connect(infra.broker.brokers);
  });

  afterAll(async () => {
    await events?.close();
    await service?.close();
    await infra?.stop();
  });

  it('a synced platform budget that drifted is listed under out_of_sync; its review shows each line platform vs ERP and offers a correcting revision; a redelivery changes nothing; the resolution takes it off the list', async () => {
    const ids = await syncedBudget();
    const driftId = `d-${randomUUID()}`;
    const eventId = await events.send('erp.budget.drift_detected', detected(ids, driftId, 'platform', new Date().toISOString()));
    await waitFor(async () => (await outOfSync()).includes(ids.budgetId), { timeoutMs: 15000, description: 'listed out of sync' });
    const item = ((await as(callers.reader, 'GET', '/erp-integrations/budgets?filter=out_of_sync')).body as ListAnswer).items.find((i) => i.budgetId === ids.budgetId);
    expect(item).toMatchObject({ projectId: ids.projectId, erpStatus: 'synced', origin: 'platform' });

    const review = await as(callers.reader, 'GET', `/erp-integrations/budgets/${ids.budgetId}`);
    expect(review.body).toMatchObject({
      erpStatus: 'synced',
      drift: {
        driftId,
        status: 'open',
        lines: [{ costCode: '01-100', platformAmount: '1000.00', erpAmount: '1200.00', difference: '200.00' }],
        platformTotal: '1250.50',
        erpTotal: '1450.50',
        resolution: { action: 'resend_correcting_revision' },
        acknowledged: null,
      },
    });
    await events.send('erp.budget.drift_detected', detected(ids, driftId, 'platform', new Date().toISOString()), eventId);
    await events.send('erp.budget.drift_resolved', resolved(ids, driftId, 'platform'));
    await waitFor(async () => !(await outOfSync()).includes(ids.budgetId), { timeoutMs: 15000, description: 'off the out-of-sync list' });
    expect((await as(callers.reader, 'GET', `/erp-integrations/budgets/${ids.budgetId}`)).body).toMatchObject({ drift: null });
    expect((await as(callers.reader, 'GET', `/erp-integrations/budgets/${ids.budgetId}/drift`)).body).toMatchObject({ driftId, status: 'resolved' });
  });

  it('a resolution heard before its detection (no order across topics) never lists the budget', async () => {
    const ids = await syncedBudget();
    const driftId = `d-${randomUUID()}`;
    await events.send('erp.budget.drift_resolved', resolved(ids, driftId, 'platform'));
    await events.send('erp.budget.drift_detected', detected(ids, driftId, 'platform', new Date().toISOString()));
    await waitFor(async () => ((await as(callers.reader, 'GET', `/erp-integrations/budgets/${ids.budgetId}/drift`)).body as { status?: string }).status === 'resolved', { timeoutMs: 15000 });
    expect(await outOfSync()).not.toContain(ids.budgetId);
  });

  it('an ERP-origin budget offers re-import; acknowledging with a note takes it off the list; a stale drift id, a blank note, a reader or another company are refused', async () => {
    const ids = newBudget(companyId);
    const driftId = `d-${randomUUID()}`;
    await events.send('erp.budget.drift_detected', detected(ids, driftId, 'erp', new Date().toISOString(), { amount: '1300.00', difference: '300.00', total: '1550.50' }));
    await waitFor(async () => (await outOfSync()).includes(ids.budgetId), { timeoutMs: 15000, description: 'listed out of sync' });
    const drift = await as(callers.integrator, 'GET', `/erp-integrations/budgets/${ids.budgetId}/drift`);
    expect(drift.body).toMatchObject({ status: 'open', origin: 'erp', resolution: { action: 'reimport' }, lines: [{ erpAmount: '1300.00', difference: '300.00' }] });

    const path = `/erp-integrations/budgets/${ids.budgetId}/drift/acknowledge`;
    const blank = await as(callers.integrator, 'POST', path, { driftId, note: '  ' });
    expect(blank.status).toBe(400);
    expect(JSON.stringify(blank.body)).toContain('note');
    expect((await as(callers.integrator, 'POST', path, {})).body).toMatchObject({ statusCode: 400 });
    expect((await as(callers.reader, 'POST', path, { driftId, note: 'ok' })).status).toBe(403);
    expect((await as(callers.integrator, 'POST', path, { driftId, note: 'ok' }, 'co-other')).status).toBe(404);
    expect((await as(callers.integrator, 'POST', path, { driftId: 'd-old', note: 'ok' })).body).toMatchObject({ statusCode: 409, code: 'APPROVAL.DRIFT_CHANGED' });

    const ack = await as(callers.integrator, 'POST', path, { driftId, note: 'Accountant moved contingency; accepted' });
    expect(ack.status).toBe(200);
    expect(ack.body).toMatchObject({ status: 'acknowledged', acknowledged: { note: 'Accountant moved contingency; accepted', by: { name: 'Ivan Integrations' } } });
    expect(await outOfSync()).not.toContain(ids.budgetId);
    expect((await as(callers.integrator, 'POST', path, { driftId, note: 'again' })).body).toMatchObject({ statusCode: 409, code: 'APPROVAL.DRIFT_ALREADY_ACKNOWLEDGED' });
    expect((await as(callers.reader, 'GET', '/erp-integrations/budgets/b-never/drift')).body).toMatchObject({ statusCode: 404, code: 'APPROVAL.NO_DRIFT' });
  });
});
