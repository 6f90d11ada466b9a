import { randomUUID } from 'node:crypto';
import { type EmbeddedPostgres, type TestBroker, type TopicCollector, collectTopic, startEmbeddedPostgres, startTestBroker, waitFor } from '@budget-erp/testing';
import { EventProducer, type RunningProcess, api, callers, startApproval, tokenFor } from './support/harness';
import { budgetSent, newBudget } from './support/upstream-events';

// `npm start` falls back to an embedded PGlite, which runs one transaction at a time across
// connections: the inbox, the outbox relay and concurrent decisions must not wait on each other.
describe('approval service on the embedded database', () => {
  let embedded: EmbeddedPostgres;
  let broker: TestBroker;
  let service: RunningProcess;
  let events: EventProducer;
  let accepted: TopicCollector;
  const companyId = `co-${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    [embedded, broker] = await Promise.all([startEmbeddedPostgres(), startTestBroker({ partitions: 1 })]);
    service = await startApproval({ db: { url: embedded.url }, broker });
    events = await EventProducer.connect(broker.brokers);
    accepted = await collectTopic(broker.brokers, 'budget.accepted');
  });

  afterAll(async () => {
    await accepted?.stop();
    await events?.close();
    await service?.close();
    await broker?.stop();
    await embedded?.stop();
  });

  it('builds the list from events, and of two simultaneous accepts one wins and is published', async () => {
    const ids = newBudget(companyId);
    await events.sendBudget(budgetSent(ids, 'x-1', 1));
    await waitFor(
      async () => {
        const { body } = await api<{ items: Array<{ budgetId: string }> }>(service, tokenFor(callers.reader, companyId), 'GET', '/erp-integrations/budgets?filter=ready_to_export');
        return body.items.some((i) => i.budgetId === ids.budgetId);
      },
      { timeoutMs: 20000, description: 'the sent budget listed' },
    );
    const path = `/erp-integrations/budgets/${ids.budgetId}/accept`;
    const answers = await Promise.all([
      api(service, tokenFor(callers.alex, companyId), 'POST', path, {}),
      api(service, tokenFor(callers.sam, companyId), 'POST', path, {}),
    ]);
    expect(answers.map((a) => a.status).sort()).toEqual([202, 409]);
    const [event] = await accepted.waitForCount(1, 20000);
    expect(event.key).toBe(ids.budgetId);
    expect(event.value).toMatchObject({ exportId: 'x-1', revision: null });
  });
});
