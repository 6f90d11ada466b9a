import { DataSource } from 'typeorm';
import { messagingEntities, messagingMigrations } from '@budget-erp/messaging';
import { type TestDatabase, createTestDatabase } from '@budget-erp/testing';
import { ReviewQueries } from '../src/review/application/review-queries/review-queries';
import { type UpstreamEvent, recordUpstreamEvent } from '../src/review/application/record-upstream-event/record-upstream-event.handler';
import { approvalEntities, approvalMigrations } from '../src/review/infrastructure/approval-persistence';
import { SnapshotLinesNotLoaded, loadReview } from '../src/review/infrastructure/review.repository';
import { CreateApprovalReadModel1763900000000 } from '../src/review/infrastructure/migrations/1763900000000-create-approval-read-model';
import { budgetImported, budgetSent, erpPosted, exportSucceeded, newBudget } from './support/upstream-events';

const lines = (count: number, amount: (i: number) => string) =>
  Array.from({ length: count }, (_, i) => ({ lineId: `l${i}`, costCode: `01-${100 + i}`, costType: null, subJob: null, description: `Line ${i}`, amount: amount(i), syncedAmount: null }));

describe('approval keeps each send\'s snapshot lines apart from the review (PostgreSQL)', () => {
  let db: TestDatabase;
  let ds: DataSource;
  const record = (event: UpstreamEvent) => ds.transaction((m) => recordUpstreamEvent(m, event));
  const queries = () => new ReviewQueries({ run: (work) => ds.transaction(work) });
  const linesWrites = async (budgetId: string): Promise<number> =>
    Number((await ds.query('SELECT count(*) AS n FROM snapshot_lines_writes WHERE budget_id = $1', [budgetId]))[0].n);

  beforeAll(async () => {
    db = await createTestDatabase('approval_snapshot_lines');
    ds = new DataSource({ type: 'postgres', url: db.url, entities: [...messagingEntities, ...approvalEntities], migrations: [...messagingMigrations, ...approvalMigrations] });
    await ds.initialize();
    await ds.runMigrations();
    // Counts every write of a send's lines, to show which events write them.
    await ds.query(`CREATE TABLE snapshot_lines_writes (budget_id text NOT NULL, export_id text NOT NULL, op text NOT NULL)`);
    await ds.query(`CREATE FUNCTION count_lines_write() RETURNS trigger AS $$
      BEGIN INSERT INTO snapshot_lines_writes VALUES (NEW.budget_id, NEW.export_id, TG_OP); RETURN NEW; END $$ LANGUAGE plpgsql`);
    await ds.query(`CREATE TRIGGER count_lines_write BEFORE INSERT OR UPDATE ON export_snapshot_lines FOR EACH ROW EXECUTE FUNCTION count_lines_write()`);
  });

  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });

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

    expect(() => loaded!.state.exports.e1.sent!.snapshot.lines).toThrow(SnapshotLinesNotLoaded);
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

describe('moving the snapshot lines out of stored reviews (migration)', () => {
  let db: TestDatabase;

  afterAll(async () => {
    await db?.drop();
  });

  it('moves the lines of every send of a review written before it, and puts them back when reverted', async () => {
    db = await createTestDatabase('approval_lines_migration');
    const before = new DataSource({ type: 'postgres', url: db.url, migrations: [CreateApprovalReadModel1763900000000] });
    await before.initialize();
    await before.runMigrations();
    const snapshot = (total: string) => ({ name: 'B', origin: 'platform', kind: 'original', erpSystem: 'cmic', jobNumber: 'J-1', lines: lines(2, () => total), total, syncedTotal: '0.00', modificationIds: [] });
    const exports = {
      e1: { exportId: 'e1', sent: { at: '2026-11-20T10:00:00.000Z', sentBy: {}, createdBy: {}, snapshot: snapshot('5.00') }, posted: { at: '2026-11-20T11:00:00.000Z', total: '10.00' } },
      e2: { exportId: 'e2', sent: { at: '2026-11-21T10:00:00.000Z', sentBy: {}, createdBy: {}, snapshot: snapshot('7.00') } },
      e3: { exportId: 'e3', retrieved: { at: '2026-11-21T12:00:00.000Z', by: {} } },
    };
    await before.query(
      `INSERT INTO budget_reviews (budget_id, company_id, project_id, exports, imports, erp_status, origin, version) VALUES ('b1', 'c1', 'p1', $1, '{}', 'awaiting_acceptance', 'platform', 3),
                                                                                                                      ('b2', 'c1', 'p2', '{}', '{}', 'not_sent', 'platform', 1)`,
      [JSON.stringify(exports)],
    );
    await before.destroy();

    const after = new DataSource({ type: 'postgres', url: db.url, migrations: approvalMigrations });
    await after.initialize();
    await after.runMigrations();
    const moved = await after.query(`SELECT budget_id, export_id, lines FROM export_snapshot_lines ORDER BY export_id`);
    const [row] = await after.query(`SELECT exports FROM budget_reviews WHERE budget_id = 'b1'`);

    expect(moved).toEqual([
      { budget_id: 'b1', export_id: 'e1', lines: exports.e1.sent.snapshot.lines },
      { budget_id: 'b1', export_id: 'e2', lines: exports.e2.sent.snapshot.lines },
    ]);
    const { lines: _lines, ...withoutLines } = exports.e1.sent.snapshot;
    expect(row.exports.e1.sent.snapshot).toEqual(withoutLines);
    expect(row.exports.e3).toEqual(exports.e3);

    await after.undoLastMigration();
    const [reverted] = await after.query(`SELECT exports FROM budget_reviews WHERE budget_id = 'b1'`);
    expect(reverted.exports).toEqual(exports);
    await after.destroy();
  });
});
