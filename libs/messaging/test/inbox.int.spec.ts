import { DLQ_HEADERS, dlqTopic, Topics } from '@budget-erp/contracts';
import { collectTopic, createTestDatabase, startTestBroker, TestBroker, TestDatabase, TopicCollector, waitFor } from '@budget-erp/testing';
import { DataSource } from 'typeorm';
import { OutboxRelay } from '../src';
import { envelopeFor, eventMessage, lockedPayload, produceRaw } from './support/events';
import { openMigratedDataSource } from './support/messaging-database';
import { afterCommitRuns, appliedCommits, attemptsByEvent, CreateAppliedEffects1700000000999, startTestInboxApp, TestInboxApp } from './support/test-inbox-app';

describe('inbox transport (real PostgreSQL, dev broker, a Nest app with @EventPattern handlers)', () => {
  let db: TestDatabase;
  let broker: TestBroker;
  let dataSource: DataSource;
  let inbox: TestInboxApp;
  let relay: OutboxRelay;
  let deadLetters: TopicCollector;
  let followUps: TopicCollector;

  const effectsOf = async (eventId: string): Promise<{ behaviour: string; label: string | null }[]> =>
    dataSource.query('SELECT behaviour, label FROM applied_effects WHERE event_id = $1', [eventId]);
  const inboxHas = async (eventId: string): Promise<boolean> =>
    (await dataSource.query('SELECT 1 FROM inbox_messages WHERE consumer_group = $1 AND message_id = $2', ['inbox-test', eventId])).length === 1;
  const send = async (subject: string, behaviour: string) => {
    const envelope = envelopeFor(Topics.BudgetLocked, subject);
    await produceRaw(broker.brokerList, Topics.BudgetLocked, [eventMessage(envelope, lockedPayload(subject, behaviour))]);
    return envelope;
  };

  beforeAll(async () => {
    db = await createTestDatabase('inbox');
    broker = await startTestBroker();
    dataSource = await openMigratedDataSource(db.url, [CreateAppliedEffects1700000000999]);
    inbox = await startTestInboxApp({ dataSource, brokers: broker.brokerList, groupId: 'inbox-test', label: 'cmic' });
    relay = new OutboxRelay(dataSource, { brokers: broker.brokerList, clientId: 'inbox-test-relay', pollIntervalMs: 50 });
    relay.start();
    deadLetters = await collectTopic(broker.brokers, dlqTopic(Topics.BudgetLocked));
    followUps = await collectTopic(broker.brokers, Topics.BudgetUnlocked);
  });

  afterAll(async () => {
    await inbox?.close();
    await relay?.stop();
    await deadLetters?.stop();
    await followUps?.stop();
    await dataSource?.destroy();
    await broker?.stop();
    await db?.drop();
  });

  it('when an event arrives, applies its handler once with the transaction manager, records it in the inbox and exposes the label', async () => {
    const envelope = await send('budget-ok', 'ok');

    await waitFor(() => inboxHas(envelope.id), { description: 'the event in the inbox' });
    expect(await effectsOf(envelope.id)).toEqual([{ behaviour: 'ok', label: 'cmic' }]);
  });

  it('when a handler throws twice then succeeds, applies the event exactly once and dead-letters nothing', async () => {
    const envelope = await send('budget-flaky', 'fail-twice');

    await waitFor(() => inboxHas(envelope.id), { description: 'the flaky event applied' });
    expect(attemptsByEvent.get(envelope.id)).toBe(3);
    expect(await effectsOf(envelope.id)).toHaveLength(1);
    expect(deadLetters.messages.filter((m) => m.headers.ce_id === envelope.id)).toHaveLength(0);
  });

  it('when a handler always throws, dead-letters the event with its reason after the retries and still processes the next event of the partition', async () => {
    const poison = await send('budget-poison', 'always-fail');
    const next = await send('budget-poison', 'ok');

    const [dead] = await waitFor(() => deadLetters.messages.filter((m) => m.headers.ce_id === poison.id).length === 1 && deadLetters.messages.filter((m) => m.headers.ce_id === poison.id), {
      description: 'the poison event in the DLQ',
    });
    expect(dead.headers[DLQ_HEADERS.reason]).toContain('ledger for budget-poison is unavailable');
    expect(dead.headers[DLQ_HEADERS.attempts]).toBe('3');
    expect(dead.headers[DLQ_HEADERS.consumerGroup]).toBe('inbox-test');
    expect(dead.headers.ce_type).toBe('budget.locked.v1');
    expect(dead.key).toBe('budget-poison');
    expect(dead.value).toMatchObject({ budgetId: 'budget-poison' });
    expect(await effectsOf(poison.id)).toHaveLength(0);
    expect(await inboxHas(poison.id)).toBe(false);

    await waitFor(() => inboxHas(next.id), { description: 'the next event on the partition applied' });
    expect(await effectsOf(next.id)).toHaveLength(1);
  });

  it('when the database is unavailable for longer than the retry limit, keeps retrying and applies the event instead of dead-lettering it', async () => {
    const envelope = await send('budget-db-restart', 'database-restarting');

    await waitFor(() => inboxHas(envelope.id), { description: 'the event applied after the outage' });
    expect(attemptsByEvent.get(envelope.id)).toBe(5);
    expect(await effectsOf(envelope.id)).toHaveLength(1);
    expect(deadLetters.messages.filter((m) => m.headers.ce_id === envelope.id)).toHaveLength(0);
  });

  it('when a payload breaks its contract, dead-letters it at once without calling the handler', async () => {
    const envelope = envelopeFor(Topics.BudgetLocked, 'budget-invalid');
    await produceRaw(broker.brokerList, Topics.BudgetLocked, [eventMessage(envelope, { budgetId: 'budget-invalid', lockedAt: 'yesterday' })]);

    const [dead] = await waitFor(() => {
      const found = deadLetters.messages.filter((m) => m.headers.ce_id === envelope.id);
      return found.length === 1 && found;
    }, { description: 'the invalid event in the DLQ' });
    expect(dead.headers[DLQ_HEADERS.reason]).toMatch(/payload breaks the budget\.locked\.v1 contract: .*lockedAt/);
    expect(dead.headers[DLQ_HEADERS.reason]).toContain('projectId');
    expect(dead.headers[DLQ_HEADERS.attempts]).toBe('0');
    expect(attemptsByEvent.has(envelope.id)).toBe(false);
  });

  it('when the type is unknown or the CloudEvents headers are missing, dead-letters the message with the reason', async () => {
    const unknownType = envelopeFor(Topics.BudgetLocked, 'budget-unknown', { type: 'budget.locked.v9' });
    await produceRaw(broker.brokerList, Topics.BudgetLocked, [
      eventMessage(unknownType, lockedPayload('budget-unknown')),
      { key: 'budget-no-headers', headers: { 'x-origin': 'manual' }, value: JSON.stringify(lockedPayload('budget-no-headers')) },
    ]);

    const dead = await waitFor(() => {
      const found = deadLetters.messages.filter((m) => m.key === 'budget-unknown' || m.key === 'budget-no-headers');
      return found.length === 2 && found;
    }, { description: 'both messages in the DLQ' });
    const reasons = Object.fromEntries(dead.map((m) => [m.key, m.headers[DLQ_HEADERS.reason]]));
    expect(reasons['budget-unknown']).toBe('unknown event type budget.locked.v9');
    expect(reasons['budget-no-headers']).toMatch(/invalid CloudEvents headers \(.*ce_id/);
    expect(dead.find((m) => m.key === 'budget-no-headers')!.headers['x-origin']).toBe('manual');
  });

  it('when the same event is delivered twice (same ce_id), applies it once', async () => {
    const envelope = envelopeFor(Topics.BudgetLocked, 'budget-dup');
    const message = eventMessage(envelope, lockedPayload('budget-dup'));
    await produceRaw(broker.brokerList, Topics.BudgetLocked, [message, message]);
    const marker = await send('budget-dup', 'ok');

    await waitFor(() => inboxHas(marker.id), { description: 'the marker after both copies' });
    expect(attemptsByEvent.get(envelope.id)).toBe(1);
    expect(await effectsOf(envelope.id)).toHaveLength(1);
  });

  it('when a handler publishes through the outbox, the new event carries the correlation id and is caused by the handled event', async () => {
    const correlationId = 'export-7f3a';
    const envelope = envelopeFor(Topics.BudgetLocked, 'budget-follow-up', { correlationid: correlationId });
    await produceRaw(broker.brokerList, Topics.BudgetLocked, [eventMessage(envelope, lockedPayload('budget-follow-up', 'publish-follow-up'))]);

    const [followUp] = await waitFor(() => {
      const found = followUps.messages.filter((m) => m.key === 'budget-follow-up');
      return found.length >= 1 && found;
    }, { description: 'the follow-up event' });
    expect(followUp.headers.ce_correlationid).toBe(correlationId);
    expect(followUp.headers.ce_causationid).toBe(envelope.id);
    expect(followUp.headers.ce_source).toBe('/inbox-test');
    expect(followUp.headers.ce_type).toBe('budget.unlocked.v1');
  });

  it('after a commit, tells onApplied whether the handlers stored outbox events (so the relay is nudged only then)', async () => {
    const quiet = await send('budget-commit-quiet', 'ok');
    await waitFor(() => appliedCommits.some((c) => c.eventIds.includes(quiet.id)), { description: 'the commit of the quiet event' });
    const loud = await send('budget-commit-loud', 'publish-follow-up');
    await waitFor(() => appliedCommits.some((c) => c.eventIds.includes(loud.id)), { description: 'the commit of the publishing event' });

    expect(appliedCommits.filter((c) => c.eventIds.includes(quiet.id))).toEqual([{ eventIds: [quiet.id], storedEvents: false }]);
    expect(appliedCommits.filter((c) => c.eventIds.includes(loud.id))).toEqual([{ eventIds: [loud.id], storedEvents: true }]);
  });

  describe('a backlog on one partition', () => {
    const backlog = (subject: string, behaviours: string[]) => {
      const envelopes = behaviours.map(() => envelopeFor(Topics.BudgetLocked, subject));
      return { envelopes, messages: envelopes.map((envelope, i) => eventMessage(envelope, lockedPayload(subject, behaviours[i]))) };
    };

    it('when 40 events wait on one partition, applies each exactly once, several in one transaction, and runs each after-commit callback once', async () => {
      const { envelopes, messages } = backlog('budget-backlog', Array.from({ length: 40 }, () => 'ok'));
      await produceRaw(broker.brokerList, Topics.BudgetLocked, messages);

      await waitFor(async () => (await Promise.all(envelopes.map((e) => inboxHas(e.id)))).every(Boolean), { description: 'the whole backlog applied' });
      const ids = envelopes.map((e) => e.id);
      const [{ effects }] = await dataSource.query('SELECT count(*)::int AS effects FROM applied_effects WHERE event_id = ANY($1)', [ids]);
      expect(effects).toBe(40);
      // now() is the transaction's start: fewer distinct values than events means shared commits.
      const [{ transactions }] = await dataSource.query(
        'SELECT count(DISTINCT processed_at)::int AS transactions FROM inbox_messages WHERE consumer_group = $1 AND message_id = ANY($2)',
        ['inbox-test', ids],
      );
      expect(transactions).toBeLessThan(40);
      expect(ids.map((id) => afterCommitRuns.filter((run) => run === id).length)).toEqual(ids.map(() => 1));
      expect(afterCommitRuns.filter((run) => ids.includes(run))).toEqual(ids);
    });

    it('when large events wait on one partition, applies them a few per transaction: a transaction ends at the first event that reaches 256 KiB', async () => {
      const bulky = (i: number) => `ok ${i} ${'x'.repeat(75_000)}`;
      const { envelopes, messages } = backlog('budget-bulky-backlog', Array.from({ length: 12 }, (_, i) => bulky(i)));
      await produceRaw(broker.brokerList, Topics.BudgetLocked, messages);

      await waitFor(async () => (await Promise.all(envelopes.map((e) => inboxHas(e.id)))).every(Boolean), { timeoutMs: 30_000, description: 'the bulky backlog applied' });
      const ids = envelopes.map((e) => e.id);
      const commits = appliedCommits.filter((c) => c.eventIds.some((id) => ids.includes(id)));
      expect(commits.flatMap((c) => c.eventIds)).toEqual(ids);
      // About 75 kB each, 900 kB in all: the 4th of a transaction reaches 256 KiB.
      expect(commits.length).toBeGreaterThanOrEqual(3);
      for (const commit of commits) expect(commit.eventIds.length).toBeLessThanOrEqual(4);
    });

    it('when the same event appears twice in a backlog, applies it once and every other event once, in order', async () => {
      const { envelopes, messages } = backlog('budget-backlog-twice', ['ok', 'ok', 'ok']);
      const [first, second, third] = messages;
      await produceRaw(broker.brokerList, Topics.BudgetLocked, [first, second, first, third, second]);

      await waitFor(async () => (await Promise.all(envelopes.map((e) => inboxHas(e.id)))).every(Boolean), { description: 'the backlog applied' });
      const ids = envelopes.map((e) => e.id);
      for (const id of ids) expect(await effectsOf(id)).toHaveLength(1);
      for (const id of ids) expect(attemptsByEvent.get(id)).toBe(1);
      expect(afterCommitRuns.filter((run) => ids.includes(run))).toEqual(ids);
    });

    it('when one event in the middle of a backlog always fails, applies every other event once, in order, and dead-letters only that one', async () => {
      const { envelopes, messages } = backlog('budget-backlog-poison', ['ok', 'ok', 'always-fail', 'ok', 'ok']);
      await produceRaw(broker.brokerList, Topics.BudgetLocked, messages);
      const poison = envelopes[2];
      const good = envelopes.filter((e) => e !== poison);

      await waitFor(() => deadLetters.messages.some((m) => m.headers.ce_id === poison.id), { description: 'the poison event in the DLQ' });
      await waitFor(async () => (await Promise.all(good.map((e) => inboxHas(e.id)))).every(Boolean), { description: 'the other events applied' });
      for (const envelope of good) expect(await effectsOf(envelope.id)).toHaveLength(1);
      expect(await effectsOf(poison.id)).toHaveLength(0);
      expect(await inboxHas(poison.id)).toBe(false);
      // No callback for the rolled-back attempts or for the dead-lettered event; one per applied event, in partition order.
      expect(afterCommitRuns.filter((run) => envelopes.some((e) => e.id === run))).toEqual(good.map((e) => e.id));
    });
  });
});
