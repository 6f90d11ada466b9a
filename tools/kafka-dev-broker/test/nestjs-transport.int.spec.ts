import { ChildProcess, fork } from 'node:child_process';
import * as path from 'node:path';
import { Kafka } from 'kafkajs';
import { startBroker, RunningBroker } from '../src';
import { connectedProducer, kafkaFor, waitFor } from './support/kafka-clients';

type ChildMessage =
  | { type: 'ready' }
  | { type: 'failed'; error: string }
  | { type: 'event'; topic: string; body: unknown }
  | { type: 'reply'; id: number; result?: { total: number }; error?: string };

describe('a NestJS Kafka-transport app on the dev broker', () => {
  let broker: RunningBroker;
  let kafka: Kafka;
  let app: ChildProcess;
  const messages: ChildMessage[] = [];
  const events = (topic: string) => messages.flatMap((m) => (m.type === 'event' && m.topic === topic ? [m.body] : []));

  beforeAll(async () => {
    broker = await startBroker({ port: 0 });
    kafka = kafkaFor(broker.brokers);
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: ['nest.budget-sent', 'nest.flaky', 'nest.sum', 'nest.sum.reply'].map((topic) => ({ topic })) });
    await admin.disconnect();
    app = fork(path.join(__dirname, 'support', 'nest-app.ts'), [broker.brokers], {
      execArgv: ['-r', '@swc-node/register'],
      env: { ...process.env, FLAKY_FAILURES: '1' },
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    app.on('message', (m: ChildMessage) => void messages.push(m));
    await waitFor(() => messages.some((m) => m.type === 'ready' || m.type === 'failed'), 45000, 'the NestJS app to start');
    expect(messages.find((m) => m.type === 'failed')).toBeUndefined();
  }, 60000);

  afterAll(async () => {
    if (app && app.exitCode === null) {
      const exited = new Promise((r) => app.once('exit', r));
      app.send({ type: 'stop' });
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([exited, new Promise((r) => (timer = setTimeout(r, 10000)))]);
      clearTimeout(timer);
      app.kill('SIGKILL');
    }
    await broker?.stop();
  });

  it('when an event is produced, the @EventPattern handler receives its payload', async () => {
    const producer = await connectedProducer(kafka);
    await producer.send({ topic: 'nest.budget-sent', messages: [{ key: 'budget-1', value: JSON.stringify({ budgetId: 'budget-1', amount: '1250.00' }) }] });
    await producer.disconnect();
    await waitFor(() => events('nest.budget-sent').length > 0, 15000, 'event handled');
    expect(events('nest.budget-sent')).toEqual([{ budgetId: 'budget-1', amount: '1250.00' }]);
  });

  it('when a handler throws, the same message is delivered again', async () => {
    const producer = await connectedProducer(kafka);
    await producer.send({ topic: 'nest.flaky', messages: [{ key: 'budget-2', value: JSON.stringify({ attempt: 'same' }) }] });
    await producer.disconnect();
    await waitFor(() => events('nest.flaky').length >= 2, 20000, 'redelivery');
    await new Promise((r) => setTimeout(r, 500));
    expect(events('nest.flaky')).toEqual([{ attempt: 'same' }, { attempt: 'same' }]);
  });

  it('when a client sends a request, the reply comes back over the .reply topic', async () => {
    app.send({ type: 'request', id: 1, numbers: [1, 2, 39] });
    await waitFor(() => messages.some((m) => m.type === 'reply' && m.id === 1), 15000, 'reply');
    expect(messages.find((m) => m.type === 'reply' && m.id === 1)).toEqual({ type: 'reply', id: 1, result: { total: 42 } });
  });
});
