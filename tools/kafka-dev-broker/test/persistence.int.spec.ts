import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startBroker } from '../src';
import { connectedProducer, kafkaFor, runConsumer, waitFor } from './support/kafka-clients';

describe('the dev broker with a data dir', () => {
  let dataDir: string;

  beforeEach(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kafka-dev-broker-'));
  });

  afterEach(() => {
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('when the broker restarts, topics, logs and committed offsets survive and the group resumes where it stopped', async () => {
    const topic = 'persist.orders';
    const first = await startBroker({ port: 0, dataDir });
    const k1 = kafkaFor(first.brokers);
    const admin1 = k1.admin();
    await admin1.connect();
    await admin1.createTopics({ topics: [{ topic, numPartitions: 4 }] });
    await admin1.disconnect();
    const producer1 = await connectedProducer(k1, { idempotent: true });
    await producer1.send({ topic, messages: Array.from({ length: 40 }, (_, i) => ({ key: `k${i}`, value: `first-${i}`, headers: { n: String(i) } })) });
    await producer1.disconnect();
    const c1 = await runConsumer(k1, topic, { groupId: 'persisted' });
    await waitFor(() => c1.received.length === 40, 10000, 'first 40');
    await c1.consumer.disconnect();
    await first.stop();

    const second = await startBroker({ port: 0, dataDir });
    try {
      const k2 = kafkaFor(second.brokers);
      const admin2 = k2.admin();
      await admin2.connect();
      expect(await admin2.listTopics()).toContain(topic);
      const offsets = await admin2.fetchTopicOffsets(topic);
      expect(offsets).toHaveLength(4);
      expect(offsets.reduce((s, o) => s + Number(o.high), 0)).toBe(40);
      const committed = await admin2.fetchOffsets({ groupId: 'persisted', topics: [topic] });
      expect(committed[0].partitions.map((p) => p.offset).sort()).toEqual(offsets.map((o) => o.high).sort());
      await admin2.disconnect();

      const producer2 = await connectedProducer(k2, { idempotent: true });
      await producer2.send({ topic, messages: Array.from({ length: 10 }, (_, i) => ({ key: `k${i}`, value: `second-${i}` })) });
      await producer2.disconnect();
      const resumed = await runConsumer(k2, topic, { groupId: 'persisted' });
      const replay = await runConsumer(k2, topic, { groupId: 'replay' });
      await waitFor(() => resumed.received.length >= 10 && replay.received.length >= 50, 15000, 'resumed and replayed');
      await new Promise((r) => setTimeout(r, 300));
      await Promise.all([resumed.consumer.disconnect(), replay.consumer.disconnect()]);
      expect(resumed.received.map((m) => m.value).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `second-${i}`).sort());
      expect(replay.received).toHaveLength(50);
      expect(replay.received.find((m) => m.value === 'first-7')).toMatchObject({ key: 'k7', headers: { n: '7' } });
    } finally {
      await second.stop();
    }
  });

  it('when the broker restarts, producer state survives: a new producer id is never one already used', async () => {
    const first = await startBroker({ port: 0, dataDir });
    const k1 = kafkaFor(first.brokers);
    const p1 = await connectedProducer(k1, { idempotent: true });
    await p1.send({ topic: 'persist.producers', messages: [{ value: 'a' }] });
    await p1.disconnect();
    await first.stop();
    const logFile = path.join(dataDir, 'topics', 'persist.producers');
    expect(fs.readdirSync(logFile).filter((f) => /^\d+$/.test(f))).toHaveLength(3);
    const firstId = readProducerIds(logFile);

    // Drop the counter file: the ids must still come out above those found in the logs.
    fs.rmSync(path.join(dataDir, 'producer-ids.json'));
    const second = await startBroker({ port: 0, dataDir });
    try {
      const p2 = await connectedProducer(kafkaFor(second.brokers), { idempotent: true });
      await p2.send({ topic: 'persist.producers', messages: [{ value: 'b' }] });
      await p2.disconnect();
      const ids = readProducerIds(logFile);
      expect(ids).toHaveLength(2);
      expect(ids[1]).toBeGreaterThan(firstId[0]);
    } finally {
      await second.stop();
    }
  });

  it('without a data dir, a restarted broker starts empty', async () => {
    const first = await startBroker({ port: 0 });
    const p = await connectedProducer(kafkaFor(first.brokers));
    await p.send({ topic: 'memory.only', messages: [{ value: 'x' }] });
    await p.disconnect();
    await first.stop();
    const second = await startBroker({ port: 0 });
    try {
      const admin = kafkaFor(second.brokers).admin();
      await admin.connect();
      expect(await admin.listTopics()).toEqual([]);
      await admin.disconnect();
    } finally {
      await second.stop();
    }
  });
});

/** Producer ids of the batches stored in a topic's partition files, in file order. */
function readProducerIds(topicDir: string): number[] {
  const ids: number[] = [];
  const segments = fs
    .readdirSync(topicDir)
    .filter((n) => /^\d+$/.test(n))
    .flatMap((p) => fs.readdirSync(path.join(topicDir, p)).filter((n) => n.endsWith('.log')).map((n) => path.join(topicDir, p, n)));
  for (const f of segments) {
    const data = fs.readFileSync(f);
    for (let pos = 0; pos + 61 <= data.length; pos += data.readInt32BE(pos + 8) + 12) ids.push(Number(data.readBigInt64BE(pos + 43)));
  }
  return ids.sort((a, b) => a - b);
}
