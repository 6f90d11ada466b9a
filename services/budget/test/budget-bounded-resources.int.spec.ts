import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { ConfigResourceTypes, Kafka, logLevel } from 'kafkajs';
import { Topics } from '@budget-erp/contracts';
import { waitFor } from '@budget-erp/testing';
import { person, publishErpConnection, publishProjectLink, startWorld, tokenFor, World } from './support';

const companyId = `c-${randomUUID()}`;
const pat = person('Pat');

let world: World;
let pm: string;
let sql: Client;

beforeAll(async () => {
  world = await startWorld('budget_bounded_resources', [Topics.BudgetRetrieved], { MAX_BUDGETS_PER_PROJECT: '5', MAX_LINES_PER_BUDGET: '4', MAX_MODIFICATIONS_PER_BUDGET: '2' });
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

describe('a send whose events the broker refuses', () => {
  const projectId = `p-${randomUUID()}`;

  it('is taken back by the platform with the failure reason unpublishable instead of awaiting acceptance forever, and can be sent again', async () => {
    // The broker takes no record batch over 300 bytes on budget.sent.lines: any chunk of lines is refused as MESSAGE_TOO_LARGE.
    const admin = new Kafka({ clientId: 'bounded-resources-test', brokers: world.broker.brokerList, logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      await admin.createTopics({ topics: [{ topic: Topics.BudgetSentLines, numPartitions: 1 }] });
      await admin.alterConfigs({
        validateOnly: false,
        resources: [{ type: ConfigResourceTypes.TOPIC, name: Topics.BudgetSentLines, configEntries: [{ name: 'max.message.bytes', value: '300' }] }],
      });
    } finally {
      await admin.disconnect();
    }
    await publishErpConnection(world, companyId, 'cmic');
    await publishProjectLink(world, {
      companyId, projectId, erpSystem: 'cmic', jobNumber: 'J-7', jobName: 'Depot', costCodes: [{ code: '01-100', description: 'Concrete' }], linkedBy: pat,
    });
    const created = await post(`/projects/${projectId}/budgets`, {
      name: 'Refused',
      lines: [1, 2, 3].map((i) => ({ costCode: '01-100', description: `A line long enough to fill the record ${i} ${'x'.repeat(100)}`, amount: '10.00' })),
    });
    const budgetId = created.body.id as string;
    expect((await post(`/budgets/${budgetId}/lock`, {})).status).toBe(200);
    await waitFor(async () => ((await world.http('GET', `/budgets/${budgetId}/erp-readiness`, pm)).body.canSend ? true : undefined), {
      timeoutMs: 15_000,
      description: 'the ERP link to reach the budget',
    });
    const sent = await post(`/budgets/${budgetId}/send-to-erp`, {});
    expect(sent).toMatchObject({ status: 202, body: { erpStatus: 'awaiting_acceptance' } });

    const failed = await waitFor(
      async () => {
        const budget = (await world.http('GET', `/budgets/${budgetId}`, pm)).body;
        return budget.erpStatus !== 'awaiting_acceptance' ? budget : undefined;
      },
      { timeoutMs: 20_000, description: 'the unpublishable send to be taken back' },
    );
    expect(failed).toMatchObject({ erpStatus: 'not_sent', exportId: null, locked: true });
    const timeline = (await world.http('GET', `/budgets/${budgetId}/timeline`, pm)).body;
    const send = timeline.exports.find((e: { exportId: string }) => e.exportId === sent.body.exportId);
    expect(send).toMatchObject({ status: 'retrieved', holdsBudget: false, failure: { reasonCode: 'unpublishable' } });
    const retrieved = await world.waitForWire(Topics.BudgetRetrieved, (m) => m.key === budgetId);
    expect(retrieved.value).toMatchObject({ exportId: sent.body.exportId });
    expect(send.failure.message).toContain('MESSAGE_TOO_LARGE');
    expect((await post(`/budgets/${budgetId}/send-to-erp`, {})).status).toBe(202);
  });
});

describe('optimistic versions', () => {
  const projectId = `p-${randomUUID()}`;

  /** A JSON call with an If-Match header; answers the status, body and ETag. */
  async function call(method: string, path: string, ifMatch: string | undefined, body?: unknown) {
    const response = await fetch(`${world.service.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${pm}`, 'content-type': 'application/json', ...(ifMatch === undefined ? {} : { 'if-match': ifMatch }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    // Answers are arbitrary JSON that the tests read field by field.
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    return { status: response.status, etag: response.headers.get('etag'), body: (text ? JSON.parse(text) : null) as any };
  }

  it('a budget and every command answer carry its version as the ETag', async () => {
    const created = await call('POST', `/projects/${projectId}/budgets`, undefined, { name: 'Versioned', lines: [line('5.00')] });
    expect(created.etag).toBe(`"${created.body.version}"`);
    const read = await call('GET', `/budgets/${created.body.id}`, undefined);
    expect(read.etag).toBe(created.etag);
    const edited = await call('POST', `/budgets/${created.body.id}/lines`, read.etag!, line('1.00'));
    expect(edited.status).toBe(201);
    expect(edited.etag).toBe(`"${created.body.version + 1}"`);
  });

  it('when two edits of the same version run at once, one wins and the other answers 409; a later edit of that version answers 409 naming the current version', async () => {
    const created = await call('POST', `/projects/${projectId}/budgets`, undefined, { name: 'Raced', lines: [line('5.00')] });
    const budgetId = created.body.id as string;
    const lineId = created.body.lines[0].id as string;
    const [first, second] = await Promise.all([
      call('PATCH', `/budgets/${budgetId}/lines/${lineId}`, created.etag!, { amount: '7.00' }),
      call('PATCH', `/budgets/${budgetId}/lines/${lineId}`, created.etag!, { amount: '9.00' }),
    ]);
    expect([first.status, second.status].sort()).toEqual([200, 409]);
    const winner = first.status === 200 ? first : second;
    const stored = await call('GET', `/budgets/${budgetId}`, undefined);
    expect(stored.body.total).toBe(winner.body.total);
    expect(stored.etag).toBe(winner.etag);

    const stale = await call('POST', `/budgets/${budgetId}/lock`, created.etag!, {});
    expect(stale.status).toBe(409);
    expect(stale.body).toMatchObject({ code: 'BUDGET.VERSION_MISMATCH', details: [{ path: 'If-Match', message: `current version ${stored.body.version}` }] });
    expect((await call('GET', `/budgets/${budgetId}`, undefined)).body.locked).toBe(false);
    expect((await call('POST', `/budgets/${budgetId}/lock`, stored.etag!, {})).status).toBe(200);
  });

  it('an If-Match that names no version answers 400 naming the header', async () => {
    const created = await call('POST', `/projects/${projectId}/budgets`, undefined, { name: 'Malformed', lines: [] });
    const refused = await call('POST', `/budgets/${created.body.id}/lines`, 'yesterday', line('1.00'));
    expect(refused).toMatchObject({ status: 400, body: { details: [{ path: 'If-Match' }] } });
  });
});
