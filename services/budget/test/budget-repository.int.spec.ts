import { createDataSource } from '@budget-erp/service-kit';
import { createTestDatabase, TestDatabase } from '@budget-erp/testing';
import type { DataSource } from 'typeorm';
import { Budget, BudgetCommand, BudgetEvent, BudgetState, decide, ExportLine, fold, holdOf, syncedLinesAfterLanding, UserRef } from '../src/budgets/domain/budget';
import type { ErpContext } from '../src/budgets/domain/erp-system';
import { loadBudget, loadBudgetForExportOutcome, saveBudget } from '../src/budgets/infrastructure/budget.repository';
import { BudgetLineOrmEntity, BudgetModificationOrmEntity, BudgetOrmEntity } from '../src/budgets/infrastructure/budget.orm-entity';
import { insertSendSnapshot, loadLanding, moveSyncedLinesByLanding } from '../src/budgets/infrastructure/export-snapshot.repository';
import { writeSendLines } from '../src/budgets/infrastructure/send-lines.repository';
import { budgetMigrations } from '../src/persistence';
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
    migrations: budgetMigrations,
    poolSize: 2,
  });
}, 30_000);

afterAll(async () => {
  await dataSource?.destroy();
  await db?.drop();
});

let lastEvents: BudgetEvent[] = [];

function run(state: BudgetState, command: BudgetCommand): Budget {
  const decision = decide(state, command);
  if (!decision.ok) throw new Error(decision.error.code);
  lastEvents = decision.events;
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
  const sent = lastEvents.find((e): e is Extract<BudgetEvent, { type: 'BudgetSent' }> => e.type === 'BudgetSent')!;
  await dataSource.transaction(async (m) => {
    await saveBudget(m, budget, null);
    const ids = { exportId: sent.hold.exportId, budgetId, companyId: 'c1', projectId: 'p1' };
    const stored = await writeSendLines(m, ids, sent.snapshot.lines);
    await insertSendSnapshot(m, { ...ids, hold: sent.hold, snapshot: sent.snapshot, createdBy: pm, ...stored });
  });
  return budget;
}

/** The snapshot the last send decided (its lines left out). */
function lastSentSnapshot(): Extract<BudgetEvent, { type: 'BudgetSent' }>['snapshot'] {
  const sent = lastEvents.find((e): e is Extract<BudgetEvent, { type: 'BudgetSent' }> => e.type === 'BudgetSent');
  if (!sent) throw new Error('no send decided');
  return { ...sent.snapshot, lines: [] };
}

describe('loading a budget for an export outcome (a saga step)', () => {
  it('leaves the lines and the synced lines out, but keeps the hold (which names the export, without lines), status and modifications', async () => {
    await sentBudget('b-partial');
    const sent = await dataSource.transaction((m) => loadBudget(m, 'c1', 'b-partial'));
    const loaded = await dataSource.transaction((m) => loadBudgetForExportOutcome(m, 'c1', 'b-partial', { syncedLines: false }));
    expect(loaded?.budget.modifications).toEqual(sent?.budget.modifications);
    expect(loaded?.budget.modifications).toEqual([expect.objectContaining({ id: 'b-partial-m1', status: 'approved', sentIn: 'b-partial-x1' })]);
    expect(loaded?.budget).toMatchObject({
      erp: { status: 'awaiting_acceptance', hold: { exportId: 'b-partial-x1', statusBefore: 'not_sent', jobNumber: 'J-1', kind: 'original', modificationIds: ['b-partial-m1'] } },
      locked: true, lines: [], syncedLines: [],
    });
    expect(Object.keys(holdOf(loaded!.budget)!)).not.toContain('snapshot');
    expect(loaded?.notLoaded).toEqual({ lines: true, syncedLines: true });
    expect(await dataSource.transaction((m) => loadBudgetForExportOutcome(m, 'c2', 'b-partial', { syncedLines: false }))).toBeNull();
  });

  it('a status change saved from it leaves the lines and the hold whole in the database', async () => {
    const sent = await sentBudget('b-step');
    await dataSource.transaction(async (m) => {
      const loaded = (await loadBudgetForExportOutcome(m, 'c1', 'b-step', { syncedLines: false }))!;
      const next = run(loaded.budget, { type: 'ApplyExportOutcome', exportId: 'b-step-x1', outcome: 'exporting', at });
      await saveBudget(m, next, loaded);
    });
    const whole = await dataSource.transaction((m) => loadBudget(m, 'c1', 'b-step'));
    expect(whole?.budget.erp).toEqual({ status: 'exporting', hold: holdOf(sent) });
    expect(whole?.budget.lines).toEqual(sent.lines);
    expect(whole?.version).toBe(2);
  });

  it('refuses to save a change of lines made from it, and changes nothing', async () => {
    const sent = await sentBudget('b-refused');
    const loaded = (await dataSource.transaction((m) => loadBudgetForExportOutcome(m, 'c1', 'b-refused', { syncedLines: false })))!;
    const changed: Budget = { ...loaded.budget, lines: [sent.lines[0]] };
    await expect(dataSource.transaction((m) => saveBudget(m, changed, loaded))).rejects.toThrow('was loaded without its lines');
    const whole = await dataSource.transaction((m) => loadBudget(m, 'c1', 'b-refused'));
    expect(whole?.budget.lines).toHaveLength(LINES);
    expect(whole?.version).toBe(1);
  });

  it('when the export lands, what the ERP holds becomes the stored snapshot\'s lines; posting then releases the hold', async () => {
    const sent = await sentBudget('b-sync');
    const landing = (await dataSource.transaction((m) => loadLanding(m, 'b-sync-x1')))!;
    expect(landing.hold).toEqual(holdOf(sent));
    expect(landing.lines).toHaveLength(LINES);
    for (const outcome of ['exporting', 'awaiting_posting', 'synced'] as const) {
      await dataSource.transaction(async (m) => {
        const landed = outcome === 'awaiting_posting';
        const loaded = (await loadBudgetForExportOutcome(m, 'c1', 'b-sync', { syncedLines: landed }))!;
        await saveBudget(m, run(loaded.budget, { type: 'ApplyExportOutcome', exportId: 'b-sync-x1', outcome, at, ...(landed ? { landing } : {}) }), loaded);
      });
    }
    const whole = await dataSource.transaction((m) => loadBudget(m, 'c1', 'b-sync'));
    expect(whole?.budget).toMatchObject({ erp: { status: 'synced' }, exported: true });
    expect(whole?.budget.syncedLines.map((l) => [l.lineId, l.amount])).toEqual((landing.lines as ExportLine[]).map((l) => [l.lineId, l.amount]));
    expect(whole?.budget.lines).toEqual(sent.lines);
  });

  it('moving what the ERP holds by a landing in PostgreSQL gives exactly syncedLinesAfterLanding of the synced and the landed lines, in its order', async () => {
    const sent = await sentBudget('b-move');
    const line = (lineId: string, amount: string, syncedAmount: string | null): ExportLine => ({
      lineId, costCode: '01-100', costType: lineId === 'b' ? 'labor' : null, subJob: lineId === 'c' ? 'SJ-1' : null, description: `Line ${lineId} "quoted"`, amount, syncedAmount,
    });
    // What the ERP held; then a revision computed against an older baseline (it landed late).
    const held = [line('a', '100.00', '100.00'), line('b', '50.00', '50.00'), line('c', '30.00', '30.00'), line('e', '25.00', '25.00'), line('f', '-5.50', '-5.50')];
    const landed = [
      line('n1', '10.00', null), // new line
      line('a', '120.00', '100.00'), // +20
      line('b', '0.00', '50.00'), // removed, and the ERP holds nothing for it after: dropped
      line('c', '40.00', '20.00'), // computed against 20 while the ERP held 30: +20 → 50
      line('e', '0.00', '10.00'), // removed against 10 while the ERP held 25: 15 stays
      line('n2', '0.00', null), // a new line at zero
      line('f', '0.01', '-5.50'), // +5.51 → 0.01
    ];
    await dataSource.transaction(async (m) => {
      await m.query('UPDATE budgets SET synced_lines = $2::jsonb WHERE id = $1', ['b-move', JSON.stringify(held)]);
      const ids = { exportId: 'b-move-x2', budgetId: 'b-move', companyId: 'c1', projectId: 'p1' };
      const stored = await writeSendLines(m, ids, landed);
      await insertSendSnapshot(m, { ...ids, hold: { ...holdOf(sent)!, exportId: 'b-move-x2', kind: 'revision' }, snapshot: { ...lastSentSnapshot(), kind: 'revision' }, createdBy: pm, ...stored });
      await moveSyncedLinesByLanding(m, 'b-move', 'b-move-x2');
    });

    const [{ synced }] = (await dataSource.query('SELECT synced_lines AS synced FROM budgets WHERE id = $1', ['b-move'])) as { synced: ExportLine[] }[];
    expect(synced).toEqual(syncedLinesAfterLanding(held, landed));
    expect(synced.map((l) => [l.lineId, l.amount])).toEqual([['a', '120.00'], ['c', '50.00'], ['e', '15.00'], ['f', '0.01'], ['n1', '10.00'], ['n2', '0.00']]);
  });

  it('a stored snapshot cannot be changed: the database refuses an update of it or of its lines', async () => {
    await sentBudget('b-immutable');
    await expect(dataSource.query(`UPDATE export_snapshots SET total_cents = 1 WHERE export_id = 'b-immutable-x1'`)).rejects.toThrow('immutable');
    await expect(dataSource.query(`UPDATE export_snapshot_chunks SET lines = '[]' WHERE export_id = 'b-immutable-x1'`)).rejects.toThrow('immutable');
  });
});
