import { chunkSendLines, linesDigest } from '@budget-erp/contracts';
import { createDataSource } from '@budget-erp/service-kit';
import { createTestDatabase, TestDatabase } from '@budget-erp/testing';
import type { DataSource } from 'typeorm';
import { Budget, BudgetCommand, BudgetState, decide, exportSnapshot, fold, syncedLinesAfterLanding, UserRef } from '../src/budgets/domain/budget';
import { linesFactsOf } from '../src/budgets/domain/erp-readiness';
import type { ErpContext } from '../src/budgets/domain/erp-system';
import { loadBudget, loadBudgetForExportOutcome, saveBudget } from '../src/budgets/infrastructure/budget.repository';
import { BudgetLineOrmEntity, BudgetModificationOrmEntity, BudgetOrmEntity } from '../src/budgets/infrastructure/budget.orm-entity';
import { exportLinesInDatabase, linesFactsInDatabase, writeSendLines } from '../src/budgets/infrastructure/send-lines.repository';
import { budgetMigrations } from '../src/persistence';
import { ExportSagaOrmEntity } from '../src/export-saga/infrastructure/export-saga.orm-entity';

/**
 * The send streams a budget's lines from PostgreSQL instead of loading them: its readiness facts,
 * lines, chunks and digest must be exactly those of the budget loaded whole (`exportSnapshot`,
 * `chunkSendLines`, `linesDigest`), modifications and what the ERP holds included.
 */
const pm: UserRef = { userId: 'u-pm', name: 'Pat Manager', email: 'pat@example.com' };
const at = '2026-11-23T10:00:00.000Z';
const cmic: ErpContext = {
  connection: { erpSystem: 'cmic', estimatesEnabled: true },
  link: { erpSystem: 'cmic', jobNumber: 'J-1', costCodes: ['01-100', '02-200'], supportsSubJobs: false, subJobs: [] },
};

let db: TestDatabase;
let dataSource: DataSource;

beforeAll(async () => {
  db = await createTestDatabase('budget_streamed_send');
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

function run(state: BudgetState, command: BudgetCommand): Budget {
  const decision = decide(state, command);
  if (!decision.ok) throw new Error(decision.error.code);
  const next = fold(decision.events, state);
  if (next.status !== 'present') throw new Error('absent');
  return next;
}

/** Streams the send's lines of a saved budget, loaded the way the send loads it (without lines). */
async function streamed(budgetId: string) {
  return dataSource.transaction(async (m) => {
    const loaded = (await loadBudgetForExportOutcome(m, 'c1', budgetId, { syncedLines: false }))!;
    const lines = [];
    for await (const line of exportLinesInDatabase(m, loaded.budget)) lines.push(line);
    const facts = await linesFactsInDatabase(m, loaded.budget, cmic);
    return { lines, facts };
  });
}

const longText = (i: number) => `Line ${i} ${'é'.repeat(i % 7 === 0 ? 900 : 3)}`;

describe('a send streamed from the database', () => {
  it('exports the same lines, in the same order, as the budget loaded whole: modifications applied and added, removed synced lines at zero', async () => {
    const budgetId = 'b-revision';
    const lines = Array.from({ length: 2500 }, (_, i) => ({
      id: `${budgetId}-l${i}`, costCode: i % 3 ? '01-100' : i % 5 ? '02-200' : '09-900', costType: i % 2 ? 'L' : null,
      subJob: i % 11 === 0 ? 'S1' : null, description: longText(i), amount: `${i}.${String(i % 100).padStart(2, '0')}`,
    }));
    let budget = run({ status: 'absent' }, { type: 'CreateBudget', budgetId, companyId: 'c1', projectId: 'p1', name: 'Tower', createdBy: pm, at, lines });
    // What the ERP holds: every line but the last ten, plus two lines since removed from the budget.
    const gone = [0, 1].map((i) => ({ lineId: `${budgetId}-gone${i}`, costCode: '01-100', costType: null, subJob: null, description: 'Gone', amount: '12.50', syncedAmount: null }));
    const held = lines.slice(0, -10).map((l) => ({ lineId: l.id, costCode: l.costCode, costType: l.costType, subJob: l.subJob, description: l.description, amount: l.amount, syncedAmount: null }));
    budget = { ...budget, syncedLines: syncedLinesAfterLanding([], [...held, ...gone]), exported: true };
    budget = run(budget, { type: 'LockBudget', by: pm, at });
    const changes = [
      { lineId: lines[7].id, costCode: lines[7].costCode, costType: null, subJob: null, description: null, amount: '-3.10' },
      { lineId: null, costCode: '02-200', costType: null, subJob: 'S2', description: 'New', amount: '40' },
      { lineId: lines[7].id, costCode: lines[7].costCode, costType: null, subJob: null, description: null, amount: '1.05' },
    ];
    budget = run(budget, { type: 'CreateModification', modification: { id: `${budgetId}-m1`, description: 'Move', status: 'approved', changes, createdBy: pm, createdAt: at }, at });
    budget = run(budget, { type: 'CreateModification', modification: { id: `${budgetId}-m2`, description: 'Draft', status: 'draft', changes: [changes[1]], createdBy: pm, createdAt: at }, at });
    await dataSource.transaction((m) => saveBudget(m, budget, null));
    const whole = (await dataSource.transaction((m) => loadBudget(m, 'c1', budgetId)))!.budget;

    const expected = exportSnapshot(whole, 'cmic', 'J-1').lines;
    const { lines: got, facts } = await streamed(budgetId);
    expect(got).toEqual(expected);
    expect(got.length).toBe(2500 + 1 + 2);
    expect(facts).toEqual({ ...linesFactsOf(whole, cmic), unchanged: null });
    expect(facts.unknownCostCodes).toEqual(['09-900']);
    expect(facts.subJobCostCodes).toEqual(['09-900', '01-100', '02-200']);
  });

  it('stores the lines in the chunks and with the digest of chunkSendLines and linesDigest, byte for byte', async () => {
    const { lines } = await streamed('b-revision');
    const exportId = 'b-revision-x1';
    const stored = await dataSource.transaction(async (m) => {
      const result = await writeSendLines(m, { exportId, budgetId: 'b-revision', projectId: 'p1', companyId: 'c1' }, lines);
      const rows = (await m.query('SELECT chunk, lines::text AS json FROM export_snapshot_chunks WHERE export_id = $1 ORDER BY chunk', [exportId])) as { chunk: number; json: string }[];
      // The snapshot's row is what makes the chunks' reference hold at commit: this test stores none.
      await m.query('DELETE FROM export_snapshot_chunks WHERE export_id = $1', [exportId]);
      return { result, rows };
    });
    const chunks = chunkSendLines(lines);
    expect(chunks.length).toBeGreaterThan(2);
    expect(stored.result).toMatchObject({ lineCount: lines.length, chunkCount: chunks.length, linesDigest: linesDigest(lines), unchanged: false });
    expect(stored.rows.map((r) => r.json)).toEqual(chunks.map((chunk) => JSON.stringify(chunk)));
  });

  it('an empty send stores one empty chunk, as chunkSendLines cuts it', async () => {
    const stored = await dataSource.transaction(async (m) => {
      const result = await writeSendLines(m, { exportId: 'x-empty', budgetId: 'b-empty', projectId: 'p1', companyId: 'c1' }, []);
      await m.query(`DELETE FROM export_snapshot_chunks WHERE export_id = 'x-empty'`);
      return result;
    });
    expect(stored).toMatchObject({ lineCount: 0, chunkCount: 1, linesDigest: linesDigest([]) });
  });

  it('the chunks cannot outlive a send whose snapshot row is missing: the reference is checked at commit', async () => {
    await expect(
      dataSource.transaction((m) => writeSendLines(m, { exportId: 'x-orphan', budgetId: 'b-orphan', projectId: 'p1', companyId: 'c1' }, [])),
    ).rejects.toThrow(/foreign key/);
  });
});
