import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { type TopicCollector, collectTopic, waitFor } from '@budget-erp/testing';
import { type ApiAnswer, type Caller, EventProducer, type Infra, type RunningProcess, api, callers, startApproval, startInfra, tokenFor } from './support/harness';
import {
  type BudgetIds,
  budgetImported,
  budgetRetrieved,
  budgetSent,
  connectionUpdated,
  erpPosted,
  exportFailed,
  exportSucceeded,
  exportTimedOut,
  importRequested,
  newBudget,
  projectLinked,
} from './support/upstream-events';

interface ListAnswer {
  items: Array<{ budgetId: string | null; projectId: string; erpSystem: string | null; erpStatus: string; total: string | null }>;
  nextCursor: string | null;
}
interface ErrorAnswer {
  statusCode: number;
  code?: string;
  message: string;
  details?: Array<{ path: string; message: string }>;
}

const FILTERS = ['ready_to_export', 'failed_to_export', 'synced', 'ready_to_import'] as const;

describe('approval service: the ERP Integrations tool over HTTP, PostgreSQL and the dev broker', () => {
  let infra: Infra;
  let service: RunningProcess;
  let events: EventProducer;
  let accepted: TopicCollector;
  let rejected: TopicCollector;
  let db: Client;
  const companyId = `co-${randomUUID().slice(0, 8)}`;
  const as = async (caller: Caller, method: string, path: string, body?: unknown, company = companyId) =>
    api(service, tokenFor(caller, company), method, path, body);

  const review = (budgetId: string) => as(callers.alex, 'GET', `/erp-integrations/budgets/${budgetId}`);
  const whereListed = async (ids: BudgetIds) => {
    const found: string[] = [];
    for (const filter of FILTERS) {
      const { body } = await as(callers.reader, 'GET', `/erp-integrations/budgets?filter=${filter}&limit=100`);
      if ((body as ListAnswer).items.some((i) => i.projectId === ids.projectId)) found.push(filter);
    }
    return found;
  };
  const waitUntilListed = (ids: BudgetIds, expected: string[]) =>
    waitFor(async () => JSON.stringify(await whereListed(ids)) === JSON.stringify(expected), {
      timeoutMs: 15000,
      description: `${ids.budgetId} listed under [${expected.join(', ')}]`,
    });
  const waitForStatus = (budgetId: string, erpStatus: string) =>
    waitFor(async () => ((await review(budgetId)).body as { erpStatus?: string }).erpStatus === erpStatus, {
      timeoutMs: 15000,
      description: `${budgetId} ${erpStatus}`,
    });
  /** Until the budget's latest send (`exportId`, when given) has all its lines. */
  const waitForReady = (budgetId: string, exportId?: string) =>
    waitFor(
      async () => {
        const body = (await review(budgetId)).body as { linesReady?: boolean; exportId?: string };
        return body.linesReady === true && (exportId === undefined || body.exportId === exportId);
      },
      { timeoutMs: 15000, description: `${budgetId} ready for review` },
    );
  const acceptedFor = (budgetId: string) =>
    accepted.messages.filter((m) => m.key === budgetId).map((m) => m.value as Record<string, unknown> & { revision: Record<string, unknown> | null });

  /** A budget sent for acceptance and visible to the approver. */
  async function sentBudget(options: Parameters<typeof budgetSent>[3] = {}, company = companyId) {
    const ids = newBudget(company);
    const exportId = `x-${randomUUID()}`;
    await events.sendBudget(budgetSent(ids, exportId, 1, options));
    await waitFor(async () => ((await as(callers.alex, 'GET', `/erp-integrations/budgets/${ids.budgetId}`, undefined, company)).body as { linesReady?: boolean }).linesReady === true, {
      timeoutMs: 15000,
      description: `${ids.budgetId} ready for review`,
    });
    return { ids, exportId };
  }

  beforeAll(async () => {
    infra = await startInfra('approval_component');
    service = await startApproval(infra);
    events = await EventProducer.connect(infra.broker.brokers);
    [accepted, rejected] = await Promise.all([
      collectTopic(infra.broker.brokers, 'budget.accepted'),
      collectTopic(infra.broker.brokers, 'budget.rejected'),
    ]);
    db = new Client({ connectionString: infra.db.url });
    await db.connect();
  });

  afterAll(async () => {
    await db?.end();
    await accepted?.stop();
    await rejected?.stop();
    await events?.close();
    await service?.close();
    await infra?.stop();
  });

  describe('lists', () => {
    it('after each event of an export that fails and is rejected, the budget shows under the matching list', async () => {
      const ids = newBudget(companyId);
      const exportId = `x-${randomUUID()}`;
      await events.send('erp.project.linked', projectLinked(ids, 0));
      await waitUntilListed(ids, ['ready_to_import']);
      await events.sendBudget(budgetSent(ids, exportId, 1));
      await waitUntilListed(ids, ['ready_to_export']);
      const { body } = await as(callers.reader, 'GET', '/erp-integrations/budgets?filter=ready_to_export');
      expect((body as ListAnswer).items.find((i) => i.budgetId === ids.budgetId)).toMatchObject({
        budgetId: ids.budgetId,
        projectId: ids.projectId,
        erpSystem: 'cmic',
        erpStatus: 'awaiting_acceptance',
        total: '1250.50',
      });
      expect((await as(callers.alex, 'POST', `/erp-integrations/budgets/${ids.budgetId}/accept`, {})).status).toBe(202);
      expect(await whereListed(ids)).toEqual([]);
      await events.send('export.failed', exportFailed(ids, exportId, 3));
      await waitUntilListed(ids, ['failed_to_export']);
      expect((await review(ids.budgetId)).body).toMatchObject({
        failure: { reasonCode: 'cost_code_missing', message: 'Cost code 02-200 does not exist in CMiC job J-100' },
      });
      expect((await as(callers.alex, 'POST', `/erp-integrations/budgets/${ids.budgetId}/reject`, { reason: 'fix cost code 02-200' })).status).toBe(200);
      expect(await whereListed(ids)).toEqual(['ready_to_import']);
      const rejection = await waitFor(() => rejected.messages.find((m) => m.key === ids.budgetId));
      expect(rejection.value).toMatchObject({ exportId, reason: 'fix cost code 02-200', rejectedBy: { name: 'Alex Approver' }, afterFailedExport: true });
    });

    it('after an export succeeds and is posted, the budget shows under synced only, and a linked project no longer under ready to import', async () => {
      const ids = newBudget(companyId);
      const exportId = `x-${randomUUID()}`;
      await events.send('erp.project.linked', projectLinked(ids, 0));
      await events.sendBudget(budgetSent(ids, exportId, 1));
      await waitUntilListed(ids, ['ready_to_export']);
      expect((await as(callers.alex, 'POST', `/erp-integrations/budgets/${ids.budgetId}/accept`, {})).status).toBe(202);
      await events.send('export.succeeded', exportSucceeded(ids, exportId, 3));
      await waitForStatus(ids.budgetId, 'awaiting_posting');
      expect(await whereListed(ids)).toEqual([]);
      await events.send('erp.posted', erpPosted(ids, exportId, 4));
      await waitUntilListed(ids, ['synced']);
    });

    it('while the lines of a send are still arriving, it is not listed and accepting it is refused with APPROVAL.LINES_NOT_READY', async () => {
      const ids = newBudget(companyId);
      const send = budgetSent(ids, `x-${randomUUID()}`, 1);
      await events.send('budget.sent', send.summary);
      await waitForStatus(ids.budgetId, 'awaiting_acceptance');
      expect((await review(ids.budgetId)).body).toMatchObject({ linesReady: false, lineCount: 2 });
      expect(await whereListed(ids)).toEqual([]);
      const early = await as(callers.alex, 'POST', `/erp-integrations/budgets/${ids.budgetId}/accept`, {});
      expect(early.status).toBe(409);
      expect((early.body as ErrorAnswer).code).toBe('APPROVAL.LINES_NOT_READY');
      expect((await as(callers.reader, 'GET', `/erp-integrations/budgets/${ids.budgetId}/lines`)).status).toBe(409);
      for (const chunk of send.chunks) await events.send('budget.sent.lines', chunk);
      await waitUntilListed(ids, ['ready_to_export']);
      expect((await as(callers.alex, 'POST', `/erp-integrations/budgets/${ids.budgetId}/accept`, {})).status).toBe(202);
    });

    it('when a sent budget is retrieved, it leaves the list and accepting it is refused with APPROVAL.SEND_RETRIEVED', async () => {
      const { ids, exportId } = await sentBudget();
      await events.send('budget.retrieved', budgetRetrieved(ids, exportId, 2));
      await waitForStatus(ids.budgetId, 'not_sent');
      expect(await whereListed(ids)).toEqual([]);
      const answer = await as(callers.alex, 'POST', `/erp-integrations/budgets/${ids.budgetId}/accept`, {});
      expect(answer.status).toBe(409);
      expect(answer.body).toMatchObject({ code: 'APPROVAL.SEND_RETRIEVED', message: expect.stringContaining('retrieved from ERP by Pat Manager') });
    });

    it('pages a list with limit and cursor, and rejects a forged cursor with 400', async () => {
      const company = `co-paging-${randomUUID().slice(0, 6)}`;
      const sent = [];
      for (let i = 0; i < 3; i++) sent.push((await sentBudget({}, company)).ids.budgetId);
      const seen: string[] = [];
      let path = '/erp-integrations/budgets?filter=ready_to_export&limit=2';
      for (;;) {
        const { status, body } = (await as(callers.reader, 'GET', path, undefined, company)) as ApiAnswer<ListAnswer>;
        expect(status).toBe(200);
        expect(body.items.length).toBeLessThanOrEqual(2);
        seen.push(...body.items.map((i) => i.budgetId!));
        if (!body.nextCursor) break;
        path = `/erp-integrations/budgets?filter=ready_to_export&limit=2&cursor=${body.nextCursor}`;
      }
      expect(seen.sort()).toEqual(sent.sort());
      const forged = await as(callers.reader, 'GET', '/erp-integrations/budgets?filter=ready_to_export&cursor=nonsense', undefined, company);
      expect(forged.status).toBe(400);
      const bad = await as(callers.reader, 'GET', '/erp-integrations/budgets?filter=everything&limit=0', undefined, company);
      expect(bad.status).toBe(400);
      expect((bad.body as ErrorAnswer).details?.map((d) => d.path).sort()).toEqual(['filter', 'limit']);
    });
  });

  describe('review', () => {
    it('for a revision, shows original, changes and revised amounts and the line diff against what was last synced', async () => {
      const ids = newBudget(companyId);
      const first = `x-${randomUUID()}`;
      await events.sendBudget(budgetSent(ids, first, 1));
      await waitForReady(ids.budgetId);
      expect((await as(callers.alex, 'POST', `/erp-integrations/budgets/${ids.budgetId}/accept`, {})).status).toBe(202);
      await events.send('erp.posted', erpPosted(ids, first, 4));
      await waitForStatus(ids.budgetId, 'synced');
      const second = `x-${randomUUID()}`;
      await events.sendBudget(
        budgetSent(ids, second, 10, {
          kind: 'revision',
          lines: [
            { lineId: 'l1', costCode: '01-100', costType: 'labor', subJob: null, description: 'Framing', amount: '1200.00', syncedAmount: '1000.00' },
            { lineId: 'l3', costCode: '03-300', costType: null, subJob: null, description: 'Paint', amount: '75.25', syncedAmount: null },
          ],
        }),
        { linesFirst: true },
      );
      await waitForReady(ids.budgetId, second);
      const { body } = await review(ids.budgetId);
      expect(body).toMatchObject({
        budgetId: ids.budgetId,
        exportId: second,
        kind: 'revision',
        erpSystem: 'cmic',
        jobNumber: 'J-100',
        lineCount: 2,
        linesReady: true,
        totals: { original: '1000.00', changes: '275.25', revised: '1275.25' },
        failure: null,
        landedAfterGivenUp: [],
        reimport: null,
      });
      const pages: Array<{ exportId: string; lineCount: number; items: unknown[]; nextCursor: string | null }> = [];
      let path = `/erp-integrations/budgets/${ids.budgetId}/lines?limit=2`;
      for (;;) {
        const answer = await as(callers.reader, 'GET', path);
        expect(answer.status).toBe(200);
        const page = answer.body as (typeof pages)[number];
        pages.push(page);
        if (!page.nextCursor) break;
        path = `/erp-integrations/budgets/${ids.budgetId}/lines?limit=2&cursor=${page.nextCursor}`;
      }
      expect(pages.map((p) => p.items.length)).toEqual([2, 1]);
      expect(pages[0]).toMatchObject({ exportId: second, lineCount: 2 });
      expect(pages.flatMap((p) => p.items)).toEqual([
        expect.objectContaining({ change: 'changed', lineId: 'l1', original: '1000.00', changes: '200.00', revised: '1200.00', syncedAmount: '1000.00', amount: '1200.00', difference: '200.00' }),
        expect.objectContaining({ change: 'added', lineId: 'l3', costType: null, original: '0.00', changes: '75.25', revised: '75.25', syncedAmount: null, difference: '75.25' }),
        expect.objectContaining({ change: 'removed', lineId: 'l2', syncedAmount: '250.50', amount: null, difference: '-250.50', revised: '0.00' }),
      ]);
    });

    it('pages the lines of a large send in order without repeating or skipping, and refuses a forged cursor with 400', async () => {
      const lines = Array.from({ length: 2345 }, (_, i) => ({
        lineId: `l${i}`,
        costCode: `01-${1000 + i}`,
        costType: null,
        subJob: null,
        description: `Line ${i}`,
        amount: `${i}.01`,
        syncedAmount: null,
      }));
      const ids = newBudget(companyId);
      await events.sendBudget(budgetSent(ids, `x-${randomUUID()}`, 1, { lines }));
      await waitForReady(ids.budgetId);
      const seen: string[] = [];
      let path = `/erp-integrations/budgets/${ids.budgetId}/lines?limit=1000`;
      for (;;) {
        const { status, body } = (await as(callers.reader, 'GET', path)) as ApiAnswer<{ items: Array<{ lineId: string }>; nextCursor: string | null }>;
        expect(status).toBe(200);
        seen.push(...body.items.map((l) => l.lineId));
        if (!body.nextCursor) break;
        path = `/erp-integrations/budgets/${ids.budgetId}/lines?limit=1000&cursor=${body.nextCursor}`;
      }
      expect(seen).toEqual(lines.map((l) => l.lineId));
      const forged = await as(callers.reader, 'GET', `/erp-integrations/budgets/${ids.budgetId}/lines?cursor=nonsense&limit=0`);
      expect(forged.status).toBe(400);
      expect((forged.body as ErrorAnswer).details?.map((d) => d.path)).toEqual(['limit']);
      expect((await as(callers.reader, 'GET', `/erp-integrations/budgets/${ids.budgetId}/lines?cursor=nonsense`)).status).toBe(400);
    });
  });

  describe('re-import of an ERP-origin budget', () => {
    it('while synced, shows ERP, platform and after-re-import totals, and stays under synced through the re-import', async () => {
      const ids = newBudget(companyId);
      const exportId = `x-${randomUUID()}`;
      await events.sendBudget(budgetSent(ids, exportId, 1, { origin: 'erp' }));
      await waitForReady(ids.budgetId);
      expect((await as(callers.alex, 'POST', `/erp-integrations/budgets/${ids.budgetId}/accept`, {})).status).toBe(202);
      await events.send('erp.posted', erpPosted(ids, exportId, 4));
      await waitUntilListed(ids, ['synced']);
      expect((await review(ids.budgetId)).body).toMatchObject({
        origin: 'erp',
        reimport: { erpTotal: '1250.50', platformTotal: '1250.50', platformTotalAfterReimport: '1250.50' },
      });
      const importId = `i-${randomUUID()}`;
      await events.send('budget.import.requested', importRequested(ids, importId, 6));
      await waitForStatus(ids.budgetId, 'importing');
      expect(await whereListed(ids)).toEqual(['synced']);
      await events.send(
        'erp.budget.imported',
        budgetImported(ids, importId, 7, [
          { costCode: '01-100', costType: 'labor', subJob: null, description: 'Framing', amount: '1400.00' },
          { costCode: '04-400', costType: null, subJob: null, description: 'Roofing', amount: '600.00' },
        ]),
      );
      await waitForStatus(ids.budgetId, 'synced');
      const { body } = await as(callers.reader, 'GET', '/erp-integrations/budgets?filter=synced&limit=100');
      // 02-200 is not in the ERP's budget, so the platform keeps it beside the re-imported amounts.
      expect((body as ListAnswer).items.find((i) => i.budgetId === ids.budgetId)).toMatchObject({ erpStatus: 'synced', total: '2250.50' });
      expect((await review(ids.budgetId)).body).toMatchObject({
        reimport: { erpTotal: '2000.00', platformTotal: '2250.50', platformTotalAfterReimport: '2250.50' },
      });
    });
  });

  describe('accept', () => {
    it('publishes budget.accepted v2 with the decision only: the export id, description, the approver and, for a revision, every default', async () => {
      const timeZone = 'Pacific/Kiritimati';
      await events.send('erp.connection.updated', connectionUpdated(companyId, timeZone, 0));
      const jobNumber = `J-${randomUUID().slice(0, 6)}`;
      const { ids, exportId } = await sentBudget({ kind: 'revision', jobNumber });
      await waitFor(async () => (await db.query('SELECT 1 FROM company_settings WHERE company_id = $1', [companyId])).rowCount === 1);

      const answer = await as(callers.alex, 'POST', `/erp-integrations/budgets/${ids.budgetId}/accept`, { description: 'Change order 4' });
      expect(answer).toEqual({ status: 202, body: { budgetId: ids.budgetId, exportId, erpStatus: 'exporting' } });

      const [event] = await waitFor(() => (acceptedFor(ids.budgetId).length ? acceptedFor(ids.budgetId) : undefined));
      const today = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
      expect(event).toEqual({
        budgetId: ids.budgetId,
        projectId: ids.projectId,
        companyId,
        exportId,
        description: 'Change order 4',
        revision: { type: 'scope_change', date: today, number: 1, status: 'pending', approvedBy: 'Alex Approver' },
        acceptedBy: { userId: 'u-alex', name: 'Alex Approver', email: 'alex@example.test' },
        acceptedAt: expect.any(String),
      });
      expect(accepted.messages.find((m) => m.key === ids.budgetId)?.headers).toMatchObject({ ce_type: 'budget.accepted.v2' });
      await waitForStatus(ids.budgetId, 'exporting');
    });

    it('keeps explicit revision fields, and the next default number follows the highest one the job used', async () => {
      const jobNumber = `J-${randomUUID().slice(0, 6)}`;
      const explicit = { type: 'contingency', date: '2026-12-01', number: 7, status: 'approved', approvedBy: 'Chief Controller' };
      const a = await sentBudget({ kind: 'revision', jobNumber });
      expect((await as(callers.alex, 'POST', `/erp-integrations/budgets/${a.ids.budgetId}/accept`, { revision: explicit })).status).toBe(202);
      const b = await sentBudget({ kind: 'revision', jobNumber });
      expect((await as(callers.sam, 'POST', `/erp-integrations/budgets/${b.ids.budgetId}/accept`, { revision: { status: 'forecasted' } })).status).toBe(202);
      const [first] = await waitFor(() => (acceptedFor(a.ids.budgetId).length ? acceptedFor(a.ids.budgetId) : undefined));
      const [second] = await waitFor(() => (acceptedFor(b.ids.budgetId).length ? acceptedFor(b.ids.budgetId) : undefined));
      expect(first.revision).toEqual(explicit);
      expect(second.revision).toMatchObject({ type: 'scope_change', number: 8, status: 'forecasted', approvedBy: 'Sam Second' });
    });

    it('for an original budget, ignores revision fields and publishes none', async () => {
      const { ids } = await sentBudget();
      const answer = await as(callers.alex, 'POST', `/erp-integrations/budgets/${ids.budgetId}/accept`, { revision: { number: 3 } });
      expect(answer.status).toBe(202);
      const [event] = await waitFor(() => (acceptedFor(ids.budgetId).length ? acceptedFor(ids.budgetId) : undefined));
      expect(event.revision).toBeNull();
    });

    it('with bad values, answers 400 naming each bad field and accepts nothing', async () => {
      const { ids } = await sentBudget({ kind: 'revision' });
      const answer = await as(callers.alex, 'POST', `/erp-integrations/budgets/${ids.budgetId}/accept`, {
        description: 42,
        revision: { type: 'rework', date: '2026-13-45', number: 0, status: 'done', approvedBy: 5, colour: 'red' },
      });
      expect(answer.status).toBe(400);
      expect((answer.body as ErrorAnswer).details?.map((d) => d.path).sort()).toEqual([
        'description',
        'revision.approvedBy',
        'revision.colour',
        'revision.date',
        'revision.number',
        'revision.status',
        'revision.type',
      ]);
      expect((await review(ids.budgetId)).body).toMatchObject({ erpStatus: 'awaiting_acceptance' });
    });

    it('when two approvers accept at once, exactly one wins and the other gets 409 naming who accepted', async () => {
      const budgets = await Promise.all(Array.from({ length: 5 }, () => sentBudget()));
      for (const { ids } of budgets) {
        const path = `/erp-integrations/budgets/${ids.budgetId}/accept`;
        const answers = await Promise.all([as(callers.alex, 'POST', path, {}), as(callers.sam, 'POST', path, {})]);
        expect(answers.map((a) => a.status).sort()).toEqual([202, 409]);
        const loser = answers.find((a) => a.status === 409)!.body as ErrorAnswer;
        const winner = answers[0].status === 202 ? 'Alex Approver' : 'Sam Second';
        expect(loser.code).toBe('APPROVAL.ALREADY_ACCEPTED');
        expect(loser.message).toMatch(new RegExp(`^the budget was already accepted by ${winner} at \\d{4}-\\d{2}-\\d{2} `));
      }
      const last = budgets[budgets.length - 1].ids.budgetId;
      const again = await as(callers.alex, 'POST', `/erp-integrations/budgets/${last}/reject`, { reason: 'too late' });
      expect(again.status).toBe(409);
      // Every stored decision is published before counting, so a second one could not hide in the outbox.
      await waitFor(async () => (await db.query('SELECT 1 FROM outbox_messages WHERE published_at IS NULL')).rowCount === 0);
      await waitFor(() => budgets.every(({ ids }) => acceptedFor(ids.budgetId).length >= 1));
      expect(budgets.map(({ ids }) => acceptedFor(ids.budgetId).length)).toEqual([1, 1, 1, 1, 1]);
    });
  });

  describe('If-Match on a decision', () => {
    const decide = (budgetId: string, decision: 'accept' | 'reject', ifMatch: string | undefined, body: unknown = {}) =>
      fetch(`${service.url}/erp-integrations/budgets/${budgetId}/${decision}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${tokenFor(callers.alex, companyId)}`, 'content-type': 'application/json', ...(ifMatch === undefined ? {} : { 'if-match': ifMatch }) },
        body: JSON.stringify(body),
      });

    it('a decision on the version read applies and answers the new version as its ETag; one on another version answers 409 APPROVAL.VERSION_MISMATCH naming the current version and decides nothing; a malformed one answers 400', async () => {
      const { ids } = await sentBudget();
      const read = await fetch(`${service.url}/erp-integrations/budgets/${ids.budgetId}`, { headers: { authorization: `Bearer ${tokenFor(callers.alex, companyId)}` } });
      const version = ((await read.json()) as { version: number }).version;
      expect(read.headers.get('etag')).toBe(`"${version}"`);

      const stale = await decide(ids.budgetId, 'reject', `"${version - 1}"`, { reason: 'Wrong job' });
      expect(stale.status).toBe(409);
      expect(await stale.json()).toMatchObject({ code: 'APPROVAL.VERSION_MISMATCH', details: [{ path: 'If-Match', message: `current version ${version}` }] });
      const malformed = await decide(ids.budgetId, 'accept', 'yesterday');
      expect(malformed.status).toBe(400);
      expect(await malformed.json()).toMatchObject({ details: [{ path: 'If-Match' }] });
      expect((await review(ids.budgetId)).body).toMatchObject({ erpStatus: 'awaiting_acceptance', version });

      const current = await decide(ids.budgetId, 'accept', `"${version}"`);
      expect(current.status).toBe(202);
      expect(current.headers.get('etag')).toBe(`"${version + 1}"`);
      expect(await current.json()).toEqual({ budgetId: ids.budgetId, exportId: expect.any(String), erpStatus: 'exporting' });
      // A decision already taken is still refused naming who took it, whatever the version given.
      const late = await decide(ids.budgetId, 'reject', `"${version}"`, { reason: 'Too late' });
      expect(late.status).toBe(409);
      expect(((await late.json()) as ErrorAnswer).code).not.toBe('APPROVAL.VERSION_MISMATCH');
    });
  });

  describe('a send whose lines do not match its summary', () => {
    it('is never listed nor decidable, and the chunk that completed it is dead-lettered with the reason', async () => {
      const dlq = await collectTopic(infra.broker.brokers, 'budget.sent.lines.dlq');
      try {
        const ids = newBudget(companyId);
        const send = budgetSent(ids, `x-${randomUUID()}`, 1);
        const tampered = { ...send.chunks[0], lines: send.chunks[0].lines.map((l) => ({ ...l, amount: '9999.00' })) };
        await events.send('budget.sent', send.summary);
        await events.send('budget.sent.lines', tampered);

        const dead = await waitFor(() => dlq.messages.find((m) => m.key === ids.budgetId), { timeoutMs: 20000, description: 'the chunk dead-lettered' });

        expect(dead.headers.dlq_reason).toMatch(/do not match its summary: the digest of its lines is [0-9a-f]{64}, the summary says [0-9a-f]{64}/);
        expect(dead.headers.dlq_consumer_group).toBe('approval');
        expect((await review(ids.budgetId)).body).toMatchObject({ linesReady: false });
        expect(await whereListed(ids)).toEqual([]);
        expect((await as(callers.alex, 'POST', `/erp-integrations/budgets/${ids.budgetId}/accept`, {})).status).toBe(409);
      } finally {
        await dlq.stop();
      }
    });
  });

  describe('an export that lands after the platform gave up on it', () => {
    it('when an export timed out, was rejected and re-sent, and then lands, the approver sees it while the new send keeps its status', async () => {
      const { ids, exportId: first } = await sentBudget();
      expect((await as(callers.alex, 'POST', `/erp-integrations/budgets/${ids.budgetId}/accept`, {})).status).toBe(202);
      await events.send('budget.export.timed_out', exportTimedOut(ids, first, 3));
      await waitForStatus(ids.budgetId, 'failed_to_export');
      const rejection = await as(callers.alex, 'POST', `/erp-integrations/budgets/${ids.budgetId}/reject`, { reason: 'CMiC is down; fix and re-send' });
      expect(rejection.status).toBe(200);
      const second = `x-${randomUUID()}`;
      await events.sendBudget(budgetSent(ids, second, 10));
      await waitForReady(ids.budgetId, second);
      expect((await as(callers.sam, 'POST', `/erp-integrations/budgets/${ids.budgetId}/accept`, {})).status).toBe(202);
      expect((await review(ids.budgetId)).body).toMatchObject({ exportId: second, landedAfterGivenUp: [] });

      await events.send('export.succeeded', exportSucceeded(ids, first, 12));

      await waitFor(async () => ((await review(ids.budgetId)).body as { landedAfterGivenUp: unknown[] }).landedAfterGivenUp.length === 1, {
        timeoutMs: 15000,
        description: 'the late landing shown',
      });
      expect((await review(ids.budgetId)).body).toMatchObject({
        exportId: second,
        erpStatus: 'exporting',
        exportStatus: 'exporting',
        landedAfterGivenUp: [
          {
            exportId: first,
            exportStatus: 'awaiting_posting',
            erpReference: `batch-${first}`,
            givenUp: { rejected: true, retrieved: false, timedOut: true, superseded: true },
          },
        ],
      });
    });
  });

  describe('reject', () => {
    it.each([
      ['no reason', {}, 'reason'],
      ['a blank reason', { reason: '   ' }, 'reason'],
    ])('with %s, answers 400 naming the reason', async (_, body, path) => {
      const { ids } = await sentBudget();
      const answer = await as(callers.alex, 'POST', `/erp-integrations/budgets/${ids.budgetId}/reject`, body);
      expect(answer.status).toBe(400);
      expect((answer.body as ErrorAnswer).details?.map((d) => d.path)).toEqual([path]);
    });

    it('with a reason, answers 200 and publishes budget.rejected with the reason and the approver', async () => {
      const { ids, exportId } = await sentBudget();
      const answer = await as(callers.alex, 'POST', `/erp-integrations/budgets/${ids.budgetId}/reject`, { reason: 'Wrong job' });
      expect(answer).toEqual({ status: 200, body: { budgetId: ids.budgetId, exportId, erpStatus: 'not_sent' } });
      const event = await waitFor(() => rejected.messages.find((m) => m.key === ids.budgetId));
      expect(event.value).toMatchObject({
        exportId,
        reason: 'Wrong job',
        rejectedBy: { userId: 'u-alex', name: 'Alex Approver' },
        createdBy: { name: 'Pat Manager' },
        afterFailedExport: false,
      });
    });
  });

  describe('permissions', () => {
    it.each<[string, number, number, Caller]>([
      ['a user without the ERP Integrations tool', 403, 403, callers.outsider],
      ['a read-only user', 200, 403, callers.reader],
      ['a standard user without can_push_to_accounting', 200, 403, callers.integrator],
      ['an admin without can_push_to_accounting', 200, 403, callers.adminWithout],
      ['a standard user with can_push_to_accounting', 200, 202, callers.alex],
      ['an admin with can_push_to_accounting', 200, 202, callers.sam],
    ])('%s reads with %i and accepts with %i', async (_, readStatus, acceptStatus, caller) => {
      const { ids } = await sentBudget();
      expect((await as(caller, 'GET', '/erp-integrations/budgets?filter=ready_to_export')).status).toBe(readStatus);
      expect((await as(caller, 'GET', `/erp-integrations/budgets/${ids.budgetId}`)).status).toBe(readStatus);
      expect((await as(caller, 'POST', `/erp-integrations/budgets/${ids.budgetId}/reject`, { reason: 'no' })).status).toBe(
        acceptStatus === 202 ? 200 : acceptStatus,
      );
      const other = await sentBudget();
      expect((await as(caller, 'POST', `/erp-integrations/budgets/${other.ids.budgetId}/accept`, {})).status).toBe(acceptStatus);
    });

    it('without a token, answers 401', async () => {
      const response = await fetch(`${service.url}/erp-integrations/budgets?filter=synced`);
      expect(response.status).toBe(401);
    });
  });

  describe('isolation and redelivery', () => {
    it("answers 404 for another company's budget on review, accept and reject, and never lists it", async () => {
      const { ids } = await sentBudget({}, `co-other-${randomUUID().slice(0, 6)}`);
      for (const [method, path, body] of [
        ['GET', `/erp-integrations/budgets/${ids.budgetId}`, undefined],
        ['POST', `/erp-integrations/budgets/${ids.budgetId}/accept`, {}],
        ['POST', `/erp-integrations/budgets/${ids.budgetId}/reject`, { reason: 'x' }],
      ] as const) {
        const answer = await as(callers.sam, method, path, body);
        expect(answer.status).toBe(404);
        expect((answer.body as ErrorAnswer).code).toBe('APPROVAL.BUDGET_NOT_FOUND');
      }
      expect(await whereListed(ids)).toEqual([]);
      expect((await as(callers.sam, 'GET', `/erp-integrations/budgets/${randomUUID()}`)).status).toBe(404);
    });

    it('when events are replayed and arrive out of order, the read model ends as if each arrived once in order', async () => {
      const inOrder = newBudget(companyId);
      const scrambled = newBudget(companyId);
      const exportOf = (ids: BudgetIds) => `x-${ids.budgetId}`;
      const story = (ids: BudgetIds, linesFirst = false) =>
        [
          () => events.sendBudget(budgetSent(ids, exportOf(ids), 1), { linesFirst }),
          () => events.send('export.failed', exportFailed(ids, exportOf(ids), 3)),
          () => events.send('export.succeeded', exportSucceeded(ids, exportOf(ids), 4)),
          () => events.send('erp.posted', erpPosted(ids, exportOf(ids), 5)),
        ] as const;
      for (const send of story(inOrder)) await send();
      const [sent, failed, succeeded, posted] = story(scrambled, true);
      const ids = [await posted(), await succeeded(), await failed(), await sent(), await posted(), await failed()];
      await events.send('budget.sent', budgetSent(scrambled, exportOf(scrambled), 1).summary, ids[3]);
      for (const chunk of budgetSent(scrambled, exportOf(scrambled), 1).chunks) await events.send('budget.sent.lines', chunk);
      await waitFor(
        async () => (await db.query('SELECT count(*)::int AS n FROM inbox_messages WHERE message_id = ANY($1)', [ids])).rows[0].n === ids.length,
        { timeoutMs: 15000, description: 'scrambled and replayed events applied' },
      );
      await waitUntilListed(inOrder, ['synced']);
      await Promise.all([waitForReady(inOrder.budgetId), waitForReady(scrambled.budgetId)]);
      const strip = (body: unknown, b: BudgetIds) =>
        JSON.parse(JSON.stringify(body).split(b.budgetId).join('B').split(b.projectId).join('P'));
      const a = (await review(inOrder.budgetId)).body;
      const b = (await review(scrambled.budgetId)).body;
      expect(strip(b, scrambled)).toEqual(strip(a, inOrder));
      expect(a).toMatchObject({ erpStatus: 'synced', failure: null });
    });
  });
});
