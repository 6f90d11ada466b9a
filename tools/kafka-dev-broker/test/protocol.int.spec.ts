import { Kafka } from 'kafkajs';
import { startBroker, RunningBroker } from '../src';
import { ApiKey, supportedVersions } from '../src/protocol/api-keys';
import { ErrorCode } from '../src/protocol/error-codes';
import { Reader } from '../src/protocol/reader';
import { createLogger } from '../src/server/logger';
import { connectedProducer, kafkaFor, runConsumer, waitFor } from './support/kafka-clients';
import { RawClient } from './support/raw-client';

describe('the dev broker at the protocol level', () => {
  let broker: RunningBroker;
  let kafka: Kafka;
  const logLines: string[] = [];

  beforeAll(async () => {
    broker = await startBroker({ port: 0, maxRequestBytes: 1024 * 1024, logger: createLogger('debug', (l) => void logLines.push(l)) });
    kafka = kafkaFor(broker.brokers);
  });

  afterAll(async () => {
    await broker.stop();
  });

  async function stillServes(): Promise<void> {
    const topic = `protocol.alive-${Date.now()}`;
    const producer = await connectedProducer(kafka);
    await producer.send({ topic, messages: [{ key: 'k', value: 'still here' }] });
    await producer.disconnect();
    const c = await runConsumer(kafka, topic, { groupId: `alive-${topic}` });
    await waitFor(() => c.received.length === 1, 10000, 'message after abuse');
    await c.consumer.disconnect();
    expect(c.received[0].value).toBe('still here');
  }

  it('when a client asks for an ApiVersions version it does not know, answers in v0 format with UNSUPPORTED_VERSION and the supported ranges (KIP-511)', async () => {
    const client = await RawClient.connect(broker.port);
    // A version from the future, sent as flexible (header v2: client id, then an empty tagged-field section).
    client.request(ApiKey.ApiVersions, 9, 7, (w) => {
      w.int8(0); // header tagged fields
      w.int8(5).raw(Buffer.from('kcat')).int8(6).raw(Buffer.from('1.7.0')).int8(0); // compact strings + body tags
    });
    const frame = await client.nextFrame();
    client.close();
    expect(frame).not.toBeNull();
    const r = new Reader(frame as Buffer);
    expect(r.int32()).toBe(7);
    expect(r.int16()).toBe(ErrorCode.UnsupportedVersion);
    const ranges = r.array((r) => ({ key: r.int16(), min: r.int16(), max: r.int16() }));
    expect(r.remaining()).toBe(0);
    expect(ranges).toEqual(supportedVersions.map((v) => ({ key: v.key, min: v.min, max: v.max })));
  });

  it.each([
    ['random bytes in a plausible frame', Buffer.concat([Buffer.from([0, 0, 0, 16]), Buffer.from('0123456789abcdef')])],
    ['a negative frame size', Buffer.from([0xff, 0xff, 0xff, 0xf0, 1, 2, 3])],
    ['a frame larger than the request limit', Buffer.from([0x7f, 0xff, 0xff, 0xff, 0, 0])],
    ['an unknown api key', Buffer.from([0, 0, 0, 10, 0x03, 0xe7, 0, 0, 0, 0, 0, 1, 0, 0])],
    ['a known api key at an unsupported version', Buffer.from([0, 0, 0, 10, 0, 0, 0, 99, 0, 0, 0, 1, 0, 0])],
    ['a produce request whose topic array claims more entries than it holds', Buffer.from([0, 0, 0, 22, 0, 0, 0, 3, 0, 0, 0, 1, 0, 0, 0xff, 0xff, 0, 1, 0, 0, 0x13, 0x88, 0x7f, 0xff, 0xff, 0xff])],
  ])('when a client sends %s, the broker closes that connection and keeps serving others', async (_what, bytes) => {
    const client = await RawClient.connect(broker.port);
    client.write(bytes);
    expect(await client.closedByPeer()).toBe(true);
    await stillServes();
  });

  it('when clients send 300 requests of random bodies for every API, the broker answers or drops each and keeps serving', async () => {
    let seed = 42;
    const random = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x7fffffff;
    };
    for (let i = 0; i < 300; i++) {
      const api = supportedVersions[Math.floor(random() * supportedVersions.length)];
      const version = api.min + Math.floor(random() * (api.max - api.min + 1));
      const body = Buffer.from(Array.from({ length: Math.floor(random() * 64) }, () => Math.floor(random() * 256)));
      // Small counts and lengths make random bodies parse further than pure noise would.
      for (let j = 0; j + 4 <= body.length; j += 4) if (random() < 0.5) body.writeInt32BE(Math.floor(random() * 4), j);
      const client = await RawClient.connect(broker.port);
      client.request(api.key, version, i, (w) => w.raw(body));
      const frame = await client.nextFrame(1000).catch(() => null);
      if (frame !== null) expect(frame.readInt32BE(0)).toBe(i);
      client.close();
    }
    await stillServes();
  });

  it('when a produce carries a corrupt record batch, answers CORRUPT_MESSAGE and stores nothing', async () => {
    const client = await RawClient.connect(broker.port);
    client.request(ApiKey.Metadata, 4, 1, (w) => w.array(['protocol.corrupt'], (w, t) => w.string(t)).bool(true));
    await client.nextFrame();
    client.request(ApiKey.Produce, 3, 2, (w) => {
      w.nullableString(null).int16(1).int32(5000);
      w.array([0], (w) => {
        w.string('protocol.corrupt');
        w.array([0], (w) => w.int32(0).bytes(Buffer.alloc(80, 0xab)));
      });
    });
    const frame = (await client.nextFrame()) as Buffer;
    client.close();
    const r = new Reader(frame);
    r.int32();
    const topics = r.array((r) => ({ name: r.string(), partitions: r.array((r) => ({ index: r.int32(), error: r.int16(), offset: r.int64n() })) }));
    expect(topics[0].partitions[0]).toMatchObject({ error: ErrorCode.CorruptMessage, offset: -1 });
    const admin = kafka.admin();
    await admin.connect();
    const offsets = await admin.fetchTopicOffsets('protocol.corrupt');
    await admin.disconnect();
    expect(offsets.every((o) => o.high === '0')).toBe(true);
  });

  function fetchRequest(client: RawClient, correlationId: number, topic: string, maxWaitMs: number): void {
    client.request(ApiKey.Fetch, 4, correlationId, (w) => {
      w.int32(-1).int32(maxWaitMs).int32(1).int32(1024 * 1024).int8(0);
      w.array([topic], (w, t) => {
        w.string(t);
        w.array([0, 1, 2], (w, p) => w.int32(p).int64(0).int32(1024 * 1024));
      });
    });
  }

  it('when nothing is there to fetch, holds the fetch for max wait without burning CPU', async () => {
    const topic = 'protocol.long-poll-idle';
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic }] });
    await admin.disconnect();
    const client = await RawClient.connect(broker.port);
    const cpuBefore = process.cpuUsage();
    const started = Date.now();
    fetchRequest(client, 11, topic, 800);
    const frame = await client.nextFrame(3000);
    const waited = Date.now() - started;
    const cpu = process.cpuUsage(cpuBefore);
    client.close();
    expect(new Reader(frame as Buffer).int32()).toBe(11);
    expect(waited).toBeGreaterThanOrEqual(750);
    expect((cpu.user + cpu.system) / 1000).toBeLessThan(200);
  });

  it('when a record arrives during a long poll, answers at once with it', async () => {
    const topic = 'protocol.long-poll-wake';
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 3 }] });
    await admin.disconnect();
    const client = await RawClient.connect(broker.port);
    const started = Date.now();
    fetchRequest(client, 12, topic, 10000);
    const producer = await connectedProducer(kafka);
    await new Promise((r) => setTimeout(r, 200));
    await producer.send({ topic, messages: [{ key: 'k', value: 'wake up' }] });
    await producer.disconnect();
    const frame = (await client.nextFrame(3000)) as Buffer;
    client.close();
    expect(Date.now() - started).toBeLessThan(2000);
    expect(frame.includes(Buffer.from('wake up'))).toBe(true);
  });

  it('when the broker stops during a long poll, stop returns at once and closes the connection', async () => {
    const own = await startBroker({ port: 0 });
    const admin = kafkaFor(own.brokers).admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'protocol.stop-while-polling' }] });
    await admin.disconnect();
    const client = await RawClient.connect(own.port);
    fetchRequest(client, 13, 'protocol.stop-while-polling', 30000);
    await new Promise((r) => setTimeout(r, 100));
    const started = Date.now();
    await own.stop();
    expect(Date.now() - started).toBeLessThan(1000);
    expect(await client.closedByPeer(1000)).toBe(true);
  });

  it('at debug level, logs one line per connection opened and closed', async () => {
    const client = await RawClient.connect(broker.port);
    await waitFor(() => logLines.some((l) => / connection 127\.0\.0\.1:\d+ opened\n$/.test(l)), 2000, 'opened line');
    const opened = logLines.filter((l) => l.includes('opened')).length;
    client.close();
    await waitFor(() => logLines.filter((l) => l.includes(' closed\n')).length > 0, 2000, 'closed line');
    expect(opened).toBeGreaterThan(0);
    expect(logLines.every((l) => l.endsWith('\n') && l.indexOf('\n') === l.length - 1)).toBe(true);
  });
});
