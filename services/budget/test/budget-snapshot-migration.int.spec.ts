import { createDataSource } from '@budget-erp/service-kit';
import { createTestDatabase, TestDatabase } from '@budget-erp/testing';
import type { DataSource } from 'typeorm';
import { loadBudget } from '../src/budgets/infrastructure/budget.repository';
import { loadLanding } from '../src/budgets/infrastructure/export-snapshot.repository';
import { sagasOfBudget } from '../src/export-saga/infrastructure/export-saga.repository';
import { budgetEntities, budgetMigrations } from '../src/persistence';

/** Sends stored before export v2 (the snapshot inside the budget's and the saga's hold) are moved to the snapshot tables. */
let db: TestDatabase;
let before: DataSource;
let after: DataSource | undefined;

const pat = { userId: 'u-pat', name: 'Pat', email: 'pat@example.com' };
const line = (n: number, amount: string, syncedAmount: string | null) => ({
  lineId: `l${n}`, costCode: '01-100', costType: null, subJob: null, description: `Line ${n}`, amount, syncedAmount,
});

beforeAll(async () => {
  db = await createTestDatabase('budget_snapshot_migration');
  before = await createDataSource({ url: db.url, entities: budgetEntities, migrations: budgetMigrations.slice(0, 2), poolSize: 1 });
  const lines = Array.from({ length: 1500 }, (_, i) => line(i, '2.00', i < 10 ? '1.00' : null));
  const snapshot = { name: 'Tower', origin: 'platform', kind: 'revision', erpSystem: 'cmic', jobNumber: 'J-1', lines, total: '3000.00', syncedTotal: '10.00', modificationIds: ['m1'] };
  const hold = { exportId: 'x1', erpSystem: 'cmic', snapshot, statusBefore: 'synced', sentBy: pat, sentAt: '2026-12-01T10:00:00.000Z' };
  await before.query(
    `INSERT INTO budgets (id, company_id, project_id, name, origin, locked, erp_status, exported, synced_at, synced_lines, hold, importing, last_import, created_by, created_at, updated_at, version)
     VALUES ('b1', 'c1', 'p1', 'Tower', 'platform', true, 'exporting', true, NULL, '[]', $1, NULL, NULL, $2, now(), now(), 3)`,
    [JSON.stringify(hold), JSON.stringify(pat)],
  );
  await before.query(
    `INSERT INTO export_sagas (export_id, budget_id, company_id, project_id, erp_system, kind, status, facts, deadline, timeline, started_at, version, hold)
     VALUES ('x1', 'b1', 'c1', 'p1', 'cmic', 'revision', 'failed_to_export', $1, NULL, '[]', '2026-12-01T10:00:00.000Z', 2, $2)`,
    [JSON.stringify({ accepted: { at: '2026-12-01T10:01:00.000Z', by: 'Ann' }, timedOut: { at: '2026-12-01T10:20:00.000Z' } }), JSON.stringify(hold)],
  );
  await before.destroy();
  after = await createDataSource({ url: db.url, entities: budgetEntities, migrations: budgetMigrations, poolSize: 1 });
}, 60_000);

afterAll(async () => {
  await after?.destroy();
  await db?.drop();
});

describe('moving sends stored before export v2 into the snapshot tables', () => {
  it('keeps the send\'s lines once, in chunks of 1,000, in order, with its summary', async () => {
    const landing = await after!.transaction((m) => loadLanding(m, 'x1'));
    expect(landing?.hold).toEqual({
      exportId: 'x1', erpSystem: 'cmic', jobNumber: 'J-1', kind: 'revision', modificationIds: ['m1'], statusBefore: 'synced', sentBy: pat, sentAt: '2026-12-01T10:00:00.000Z',
    });
    expect(landing?.lines).toHaveLength(1500);
    expect(landing?.lines[0]).toEqual(line(0, '2.00', '1.00'));
    expect(landing?.lines[1499]).toEqual(line(1499, '2.00', null));
    const [summary] = await after!.query(`SELECT chunk_count, line_count, total_cents, synced_total_cents FROM export_snapshots WHERE export_id = 'x1'`);
    expect(summary).toEqual({ chunk_count: 2, line_count: 1500, total_cents: '300000', synced_total_cents: '1000' });
  });

  it('leaves the budget held by the export without its lines, and the saga with the lifecycle\'s facts and status', async () => {
    const budget = (await after!.transaction((m) => loadBudget(m, 'c1', 'b1')))!.budget;
    expect(budget.erp).toEqual({
      status: 'exporting',
      hold: { exportId: 'x1', erpSystem: 'cmic', jobNumber: 'J-1', kind: 'revision', modificationIds: ['m1'], statusBefore: 'synced', sentBy: pat, sentAt: '2026-12-01T10:00:00.000Z' },
    });
    const [saga] = await after!.transaction((m) => sagasOfBudget(m, 'b1'));
    expect(Object.keys(saga.facts).sort()).toEqual(['accepted', 'sent', 'timed_out']);
    expect(saga.status).toBe('failed_to_export');
  });
});
