import { CompressionTypes, Kafka } from 'kafkajs';
import { startBroker, RunningBroker } from '../src';
import { ApiKey } from '../src/protocol/api-keys';
import { createLogger } from '../src/server/logger';
import { ResponseDroppingProxy } from './support/fault-proxy';
import { connectedProducer, kafkaFor, runConsumer, RunningConsumer, waitFor } from './support/kafka-clients';

describe('producing to the dev broker', () => {
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

  async function highWatermarks(k: Kafka, topic: string): Promise<number> {
    const admin = k.admin();
    await admin.connect();
    const offsets = await admin.fetchTopicOffsets(topic);
    await admin.disconnect();
    return offsets.reduce((sum, p) => sum + Number(p.high), 0);
  }

  it.each([0, 1, -1])('with acks %s, every message sent is stored once and readable', async (acks) => {
    const topic = `produce.acks${acks === -1 ? 'all' : acks}`;
    const producer = await connectedProducer(kafka);
    const result = await producer.send({ topic, acks, messages: Array.from({ length: 50 }, (_, i) => ({ key: `k${i}`, value: `v${i}` })) });
    if (acks !== 0) expect(result.every((r) => r.errorCode === 0)).toBe(true);
    await waitFor(async () => (await highWatermarks(kafka, topic)) === 50, 5000, '50 stored');
    await producer.disconnect();
    const c = await runConsumer(kafka, topic, { groupId: `acks-${acks}` });
    consumers.push(c);
    await waitFor(() => c.received.length === 50, 10000, '50 consumed');
    expect(new Set(c.received.map((m) => m.value)).size).toBe(50);
  });

  it('when messages carry keys and headers and are gzip-compressed, they come back byte for byte', async () => {
    const topic = 'produce.gzip-headers';
    const producer = await connectedProducer(kafka);
    const big = 'x'.repeat(5000);
    await producer.send({
      topic,
      compression: CompressionTypes.GZIP,
      messages: [
        { key: 'budget-1', value: big, headers: { ce_type: 'budget.sent.v1', 'content-type': 'application/json' } },
        { key: 'budget-2', value: '{"a":1}', headers: { ce_id: 'e-2' } },
      ],
    });
    await producer.send({ topic, messages: [{ key: 'budget-3', value: 'plain', headers: { ce_id: 'e-3' } }] });
    await producer.disconnect();
    const c = await runConsumer(kafka, topic, { groupId: 'gzip' });
    consumers.push(c);
    await waitFor(() => c.received.length === 3, 10000, '3 messages');
    const byKey = new Map(c.received.map((m) => [m.key, m]));
    expect(byKey.get('budget-1')).toMatchObject({ value: big, headers: { ce_type: 'budget.sent.v1', 'content-type': 'application/json' } });
    expect(byKey.get('budget-2')).toMatchObject({ value: '{"a":1}', headers: { ce_id: 'e-2' } });
    expect(byKey.get('budget-3')).toMatchObject({ value: 'plain', headers: { ce_id: 'e-3' } });
  });

  it('when an idempotent produce is retried after its response was lost, the batch is stored once', async () => {
    const proxy = new ResponseDroppingProxy(ApiKey.Produce);
    await proxy.listen();
    const lines: string[] = [];
    const proxied = await startBroker({ port: 0, advertisedPort: proxy.port, logger: captureLogger(lines) });
    proxy.target = proxied.port;
    try {
      const k = kafkaFor(`127.0.0.1:${proxy.port}`, 'idempotent-test');
      const producer = await connectedProducer(k, { idempotent: true, maxInFlightRequests: 1 });
      const topic = 'produce.idempotent';
      const result = await producer.send({ topic, acks: -1, messages: Array.from({ length: 10 }, (_, i) => ({ key: 'same-key', value: `v${i}` })) });
      expect(proxy.dropped).toBe(1);
      expect(result[0]).toMatchObject({ errorCode: 0, baseOffset: '0' });
      await producer.send({ topic, acks: -1, messages: [{ key: 'same-key', value: 'v10' }] });
      await producer.disconnect();
      expect(await highWatermarks(k, topic)).toBe(11);
      expect(lines.filter((l) => l.includes('duplicate batch'))).toHaveLength(1);
      const c = await runConsumer(k, topic, { groupId: 'idempotent' });
      consumers.push(c);
      await waitFor(() => c.received.length >= 11, 10000, '11 messages');
      expect(c.received.map((m) => m.value)).toEqual(Array.from({ length: 11 }, (_, i) => `v${i}`));
    } finally {
      await Promise.all(consumers.splice(0).map((c) => c.consumer.disconnect().catch(() => undefined)));
      await proxied.stop();
      await proxy.close();
    }
  });

  it('when a batch is larger than the broker accepts, the producer gets MESSAGE_TOO_LARGE', async () => {
    const small = await startBroker({ port: 0, maxMessageBytes: 10000 });
    try {
      const producer = await connectedProducer(kafkaFor(small.brokers), { retry: { retries: 0 } });
      await expect(producer.send({ topic: 'produce.too-large', messages: [{ value: 'y'.repeat(20000) }] })).rejects.toMatchObject({
        type: 'MESSAGE_TOO_LARGE',
      });
      await producer.disconnect();
    } finally {
      await small.stop();
    }
  });

  it("when a topic was created with a larger max.message.bytes, that topic takes the large batch and the others still refuse it", async () => {
    const small = await startBroker({ port: 0, maxMessageBytes: 10000 });
    try {
      const kafka = kafkaFor(small.brokers);
      const admin = kafka.admin();
      await admin.connect();
      await admin.createTopics({ topics: [{ topic: 'produce.large-allowed', configEntries: [{ name: 'max.message.bytes', value: '50000' }] }, { topic: 'produce.default-limit' }] });
      await admin.disconnect();
      const producer = await connectedProducer(kafka, { retry: { retries: 0 } });
      const big = 'z'.repeat(20000);
      await expect(producer.send({ topic: 'produce.large-allowed', messages: [{ value: big }] })).resolves.toEqual([expect.objectContaining({ errorCode: 0 })]);
      await expect(producer.send({ topic: 'produce.default-limit', messages: [{ value: big }] })).rejects.toMatchObject({ type: 'MESSAGE_TOO_LARGE' });
      await expect(producer.send({ topic: 'produce.large-allowed', messages: [{ value: 'z'.repeat(60000) }] })).rejects.toMatchObject({ type: 'MESSAGE_TOO_LARGE' });
      await producer.disconnect();
    } finally {
      await small.stop();
    }
  });
});

function captureLogger(lines: string[]) {
  return createLogger('debug', (line) => void lines.push(line));
}
