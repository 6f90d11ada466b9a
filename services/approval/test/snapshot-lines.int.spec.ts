import { DataSource } from 'typeorm';
import { messagingEntities, messagingMigrations } from '@budget-erp/messaging';
import { type TestDatabase, createTestDatabase } from '@budget-erp/testing';
import { ReviewQueries } from '../src/review/application/review-queries/review-queries';
import { type UpstreamEvent, recordUpstreamEvent } from '../src/review/application/record-upstream-event/record-upstream-event.handler';
import { approvalEntities, approvalMigrations } from '../src/review/infrastructure/approval-persistence';
import { LinesNotLoaded, loadReview } from '../src/review/infrastructure/review.repository';
import { CreateApprovalReadModel1763900000000 } from '../src/review/infrastructure/migrations/1763900000000-create-approval-read-model';
import { budgetImported, budgetSent, erpPosted, exportSucceeded, importRequested, newBudget } from './support/upstream-events';

const lines = (count: number, amount: (i: number) => string) =>
  Array.from({ length: count }, (_, i) => ({ lineId: `l${i}`, costCode: `01-${100 + i}`, costType: null, subJob: null, description: `Line ${i}`, amount: amount(i), syncedAmount: null }));

/** One database for the tests that record events (each uses its own company and budget ids). */
let db: TestDatabase;
let ds: DataSource;
const record = (event: UpstreamEvent) => ds.transaction((m) => recordUpstreamEvent(m, event));

/** Counts every write to a lines table in `<table>_writes`, to show which events write lines. */
async function countWrites(table: string, idColumn: string): Promise<void> {
  await ds.query(`CREATE TABLE ${table}_writes (budget_id text NOT NULL, ${idColumn} text NOT NULL, op text NOT NULL)`);
  await ds.query(`CREATE FUNCTION count_${table}_write() RETURNS trigger AS $$
    BEGIN INSERT INTO ${table}_writes VALUES (NEW.budget_id, NEW.${idColumn}, TG_OP); RETURN NEW; END $$ LANGUAGE plpgsql`);
  await ds.query(`CREATE TRIGGER count_${table}_write BEFORE INSERT OR UPDATE ON ${table} FOR EACH ROW EXECUTE FUNCTION count_${table}_write()`);
}

beforeAll(async () => {
  db = await createTestDatabase('approval_stored_lines');
  ds = new DataSource({ type: 'postgres', url: db.url, entities: [...messagingEntities, ...approvalEntities], migrations: [...messagingMigrations, ...approvalMigrations] });
  await ds.initialize();
  await ds.runMigrations();
  await countWrites('export_snapshot_lines', 'export_id');
  await countWrites('import_lines', 'import_id');
});

afterAll(async () => {
  await ds?.destroy();
  await db?.drop();
});

describe('approval keeps the lines of each send and each import apart from the review (PostgreSQL)', () => {
  const queries = () => new ReviewQueries({ run: (work) => ds.transaction(work) });
  const linesWrites = async (budgetId: string): Promise<number> =>
    Number((await ds.query('SELECT count(*) AS n FROM export_snapshot_lines_writes WHERE budget_id = $1', [budgetId]))[0].n);

  it('when a send is recorded, its lines are written once, apart; the events after it write none and the review row holds none', async () => {
    const ids = newBudget('company-lines-once');
    await record({ topic: 'budget.sent', payload: budgetSent(ids, 'e1', 1, { lines: lines(3000, (i) => `${i}.25`) }) });
    await record({ topic: 'budget.sent', payload: budgetSent(ids, 'e1', 1, { lines: lines(3000, (i) => `${i}.25`) }) });
    await record({ topic: 'export.succeeded', payload: exportSucceeded(ids, 'e1', 2) });
    await record({ topic: 'erp.posted', payload: erpPosted(ids, 'e1', 3) });

    expect(await linesWrites(ids.budgetId)).toBe(1);
    const [stored] = await ds.query(`SELECT jsonb_array_length(lines) AS n FROM export_snapshot_lines WHERE budget_id = $1 AND export_id = 'e1'`, [ids.budgetId]);
    expect(stored.n).toBe(3000);
    const [row] = await ds.query(`SELECT exports -> 'e1' -> 'sent' -> 'snapshot' AS snapshot, erp_status FROM budget_reviews WHERE budget_id = $1`, [ids.budgetId]);
    expect(row.erp_status).toBe('synced');
    expect(row.snapshot).not.toHaveProperty('lines');
    expect(row.snapshot).toMatchObject({ name: 'Main budget', kind: 'original', erpSystem: 'cmic' });
  });

  it('when a review is loaded, reading a send\'s lines that were not loaded throws instead of answering an empty list', async () => {
    const ids = newBudget('company-lines-guard');
    await record({ topic: 'budget.sent', payload: budgetSent(ids, 'e1', 1) });

    const loaded = await ds.transaction((m) => loadReview(m, ids.budgetId));

    expect(() => loaded!.state.exports.e1.sent!.snapshot.lines).toThrow(LinesNotLoaded);
    expect(loaded!.state.exports.e1.sent!.snapshot.total).toBe('1250.50');
  });

  it('when the approver opens a revision, the view shows its lines and the change against the last synced send', async () => {
    const ids = newBudget('company-lines-view');
    await record({ topic: 'budget.sent', payload: budgetSent(ids, 'e1', 1, { lines: lines(2, () => '100.00') }) });
    await record({ topic: 'export.succeeded', payload: exportSucceeded(ids, 'e1', 2) });
    await record({ topic: 'erp.posted', payload: erpPosted(ids, 'e1', 3) });
    // The revision raises line l0 and drops line l1, which only the synced send's lines still hold.
    const revised = [{ ...lines(1, () => '150.00')[0], syncedAmount: '100.00' }];
    await record({ topic: 'budget.sent', payload: budgetSent(ids, 'e2', 4, { kind: 'revision', lines: revised }) });

    const view = await queries().review(ids.companyId, ids.budgetId);

    expect(view.exportId).toBe('e2');
    expect(view.lines.map((l) => l.costCode)).toEqual(['01-100']);
    expect(view.diff.map((d) => [d.lineId, d.change, d.difference])).toEqual([
      ['l0', 'changed', '50.00'],
      ['l1', 'removed', '-100.00'],
    ]);
  });

  it('when a re-import follows a send, the listed total is the send\'s lines with the ERP\'s amounts applied', async () => {
    const ids = newBudget('company-lines-reimport');
    await record({ topic: 'budget.sent', payload: budgetSent(ids, 'e1', 1, { origin: 'erp', lines: lines(2, () => '100.00') }) });
    await record({ topic: 'export.succeeded', payload: exportSucceeded(ids, 'e1', 2) });
    await record({ topic: 'erp.posted', payload: erpPosted(ids, 'e1', 3) });

    await record({
      topic: 'erp.budget.imported',
      payload: budgetImported(ids, 'i1', 4, [{ costCode: '01-100', costType: null, subJob: null, description: 'Line 0', amount: '40.00' }]),
    });

    const [row] = await ds.query('SELECT total FROM budget_reviews WHERE budget_id = $1', [ids.budgetId]);
    expect(row.total).toBe('140.00');
  });
});

describe('approval keeps each re-import\'s ERP lines apart from the review (PostgreSQL)', () => {
  const erpLines = (count: number, amount: string) =>
    Array.from({ length: count }, (_, i) => ({ costCode: `01-${100 + i}`, costType: null, subJob: null, description: null, amount }));
  const reviewRow = async (budgetId: string) => (await ds.query('SELECT imports, total FROM budget_reviews WHERE budget_id = $1', [budgetId]))[0];
  const storedImportLines = (budgetId: string) =>
    ds.query('SELECT import_id, jsonb_array_length(lines) AS n, lines -> 0 ->> \'amount\' AS first FROM import_lines WHERE budget_id = $1 ORDER BY import_id', [budgetId]);

  it('when an ERP budget is re-imported three times, each import\'s lines are stored once, the row holds none, and the listed total still follows the latest', async () => {
    const ids = newBudget('company-import-lines');
    for (const [n, importId] of ['i1', 'i2', 'i3'].entries()) {
      await record({ topic: 'budget.import.requested', payload: importRequested(ids, importId, 10 * n + 1) });
      await record({ topic: 'erp.budget.imported', payload: budgetImported(ids, importId, 10 * n + 2, erpLines(2000, `${n + 1}.00`)) });
    }
    await record({ topic: 'erp.budget.imported', payload: budgetImported(ids, 'i3', 22, erpLines(2000, '3.00')) });
    await record({ topic: 'budget.import.requested', payload: importRequested(ids, 'i4', 31) });

    expect(await storedImportLines(ids.budgetId)).toEqual([
      { import_id: 'i1', n: 2000, first: '1.00' },
      { import_id: 'i2', n: 2000, first: '2.00' },
      { import_id: 'i3', n: 2000, first: '3.00' },
    ]);
    // One write per import: neither the redelivered report of i3 nor the request of i4 wrote lines.
    expect(await ds.query('SELECT import_id FROM import_lines_writes WHERE budget_id = $1 ORDER BY import_id', [ids.budgetId])).toEqual([
      { import_id: 'i1' },
      { import_id: 'i2' },
      { import_id: 'i3' },
    ]);
    const row = await reviewRow(ids.budgetId);
    expect(Object.values(row.imports as Record<string, { imported?: object }>).map((i) => i.imported && 'lines' in i.imported)).toEqual([false, false, false, undefined]);
    expect(row.total).toBe('6000.00');
  });

  it('when a later report of an import replaces it, its stored lines are replaced too', async () => {
    const ids = newBudget('company-import-replaced');
    await record({ topic: 'budget.import.requested', payload: importRequested(ids, 'i1', 1) });
    await record({ topic: 'erp.budget.imported', payload: budgetImported(ids, 'i1', 2, erpLines(3, '1.00')) });

    await record({ topic: 'erp.budget.imported', payload: budgetImported(ids, 'i1', 4, erpLines(3, '5.00')) });

    expect(await storedImportLines(ids.budgetId)).toEqual([{ import_id: 'i1', n: 3, first: '5.00' }]);
    expect((await reviewRow(ids.budgetId)).total).toBe('15.00');
  });
});

describe('approval, two reports of one import at the same time', () => {
  it('keeps the same report whichever arrives first, although the known one is loaded without its lines', async () => {
    const line = (amount: string) => [{ costCode: '01-100', costType: null, subJob: null, description: null, amount }];
    const kept: unknown[] = [];
    for (const order of [['4.00', '7.00'], ['7.00', '4.00']]) {
      const ids = newBudget('company-import-order');
      for (const amount of order) {
        await record({ topic: 'erp.budget.imported', payload: budgetImported(ids, 'i1', 2, line(amount)) });
      }
      kept.push((await ds.query('SELECT lines, (SELECT total FROM budget_reviews WHERE budget_id = $1) AS total FROM import_lines WHERE budget_id = $1', [ids.budgetId]))[0]);
    }

    expect(kept[0]).toEqual(kept[1]);
  });
});

describe('moving the lines out of stored reviews (migrations)', () => {
  let migrated: TestDatabase;

  afterAll(async () => {
    await migrated?.drop();
  });

  it('moves the lines of every send and every import of a review written before them, and puts them back when reverted', async () => {
    migrated = await createTestDatabase('approval_lines_migration');
    const before = new DataSource({ type: 'postgres', url: migrated.url, migrations: [CreateApprovalReadModel1763900000000] });
    await before.initialize();
    await before.runMigrations();
    const snapshot = (total: string) => ({ name: 'B', origin: 'erp', kind: 'original', erpSystem: 'cmic', jobNumber: 'J-1', lines: lines(2, () => total), total, syncedTotal: '0.00', modificationIds: [] });
    const erpLines = [{ costCode: '01-100', costType: null, subJob: null, description: null, amount: '9.00' }];
    const exports = {
      e1: { exportId: 'e1', sent: { at: '2026-11-20T10:00:00.000Z', sentBy: {}, createdBy: {}, snapshot: snapshot('5.00') }, posted: { at: '2026-11-20T11:00:00.000Z', total: '10.00' } },
      e2: { exportId: 'e2', sent: { at: '2026-11-21T10:00:00.000Z', sentBy: {}, createdBy: {}, snapshot: snapshot('7.00') } },
      e3: { exportId: 'e3', retrieved: { at: '2026-11-21T12:00:00.000Z', by: {} } },
    };
    const imports = {
      i1: { importId: 'i1', requested: { at: '2026-11-19T09:00:00.000Z', by: {} }, imported: { at: '2026-11-19T09:01:00.000Z', lines: erpLines, total: '9.00' } },
      i2: { importId: 'i2', requested: { at: '2026-11-22T09:00:00.000Z', by: {} } },
    };
    await before.query(
      `INSERT INTO budget_reviews (budget_id, company_id, project_id, exports, imports, erp_status, origin, version) VALUES ('b1', 'c1', 'p1', $1, $2, 'awaiting_acceptance', 'erp', 3),
                                                                                                                      ('b2', 'c1', 'p2', '{}', '{}', 'not_sent', 'platform', 1)`,
      [JSON.stringify(exports), JSON.stringify(imports)],
    );
    await before.destroy();

    const after = new DataSource({ type: 'postgres', url: migrated.url, migrations: approvalMigrations });
    await after.initialize();
    await after.runMigrations();
    const sendLines = await after.query(`SELECT budget_id, export_id, lines FROM export_snapshot_lines ORDER BY export_id`);
    const importLines = await after.query(`SELECT budget_id, import_id, lines FROM import_lines ORDER BY import_id`);
    const [row] = await after.query(`SELECT exports, imports FROM budget_reviews WHERE budget_id = 'b1'`);

    expect(sendLines).toEqual([
      { budget_id: 'b1', export_id: 'e1', lines: exports.e1.sent.snapshot.lines },
      { budget_id: 'b1', export_id: 'e2', lines: exports.e2.sent.snapshot.lines },
    ]);
    expect(importLines).toEqual([{ budget_id: 'b1', import_id: 'i1', lines: erpLines }]);
    const { lines: _lines, ...withoutLines } = exports.e1.sent.snapshot;
    expect(row.exports.e1.sent.snapshot).toEqual(withoutLines);
    expect(row.exports.e3).toEqual(exports.e3);
    expect(row.imports).toEqual({ i1: { ...imports.i1, imported: { at: imports.i1.imported.at, total: '9.00' } }, i2: imports.i2 });

    await after.undoLastMigration();
    await after.undoLastMigration();
    const [reverted] = await after.query(`SELECT exports, imports FROM budget_reviews WHERE budget_id = 'b1'`);
    expect(reverted).toEqual({ exports, imports });
    await after.destroy();
  });
});
