import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { linesDigest, type SnapshotLine, Topics } from '@budget-erp/contracts';
import { waitFor } from '@budget-erp/testing';
import { now, person, publishErpConnection, publishProjectLink, startWorld, tokenFor, World } from './support';

const companyId = `c-${randomUUID()}`;
const projectId = `p-${randomUUID()}`;
const pat = person('Pat');
const ann = person('Ann');

let world: World;
let pm: string;

beforeAll(async () => {
  world = await startWorld('budget_lifecycle', [
    Topics.BudgetLocked,
    Topics.BudgetUnlocked,
    Topics.BudgetSent,
    Topics.BudgetSentLines,
    Topics.BudgetRetrieved,
    Topics.BudgetExportTimedOut,
    Topics.BudgetImportRequested,
  ], { EXPORT_TIMEOUT_MS: '2500' });
  pm = await tokenFor({ companyId, sub: pat.userId, name: pat.name, email: pat.email });
}, 60_000);

afterAll(async () => {
  await world?.stop();
});

const get = (path: string) => world.http('GET', path, pm);
const post = (path: string, body?: unknown) => world.http('POST', path, pm, body);
const codes = async (budgetId: string): Promise<string[]> =>
  ((await get(`/budgets/${budgetId}/erp-readiness`)).body.reasons as { code: string }[]).map((r) => r.code);
const waitForStatus = (budgetId: string, erpStatus: string) =>
  waitFor(async () => ((await get(`/budgets/${budgetId}`)).body.erpStatus === erpStatus ? true : undefined), {
    timeoutMs: 15_000,
    description: `budget ${budgetId} to be ${erpStatus}`,
  });

async function sendThroughAcceptance(budgetId: string, exportId: string) {
  await world.publish(
    Topics.BudgetAccepted,
    { budgetId, projectId, companyId, exportId, description: null, revision: null, acceptedBy: ann, acceptedAt: now() },
    budgetId,
    companyId,
  );
}

const outcomeBase = (budgetId: string, exportId: string) => ({
  budgetId, projectId, companyId, exportId, erpSystem: 'cmic' as const, jobNumber: 'J-100', kind: 'original' as const,
  sentBy: pat, acceptedBy: ann, createdBy: pat,
});

describe('a budget from creation to ERP posting, over HTTP with the events on the wire', () => {
  let budgetId: string;
  let exportId: string;

  it('when created, answers 201 with exact amounts and a not_sent, unlocked budget', async () => {
    const created = await post(`/projects/${projectId}/budgets`, {
      name: 'Tower A',
      lines: [
        { costCode: '01-100', description: 'Concrete', amount: '1250.5' },
        { costCode: '09-999', costType: 'L', amount: '0.10' },
      ],
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      projectId, name: 'Tower A', origin: 'platform', locked: false, erpStatus: 'not_sent', total: '1250.60',
      lines: [
        { costCode: '01-100', costType: null, subJob: null, description: 'Concrete', amount: '1250.50' },
        { costCode: '09-999', costType: 'L', amount: '0.10' },
      ],
    });
    budgetId = created.body.id;
  });

  it('when nothing is locked, connected or linked, readiness names each reason', async () => {
    expect(await codes(budgetId)).toEqual(['BUDGET.NOT_LOCKED', 'ERP.NOT_CONNECTED', 'ERP.PROJECT_NOT_LINKED']);
  });

  it('when the ERP connection and project link arrive, those reasons clear and a missing cost code appears', async () => {
    await publishErpConnection(world, companyId, 'cmic');
    await publishProjectLink(world, {
      companyId, projectId, erpSystem: 'cmic', jobNumber: 'J-100', jobName: 'Tower',
      costCodes: [{ code: '01-100', description: 'Concrete' }, { code: '02-200', description: 'Steel' }], linkedBy: pat,
    });
    await waitFor(async () => {
      const c = await codes(budgetId);
      return c.join() === 'BUDGET.NOT_LOCKED,ERP.COST_CODE_NOT_IN_JOB' ? c : undefined;
    }, { timeoutMs: 15_000, description: 'readiness to reflect the ERP link' });
  });

  it('when locked, publishes budget.locked keyed by the budget and refuses line changes', async () => {
    const locked = await post(`/budgets/${budgetId}/lock`);
    expect(locked.status).toBe(200);
    expect(locked.body.locked).toBe(true);
    const event = await world.waitForWire(Topics.BudgetLocked, (m) => m.key === budgetId);
    expect(event.headers).toMatchObject({ ce_type: 'budget.locked.v1', ce_subject: budgetId, ce_companyid: companyId, ce_source: '/budget' });
    expect(event.value).toMatchObject({ budgetId, projectId, companyId, lockedBy: pat });
    const refused = await post(`/budgets/${budgetId}/lines`, { costCode: '02-200', amount: '5' });
    expect(refused).toMatchObject({ status: 409, body: { code: 'BUDGET.LOCKED' } });
  });

  it('when the bad line is fixed while unlocked and the budget is locked again, the budget can be sent', async () => {
    expect((await post(`/budgets/${budgetId}/unlock`, {})).status).toBe(200);
    const line = (await get(`/budgets/${budgetId}`)).body.lines[1];
    const patched = await world.http('PATCH', `/budgets/${budgetId}/lines/${line.id}`, pm, { costCode: '02-200', amount: '10' });
    expect(patched.status).toBe(200);
    expect(patched.body.total).toBe('1260.50');
    expect((await post(`/budgets/${budgetId}/lock`)).status).toBe(200);
    expect((await get(`/budgets/${budgetId}/erp-readiness`)).body).toEqual({ canSend: true, reasons: [] });
  });

  it('when sent, answers 202 with the export id and publishes a budget.sent v2 summary and its lines once, in budget.sent.lines', async () => {
    const sent = await post(`/budgets/${budgetId}/send-to-erp`);
    expect(sent.status).toBe(202);
    expect(sent.body).toEqual({ exportId: expect.any(String), erpStatus: 'awaiting_acceptance' });
    exportId = sent.body.exportId;
    const event = await world.waitForWire(Topics.BudgetSent, (m) => m.key === budgetId);
    expect(event.headers.ce_type).toBe('budget.sent.v2');
    const chunk = await world.waitForWire(Topics.BudgetSentLines, (m) => m.key === budgetId);
    expect(chunk.headers.ce_type).toBe('budget.sent.lines.v1');
    const lines = [
      { costCode: '01-100', amount: '1250.50', syncedAmount: null },
      { costCode: '02-200', amount: '10.00', syncedAmount: null },
    ];
    expect(chunk.value).toMatchObject({ budgetId, projectId, companyId, exportId, chunk: 0, chunkCount: 1, lines });
    expect(event.value).toEqual({
      budgetId, projectId, companyId, exportId, sentBy: pat, createdBy: pat, sentAt: expect.any(String),
      name: 'Tower A', origin: 'platform', kind: 'original', erpSystem: 'cmic', jobNumber: 'J-100', total: '1260.50', syncedTotal: '0.00',
      modificationIds: [], lineCount: 2, chunkCount: 1, linesDigest: linesDigest(chunk.value.lines as SnapshotLine[]),
    });
    expect(world.wire.filter((m) => m.key === budgetId && m.topic === Topics.BudgetSentLines)).toHaveLength(1);
  });

  it('while the export holds the budget, refuses lines, unlock and re-send, and readiness says it awaits acceptance', async () => {
    expect(await post(`/budgets/${budgetId}/lines`, { costCode: '01-100', amount: '1' })).toMatchObject({ status: 409, body: { code: 'BUDGET.AWAITING_ACCEPTANCE' } });
    expect(await post(`/budgets/${budgetId}/unlock`, {})).toMatchObject({ status: 409, body: { code: 'BUDGET.AWAITING_ACCEPTANCE' } });
    expect(await post(`/budgets/${budgetId}/send-to-erp`)).toMatchObject({ status: 409, body: { code: 'BUDGET.AWAITING_ACCEPTANCE' } });
    expect(await codes(budgetId)).toEqual(['BUDGET.AWAITING_ACCEPTANCE']);
  });

  it('when the export succeeds before its acceptance is heard, the budget awaits posting and unlock is refused naming CMiC', async () => {
    await world.publish(Topics.ExportSucceeded, { ...outcomeBase(budgetId, exportId), erpReference: 'BATCH-1', total: '1260.50', exportedAt: now() }, budgetId, companyId);
    await sendThroughAcceptance(budgetId, exportId);
    await waitForStatus(budgetId, 'awaiting_posting');
    const refused = await post(`/budgets/${budgetId}/unlock`, {});
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ code: 'BUDGET.EXPORT_NOT_POSTED', message: expect.stringContaining('exported entries have not been posted in CMiC yet') });
    expect(await post(`/budgets/${budgetId}/lines`, { costCode: '01-100', amount: '1' })).toMatchObject({ status: 409, body: { code: 'BUDGET.EXPORT_NOT_POSTED' } });
    expect(await post(`/budgets/${budgetId}/retrieve-from-erp`)).toMatchObject({ status: 409, body: { code: 'BUDGET.ALREADY_ACCEPTED' } });
    expect(await codes(budgetId)).toEqual(['BUDGET.EXPORT_NOT_POSTED']);
  });

  it('when the entries are posted (and the posting is redelivered), the budget is synced and may be unlocked', async () => {
    const posted = { budgetId, projectId, companyId, exportId, erpSystem: 'cmic' as const, jobNumber: 'J-100', total: '1260.50', createdBy: pat, sentBy: pat, postedAt: now() };
    await world.publish(Topics.ErpPosted, posted, budgetId, companyId);
    await world.publish(Topics.ErpPosted, posted, budgetId, companyId);
    await waitForStatus(budgetId, 'synced');
    const unlocked = await post(`/budgets/${budgetId}/unlock`, {});
    expect(unlocked.status).toBe(200);
    expect(unlocked.body).toMatchObject({ locked: false, erpStatus: 'synced', exported: true });
    await world.waitForWire(Topics.BudgetUnlocked, (m) => m.key === budgetId && (m.value as { cause: string }).cause === 'user');
  });

  it('the timeline shows the export saga step by step', async () => {
    const timeline = await get(`/budgets/${budgetId}/timeline`);
    expect(timeline.status).toBe(200);
    expect(timeline.body.exports).toHaveLength(1);
    expect(timeline.body.exports[0]).toMatchObject({ exportId, status: 'synced', holdsBudget: false, landedAfterGivenUp: false });
    // Acceptance and success come on different topics, so the saga may hear them in either order.
    const heard = timeline.body.exports[0].history.map((h: { event: string }) => h.event);
    expect(heard[0]).toBe('budget.sent');
    expect([...heard].sort()).toEqual(['budget.accepted', 'budget.sent', 'erp.posted', 'export.succeeded']);
  });

  it('when a synced budget gets a new line and is re-sent, the revision carries the synced amounts', async () => {
    expect((await post(`/budgets/${budgetId}/lines`, { costCode: '02-200', description: 'Extra steel', amount: '99.99' })).status).toBe(201);
    expect((await post(`/budgets/${budgetId}/lock`)).status).toBe(200);
    const sent = await post(`/budgets/${budgetId}/send-to-erp`);
    expect(sent.status).toBe(202);
    const event = await world.waitForWire(Topics.BudgetSent, (m) => (m.value as { exportId: string }).exportId === sent.body.exportId);
    expect(event.value).toMatchObject({ kind: 'revision', total: '1360.49', syncedTotal: '1260.50', lineCount: 3 });
    // The posted original is not superseded by the revision that builds on it.
    const timeline = (await get(`/budgets/${budgetId}/timeline`)).body;
    expect(timeline.exports.map((e: { exportId: string; status: string; landedAfterGivenUp: boolean }) => [e.exportId, e.status, e.landedAfterGivenUp])).toEqual([
      [exportId, 'synced', false],
      [sent.body.exportId, 'awaiting_acceptance', false],
    ]);
    exportId = sent.body.exportId;
  });

  it('when the revision is rejected, the budget is unlocked and editable again, and budget.unlocked says why', async () => {
    await world.publish(
      Topics.BudgetRejected,
      { budgetId, projectId, companyId, exportId, reason: 'Wrong cost code', rejectedBy: ann, rejectedAt: now(), sentBy: pat, createdBy: pat, afterFailedExport: false },
      budgetId,
      companyId,
    );
    await waitFor(async () => ((await get(`/budgets/${budgetId}`)).body.locked === false ? true : undefined), { timeoutMs: 15_000 });
    await world.waitForWire(Topics.BudgetUnlocked, (m) => m.key === budgetId && (m.value as { cause: string }).cause === 'rejected');
    const line = (await get(`/budgets/${budgetId}`)).body.lines[2];
    expect(await world.http('PATCH', `/budgets/${budgetId}/lines/${line.id}`, pm, { amount: '50.00' })).toMatchObject({ status: 200, body: { total: '1310.50' } });
  });

  it('when an exported platform budget is asked to re-import, refuses with BUDGET.EXPORTED_PLATFORM_BUDGET', async () => {
    const refused = await post(`/budgets/${budgetId}/reimport`, { confirm: true });
    expect(refused).toMatchObject({ status: 409, body: { code: 'BUDGET.EXPORTED_PLATFORM_BUDGET' } });
  });

  it('when an exported platform budget is asked for an initial import, refuses at once with BUDGET.EXPORTED_PLATFORM_BUDGET and publishes nothing', async () => {
    const integrations = await tokenFor({ companyId, perms: { budget: 'read_only', erpIntegrations: 'standard' } });
    const refused = await world.http('POST', `/budgets/${budgetId}/import`, integrations, { mode: 'keep_and_add' });
    expect(refused).toMatchObject({ status: 409, body: { code: 'BUDGET.EXPORTED_PLATFORM_BUDGET', message: expect.stringContaining('can no longer be imported') } });
    expect((await get(`/budgets/${budgetId}`)).body.erpStatus).not.toBe('importing');
    expect(world.wire.filter((m) => m.topic === Topics.BudgetImportRequested && m.key === budgetId)).toEqual([]);
  });
});

describe('retrieve and timeout', () => {
  const createLockedBudget = async (name: string) => {
    const created = await post(`/projects/${projectId}/budgets`, { name, lines: [{ costCode: '01-100', amount: '10' }] });
    await post(`/budgets/${created.body.id}/lock`);
    return created.body.id as string;
  };

  it('when retrieved before acceptance, the hold is released, the budget stays locked and budget.retrieved is published', async () => {
    const budgetId = await createLockedBudget('Retrieved');
    const sent = await post(`/budgets/${budgetId}/send-to-erp`);
    const retrieved = await post(`/budgets/${budgetId}/retrieve-from-erp`);
    expect(retrieved.status).toBe(200);
    expect(retrieved.body).toMatchObject({ erpStatus: 'not_sent', locked: true, exportId: null });
    const event = await world.waitForWire(Topics.BudgetRetrieved, (m) => m.key === budgetId);
    expect(event.value).toMatchObject({ exportId: sent.body.exportId, retrievedBy: pat });
    expect(await post(`/budgets/${budgetId}/retrieve-from-erp`)).toMatchObject({ status: 409, body: { code: 'BUDGET.NOT_SENT' } });
    expect((await get(`/budgets/${budgetId}/erp-readiness`)).body.canSend).toBe(true);
  });

  it('when an acceptance raced the retrieval and the ERP then reports the export, the budget is held again with the sent snapshot until posting', async () => {
    const budgetId = await createLockedBudget('Late export');
    const sent = await post(`/budgets/${budgetId}/send-to-erp`);
    const snapshot = (await world.waitForWire(Topics.BudgetSentLines, (m) => m.key === budgetId)).value as { lines: { lineId: string; amount: string }[] };
    expect((await post(`/budgets/${budgetId}/retrieve-from-erp`)).body).toMatchObject({ erpStatus: 'not_sent', exportId: null });
    // The lines change after the retrieval: what the ERP got is still the sent snapshot.
    await post(`/budgets/${budgetId}/unlock`, {});
    const lineId = (await get(`/budgets/${budgetId}`)).body.lines[0].id as string;
    expect(await world.http('PATCH', `/budgets/${budgetId}/lines/${lineId}`, pm, { amount: '99.00' })).toMatchObject({ status: 200 });

    await sendThroughAcceptance(budgetId, sent.body.exportId);
    await world.publish(Topics.ExportSucceeded, { ...outcomeBase(budgetId, sent.body.exportId), erpReference: 'BATCH-L', total: '10.00', exportedAt: now() }, budgetId, companyId);
    await waitForStatus(budgetId, 'awaiting_posting');
    expect((await get(`/budgets/${budgetId}`)).body).toMatchObject({ locked: true, exportId: sent.body.exportId });
    expect(await post(`/budgets/${budgetId}/unlock`, {})).toMatchObject({ status: 409, body: { code: 'BUDGET.EXPORT_NOT_POSTED' } });

    const posted = { budgetId, projectId, companyId, exportId: sent.body.exportId, erpSystem: 'cmic' as const, jobNumber: 'J-100', total: '10.00', createdBy: pat, sentBy: pat, postedAt: now() };
    await world.publish(Topics.ErpPosted, posted, budgetId, companyId);
    await waitForStatus(budgetId, 'synced');
    // What the ERP holds is the sent snapshot's 10.00, not the 99.00 the line was edited to.
    expect((await get(`/budgets/${budgetId}`)).body.lines).toEqual([expect.objectContaining({ id: snapshot.lines[0].lineId, amount: '99.00' })]);
    const sql = new Client({ connectionString: world.db.url });
    await sql.connect();
    try {
      const { rows } = await sql.query<{ synced_lines: { lineId: string; amount: string }[] }>('SELECT synced_lines FROM budgets WHERE id = $1', [budgetId]);
      expect(rows[0].synced_lines).toEqual([expect.objectContaining({ lineId: snapshot.lines[0].lineId, amount: '10.00' })]);
    } finally {
      await sql.end();
    }
  });

  it('when an accepted export hears nothing in time, it is marked failed with reason timeout and budget.export.timed_out is published', async () => {
    const budgetId = await createLockedBudget('Times out');
    const sent = await post(`/budgets/${budgetId}/send-to-erp`);
    await world.waitForWire(Topics.BudgetSent, (m) => m.key === budgetId);
    await sendThroughAcceptance(budgetId, sent.body.exportId);
    await waitForStatus(budgetId, 'exporting');
    const event = await world.waitForWire(Topics.BudgetExportTimedOut, (m) => m.key === budgetId);
    expect(event.value).toMatchObject({ exportId: sent.body.exportId, reasonCode: 'timeout' });
    await waitForStatus(budgetId, 'failed_to_export');
    expect(await post(`/budgets/${budgetId}/unlock`, {})).toMatchObject({ status: 409, body: { code: 'BUDGET.EXPORT_FAILED' } });
    const timeline = await get(`/budgets/${budgetId}/timeline`);
    expect(timeline.body.exports[0]).toMatchObject({ status: 'failed_to_export', failure: { reasonCode: 'timeout' } });
  });
});

describe('an export that lands after the platform gave it up', () => {
  it('when a timed-out, rejected export lands after the re-send, the re-send is withdrawn, the budget waits for the landed entries, and the next send moves only what the ERP does not hold', async () => {
    const created = await post(`/projects/${projectId}/budgets`, { name: 'Late landing', lines: [{ costCode: '01-100', amount: '10.00' }] });
    const budgetId = created.body.id as string;
    const lineId = created.body.lines[0].id as string;
    await post(`/budgets/${budgetId}/lock`);
    const first = (await post(`/budgets/${budgetId}/send-to-erp`)).body.exportId as string;
    await sendThroughAcceptance(budgetId, first);
    await world.waitForWire(Topics.BudgetExportTimedOut, (m) => (m.value as { exportId: string }).exportId === first);
    await waitForStatus(budgetId, 'failed_to_export');
    await world.publish(
      Topics.BudgetRejected,
      { budgetId, projectId, companyId, exportId: first, reason: 'CMiC was down', rejectedBy: ann, rejectedAt: now(), sentBy: pat, createdBy: pat, afterFailedExport: true },
      budgetId,
      companyId,
    );
    await waitFor(async () => ((await get(`/budgets/${budgetId}`)).body.locked === false ? true : undefined), { timeoutMs: 15_000, description: 'the rejection to unlock the budget' });
    expect(await world.http('PATCH', `/budgets/${budgetId}/lines/${lineId}`, pm, { amount: '12.00' })).toMatchObject({ status: 200 });
    await post(`/budgets/${budgetId}/lock`);
    const second = (await post(`/budgets/${budgetId}/send-to-erp`)).body.exportId as string;

    // The first export was in flight when it was given up, and lands.
    await world.publish(Topics.ExportSucceeded, { ...outcomeBase(budgetId, first), erpReference: 'BATCH-LATE', total: '10.00', exportedAt: now() }, budgetId, companyId);
    await waitForStatus(budgetId, 'awaiting_posting');
    expect((await get(`/budgets/${budgetId}`)).body).toMatchObject({ exportId: first, locked: true });
    const withdrawn = await world.waitForWire(Topics.BudgetRetrieved, (m) => (m.value as { exportId: string }).exportId === second);
    expect(withdrawn.value).toMatchObject({ budgetId, retrievedBy: { name: 'Budget service' } });
    const timeline = (await get(`/budgets/${budgetId}/timeline`)).body;
    expect(timeline.exports.map((e: { exportId: string; status: string; landedAfterGivenUp: boolean; holdsBudget: boolean }) => [e.exportId, e.status, e.landedAfterGivenUp, e.holdsBudget])).toEqual([
      [first, 'awaiting_posting', true, true],
      [second, 'retrieved', false, false],
    ]);

    await world.publish(
      Topics.ErpPosted,
      { budgetId, projectId, companyId, exportId: first, erpSystem: 'cmic', jobNumber: 'J-100', total: '10.00', createdBy: pat, sentBy: pat, postedAt: now() },
      budgetId,
      companyId,
    );
    await waitForStatus(budgetId, 'synced');
    const third = (await post(`/budgets/${budgetId}/send-to-erp`)).body.exportId as string;
    const summary = await world.waitForWire(Topics.BudgetSent, (m) => (m.value as { exportId: string }).exportId === third);
    expect(summary.value).toMatchObject({ kind: 'revision', total: '12.00', syncedTotal: '10.00' });
    const chunk = await world.waitForWire(Topics.BudgetSentLines, (m) => (m.value as { exportId: string }).exportId === third);
    expect(chunk.value.lines).toEqual([expect.objectContaining({ lineId, amount: '12.00', syncedAmount: '10.00' })]);
  });
});

describe('restarts', () => {
  it('when the service is down while the export is accepted and succeeds, it catches up after restart and holds the budget', async () => {
    const created = await post(`/projects/${projectId}/budgets`, { name: 'Survives restarts', lines: [{ costCode: '01-100', amount: '42.00' }] });
    const budgetId = created.body.id as string;
    await post(`/budgets/${budgetId}/lock`);
    const sent = await post(`/budgets/${budgetId}/send-to-erp`);
    await world.waitForWire(Topics.BudgetSent, (m) => m.key === budgetId);

    await world.stopService();
    await sendThroughAcceptance(budgetId, sent.body.exportId);
    await world.publish(Topics.ExportSucceeded, { ...outcomeBase(budgetId, sent.body.exportId), erpReference: 'BATCH-R', total: '42.00', exportedAt: now() }, budgetId, companyId);
    await world.startService();

    await waitForStatus(budgetId, 'awaiting_posting');
    expect(await post(`/budgets/${budgetId}/unlock`, {})).toMatchObject({ status: 409, body: { code: 'BUDGET.EXPORT_NOT_POSTED' } });
  });
});
