import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { person, startWorld, tokenFor, World } from './support';

const companyId = `c-${randomUUID()}`;
const pat = person('Pat');

let world: World;
let pm: string;
let sql: Client;

beforeAll(async () => {
  world = await startWorld('budget_bounded_resources', [], { MAX_BUDGETS_PER_PROJECT: '5', MAX_LINES_PER_BUDGET: '4', MAX_MODIFICATIONS_PER_BUDGET: '2' });
  pm = await tokenFor({ companyId, sub: pat.userId, name: pat.name, email: pat.email });
  sql = new Client({ connectionString: world.db.url });
  await sql.connect();
}, 60_000);

afterAll(async () => {
  await sql?.end().catch(() => undefined);
  await world?.stop();
});

const post = (path: string, body?: unknown) => world.http('POST', path, pm, body);
const line = (amount: string) => ({ costCode: '01-100', amount });

describe("a project's budget list", () => {
  const projectId = `p-${randomUUID()}`;

  beforeAll(async () => {
    for (const name of ['A', 'B', 'C', 'D', 'E']) {
      expect((await post(`/projects/${projectId}/budgets`, { name, lines: [line('1.00'), line('2.50')] })).status).toBe(201);
    }
  });

  it('pages by cursor: every budget once, in creation order, each with its line count and total but no lines', async () => {
    const names: string[] = [];
    let next: string | null = `/projects/${projectId}/budgets?limit=2`;
    let pages = 0;
    while (next) {
      const page: { status: number; body: { items: Record<string, unknown>[]; next: string | null } } = await world.http('GET', next, pm);
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      for (const item of page.body.items) {
        expect(item).toMatchObject({ lineCount: 2, total: '3.50' });
        expect(item).not.toHaveProperty('lines');
        names.push(item.name as string);
      }
      next = page.body.next;
      pages += 1;
    }
    expect(names).toEqual(['A', 'B', 'C', 'D', 'E']);
    expect(pages).toBe(3);
  });

  it('answers without reading any line: it still answers while the lines table is out of reach', async () => {
    await sql.query('ALTER TABLE budget_lines RENAME TO budget_lines_away');
    try {
      const listed = await world.http('GET', `/projects/${projectId}/budgets`, pm);
      expect(listed.status).toBe(200);
      expect(listed.body.items).toHaveLength(5);
      expect(listed.body.next).toBeNull();
    } finally {
      await sql.query('ALTER TABLE budget_lines_away RENAME TO budget_lines');
    }
  });

  it('refuses a limit out of range or a cursor it did not give with a 400 naming the parameter', async () => {
    const zero = await world.http('GET', `/projects/${projectId}/budgets?limit=0`, pm);
    expect(zero).toMatchObject({ status: 400, body: { details: [{ path: 'limit' }] } });
    const forged = await world.http('GET', `/projects/${projectId}/budgets?after=nonsense`, pm);
    expect(forged).toMatchObject({ status: 400, body: { details: [{ path: 'after' }] } });
  });

  it('when the project already holds MAX_BUDGETS_PER_PROJECT budgets, a new one answers 409 naming the limit', async () => {
    const refused = await post(`/projects/${projectId}/budgets`, { name: 'F', lines: [] });
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('LIMIT.EXCEEDED');
    expect(refused.body.message).toContain('MAX_BUDGETS_PER_PROJECT');
  });
});

describe("a budget's limits", () => {
  const projectId = `p-${randomUUID()}`;

  it('when created with more than MAX_LINES_PER_BUDGET lines, answers 409 naming the limit and stores nothing', async () => {
    const refused = await post(`/projects/${projectId}/budgets`, { name: 'Big', lines: [line('1'), line('1'), line('1'), line('1'), line('1')] });
    expect(refused.status).toBe(409);
    expect(refused.body.message).toContain('MAX_LINES_PER_BUDGET');
    expect((await world.http('GET', `/projects/${projectId}/budgets`, pm)).body.items).toEqual([]);
  });

  it('when a line would exceed MAX_LINES_PER_BUDGET, answers 409 naming the limit; at the limit the line is added', async () => {
    const created = await post(`/projects/${projectId}/budgets`, { name: 'Full', lines: [line('1'), line('1'), line('1')] });
    expect(created.status).toBe(201);
    expect((await post(`/budgets/${created.body.id}/lines`, line('2'))).status).toBe(201);
    const refused = await post(`/budgets/${created.body.id}/lines`, line('3'));
    expect(refused.status).toBe(409);
    expect(refused.body.message).toContain('MAX_LINES_PER_BUDGET');
    expect((await world.http('GET', `/budgets/${created.body.id}`, pm)).body).toMatchObject({ lineCount: 4, total: '5.00' });
  });

  it('when a modification would exceed MAX_MODIFICATIONS_PER_BUDGET, answers 409 naming the limit', async () => {
    const created = await post(`/projects/${projectId}/budgets`, { name: 'Modified', lines: [line('10')] });
    const lineId = created.body.lines[0].id;
    expect((await post(`/budgets/${created.body.id}/lock`, {})).status).toBe(200);
    for (let i = 0; i < 2; i += 1) {
      expect((await post(`/budgets/${created.body.id}/modifications`, { changes: [{ lineId, amount: '1.00' }] })).status).toBe(201);
    }
    const refused = await post(`/budgets/${created.body.id}/modifications`, { changes: [{ lineId, amount: '1.00' }] });
    expect(refused.status).toBe(409);
    expect(refused.body.message).toContain('MAX_MODIFICATIONS_PER_BUDGET');
  });
});
