import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { waitFor } from '@budget-erp/testing';
import { startWorld, type World } from './support';

/** A send's lines as sent go once past EXPORT_SNAPSHOT_RETAIN_MS and the export is over; an export still holding its budget keeps them. */
const DAY = 24 * 3_600_000;
let world: World;
let db: Client;

beforeAll(async () => {
  world = await startWorld('budget_snapshot_retention', [], { RETENTION_PURGE_INTERVAL_MS: '200', EXPORT_SNAPSHOT_RETAIN_MS: String(DAY) });
  db = new Client({ connectionString: world.db.url });
  await db.connect();
}, 60_000);

afterAll(async () => {
  await db?.end();
  await world?.stop();
});

/** A send of two chunks and its saga in `status`, sent `ageMs` ago. */
async function send(status: string, ageMs: number): Promise<string> {
  const exportId = `x-${randomUUID()}`;
  const person = JSON.stringify({ userId: 'u-pat', name: 'Pat', email: 'pat@example.com' });
  await db.query('BEGIN');
  await db.query(
    `INSERT INTO export_snapshots (export_id, budget_id, company_id, project_id, name, origin, kind, erp_system, job_number, total_cents, synced_total_cents,
                                   modification_ids, line_count, chunk_count, status_before, sent_by, created_by, sent_at)
     VALUES ($1, $2, 'co-1', 'p-1', 'Tower', 'platform', 'original', 'cmic', 'J-1', 1000, 0, '[]', 2, 2, 'not_sent', $3, $3, now() - $4 * interval '1 millisecond')`,
    [exportId, `b-${randomUUID()}`, person, ageMs],
  );
  for (const chunk of [0, 1]) {
    await db.query(`INSERT INTO export_snapshot_chunks (export_id, chunk, lines) VALUES ($1, $2, $3)`, [exportId, chunk, JSON.stringify([{ costCode: '01-100', amount: '5.00' }])]);
  }
  await db.query(
    `INSERT INTO export_sagas (export_id, budget_id, company_id, project_id, erp_system, kind, status, facts, deadline, timeline, started_at, version)
     SELECT export_id, budget_id, company_id, project_id, erp_system, kind, $2, '[]', NULL, '[]', sent_at, 1 FROM export_snapshots WHERE export_id = $1`,
    [exportId, status],
  );
  await db.query('COMMIT');
  return exportId;
}

const chunksOf = async (exportId: string) => (await db.query('SELECT 1 FROM export_snapshot_chunks WHERE export_id = $1', [exportId])).rowCount;

it('deletes the lines of old exports that are over (synced, rejected, retrieved, superseded); old exports still holding their budget and recent ones keep theirs, and every snapshot summary and saga stays', async () => {
  const over: [string, string][] = [];
  for (const status of ['synced', 'rejected', 'retrieved', 'superseded']) over.push([status, await send(status, 2 * DAY)]);
  const holding: [string, string][] = [];
  for (const status of ['awaiting_acceptance', 'exporting', 'failed_to_export', 'awaiting_posting']) holding.push([status, await send(status, 2 * DAY)]);
  const recent = await send('synced', DAY / 2);

  await waitFor(async () => (await Promise.all(over.map(([, exportId]) => chunksOf(exportId)))).every((n) => n === 0), { description: 'the lines of the old exports that are over purged' });
  for (const [status, exportId] of holding) expect([status, await chunksOf(exportId)]).toEqual([status, 2]);
  expect(await chunksOf(recent)).toBe(2);
  expect((await db.query('SELECT 1 FROM export_snapshots')).rowCount).toBe(9);
  expect((await db.query('SELECT 1 FROM export_sagas')).rowCount).toBe(9);
});
