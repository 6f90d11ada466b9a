import { randomBytes, randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { chunkSendLines, linesDigest, PayloadOf, Topic, Topics } from '@budget-erp/contracts';
import { collectTopic, createTestDatabase, startTestBroker, TestBroker, TestDatabase, TopicCollector, waitFor } from '@budget-erp/testing';
import { register } from 'prom-client';
import { DataSource } from 'typeorm';
import { OutboxRelay, OutboxRelayOptions, OutboxWriter, PublishRequest, RelayedEvent, UnitOfWork } from '../src';
import { lockedPayload } from './support/events';
import { openMigratedDataSource } from './support/messaging-database';

// The dev broker's default limit, Kafka's message.max.bytes.
const BROKER_LIMIT_BYTES = 1_048_588;

const user = (id: string) => ({ userId: id, name: `User ${id}`, email: `${id}@example.com` });

/** A send like the budget service's: the `budget.sent` summary and its `budget.sent.lines` chunks. */
function sendEvents(budgetId: string, lineCount: number): PublishRequest<Topic>[] {
  const costTypes = ['labor', 'material', 'equipment', 'subcontract', null];
  const lines = Array.from({ length: lineCount }, (_, i) => {
    const cents = 10_000 + ((i * 7_919) % 9_000_000);
    return {
      lineId: randomUUID(),
      costCode: `${String(1 + (i % 48)).padStart(2, '0')}-${String(100 + (i % 900)).padStart(4, '0')}`,
      costType: costTypes[i % costTypes.length],
      subJob: i % 3 === 0 ? null : `SJ-${1 + (i % 12)}`,
      // Long descriptions: a chunk of 1,000 such lines would be above the broker limit.
      description: `Level ${1 + (i % 9)} ${'concrete formwork and rebar supply '.repeat(40)} line ${i + 1}`,
      amount: `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`,
      syncedAmount: null,
    };
  });
  const chunks = chunkSendLines(lines);
  const base = { budgetId, projectId: 'project-1', companyId: 'company-1', exportId: randomUUID() };
  const summary: PublishRequest<'budget.sent'> = {
    topic: Topics.BudgetSent,
    subject: budgetId,
    companyId: 'company-1',
    payload: {
      ...base,
      sentBy: user('pm-1'),
      createdBy: user('pm-1'),
      sentAt: new Date().toISOString(),
      name: 'Tower B construction budget',
      origin: 'platform',
      kind: 'original',
      erpSystem: 'cmic',
      jobNumber: 'JOB-2026-001',
      // Totals are not checked by the contract; the relay only carries them.
      total: '0.00',
      syncedTotal: '0.00',
      modificationIds: [],
      lineCount,
      chunkCount: chunks.length,
      linesDigest: linesDigest(lines),
    },
  };
  const lineEvents = chunks.map(
    (chunkLines, chunk): PublishRequest<'budget.sent.lines'> => ({
      topic: Topics.BudgetSentLines,
      subject: budgetId,
      companyId: 'company-1',
      payload: { ...base, chunk, chunkCount: chunks.length, lines: chunkLines },
    }),
  );
  return [summary as PublishRequest<Topic>, ...(lineEvents as PublishRequest<Topic>[])];
}

async function abandonedCount(topic: string): Promise<number> {
  const metric = register.getSingleMetric('messaging_outbox_abandoned_total');
  const values = (await metric?.get())?.values ?? [];
  return values.filter((v) => v.labels.topic === topic).reduce((sum, v) => sum + v.value, 0);
}

describe('outbox relay, large sends and events larger than the broker accepts (real PostgreSQL, dev broker)', () => {
  let db: TestDatabase;
  let broker: TestBroker;
  let dataSource: DataSource;
  let sent: TopicCollector;
  let sentLines: TopicCollector;
  let locked: TopicCollector;
  let relay: OutboxRelay | undefined;
  const writer = new OutboxWriter({ serviceName: 'budget' });
  const abandonedIds: string[] = [];

  const startRelay = (options: Partial<Pick<OutboxRelayOptions, 'maxMessageBytes' | 'maxBatchBytes' | 'onBatchPublished'>> = {}): OutboxRelay => {
    relay = new OutboxRelay(dataSource, { brokers: broker.brokerList, clientId: 'oversized-test', pollIntervalMs: 50, maxBackoffMs: 300, ...options });
    relay.start();
    return relay;
  };
  const outboxRow = async (id: string) =>
    (await dataSource.query('SELECT published_at, abandoned_at, last_error, attempts FROM outbox_messages WHERE id = $1', [id]))[0];
  const delivered = (collector: TopicCollector, id: string) => collector.messages.some((m) => m.headers.ce_id === id);

  beforeAll(async () => {
    db = await createTestDatabase('relay_oversized');
    broker = await startTestBroker();
    dataSource = await openMigratedDataSource(db.url);
    [sent, sentLines, locked] = await Promise.all([
      collectTopic(broker.brokers, Topics.BudgetSent),
      collectTopic(broker.brokers, Topics.BudgetSentLines),
      collectTopic(broker.brokers, Topics.BudgetLocked),
    ]);
  });

  afterAll(async () => {
    jest.restoreAllMocks();
    await relay?.stop();
    await Promise.all([sent?.stop(), sentLines?.stop(), locked?.stop()]);
    await dataSource?.destroy();
    await broker?.stop();
    await db?.drop();
  });

  it('when a 5,000-line send is stored at once, its summary and every chunk go out uncompressed, each record under the broker limit, in order, and the lines arrive whole', async () => {
    startRelay();
    const events = sendEvents('budget-5000-lines', 5_000);
    const totalBytes = events.reduce((sum, e) => sum + Buffer.byteLength(JSON.stringify(e.payload)), 0);
    expect(totalBytes).toBeGreaterThan(5 * BROKER_LIMIT_BYTES);

    const uow = new UnitOfWork(dataSource, relay);
    const stored = await uow.run((manager) => writer.publishAll(manager, events));

    await waitFor(() => stored.every((e) => delivered(sent, e.id) || delivered(sentLines, e.id)), { timeoutMs: 30_000, description: 'the whole send' });
    const chunks = sentLines.messages.filter((m) => stored.some((e) => e.id === m.headers.ce_id));
    expect(chunks.map((m) => (m.value as PayloadOf<'budget.sent.lines'>).chunk)).toEqual(chunks.map((_m, i) => i));
    const lines = chunks.flatMap((m) => (m.value as PayloadOf<'budget.sent.lines'>).lines);
    const summary = sent.messages.find((m) => m.headers.ce_id === stored[0].id)!.value as PayloadOf<'budget.sent'>;
    expect(lines).toHaveLength(5_000);
    expect(linesDigest(lines)).toBe(summary.linesDigest);
    for (const message of chunks) expect(Buffer.byteLength(JSON.stringify(message.value))).toBeLessThan(BROKER_LIMIT_BYTES);
    for (const event of stored) expect(await outboxRow(event.id)).toMatchObject({ published_at: expect.any(Date), abandoned_at: null });
  });

  it('when a large send is stored at once, the relay reads and publishes it a few records at a time: each batch ends at the first record past maxBatchBytes of stored payload', async () => {
    await relay?.stop();
    const batches: RelayedEvent[][] = [];
    const maxBatchBytes = 60_000;
    startRelay({ maxBatchBytes, onBatchPublished: (events) => void batches.push(events) });
    const events = sendEvents('budget-batched-by-bytes', 5_000);
    const stored = await new UnitOfWork(dataSource, relay).run((manager) => writer.publishAll(manager, events));

    await waitFor(() => stored.every((e) => delivered(sent, e.id) || delivered(sentLines, e.id)), { timeoutMs: 30_000, description: 'the whole send' });
    await relay!.stop();
    relay = undefined;
    const ids = stored.map((e) => e.id);
    const sizes = new Map<string, number>(
      ((await dataSource.query('SELECT id::text AS id, pg_column_size(payload) AS bytes FROM outbox_messages WHERE id = ANY($1::uuid[])', [ids])) as { id: string; bytes: number }[]).map(
        (r) => [r.id, r.bytes],
      ),
    );
    expect([...sizes.values()].reduce((a, b) => a + b, 0)).toBeGreaterThan(3 * maxBatchBytes);
    const ours = batches.map((batch) => batch.filter((e) => sizes.has(e.id))).filter((batch) => batch.length > 0);
    expect(ours.flat().map((e) => e.id)).toEqual(ids);
    expect(ours.length).toBeGreaterThan(2);
    for (const batch of ours) expect(batch.slice(0, -1).reduce((sum, e) => sum + sizes.get(e.id)!, 0)).toBeLessThan(maxBatchBytes);
  });

  it('when an event is above the broker limit, it is set aside with the broker reason, logged and counted, and the events after it (same and other budget) are published', async () => {
    if (!relay) startRelay();
    const errors = jest.spyOn(Logger.prototype, 'error');
    const abandonedBefore = await abandonedCount(Topics.BudgetLocked);
    // About 1.6 MB of base64: above the broker limit.
    const huge = lockedPayload('budget-huge', randomBytes(1_200_000).toString('base64'));
    const uow = new UnitOfWork(dataSource, relay);
    const [tooLarge, sameBudgetAfter, otherBudgetAfter] = await uow.run(async (manager) => [
      await writer.publish(manager, { topic: Topics.BudgetLocked, subject: 'budget-huge', companyId: 'company-1', payload: huge }),
      await writer.publish(manager, { topic: Topics.BudgetLocked, subject: 'budget-huge', companyId: 'company-1', payload: lockedPayload('budget-huge') }),
      await writer.publish(manager, { topic: Topics.BudgetLocked, subject: 'budget-other', companyId: 'company-2', payload: lockedPayload('budget-other') }),
    ]);

    // Delivered, then marked published by the relay (the mark follows the broker's answer).
    await waitFor(async () => delivered(locked, sameBudgetAfter.id) && delivered(locked, otherBudgetAfter.id) && (await outboxRow(otherBudgetAfter.id)).published_at, {
      timeoutMs: 20_000,
      description: 'the events written after the oversized one',
    });
    expect(delivered(locked, tooLarge.id)).toBe(false);
    const row = await outboxRow(tooLarge.id);
    expect(row).toMatchObject({ published_at: null, abandoned_at: expect.any(Date), last_error: expect.stringContaining('MESSAGE_TOO_LARGE') });
    expect(await outboxRow(sameBudgetAfter.id)).toMatchObject({ published_at: expect.any(Date), abandoned_at: null });
    expect(await abandonedCount(Topics.BudgetLocked)).toBe(abandonedBefore + 1);
    const logged = errors.mock.calls.map((call) => String(call[0])).find((line) => line.includes(tooLarge.id));
    expect(logged).toEqual(expect.stringContaining('budget.locked'));
    expect(logged).toEqual(expect.stringContaining('key budget-huge'));
    expect(logged).toEqual(expect.stringContaining('MESSAGE_TOO_LARGE'));
    expect(relay!.isHealthy()).toBe(true);
    abandonedIds.push(tooLarge.id);
  });

  it('when an event exceeds the configured maxMessageBytes, it is set aside without being sent and the next event is published', async () => {
    await relay?.stop();
    startRelay({ maxMessageBytes: 20_000 });
    const uow = new UnitOfWork(dataSource, relay);
    const [tooLarge, after] = await uow.run(async (manager) => [
      await writer.publish(manager, { topic: Topics.BudgetLocked, subject: 'budget-capped', companyId: 'company-1', payload: lockedPayload('budget-capped', 'x'.repeat(30_000)) }),
      await writer.publish(manager, { topic: Topics.BudgetLocked, subject: 'budget-capped', companyId: 'company-1', payload: lockedPayload('budget-capped') }),
    ]);

    await waitFor(() => delivered(locked, after.id), { timeoutMs: 20_000, description: 'the event after the capped one' });
    expect(delivered(locked, tooLarge.id)).toBe(false);
    expect(await outboxRow(tooLarge.id)).toMatchObject({
      published_at: null,
      abandoned_at: expect.any(Date),
      last_error: expect.stringContaining('exceeds maxMessageBytes (20000)'),
    });
    abandonedIds.push(tooLarge.id);
    const operatorView = await dataSource.query(`SELECT id, topic, message_key, last_error FROM outbox_messages WHERE abandoned_at IS NOT NULL ORDER BY seq`);
    expect(operatorView.map((r: { id: string }) => r.id)).toEqual(abandonedIds);
  });
});
