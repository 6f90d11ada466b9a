import { createDataSource } from '@budget-erp/service-kit';
import { createTestDatabase, TestDatabase } from '@budget-erp/testing';
import type { DataSource } from 'typeorm';
import { Budget, BudgetCommand, BudgetState, decide, fold, UserRef } from '../src/budgets/domain/budget';
import type { ErpContext } from '../src/budgets/domain/erp-system';
import { loadBudget, loadBudgetForExportOutcome, saveBudget } from '../src/budgets/infrastructure/budget.repository';
import { BudgetLineOrmEntity, BudgetModificationOrmEntity, BudgetOrmEntity } from '../src/budgets/infrastructure/budget.orm-entity';
import { CreateBudgetTables1763900200000 } from '../src/budgets/infrastructure/migrations/1763900200000-create-budget-tables';
import { AddHoldToExportSagas1763900300000 } from '../src/budgets/infrastructure/migrations/1763900300000-add-hold-to-export-sagas';
import { ExportSagaOrmEntity } from '../src/export-saga/infrastructure/export-saga.orm-entity';

/**
 * The budget repository against real PostgreSQL: the partial load the export saga's steps use
 * leaves the large parts in the database, and a save from it never overwrites them.
 */
const pm: UserRef = { userId: 'u-pm', name: 'Pat Manager', email: 'pat@example.com' };
const at = '2026-11-23T10:00:00.000Z';
const cmic: ErpContext = {
  connection: { erpSystem: 'cmic', estimatesEnabled: true },
  link: { erpSystem: 'cmic', jobNumber: 'J-1', costCodes: ['01-100', '02-200'], supportsSubJobs: true, subJobs: [] },
};
const LINES = 300;

let db: TestDatabase;
let dataSource: DataSource;

beforeAll(async () => {
  db = await createTestDatabase('budget_repository');
  dataSource = await createDataSource({
    url: db.url,
    entities: [BudgetOrmEntity, BudgetLineOrmEntity, BudgetModificationOrmEntity, ExportSagaOrmEntity],
    migrations: [CreateBudgetTables1763900200000, AddHoldToExportSagas1763900300000],
    poolSize: 2,
  });
}, 30_000);

afterAll(async () => {
  await dataSource?.destroy();
  await db?.drop();
});

function run(state: BudgetState, command: BudgetCommand): Budget {
  const decision = decide(state, command);
  if (!decision.ok) throw new Error(decision.error.code);
  const next = fold(decision.events, state);
  if (next.status !== 'present') throw new Error('absent');
  return next;
}

/** A budget of LINES lines, locked and sent (held), saved as the send leaves it. */
async function sentBudget(budgetId: string): Promise<Budget> {
  const lines = Array.from({ length: LINES }, (_, i) => ({ id: `${budgetId}-l${i}`, costCode: i % 2 ? '01-100' : '02-200', costType: null, subJob: null, description: `Line ${i}`, amount: `${i}.25` }));
  let budget = run({ status: 'absent' }, { type: 'CreateBudget', budgetId, companyId: 'c1', projectId: 'p1', name: 'Tower', createdBy: pm, at, lines });
  budget = run(budget, { type: 'LockBudget', by: pm, at });
  const change = { lineId: lines[0].id, costCode: '02-200', costType: null, subJob: null, description: null, amount: '5.00' };
  budget = run(budget, { type: 'CreateModification', modification: { id: `${budgetId}-m1`, description: 'Move money', status: 'approved', changes: [change], createdBy: pm, createdAt: at }, at });
  budget = run(budget, { type: 'SendToErp', exportId: `${budgetId}-x1`, by: pm, at, erp: cmic });
  await dataSource.transaction((m) => saveBudget(m, budget, null));
  return budget;
}

describe('loading a budget for an export outcome (a saga step)', () => {
  it('leaves the lines, the synced lines and the held snapshot lines out, but keeps the hold, status and modifications', async () => {
    await sentBudget('b-partial');
    const sent = await dataSource.transaction((m) => loadBudget(m, 'c1', 'b-partial'));
    const loaded = await dataSource.transaction((m) => loadBudgetForExportOutcome(m, 'c1', 'b-partial', false));
    expect(loaded?.budget.modifications).toEqual(sent?.budget.modifications);
    expect(loaded?.budget.modifications).toEqual([expect.objectContaining({ id: 'b-partial-m1', status: 'approved', sentIn: 'b-partial-x1' })]);
    expect(loaded?.budget).toMatchObject({ erpStatus: 'awaiting_acceptance', locked: true, lines: [], syncedLines: [], hold: { exportId: 'b-partial-x1', statusBefore: 'not_sent' } });
    expect(loaded?.budget.hold?.snapshot).toMatchObject({ lines: [], total: expect.any(String), jobNumber: 'J-1' });
    expect(loaded?.notLoaded).toEqual({ lines: true, syncedLines: true, heldSnapshotLines: true });
    expect(await dataSource.transaction((m) => loadBudgetForExportOutcome(m, 'c2', 'b-partial', false))).toBeNull();
  });

  it('when posted, loads the held snapshot with its lines, since posting records them as synced', async () => {
    const sent = await sentBudget('b-posted');
    const loaded = await dataSource.transaction((m) => loadBudgetForExportOutcome(m, 'c1', 'b-posted', true));
    expect(loaded?.budget.hold?.snapshot.lines).toEqual(sent.hold!.snapshot.lines);
    expect(loaded?.budget.hold?.snapshot.lines).toHaveLength(LINES);
    expect(loaded?.budget.lines).toEqual([]);
  });

  it('a status change saved from it leaves the lines and the held snapshot whole in the database', async () => {
    const sent = await sentBudget('b-step');
    await dataSource.transaction(async (m) => {
      const loaded = (await loadBudgetForExportOutcome(m, 'c1', 'b-step', false))!;
      const next = run(loaded.budget, { type: 'ApplyExportOutcome', exportId: 'b-step-x1', outcome: 'exporting', at });
      await saveBudget(m, next, loaded);
    });
    const whole = await dataSource.transaction((m) => loadBudget(m, 'c1', 'b-step'));
    expect(whole?.budget.erpStatus).toBe('exporting');
    expect(whole?.budget.lines).toEqual(sent.lines);
    expect(whole?.budget.hold).toEqual(sent.hold);
    expect(whole?.version).toBe(2);
  });

  it('refuses to save a change of lines made from it, and changes nothing', async () => {
    const sent = await sentBudget('b-refused');
    const loaded = (await dataSource.transaction((m) => loadBudgetForExportOutcome(m, 'c1', 'b-refused', false)))!;
    const changed: Budget = { ...loaded.budget, lines: [sent.lines[0]] };
    await expect(dataSource.transaction((m) => saveBudget(m, changed, loaded))).rejects.toThrow('was loaded without its lines');
    const whole = await dataSource.transaction((m) => loadBudget(m, 'c1', 'b-refused'));
    expect(whole?.budget.lines).toHaveLength(LINES);
    expect(whole?.version).toBe(1);
  });

  it('posting saved from it records every sent line as synced and releases the hold', async () => {
    const sent = await sentBudget('b-sync');
    for (const outcome of ['exporting', 'awaiting_posting', 'posted'] as const) {
      await dataSource.transaction(async (m) => {
        const loaded = (await loadBudgetForExportOutcome(m, 'c1', 'b-sync', outcome === 'posted'))!;
        await saveBudget(m, run(loaded.budget, { type: 'ApplyExportOutcome', exportId: 'b-sync-x1', outcome, at }), loaded);
      });
    }
    const whole = await dataSource.transaction((m) => loadBudget(m, 'c1', 'b-sync'));
    expect(whole?.budget).toMatchObject({ erpStatus: 'synced', hold: null, exported: true });
    expect(whole?.budget.syncedLines.map((l) => [l.lineId, l.amount])).toEqual(sent.hold!.snapshot.lines.map((l) => [l.lineId, l.amount]));
    expect(whole?.budget.lines).toEqual(sent.lines);
  });
});
