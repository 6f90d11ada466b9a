import { DataSource, type EntityManager } from 'typeorm';
import { OutboxWriter, messagingEntities, messagingMigrations } from '@budget-erp/messaging';
import { DecideOnBudget } from '../src/review/application/decide-on-budget/decide-on-budget.handler';
import { ReviewUseCaseError } from '../src/review/application/ports';
import { type TestDatabase, createTestDatabase } from '@budget-erp/testing';
import { type UpstreamEvent, recordSendLines, recordUpstreamEvent } from '../src/review/application/record-upstream-event/record-upstream-event.handler';
import { listBudgets } from '../src/review/infrastructure/budget-list.query';
import { approvalEntities, approvalMigrations } from '../src/review/infrastructure/approval-persistence';
import { StaleReviewError, loadReview, saveReview } from '../src/review/infrastructure/review.repository';
import { evolve } from '../src/review/domain/budget-review';
import {
  budgetImported,
  budgetRetrieved,
  budgetSent,
  erpPosted,
  exportFailed,
  exportSucceeded,
  importRequested,
  newBudget,
  projectLinked,
  type Send,
} from './support/upstream-events';

describe('approval read model in PostgreSQL', () => {
  let db: TestDatabase;
  let ds: DataSource;

  beforeAll(async () => {
    db = await createTestDatabase('approval_read_model');
    ds = new DataSource({ type: 'postgres', url: db.url, entities: [...messagingEntities, ...approvalEntities], migrations: [...messagingMigrations, ...approvalMigrations], poolSize: 4 });
    await ds.initialize();
    await ds.runMigrations();
  });

  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  const record = (event: UpstreamEvent) => ds.transaction((m) => recordUpstreamEvent(m, event));
  const recordSend = async (send: Send) => {
    await record({ topic: 'budget.sent', payload: send.summary });
    for (const chunk of send.chunks) await ds.transaction((m) => recordSendLines(m, chunk));
  };
  const list = (companyId: string, filter: 'ready_to_export' | 'failed_to_export' | 'synced' | 'ready_to_import', limit = 50, cursor: { at: string; id: string } | null = null) =>
    ds.transaction((m) => listBudgets(m, { companyId, filter, limit, cursor }));

  it('when a budget moves from sent to failed to synced, it shows under the matching list each time', async () => {
    const ids = newBudget('company-lists');
    await record({ topic: 'erp.project.linked', payload: projectLinked(ids, 0) });
    expect((await list(ids.companyId, 'ready_to_import')).items.map((i) => i.projectId)).toEqual([ids.projectId]);
    await recordSend(budgetSent(ids, 'e1', 1));
    expect((await list(ids.companyId, 'ready_to_export')).items).toEqual([
      expect.objectContaining({ budgetId: ids.budgetId, projectId: ids.projectId, erpSystem: 'cmic', erpStatus: 'awaiting_acceptance', total: '1250.50' }),
    ]);
    expect((await list(ids.companyId, 'ready_to_import')).items).toEqual([]);
    await record({ topic: 'export.failed', payload: exportFailed(ids, 'e1', 3) });
    expect((await list(ids.companyId, 'failed_to_export')).items.map((i) => i.budgetId)).toEqual([ids.budgetId]);
    expect((await list(ids.companyId, 'ready_to_export')).items).toEqual([]);
    await record({ topic: 'export.succeeded', payload: exportSucceeded(ids, 'e1', 4) });
    expect((await list(ids.companyId, 'failed_to_export')).items).toEqual([]);
    await record({ topic: 'erp.posted', payload: erpPosted(ids, 'e1', 5) });
    expect((await list(ids.companyId, 'synced')).items.map((i) => [i.budgetId, i.erpStatus])).toEqual([[ids.budgetId, 'synced']]);
    expect((await list('company-other', 'synced')).items).toEqual([]);
  });

  it('an ERP-origin budget known only from its re-import shows under synced with its project\'s ERP job, importing until done', async () => {
    const ids = newBudget('company-reimport');
    await record({ topic: 'erp.project.linked', payload: projectLinked(ids, 0) });
    await record({ topic: 'budget.import.requested', payload: importRequested(ids, 'i1', 2) });
    expect((await list(ids.companyId, 'synced')).items).toEqual([
      expect.objectContaining({ budgetId: ids.budgetId, erpSystem: 'cmic', jobNumber: 'J-100', erpStatus: 'importing', origin: 'erp' }),
    ]);
    await record({
      topic: 'erp.budget.imported',
      payload: budgetImported(ids, 'i1', 3, [{ costCode: '01-100', costType: null, subJob: null, description: null, amount: '900.00' }]),
    });
    expect((await list(ids.companyId, 'synced')).items).toEqual([expect.objectContaining({ erpStatus: 'synced', total: '900.00' })]);
    expect((await list(ids.companyId, 'ready_to_import')).items).toEqual([]);
  });

  it('when events are redelivered, the stored review does not change', async () => {
    const ids = newBudget('company-replay');
    const send = budgetSent(ids, 'e1', 1);
    const events: UpstreamEvent[] = [
      { topic: 'budget.sent', payload: send.summary },
      { topic: 'budget.retrieved', payload: budgetRetrieved(ids, 'e1', 2) },
    ];
    await recordSend(send);
    await record(events[1]);
    const before = await ds.transaction((m) => loadReview(m, ids.budgetId));
    for (const e of [...events].reverse()) await record(e);
    await recordSend(send);
    expect(await ds.transaction((m) => loadReview(m, ids.budgetId))).toEqual(before);
  });

  it('when two writers save the same loaded version, the second fails as stale', async () => {
    const ids = newBudget('company-stale');
    await recordSend(budgetSent(ids, 'e1', 1));
    const loaded = (await ds.transaction((m) => loadReview(m, ids.budgetId)))!;
    const next = evolve(loaded.state, { type: 'retrieved', exportId: 'e1', at: new Date().toISOString(), by: { userId: 'u', name: 'U', email: '' } });
    await ds.transaction((m) => saveReview(m, next, loaded.version));
    await expect(ds.transaction((m) => saveReview(m, next, loaded.version))).rejects.toBeInstanceOf(StaleReviewError);
  });

  it('pages a list newest first by cursor without repeating or skipping', async () => {
    const companyId = 'company-paging';
    const all = Array.from({ length: 5 }, () => newBudget(companyId));
    for (const [i, ids] of all.entries()) await recordSend(budgetSent(ids, `e-${i}`, 10 + (i % 3)));
    const seen: string[] = [];
    let cursor = null;
    for (;;) {
      const page = await list(companyId, 'ready_to_export', 2, cursor);
      seen.push(...page.items.map((i) => i.budgetId!));
      if (!page.nextCursor) break;
      cursor = JSON.parse(Buffer.from(page.nextCursor, 'base64url').toString()) as [string, string];
      cursor = { at: cursor[0], id: cursor[1] };
    }
    expect([...seen].sort()).toEqual(all.map((b) => b.budgetId).sort());
    expect(seen).toHaveLength(5);
  });

  it('when another approver commits between this accept loading and saving, this one is refused naming the winner', async () => {
    const ids = newBudget('company-race');
    await recordSend(budgetSent(ids, 'e1', 1));
    const outbox = new OutboxWriter({ serviceName: 'approval' });
    const clock = { now: () => new Date('2026-11-23T10:00:00Z') };
    const plain = { run: <T>(work: (m: EntityManager) => Promise<T>) => ds.transaction(work) };
    const winner = new DecideOnBudget(plain, outbox, clock);
    let interleaved = false;
    // Holds the loser between its load and its save until the winner has committed.
    const interleaving = {
      run: <T>(work: (m: EntityManager) => Promise<T>) =>
        ds.transaction((manager) =>
          work(
            new Proxy(manager, {
              get(target, prop, receiver) {
                if (prop !== 'query' || interleaved) return Reflect.get(target, prop, receiver);
                return async (sql: string, params?: unknown[]) => {
                  if (sql.includes('company_settings')) {
                    interleaved = true;
                    await winner.accept({ budgetId: ids.budgetId, companyId: ids.companyId, by: { userId: 'u-w', name: 'Wendy Winner', email: '' }, description: null, revision: undefined });
                  }
                  return target.query(sql, params);
                };
              },
            }),
          ),
        ),
    };
    const loser = new DecideOnBudget(interleaving, outbox, clock);
    const refusal = await loser
      .accept({ budgetId: ids.budgetId, companyId: ids.companyId, by: { userId: 'u-l', name: 'Larry Later', email: '' }, description: null, revision: undefined })
      .catch((error: unknown) => error);
    expect(interleaved).toBe(true);
    expect(refusal).toBeInstanceOf(ReviewUseCaseError);
    expect(refusal).toMatchObject({ code: 'APPROVAL.ALREADY_ACCEPTED', message: 'the budget was already accepted by Wendy Winner at 2026-11-23 10:00:00 UTC' });
    const published = await ds.query(`SELECT payload FROM outbox_messages WHERE message_key = $1`, [ids.budgetId]);
    expect(published.map((r: { payload: { acceptedBy: { name: string } } }) => r.payload.acceptedBy.name)).toEqual(['Wendy Winner']);
  });
});
