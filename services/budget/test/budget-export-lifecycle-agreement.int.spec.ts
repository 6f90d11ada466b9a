import { randomUUID } from 'node:crypto';
import { exportFactOrderings, holdsBudget, type ExportFact, type ExportStatus } from '@budget-erp/contracts';
import { messagingEntities, messagingMigrations, OutboxWriter } from '@budget-erp/messaging';
import { createDataSource } from '@budget-erp/service-kit';
import { createTestDatabase, TestDatabase } from '@budget-erp/testing';
import type { DataSource, EntityManager } from 'typeorm';
import { BudgetCommands } from '../src/budgets/application/budget-commands';
import { holdOf, type UserRef } from '../src/budgets/domain/budget';
import type { ErpContext } from '../src/budgets/domain/erp-system';
import { loadBudget } from '../src/budgets/infrastructure/budget.repository';
import type { BudgetConfig } from '../src/config';
import { AdvanceExportSagaHandler } from '../src/export-saga/application/advance-export-saga/advance-export-saga.handler';
import type { SagaMessage } from '../src/export-saga/domain/export-saga';
import { sagasOfBudget } from '../src/export-saga/infrastructure/export-saga.repository';
import { budgetEntities, budgetMigrations } from '../src/persistence';

/**
 * The lifecycle agreement test, budget's part: every ordering (with a duplicate) of a send's facts
 * goes through the budget service's own paths on real PostgreSQL — its send and retrieve commands
 * and the export saga's step, which its inbox controllers and timeout sweeper call — and the
 * export's status must be the shared lifecycle's (`exportStatusOf`), as approval's and
 * notification's must. The budget produces `sent` itself, so each case starts with its send; a
 * `sent` later in the ordering is that send heard again.
 */
const pm: UserRef = { userId: 'u-pm', name: 'Pat Manager', email: 'pat@example.com' };
const companyId = 'c-agreement';
const cmic: ErpContext = {
  connection: { erpSystem: 'cmic', estimatesEnabled: true },
  link: { erpSystem: 'cmic', jobNumber: 'J-1', costCodes: ['01-100'], supportsSubJobs: true, subJobs: [] },
};
const config: BudgetConfig = { exportTimeoutMs: 60_000, exportTimeoutSweepMs: 1_000 };

let db: TestDatabase;
let dataSource: DataSource;
let commands: BudgetCommands;
let saga: AdvanceExportSagaHandler;

beforeAll(async () => {
  db = await createTestDatabase('budget_lifecycle_agreement');
  dataSource = await createDataSource({ url: db.url, entities: [...budgetEntities, ...messagingEntities], migrations: [...messagingMigrations, ...budgetMigrations], poolSize: 2 });
  const outbox = new OutboxWriter({ serviceName: 'budget' });
  commands = new BudgetCommands(outbox, config);
  saga = new AdvanceExportSagaHandler(commands, outbox, config);
}, 30_000);

afterAll(async () => {
  await dataSource?.destroy();
  await db?.drop();
});

const tx = <T>(work: (manager: EntityManager) => Promise<T>): Promise<T> => dataSource.transaction(work);

/** A one-line budget, locked and sent through the budget's own commands; answers its export id. */
async function sentBudget(budgetId: string, at: string): Promise<string> {
  const exportId = randomUUID();
  await tx(async (m) => {
    await commands.create(m, {
      type: 'CreateBudget', budgetId, companyId, projectId: 'p1', name: 'Tower', createdBy: pm, at,
      lines: [{ id: `${budgetId}-l1`, costCode: '01-100', costType: null, subJob: null, description: null, amount: '100.00' }],
    });
  });
  await tx((m) => commands.execute(m, companyId, budgetId, () => ({ type: 'LockBudget', by: pm, at })));
  await tx((m) => commands.execute(m, companyId, budgetId, () => ({ type: 'SendToErp', exportId, by: pm, at, erp: cmic })));
  return exportId;
}

/** One fact, through the path the budget service hears it by. */
async function hear(budgetId: string, exportId: string, fact: ExportFact, at: string): Promise<void> {
  const step = (message: SagaMessage) => tx((m) => saga.execute(m, exportId, companyId, message));
  switch (fact) {
    case 'sent':
      return; // the send is the budget's own command: it happened first, once
    case 'retrieved': {
      // The PM's retrieval while the send waits for acceptance; heard by the saga otherwise.
      const retrieved = await tx(async (m) => {
        const loaded = await loadBudget(m, companyId, budgetId);
        if (loaded?.budget.erp.status !== 'awaiting_acceptance' || holdOf(loaded.budget)?.exportId !== exportId) return false;
        await commands.apply(m, loaded.budget, loaded.version, { type: 'RetrieveFromErp', by: pm, at });
        return true;
      });
      if (!retrieved) await step({ type: 'budget.retrieved', at, by: pm.name });
      return;
    }
    case 'accepted':
      await step({ type: 'budget.accepted', at, by: 'Ann Approver' });
      return;
    case 'rejected':
      await step({ type: 'budget.rejected', at, by: 'Ann Approver', reason: 'Wrong cost code' });
      return;
    case 'succeeded':
      await step({ type: 'export.succeeded', at, erpReference: 'BATCH-1' });
      return;
    case 'failed':
      await step({ type: 'export.failed', at, reasonCode: 'erp_unavailable', message: 'CMiC is down' });
      return;
    case 'timed_out':
      await step({ type: 'budget.export.timed_out', at });
      return;
    case 'lost':
      await step({ type: 'export.failed', at, reasonCode: 'erp_record_missing', message: 'CMiC has no budget batch BATCH-1' });
      return;
    case 'posted':
      await step({ type: 'erp.posted', at });
      return;
    case 'superseded':
      await step({ type: 'budget.sent.superseded', at, byExportId: 'a-newer-send' });
      return;
    default: {
      const unknown: never = fact;
      throw new Error(`unknown fact ${String(unknown)}`);
    }
  }
}

/** The budget's ERP status when this export is the budget's only send. */
const budgetStatusFor = (status: ExportStatus): string => (holdsBudget(status) ? status : status === 'synced' ? 'synced' : 'not_sent');

describe('export lifecycle agreement: the budget service ends every ordering of a send\'s facts in the lifecycle\'s status', () => {
  const cases = exportFactOrderings();

  it('has cases for every realistic fact set', () => {
    expect(cases.length).toBeGreaterThan(100);
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const budgetId = `b-${randomUUID()}`;
    const start = Date.UTC(2026, 11, 5, 10, 0, 0);
    const exportId = await sentBudget(budgetId, new Date(start).toISOString());
    for (const [index, fact] of c.facts.entries()) await hear(budgetId, exportId, fact, new Date(start + (index + 1) * 1000).toISOString());

    const [heard] = await tx((m) => sagasOfBudget(m, budgetId));
    expect({ status: heard.status, landedAfterGivenUp: heard.landedAfterGivenUp }).toEqual(c.expected);
    const budget = (await tx((m) => loadBudget(m, companyId, budgetId)))!.budget;
    expect(budget.erp.status).toBe(budgetStatusFor(c.expected.status));
    expect(holdOf(budget)?.exportId ?? null).toBe(holdsBudget(c.expected.status) ? exportId : null);
  });
});
