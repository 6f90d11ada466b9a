import { fork, ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { Kafka } from 'kafkajs';
import { startBroker, RunningBroker } from '../src';
import { connectedProducer, kafkaFor, RunningConsumer, runConsumer, waitFor } from './support/kafka-clients';

describe('consumer groups on the dev broker', () => {
  let broker: RunningBroker;
  let kafka: Kafka;
  const consumers: RunningConsumer[] = [];

  beforeAll(async () => {
    broker = await startBroker({ port: 0 });
    kafka = kafkaFor(broker.brokers);
  });

  afterEach(async () => {
    await Promise.all(consumers.splice(0).map((c) => c.consumer.disconnect().catch(() => undefined)));
  });

  afterAll(async () => {
    await broker.stop();
  });

  async function createTopic(topic: string, numPartitions: number): Promise<void> {
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions }] });
    await admin.disconnect();
  }

  async function member(topic: string, groupId: string, fromBeginning = true): Promise<RunningConsumer> {
    const c = await runConsumer(kafka, topic, { groupId }, { fromBeginning });
    consumers.push(c);
    return c;
  }

  const partitionsOf = (c: RunningConsumer, topic: string) => [...(c.assigned()[topic] ?? [])].sort((a, b) => a - b);

  it('when 3 members share a 6-partition topic, 10,000 keyed messages arrive exactly once with per-key order', async () => {
    const topic = 'groups.exactly-once';
    await createTopic(topic, 6);
    const members = [await member(topic, 'eo'), await member(topic, 'eo'), await member(topic, 'eo')];
    await waitFor(() => members.every((m) => partitionsOf(m, topic).length === 2), 20000, 'two partitions per member');
    const owned = members.flatMap((m) => partitionsOf(m, topic)).sort((a, b) => a - b);
    expect(owned).toEqual([0, 1, 2, 3, 4, 5]);

    const producer = await connectedProducer(kafka);
    const keys = 200;
    const total = 10000;
    for (let start = 0; start < total; start += 500) {
      const messages = [];
      for (let i = start; i < start + 500; i++) messages.push({ key: `key-${i % keys}`, value: String(Math.floor(i / keys)) });
      await producer.send({ topic, acks: -1, messages });
    }
    await producer.disconnect();

    const all = () => members.flatMap((m) => m.received);
    await waitFor(() => all().length >= total, 30000, '10,000 messages');
    await new Promise((r) => setTimeout(r, 500));
    const received = all();
    expect(received).toHaveLength(total);
    expect(new Set(received.map((m) => `${m.partition}:${m.offset}`)).size).toBe(total);
    for (const m of members) expect(m.received.length).toBeGreaterThan(0);
    const byKey = new Map<string, { partitions: Set<number>; values: number[] }>();
    for (const m of members)
      for (const r of m.received) {
        const entry = byKey.get(r.key as string) ?? { partitions: new Set(), values: [] };
        entry.partitions.add(r.partition);
        entry.values.push(Number(r.value));
        byKey.set(r.key as string, entry);
      }
    expect(byKey.size).toBe(keys);
    for (const { partitions, values } of byKey.values()) {
      expect(partitions.size).toBe(1);
      expect(values).toEqual(values.map((_, i) => i));
    }
  });

  it('when a member leaves, the remaining member takes over its partitions well within the session timeout and nothing is lost', async () => {
    const topic = 'groups.leave';
    await createTopic(topic, 4);
    const stayer = await member(topic, 'leave');
    const leaver = await member(topic, 'leave');
    await waitFor(() => partitionsOf(stayer, topic).length === 2 && partitionsOf(leaver, topic).length === 2, 20000, 'split assignment');

    const producer = await connectedProducer(kafka);
    await producer.send({ topic, messages: Array.from({ length: 100 }, (_, i) => ({ key: `k${i}`, value: `before-${i}` })) });
    await waitFor(() => stayer.received.length + leaver.received.length >= 100, 15000, 'first 100');

    consumers.splice(consumers.indexOf(leaver), 1);
    const left = Date.now();
    await leaver.consumer.disconnect();
    await waitFor(() => partitionsOf(stayer, topic).length === 4, 6000, 'stayer owning all partitions');
    expect(Date.now() - left).toBeLessThan(6000);

    await producer.send({ topic, messages: Array.from({ length: 100 }, (_, i) => ({ key: `k${i}`, value: `after-${i}` })) });
    await producer.disconnect();
    await waitFor(() => stayer.received.filter((m) => m.value?.startsWith('after-')).length === 100, 15000, 'second 100');
    const values = new Set([...stayer.received, ...leaver.received].map((m) => m.value));
    expect(values.size).toBe(200);
  });

  it('when a member is killed without leaving, its partitions move to the survivor within the session timeout and nothing is lost', async () => {
    const topic = 'groups.kill';
    await createTopic(topic, 4);
    const survivor = await member(topic, 'kill');
    const child = forkMember(broker.brokers, topic, 'kill');
    const childReceived: string[] = [];
    let childAssigned: number[] = [];
    child.on('message', (m: { type: string; partitions?: number[]; value?: string }) => {
      if (m.type === 'assigned') childAssigned = m.partitions ?? [];
      if (m.type === 'message') childReceived.push(m.value as string);
    });
    try {
      await waitFor(() => partitionsOf(survivor, topic).length === 2 && childAssigned.length === 2, 30000, 'split assignment');
      const producer = await connectedProducer(kafka);
      await producer.send({ topic, messages: Array.from({ length: 100 }, (_, i) => ({ key: `k${i}`, value: `before-${i}` })) });
      await waitFor(() => survivor.received.length + childReceived.length >= 100, 15000, 'first 100');
      // Give the child's commit of its last batch a moment, as a crashed consumer would have had.
      await new Promise((r) => setTimeout(r, 300));

      child.kill('SIGKILL');
      const killed = Date.now();
      await producer.send({ topic, messages: Array.from({ length: 100 }, (_, i) => ({ key: `k${i}`, value: `after-${i}` })) });
      await producer.disconnect();
      await waitFor(() => partitionsOf(survivor, topic).length === 4, 12000, 'survivor owning all partitions');
      const handover = Date.now() - killed;
      expect(handover).toBeGreaterThanOrEqual(5000);
      expect(handover).toBeLessThan(6000 + 3000);
      await waitFor(() => survivor.received.filter((m) => m.value?.startsWith('after-')).length >= 100, 15000, 'second 100');
      const values = new Set([...survivor.received.map((m) => m.value), ...childReceived]);
      expect(values.size).toBe(200);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('when a consumer restarts in the same group, it resumes after its committed offsets', async () => {
    const topic = 'groups.resume';
    await createTopic(topic, 3);
    const producer = await connectedProducer(kafka);
    await producer.send({ topic, messages: Array.from({ length: 30 }, (_, i) => ({ key: `k${i}`, value: `first-${i}` })) });
    const first = await member(topic, 'resume');
    await waitFor(() => first.received.length === 30, 15000, 'first 30');
    consumers.splice(consumers.indexOf(first), 1);
    await first.consumer.disconnect();

    await producer.send({ topic, messages: Array.from({ length: 20 }, (_, i) => ({ key: `k${i}`, value: `second-${i}` })) });
    await producer.disconnect();
    const second = await member(topic, 'resume');
    await waitFor(() => second.received.length >= 20, 15000, 'second 20');
    await new Promise((r) => setTimeout(r, 300));
    expect(second.received.map((m) => m.value).sort()).toEqual(Array.from({ length: 20 }, (_, i) => `second-${i}`).sort());
  });

  it('when a new group subscribes without fromBeginning, it skips what was produced before and gets what follows', async () => {
    const topic = 'groups.latest';
    await createTopic(topic, 2);
    const producer = await connectedProducer(kafka);
    await producer.send({ topic, messages: [{ key: 'a', value: 'old' }] });
    const latest = await member(topic, 'latest', false);
    await waitFor(() => partitionsOf(latest, topic).length === 2, 15000, 'assignment');
    const fetchesAtJoin = latest.fetches();
    await waitFor(() => latest.fetches() > fetchesAtJoin, 15000, 'a fetch after the join (starting offsets resolved)');
    await producer.send({ topic, messages: [{ key: 'a', value: 'new' }] });
    await producer.disconnect();
    await waitFor(() => latest.received.length >= 1, 15000, 'new message');
    await new Promise((r) => setTimeout(r, 300));
    expect(latest.received.map((m) => m.value)).toEqual(['new']);
  });
});

function forkMember(brokers: string, topic: string, groupId: string): ChildProcess {
  return fork(path.join(__dirname, 'support', 'group-member.ts'), [brokers, topic, groupId], {
    execArgv: ['-r', '@swc-node/register'],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
}
