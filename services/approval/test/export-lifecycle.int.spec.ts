import { DataSource } from 'typeorm';
import { type ExportFact, exportFactOrderings, exportStatusOf } from '@budget-erp/contracts';
import { messagingEntities, messagingMigrations } from '@budget-erp/messaging';
import { type TestDatabase, createTestDatabase } from '@budget-erp/testing';
import { recordSendLines, recordUpstreamEvent } from '../src/review/application/record-upstream-event/record-upstream-event.handler';
import { type ReviewFact, emptyReview, evolve, exportLifecycleOf } from '../src/review/domain/budget-review';
import { approvalEntities, approvalMigrations } from '../src/review/infrastructure/approval-persistence';
import { loadReview, saveReview } from '../src/review/infrastructure/review.repository';
import {
  type BudgetIds,
  budgetRetrieved,
  budgetSent,
  erpPosted,
  exportFailed,
  exportSucceeded,
  exportTimedOut,
  newBudget,
  pat,
} from './support/upstream-events';

/**
 * The lifecycle agreement test, approval's part: every ordering (with duplicates) of the facts a
 * send can produce, fed to approval's own consumer path, must end in the status the shared
 * definition (`exportStatusOf`) gives for those facts.
 */
describe('export lifecycle: approval agrees with the shared definition (PostgreSQL)', () => {
  let db: TestDatabase;
  let ds: DataSource;

  beforeAll(async () => {
    db = await createTestDatabase('approval_lifecycle');
    ds = new DataSource({ type: 'postgres', url: db.url, entities: [...messagingEntities, ...approvalEntities], migrations: [...messagingMigrations, ...approvalMigrations], poolSize: 2 });
    await ds.initialize();
    await ds.runMigrations();
  });

  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  const EXPORT = 'e1';
  const minute = (m: number) => new Date(Date.UTC(2026, 10, 23, 8, m)).toISOString();

  async function recordSend(ids: BudgetIds, exportId: string, at: number, linesFirst: boolean): Promise<void> {
    const send = budgetSent(ids, exportId, at);
    const summary = () => ds.transaction((m) => recordUpstreamEvent(m, { topic: 'budget.sent', payload: send.summary }));
    if (!linesFirst) await summary();
    for (const chunk of send.chunks) await ds.transaction((m) => recordSendLines(m, chunk));
    if (linesFirst) await summary();
  }

  /**
   * Accepting and rejecting are approval's own decisions, not events it consumes: they are recorded
   * as the decision use case records them (into the review, once), without its rules, since the
   * other services may hear of them in any order.
   */
  const recordDecision = (ids: BudgetIds, fact: ReviewFact) =>
    ds.transaction(async (m) => {
      const loaded = await loadReview(m, ids.budgetId);
      const state = loaded?.state ?? emptyReview(ids.budgetId, ids.companyId, ids.projectId);
      await saveReview(m, evolve(state, fact), loaded?.version ?? null);
    });

  const upstream = (event: Parameters<typeof recordUpstreamEvent>[1]) => ds.transaction((m) => recordUpstreamEvent(m, event));

  async function feed(ids: BudgetIds, fact: ExportFact, caseNumber: number): Promise<void> {
    switch (fact) {
      case 'sent':
        return recordSend(ids, EXPORT, 1, caseNumber % 2 === 1);
      case 'superseded':
        return recordSend(ids, 'e2', 30, caseNumber % 2 === 0);
      case 'retrieved':
        return upstream({ topic: 'budget.retrieved', payload: budgetRetrieved(ids, EXPORT, 2) });
      case 'accepted':
        return recordDecision(ids, { type: 'accepted', exportId: EXPORT, at: minute(3), by: pat, description: null, revision: null });
      case 'rejected':
        return recordDecision(ids, { type: 'rejected', exportId: EXPORT, at: minute(6), by: pat, reason: 'wrong job' });
      case 'succeeded':
        return upstream({ topic: 'export.succeeded', payload: exportSucceeded(ids, EXPORT, 8) });
      case 'failed':
        return upstream({ topic: 'export.failed', payload: exportFailed(ids, EXPORT, 4) });
      case 'timed_out':
        return upstream({ topic: 'budget.export.timed_out', payload: exportTimedOut(ids, EXPORT, 5) });
      case 'posted':
        return upstream({ topic: 'erp.posted', payload: erpPosted(ids, EXPORT, 9) });
      case 'lost':
        return upstream({ topic: 'export.failed', payload: { ...exportFailed(ids, EXPORT, 10), reasonCode: 'erp_record_missing', message: 'CMiC has no budget batch BATCH-1' } });
      default: {
        const unknown: never = fact;
        throw new Error(`no event for fact ${String(unknown)}`);
      }
    }
  }

  const cases = exportFactOrderings().map((c, n) => ({ ...c, n }));

  it('covers every ordering the shared definition lists', () => {
    expect(cases.length).toBeGreaterThan(100);
  });

  it.each(cases)('$name ends as exportStatusOf says', async ({ facts, expected, n }) => {
    const ids = newBudget('company-lifecycle');
    for (const fact of facts) await feed(ids, fact, n);
    const loaded = await ds.transaction((m) => loadReview(m, ids.budgetId));
    expect(exportLifecycleOf(loaded!.state, EXPORT)).toEqual(expected);
  });

  it('a late success of an export rejected after timing out and superseded by a re-send is flagged as landed after given up', async () => {
    const ids = newBudget('company-lifecycle');
    for (const fact of ['sent', 'accepted', 'timed_out', 'rejected', 'superseded', 'succeeded'] as const) await feed(ids, fact, 0);
    const loaded = await ds.transaction((m) => loadReview(m, ids.budgetId));
    expect(exportLifecycleOf(loaded!.state, EXPORT)).toEqual({ status: 'awaiting_posting', landedAfterGivenUp: true });
    expect(exportStatusOf(['sent', 'accepted', 'timed_out', 'rejected', 'superseded', 'succeeded'])).toEqual({ status: 'awaiting_posting', landedAfterGivenUp: true });
  });
});
