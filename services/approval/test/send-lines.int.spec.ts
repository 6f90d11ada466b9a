import { DataSource } from 'typeorm';
import { messagingEntities, messagingMigrations } from '@budget-erp/messaging';
import { type TestDatabase, createTestDatabase } from '@budget-erp/testing';
import { ReviewQueries } from '../src/review/application/review-queries/review-queries';
import { type UpstreamEvent, recordSendLines, recordUpstreamEvent } from '../src/review/application/record-upstream-event/record-upstream-event.handler';
import { approvalEntities, approvalMigrations } from '../src/review/infrastructure/approval-persistence';
import { loadReview } from '../src/review/infrastructure/review.repository';
import { storedLinesDigest } from '../src/review/infrastructure/send-lines.repository';
import { CreateApprovalReadModel1763900000000 } from '../src/review/infrastructure/migrations/1763900000000-create-approval-read-model';
import { MoveSnapshotLinesOutOfReviews1764000000000 } from '../src/review/infrastructure/migrations/1764000000000-move-snapshot-lines-out-of-reviews';
import { MoveImportLinesOutOfReviews1764000000100 } from '../src/review/infrastructure/migrations/1764000000100-move-import-lines-out-of-reviews';
import { type Send, budgetImported, budgetSent, erpPosted, exportSucceeded, importRequested, newBudget } from './support/upstream-events';

const lines = (count: number, amount: (i: number) => string) =>
  Array.from({ length: count }, (_, i) => ({ lineId: `l${i}`, costCode: `01-${100 + i}`, costType: null, subJob: null, description: `Line ${i}`, amount: amount(i), syncedAmount: null }));

/** One database for the tests that record events (each uses its own company and budget ids). */
let db: TestDatabase;
let ds: DataSource;
const record = (event: UpstreamEvent) => ds.transaction((m) => recordUpstreamEvent(m, event));
const recordChunk = (chunk: Send['chunks'][number]) => ds.transaction((m) => recordSendLines(m, chunk));
const recordSend = async (send: Send) => {
  await record({ topic: 'budget.sent', payload: send.summary });
  for (const chunk of send.chunks) await recordChunk(chunk);
};
const queries = () => new ReviewQueries({ run: (work) => ds.transaction(work) });
const linesReady = async (budgetId: string) => (await ds.transaction((m) => loadReview(m, budgetId)))?.state.exports;

/** Counts every row written to a lines table in `<table>_writes` (an insert skipped on conflict writes none). */
async function countWrites(table: string, idColumn: string): Promise<void> {
  await ds.query(`CREATE TABLE ${table}_writes (budget_id text NOT NULL, ${idColumn} text NOT NULL, op text NOT NULL)`);
  await ds.query(`CREATE FUNCTION count_${table}_write() RETURNS trigger AS $$
    BEGIN INSERT INTO ${table}_writes VALUES (NEW.budget_id, NEW.${idColumn}, TG_OP); RETURN NULL; END $$ LANGUAGE plpgsql`);
  await ds.query(`CREATE TRIGGER count_${table}_write AFTER INSERT OR UPDATE ON ${table} FOR EACH ROW EXECUTE FUNCTION count_${table}_write()`);
}

beforeAll(async () => {
  db = await createTestDatabase('approval_send_lines');
  ds = new DataSource({ type: 'postgres', url: db.url, entities: [...messagingEntities, ...approvalEntities], migrations: [...messagingMigrations, ...approvalMigrations] });
  await ds.initialize();
  await ds.runMigrations();
  await countWrites('send_line_chunks', 'export_id');
  await countWrites('import_lines', 'import_id');
});

afterAll(async () => {
  await ds?.destroy();
  await db?.drop();
});

describe('approval stores the chunks of a send as they arrive (PostgreSQL)', () => {
  const chunkWrites = async (budgetId: string): Promise<string[]> =>
    (await ds.query('SELECT op FROM send_line_chunks_writes WHERE budget_id = $1', [budgetId])).map((r: { op: string }) => r.op);

  it('when a 2,500-line send arrives, each of its 3 chunks is written once; redeliveries and the events after it write none, and the review row holds no lines', async () => {
    const ids = newBudget('company-lines-once');
    const send = budgetSent(ids, 'e1', 1, { lines: lines(2500, (i) => `${i}.25`) });
    await recordSend(send);
    await recordSend(send);
    await record({ topic: 'export.succeeded', payload: exportSucceeded(ids, 'e1', 2) });
    await record({ topic: 'erp.posted', payload: erpPosted(ids, 'e1', 3) });

    expect(send.chunks).toHaveLength(3);
    expect(await chunkWrites(ids.budgetId)).toEqual(['INSERT', 'INSERT', 'INSERT']);
    const stored = await ds.query(`SELECT chunk, jsonb_array_length(lines) AS n FROM send_line_chunks WHERE budget_id = $1 ORDER BY chunk`, [ids.budgetId]);
    expect(stored).toEqual([
      { chunk: 0, n: 1000 },
      { chunk: 1, n: 1000 },
      { chunk: 2, n: 500 },
    ]);
    const [row] = await ds.query(`SELECT exports -> 'e1' AS e1, erp_status FROM budget_reviews WHERE budget_id = $1`, [ids.budgetId]);
    expect(row.erp_status).toBe('synced');
    expect(row.e1.linesReceived).toBe(true);
    expect(JSON.stringify(row.e1)).not.toContain('"lines"');
    expect(row.e1.sent.summary).toMatchObject({ name: 'Main budget', kind: 'original', lineCount: 2500, chunkCount: 3 });
  });

  it.each<[string, (send: Send) => UpstreamEventOrChunk[]]>([
    ['the summary first', (send) => [summaryOf(send), ...send.chunks]],
    ['the chunks first, last to first', (send) => [...[...send.chunks].reverse(), summaryOf(send)]],
    ['the summary between the chunks', (send) => [send.chunks[1], summaryOf(send), send.chunks[2], send.chunks[0]]],
  ])('whatever the arrival order (%s), the send is ready for review exactly when its last piece is recorded', async (_, order) => {
    const ids = newBudget('company-lines-order');
    const send = budgetSent(ids, 'e1', 1, { lines: lines(2100, () => '1.00') });
    const pieces = order(send);
    const readiness: boolean[] = [];
    for (const piece of pieces) {
      await ('topic' in piece ? record(piece) : recordChunk(piece));
      readiness.push((await linesReady(ids.budgetId))?.e1?.linesReceived === true);
    }
    expect(readiness).toEqual([...pieces.slice(1).map(() => false), true]);
    const [listed] = await ds.query('SELECT list_filter FROM budget_reviews WHERE budget_id = $1', [ids.budgetId]);
    expect(listed.list_filter).toBe('ready_to_export');
  });

  it('PostgreSQL digests stored lines exactly as the contract does, whatever their text holds (quotes, backslashes, control characters, unicode, nulls)', async () => {
    const ids = newBudget('company-lines-digest');
    const tricky = ['say "hi"', 'back\\slash', 'tab\tnew\nline\r', 'bell\u0007 del\u007f', 'ünïcödé ☃ 𝄞 \u2028', '', '</script>'];
    const send = budgetSent(ids, 'e1', 1, {
      lines: Array.from({ length: 1500 }, (_, i) => ({
        lineId: `l-${i}`,
        costCode: `01-${i % 50}`,
        costType: i % 3 === 0 ? null : tricky[i % tricky.length],
        subJob: i % 5 === 0 ? 'SJ "1"' : null,
        description: i % 4 === 0 ? null : tricky[(i + 1) % tricky.length],
        amount: `${i}.05`,
        syncedAmount: i % 2 === 0 ? null : '-1.50',
      })),
    });
    await recordSend(send);

    const stored = await ds.transaction((m) => storedLinesDigest(m, { budgetId: ids.budgetId, exportId: 'e1', chunkCount: send.summary.chunkCount }));

    expect(stored).toEqual({ lineCount: 1500, digest: send.summary.linesDigest });
    expect((await linesReady(ids.budgetId))?.e1?.linesReceived).toBe(true);
  });

  it('when the stored lines do not match the summary, the event that completes the send fails with the reason and the send is never ready', async () => {
    const ids = newBudget('company-lines-tampered');
    const send = budgetSent(ids, 'e1', 1, { lines: lines(3, () => '5.00') });
    const tampered = { ...send.chunks[0], lines: send.chunks[0].lines.map((l, i) => (i === 1 ? { ...l, amount: '6.00' } : l)) };
    await record({ topic: 'budget.sent', payload: send.summary });

    await expect(recordChunk(tampered)).rejects.toThrow(/lines of export e1 .* do not match its summary: the digest of its lines is [0-9a-f]{64}/);

    expect((await linesReady(ids.budgetId))?.e1?.linesReceived).toBeUndefined();
    expect(await ds.query('SELECT chunk FROM send_line_chunks WHERE budget_id = $1', [ids.budgetId])).toEqual([]);
  });

  it("when a chunk names another company than the budget's, it is refused", async () => {
    const ids = newBudget('company-lines-owner');
    const send = budgetSent(ids, 'e1', 1);
    await record({ topic: 'budget.sent', payload: send.summary });
    await expect(recordChunk({ ...send.chunks[0], companyId: 'company-intruder' })).rejects.toThrow(/belongs to another/);
  });

  it('when the approver pages a revision, the lines come in order with their change against the last synced send, then the removed ones', async () => {
    const ids = newBudget('company-lines-view');
    await recordSend(budgetSent(ids, 'e1', 1, { lines: lines(3, () => '100.00') }));
    await record({ topic: 'export.succeeded', payload: exportSucceeded(ids, 'e1', 2) });
    await record({ topic: 'erp.posted', payload: erpPosted(ids, 'e1', 3) });
    // The revision raises line l0, keeps l2 and drops l1, which only the synced send's lines still hold.
    const [l0, , l2] = lines(3, () => '100.00');
    await recordSend(budgetSent(ids, 'e2', 4, { kind: 'revision', lines: [{ ...l0, amount: '150.00', syncedAmount: '100.00' }, { ...l2, syncedAmount: '100.00' }] }));

    const first = await queries().lines({ companyId: ids.companyId, budgetId: ids.budgetId, limit: 2, cursor: undefined });
    const second = await queries().lines({ companyId: ids.companyId, budgetId: ids.budgetId, limit: 2, cursor: first.nextCursor! });

    expect(first).toMatchObject({ exportId: 'e2', lineCount: 2 });
    expect([...first.items, ...second.items].map((d) => [d.lineId, d.change, d.difference])).toEqual([
      ['l0', 'changed', '50.00'],
      ['l2', 'unchanged', '0.00'],
      ['l1', 'removed', '-100.00'],
    ]);
    expect(second.nextCursor).toBeNull();
    const view = await queries().review(ids.companyId, ids.budgetId);
    expect(view).toMatchObject({ exportId: 'e2', lineCount: 2, totals: { original: '200.00', changes: '50.00', revised: '250.00' } });
  });

  it('when the approver pages a 2,500-line send by 333, every line comes once, in order, across chunk boundaries', async () => {
    const ids = newBudget('company-lines-paging');
    const sent = lines(2500, (i) => `${i}.00`);
    await recordSend(budgetSent(ids, 'e1', 1, { lines: sent }));
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await queries().lines({ companyId: ids.companyId, budgetId: ids.budgetId, limit: 333, cursor });
      seen.push(...page.items.map((l) => l.lineId));
      cursor = page.nextCursor ?? undefined;
      pages++;
    } while (cursor);
    expect(seen).toEqual(sent.map((l) => l.lineId));
    expect(pages).toBe(Math.ceil(2500 / 333));
  });

  it('when a re-import follows a send, the listed total is the send\'s lines with the ERP\'s amounts applied', async () => {
    const ids = newBudget('company-lines-reimport');
    await recordSend(budgetSent(ids, 'e1', 1, { origin: 'erp', lines: lines(2, () => '100.00') }));
    await record({ topic: 'export.succeeded', payload: exportSucceeded(ids, 'e1', 2) });
    await record({ topic: 'erp.posted', payload: erpPosted(ids, 'e1', 3) });

    await record({
      topic: 'erp.budget.imported',
      payload: budgetImported(ids, 'i1', 4, [{ costCode: '01-100', costType: null, subJob: null, description: 'Line 0', amount: '40.00' }]),
    });

    const [row] = await ds.query('SELECT total FROM budget_reviews WHERE budget_id = $1', [ids.budgetId]);
    expect(row.total).toBe('140.00');
    expect((await queries().review(ids.companyId, ids.budgetId)).reimport).toEqual({ erpTotal: '40.00', platformTotal: '140.00', platformTotalAfterReimport: '140.00' });
  });
});

type UpstreamEventOrChunk = UpstreamEvent | Send['chunks'][number];
const summaryOf = (send: Send): UpstreamEvent => ({ topic: 'budget.sent', payload: send.summary });

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
  it('keeps the same report whichever arrives first, told apart by the digest of their lines', async () => {
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

describe('storing the lines of recorded sends in chunks (migration)', () => {
  let migrated: TestDatabase;

  afterAll(async () => {
    await migrated?.drop();
  });

  it('cuts the lines of every recorded send into chunks of 1,000, makes its snapshot a summary ready for review, and reverts', async () => {
    migrated = await createTestDatabase('approval_chunks_migration');
    const before = new DataSource({
      type: 'postgres',
      url: migrated.url,
      migrations: [CreateApprovalReadModel1763900000000, MoveSnapshotLinesOutOfReviews1764000000000, MoveImportLinesOutOfReviews1764000000100],
    });
    await before.initialize();
    await before.runMigrations();
    const snapshot = { name: 'B', origin: 'platform', kind: 'original', erpSystem: 'cmic', jobNumber: 'J-1', total: '2400.00', syncedTotal: '0.00', modificationIds: [] };
    const exports = {
      e1: { exportId: 'e1', sent: { at: '2026-11-20T10:00:00.000Z', sentBy: {}, createdBy: {}, snapshot }, accepted: { at: '2026-11-20T10:05:00.000Z', by: {}, description: null, revision: null } },
      e2: { exportId: 'e2', retrieved: { at: '2026-11-21T12:00:00.000Z', by: {} } },
    };
    const imports = { i1: { importId: 'i1', imported: { at: '2026-11-19T09:01:00.000Z', total: '9.00' } } };
    const sent = lines(2400, () => '1.00');
    await before.query(
      `INSERT INTO budget_reviews (budget_id, company_id, project_id, exports, imports, erp_status, origin, version) VALUES ('b1', 'c1', 'p1', $1, $2, 'exporting', 'platform', 3)`,
      [JSON.stringify(exports), JSON.stringify(imports)],
    );
    await before.query(`INSERT INTO export_snapshot_lines (budget_id, export_id, lines) VALUES ('b1', 'e1', $1)`, [JSON.stringify(sent)]);
    await before.query(`INSERT INTO import_lines (budget_id, import_id, lines) VALUES ('b1', 'i1', '[{"costCode":"01-100","costType":null,"subJob":null,"description":null,"amount":"9.00"}]')`);
    await before.destroy();

    const after = new DataSource({ type: 'postgres', url: migrated.url, entities: approvalEntities, migrations: approvalMigrations });
    await after.initialize();
    await after.runMigrations();
    const chunks = await after.query(`SELECT export_id, chunk, company_id, chunk_count, jsonb_array_length(lines) AS n, lines -> 0 ->> 'lineId' AS first FROM send_line_chunks ORDER BY chunk`);
    const [row] = await after.query(`SELECT exports, imports FROM budget_reviews WHERE budget_id = 'b1'`);
    const page = await new ReviewQueries({ run: (work) => after.transaction(work) }).lines({ companyId: 'c1', budgetId: 'b1', limit: 1000, cursor: undefined });

    expect(chunks).toEqual([
      { export_id: 'e1', chunk: 0, company_id: 'c1', chunk_count: 3, n: 1000, first: 'l0' },
      { export_id: 'e1', chunk: 1, company_id: 'c1', chunk_count: 3, n: 1000, first: 'l1000' },
      { export_id: 'e1', chunk: 2, company_id: 'c1', chunk_count: 3, n: 400, first: 'l2000' },
    ]);
    expect(row.exports.e1).toEqual({
      exportId: 'e1',
      sent: { at: exports.e1.sent.at, sentBy: {}, createdBy: {}, summary: { ...snapshot, lineCount: 2400, chunkCount: 3, linesDigest: null } },
      linesReceived: true,
      accepted: exports.e1.accepted,
    });
    expect(row.exports.e2).toEqual(exports.e2);
    expect(row.imports.i1.imported).toEqual({ ...imports.i1.imported, linesDigest: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(page.items.map((l) => l.lineId)).toEqual(sent.slice(0, 1000).map((l) => l.lineId));

    // Revert back through the chunking migration (the one after the three above), undoing any that came after it first.
    for (let undone = 0; undone < approvalMigrations.length - 3; undone++) await after.undoLastMigration();
    const [reverted] = await after.query(`SELECT exports, imports FROM budget_reviews WHERE budget_id = 'b1'`);
    const [restored] = await after.query(`SELECT lines FROM export_snapshot_lines WHERE budget_id = 'b1' AND export_id = 'e1'`);
    expect(reverted).toEqual({ exports, imports });
    expect(restored.lines).toEqual(sent);
    await after.destroy();
  });
});
