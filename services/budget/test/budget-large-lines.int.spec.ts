import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { linesDigest, type SnapshotLine, Topics } from '@budget-erp/contracts';
import { waitFor } from '@budget-erp/testing';
import { now, person, publishErpConnection, publishProjectLink, startWorld, tokenFor, World } from './support';

const companyId = `c-${randomUUID()}`;
const projectId = `p-${randomUUID()}`;
const pat = person('Pat');

let world: World;
let pm: string;
let sql: Client;

beforeAll(async () => {
  world = await startWorld('budget_large_lines', [Topics.BudgetSent, Topics.BudgetSentLines]);
  pm = await tokenFor({ companyId, sub: pat.userId, name: pat.name, email: pat.email });
  sql = new Client({ connectionString: world.db.url });
  await sql.connect();
}, 60_000);

afterAll(async () => {
  await sql?.end().catch(() => undefined);
  await world?.stop();
});

const post = (path: string, body?: unknown) => world.http('POST', path, pm, body);

/** Physical identity of each stored line: a row rewritten by delete and insert (or update) gets a new ctid and xmin. */
async function lineRowVersions(budgetId: string): Promise<Map<string, string>> {
  const { rows } = await sql.query<{ id: string; v: string }>(
    'SELECT id, ctid::text || \'/\' || xmin::text AS v FROM budget_lines WHERE budget_id = $1',
    [budgetId],
  );
  return new Map(rows.map((r) => [r.id, r.v]));
}

const lines = (count: number) => Array.from({ length: count }, (_, i) => ({ costCode: '01-100', description: `Line ${i}`, amount: '1.25' }));

describe('a budget of thousands of lines', () => {
  let budgetId: string;
  let sentEvent: Record<string, unknown>;

  /** Every line of the budget, page by page, following `nextLines` and each page's `next`. */
  async function allLines(): Promise<{ id: string; amount: string }[]> {
    const budget = await world.http('GET', `/budgets/${budgetId}`, pm);
    const found = [...budget.body.lines];
    let next = budget.body.nextLines as string | null;
    while (next) {
      const page = await world.http('GET', next, pm);
      expect(page.status).toBe(200);
      found.push(...page.body.items);
      next = page.body.next;
    }
    return found;
  }

  it('when created with 5,000 lines over HTTP, answers 201 with the count, the total and the first page of 1,000 lines', async () => {
    const created = await post(`/projects/${projectId}/budgets`, { name: 'Campus', lines: lines(5000) });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ lineCount: 5000, total: '6250.00' });
    expect(created.body.lines).toHaveLength(1000);
    expect(created.body.lines[999].description).toBe('Line 999');
    budgetId = created.body.id;
    expect(created.body.nextLines).toMatch(new RegExp(`^/budgets/${budgetId}/lines\\?after=`));
  });

  it('its lines read page by page come in order, each line once, the last page without a next', async () => {
    const listed = await allLines();
    expect(listed.map((l) => (l as unknown as { description: string }).description)).toEqual(lines(5000).map((l) => l.description));
    const page = await world.http('GET', `/budgets/${budgetId}/lines?limit=2`, pm);
    expect(page.body.items).toHaveLength(2);
    expect((await world.http('GET', `/budgets/${budgetId}/lines?limit=0`, pm)).status).toBe(400);
    expect((await world.http('GET', `/budgets/${budgetId}/lines?after=nonsense`, pm)).status).toBe(400);
  });

  it('when one line of 5,000 changes, only that line is written and the other 4,999 rows stay untouched', async () => {
    const before = await lineRowVersions(budgetId);
    expect(before.size).toBe(5000);
    const lineId = (await allLines())[2500].id;
    const started = Date.now();
    const patched = await world.http('PATCH', `/budgets/${budgetId}/lines/${lineId}`, pm, { amount: '2.25' });
    const elapsedMs = Date.now() - started;
    expect(patched.status).toBe(200);
    expect(patched.body.total).toBe('6251.00');
    const after = await lineRowVersions(budgetId);
    expect(after.size).toBe(5000);
    const rewritten = [...after].filter(([id, v]) => before.get(id) !== v).map(([id]) => id);
    expect(rewritten).toEqual([lineId]);
    process.stdout.write(`PATCH of one line in a 5,000-line budget: ${elapsedMs} ms\n`);
  });

  it('when a line is removed from the middle, it alone is deleted: no other row is rewritten and the order holds', async () => {
    const listed = await allLines();
    const before = await lineRowVersions(budgetId);
    const removed = await world.http('DELETE', `/budgets/${budgetId}/lines/${listed[2000].id}`, pm);
    expect(removed.status).toBe(200);
    expect(removed.body).toMatchObject({ lineCount: 4999, total: '6249.75' });
    const after = await lineRowVersions(budgetId);
    expect([...after].filter(([id, v]) => before.get(id) !== v)).toEqual([]);
    expect((await allLines()).map((l) => l.id)).toEqual([...listed.slice(0, 2000), ...listed.slice(2001)].map((l) => l.id));
    const added = await post(`/budgets/${budgetId}/lines`, { costCode: '01-100', amount: '1.25' });
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ lineCount: 5000, total: '6251.00' });
    const last = (await allLines()).at(-1)!;
    expect(last.amount).toBe('1.25');
    const again = await world.http('DELETE', `/budgets/${budgetId}/lines/${last.id}`, pm);
    expect(again.body).toMatchObject({ lineCount: 4999, total: '6249.75' });
  });

  it('the count and total the database keeps match the lines after edits and bulk writes', async () => {
    const { rows } = await sql.query<{ kept: string; counted: string }>(
      `SELECT b.line_count || '/' || b.lines_total_cents AS kept, (SELECT count(*) || '/' || sum(amount_cents) FROM budget_lines WHERE budget_id = b.id) AS counted FROM budgets b WHERE b.id = $1`,
      [budgetId],
    );
    expect(rows[0].kept).toBe(rows[0].counted);
  });

  it('with 10,000 lines (beyond one statement\'s 65,535 parameters), a line can be added, and the budget locked and sent whole', async () => {
    // The API creates at most 5,000 lines at once and has no bulk add: the rest go straight into the tables.
    await sql.query(
      `INSERT INTO budget_lines (id, budget_id, position, cost_code, cost_type, sub_job, description, amount_cents)
       SELECT gen_random_uuid()::text, $1, 10000 + n, '01-100', NULL, NULL, 'Bulk ' || n, 125 FROM generate_series(0, 4999) AS n`,
      [budgetId],
    );
    const added = await post(`/budgets/${budgetId}/lines`, { costCode: '01-100', amount: '0.75' });
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ lineCount: 10000, total: '12500.50' });
    expect(added.body.lines).toHaveLength(1000);

    await publishErpConnection(world, companyId, 'cmic');
    await publishProjectLink(world, { companyId, projectId, erpSystem: 'cmic', jobNumber: 'J-900', jobName: 'Campus', costCodes: [{ code: '01-100', description: 'Concrete' }], linkedBy: pat });
    const locked = await post(`/budgets/${budgetId}/lock`);
    expect(locked.status).toBe(200);
    await waitFor(async () => ((await world.http('GET', `/budgets/${budgetId}/erp-readiness`, pm)).body.canSend ? true : undefined), {
      timeoutMs: 15_000,
      description: 'the budget to be ready to send',
    });

    const started = Date.now();
    const sent = await post(`/budgets/${budgetId}/send-to-erp`);
    process.stdout.write(`send of a 10,000-line budget: ${Date.now() - started} ms\n`);
    expect(sent.status).toBe(202);
    const event = await world.waitForWire(Topics.BudgetSent, (m) => m.key === budgetId);
    sentEvent = event.value;
    expect(event.value).toMatchObject({ lineCount: 10000, chunkCount: 10, total: '12500.50' });
    const chunks = await waitFor(() => {
      const heard = world.wire.filter((m) => m.topic === Topics.BudgetSentLines && m.key === budgetId);
      return heard.length >= 10 ? heard : undefined;
    }, { timeoutMs: 15_000, description: 'the ten chunks of the send' });
    // In order, each at most 1,000 lines and under 1 MiB, together the lines of the digest.
    const lines = chunks.map((m) => m.value as { chunk: number; lines: SnapshotLine[] }).sort((a, b) => a.chunk - b.chunk).flatMap((c) => {
      expect(c.lines.length).toBeLessThanOrEqual(1000);
      return c.lines;
    });
    expect(chunks.map((m) => m.value.chunk).sort((a, b) => Number(a) - Number(b))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(Math.max(...chunks.map((m) => Buffer.byteLength(JSON.stringify(m.value))))).toBeLessThan(1024 * 1024);
    expect(linesDigest(lines)).toBe(event.value.linesDigest);
    const snapshot = { lines };
    const stored = await lineRowVersions(budgetId);
    expect(new Set(snapshot.lines.map((l) => l.lineId))).toEqual(new Set(stored.keys()));
    // The send's snapshot is stored once, keyed by the export id; the budget's hold only names it.
    const { rows: kept } = await sql.query<{ chunks: number; lines: number; hold_lines: boolean; sagas: number }>(
      `SELECT (SELECT count(*)::int FROM export_snapshot_chunks WHERE export_id = $1) AS chunks,
              (SELECT sum(json_array_length(lines))::int FROM export_snapshot_chunks WHERE export_id = $1) AS lines,
              (SELECT hold ? 'snapshot' OR hold ? 'lines' FROM budgets WHERE id = $2) AS hold_lines,
              (SELECT count(*)::int FROM export_sagas WHERE export_id = $1) AS sagas`,
      [event.value.exportId, budgetId],
    );
    expect(kept).toEqual([{ chunks: 10, lines: 10000, hold_lines: false, sagas: 1 }]);
  }, 60_000);

  it('the saga steps that only change its ERP status leave the synced lines unwritten; the landing writes them once, from the stored snapshot', async () => {
    // A trigger on the real table records every UPDATE statement that writes the synced lines.
    await sql.query('CREATE TABLE written_columns (seq serial PRIMARY KEY, budget_id text, what text)');
    await sql.query(`CREATE FUNCTION record_written() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN INSERT INTO written_columns (budget_id, what) VALUES (NEW.id, TG_ARGV[0]); RETURN NEW; END $$`);
    await sql.query(`CREATE TRIGGER synced_lines_written AFTER UPDATE OF synced_lines ON budgets FOR EACH ROW EXECUTE FUNCTION record_written('synced_lines')`);
    const written = async () => (await sql.query<{ what: string }>('SELECT what FROM written_columns WHERE budget_id = $1 ORDER BY seq', [budgetId])).rows.map((r) => r.what);
    const erpStatus = (status: string) =>
      waitFor(async () => ((await world.http('GET', `/budgets/${budgetId}`, pm)).body.erpStatus === status ? true : undefined), { timeoutMs: 15_000, description: `the budget to be ${status}` });

    const exportId = sentEvent.exportId as string;
    const ann = person('Ann');
    const base = { budgetId, projectId, companyId, exportId };
    await world.publish(Topics.BudgetAccepted, { ...base, description: null, revision: null, acceptedBy: ann, acceptedAt: now() }, budgetId, companyId);
    await erpStatus('exporting');
    expect(await written()).toEqual([]);
    const outcome = { ...base, erpSystem: 'cmic' as const, jobNumber: 'J-900', kind: 'original' as const, sentBy: pat, acceptedBy: ann, createdBy: pat };
    await world.publish(Topics.ExportSucceeded, { ...outcome, erpReference: 'BATCH-900', total: '12500.50', exportedAt: now() }, budgetId, companyId);
    await erpStatus('awaiting_posting');
    expect(await written()).toEqual(['synced_lines']);

    await world.publish(Topics.ErpPosted, { ...base, erpSystem: 'cmic', jobNumber: 'J-900', total: '12500.50', createdBy: pat, sentBy: pat, postedAt: now() }, budgetId, companyId);
    await erpStatus('synced');
    expect(await written()).toEqual(['synced_lines']);
    const { rows } = await sql.query<{ hold: unknown; synced: number }>('SELECT hold, jsonb_array_length(synced_lines) AS synced FROM budgets WHERE id = $1', [budgetId]);
    expect(rows).toEqual([{ hold: null, synced: 10000 }]);
  }, 60_000);
});
