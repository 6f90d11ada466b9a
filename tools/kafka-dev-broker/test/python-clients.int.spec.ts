import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { Kafka } from 'kafkajs';
import { startBroker, RunningBroker } from '../src';
import { ApiKey } from '../src/protocol/api-keys';
import { decodeRecords } from '../src/protocol/records';
import { connectedProducer, kafkaFor } from './support/kafka-clients';
import { RawClient } from './support/raw-client';

/**
 * Clients written independently of this broker, from Debian's packages (installed by `.ci/run`):
 * kafka-python (python3-kafka), librdkafka (python3-confluent-kafka) and kcat. The system python is
 * used, since that is where Debian installs them.
 */
const PYTHON = process.env.DEV_BROKER_PYTHON ?? '/usr/bin/python3';
const SCRIPT = path.join(__dirname, 'python', 'clients.py');

function scenario<T>(name: string, bootstrap: string, arg: string): Promise<T> {
  return new Promise((resolve, reject) => {
    execFile(PYTHON, [SCRIPT, name, bootstrap, arg], { timeout: 120000, maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`${name} failed: ${err.message}\n${stderr}`));
      const last = stdout.trim().split('\n').pop() ?? '';
      try {
        resolve(JSON.parse(last) as T);
      } catch {
        reject(new Error(`${name} printed no result: ${stdout}\n${stderr}`));
      }
    });
  });
}

describe('Kafka clients other than kafkajs against the dev broker', () => {
  let broker: RunningBroker;
  let kafka: Kafka;

  beforeAll(async () => {
    broker = await startBroker({ port: 0 });
    kafka = kafkaFor(broker.brokers);
  });

  afterAll(async () => {
    await broker.stop();
  });

  async function createTopic(topic: string, numPartitions: number): Promise<void> {
    const admin = kafka.admin();
    await admin.connect();
    try {
      await admin.createTopics({ topics: [{ topic, numPartitions }] });
    } finally {
      await admin.disconnect();
    }
  }

  /** The stored batches of a partition, read with a plain Fetch. */
  async function storedBatches(topic: string, partition = 0): Promise<Buffer[]> {
    const c = await RawClient.connect(broker.port);
    try {
      const res = await c.call<{ responses: Array<{ partitions: Array<{ errorCode: number; records: Buffer | null }> }> }>(ApiKey.Fetch, 11, {
        maxWaitMs: 0,
        minBytes: 0,
        maxBytes: 1 << 24,
        topics: [{ topic, partitions: [{ partition, fetchOffset: 0, partitionMaxBytes: 1 << 24 }] }],
      });
      const buf = res.responses[0].partitions[0].records ?? Buffer.alloc(0);
      const out: Buffer[] = [];
      for (let pos = 0; pos + 12 <= buf.length; pos += buf.readInt32BE(pos + 8) + 12) out.push(buf.subarray(pos, pos + buf.readInt32BE(pos + 8) + 12));
      return out;
    } finally {
      c.close();
    }
  }

  it('kafka-python: a group of two rebalances, commits, and a new member resumes after the commits', async () => {
    await createTopic('py.kp-group', 4);
    const r = await scenario<{ alone: number[]; shared: { a: number[]; b: number[] }; consumed: number; committed: Record<string, number>; resumed: string[] }>('kp_group', broker.brokers, 'py.kp-group');
    expect(r.alone).toEqual([0, 1, 2, 3]);
    expect([...r.shared.a, ...r.shared.b].sort()).toEqual([0, 1, 2, 3]);
    expect(r.shared.a.length).toBe(2);
    expect(r.consumed).toBe(40);
    expect(Object.values(r.committed)).toEqual([10, 10, 10, 10]);
    expect(r.resumed).toEqual(['v40', 'v41', 'v42', 'v43']);
  });

  it('librdkafka: a group of two rebalances, commits, and a new member resumes after the commits', async () => {
    await createTopic('py.ck-group', 2);
    const r = await scenario<{ alone: number[]; shared: Record<string, number[]>; consumed: number; resumed: string[] }>('ck_group', broker.brokers, 'py.ck-group');
    expect(r.alone).toEqual([0, 1]);
    expect([...r.shared.a, ...r.shared.b].sort()).toEqual([0, 1]);
    expect(r.consumed).toBe(20);
    expect(r.resumed).toEqual(['c20', 'c21']);
  });

  it('both clients send every codec compressed, and the broker stores each batch with its own codec', async () => {
    const prefix = 'py.codec';
    await scenario('codecs', broker.brokers, prefix);
    const codes: Record<string, number> = { gzip: 1, snappy: 2, lz4: 3, zstd: 4 };
    for (const client of ['ck', 'kp']) {
      for (const [codec, code] of Object.entries(codes)) {
        const batches = (await Promise.all([0, 1, 2].map((p) => storedBatches(`${prefix}.${client}.${codec}`, p)))).flat();
        expect({ client, codec, codecs: [...new Set(batches.map((b) => b.readInt16BE(21) & 7))] }).toEqual({ client, codec, codecs: [code] });
        const values = batches.flatMap((b) => decodeRecords(b).map((r) => r.value?.toString() ?? ''));
        expect(values.sort()).toEqual(Array.from({ length: 10 }, (_, i) => `${codec}-${i}-`.repeat(20)).sort());
      }
    }
  });

  it('offsets by timestamp: librdkafka and kafka-python get the first record at or after the time, with its own timestamp', async () => {
    await createTopic('py.by-time', 1);
    const r = await scenario<{ ck: number[]; kp: { offset: number; timestamp: number } }>('by_time', broker.brokers, 'py.by-time');
    expect(r.ck).toEqual([2, 0, -1]);
    expect(r.kp).toEqual({ offset: 2, timestamp: 3000 });
  });

  it('headers (null, empty, repeated, binary) written by librdkafka read back byte-exact by kafka-python, librdkafka and kafkajs', async () => {
    await createTopic('py.headers', 1);
    await scenario('headers_produce', broker.brokers, 'py.headers');
    const expected = [
      ['null', null],
      ['empty', ''],
      ['rep', Buffer.from('1').toString('hex')],
      ['rep', Buffer.from('2').toString('hex')],
      ['bin', Buffer.from(Array.from({ length: 256 }, (_, i) => i)).toString('hex')],
    ];
    const r = await scenario<{ ck: unknown; kp: unknown }>('headers_read', broker.brokers, 'py.headers');
    expect(r.ck).toEqual(expected);
    expect(r.kp).toEqual(expected);
    const stored = decodeRecords((await storedBatches('py.headers'))[0])[0];
    expect(stored.headers.map((h) => [h.key, h.value === null ? null : h.value.toString('hex')])).toEqual(expected);

    const consumer = kafka.consumer({ groupId: 'kafkajs-headers', maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topic: 'py.headers', fromBeginning: true });
    const got = new Promise<Record<string, unknown>>((resolve) => {
      void consumer.run({ eachMessage: async ({ message }) => resolve(message.headers ?? {}) });
    });
    const headers = await got;
    await consumer.disconnect();
    expect((headers.bin as Buffer).toString('hex')).toBe(expected[4][1]);
    expect((headers.rep as Buffer[]).map((b) => b.toString())).toEqual(['1', '2']);
    expect((headers.empty as Buffer).length).toBe(0);
  });

  it('headers written by kafkajs read back byte-exact by librdkafka and kafka-python', async () => {
    await createTopic('py.headers-js', 1);
    const producer = await connectedProducer(kafka);
    await producer.send({ topic: 'py.headers-js', messages: [{ key: 'h', value: 'v', headers: { empty: '', rep: ['1', '2'], bin: Buffer.from([0, 255, 10, 13]) } }] });
    await producer.disconnect();
    const r = await scenario<{ ck: unknown; kp: unknown }>('headers_read', broker.brokers, 'py.headers-js');
    const expected = [
      ['empty', ''],
      ['rep', '31'],
      ['rep', '32'],
      ['bin', '00ff0a0d'],
    ];
    expect(r.ck).toEqual(expected);
    expect(r.kp).toEqual(expected);
  });

  it('kafka-python speaking Kafka 0.10 and 0.9 (message formats 1 and 0, gzip) produces and consumes through the conversions', async () => {
    await createTopic('py.old.v0.10', 1);
    await createTopic('py.old.v0.9', 1);
    const r = await scenario<Record<string, unknown>>('old_formats', broker.brokers, 'py.old');
    expect(r['v0.10']).toEqual([
      [0, 'k0', 'old 0', true],
      [1, 'k1', 'old 1', true],
      [2, 'k2', 'old 2', true],
    ]);
    expect(r['v0.9']).toEqual([
      [0, 'k0', 'old 0', false],
      [1, 'k1', 'old 1', false],
      [2, 'k2', 'old 2', false],
    ]);
    // stored as record batches, readable by today's clients
    const stored = (await storedBatches('py.old.v0.10')).flatMap((b) => decodeRecords(b).map((x) => x.value?.toString()));
    expect(stored).toEqual(['old 0', 'old 1', 'old 2']);
  });

  it('kcat (librdkafka command line) produces snappy batches with headers and consumes them back as JSON', async () => {
    await createTopic('kcat.topic', 1);
    const run = (args: string[], input?: string) =>
      new Promise<string>((resolve, reject) => {
        const child = execFile('kcat', ['-b', broker.brokers, ...args], { timeout: 30000 }, (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout)));
        child.stdin?.end(input ?? '');
      });
    await run(['-P', '-t', 'kcat.topic', '-p', '0', '-z', 'snappy', '-K', ':', '-H', 'rep=1', '-H', 'rep=2', '-H', 'empty='], 'k1:v1\nk2:v2\n');
    const stored = await storedBatches('kcat.topic');
    expect(stored.map((b) => b.readInt16BE(21) & 7)).toEqual([2]);
    const lines = (await run(['-C', '-t', 'kcat.topic', '-p', '0', '-o', 'beginning', '-e', '-J', '-q'])).trim().split('\n');
    const messages = lines.map((l) => JSON.parse(l) as { offset: number; key: string; payload: string; headers: string[] });
    expect(messages.map((m) => [m.offset, m.key, m.payload, m.headers])).toEqual([
      [0, 'k1', 'v1', ['rep', '1', 'rep', '2', 'empty', '']],
      [1, 'k2', 'v2', ['rep', '1', 'rep', '2', 'empty', '']],
    ]);
  });

  it("librdkafka's admin API: a group's offsets listed whole (OffsetFetch, null topics), DeleteGroups and OffsetDelete refused while a member uses them and done after, DeleteRecords moving the log start", async () => {
    await createTopic('py.rdk-admin', 2);
    type GroupResult = [string, string, Array<[string, number, number, string]>];
    const r = await scenario<Record<string, unknown>>('rdkafka_admin', broker.brokers, 'py.rdk-admin');
    const topic = 'py.rdk-admin';
    expect(r.listed).toEqual<GroupResult[]>([['ck-admin', 'NO_ERROR', [[topic, 0, 3, 'NO_ERROR'], [topic, 1, 1, 'NO_ERROR']]]]);
    expect(r.deleteBusy).toEqual<GroupResult[]>([['ck-admin', 'NON_EMPTY_GROUP', []]]);
    expect(r.offsetDeleteBusy).toEqual<GroupResult[]>([['ck-admin', 'NO_ERROR', [[topic, 0, -1001, 'GROUP_SUBSCRIBED_TO_TOPIC']]]]);
    expect(r.offsetDeleted).toEqual<GroupResult[]>([['ck-admin', 'NO_ERROR', [[topic, 0, -1001, 'NO_ERROR']]]]);
    expect(r.listedAfter).toEqual<GroupResult[]>([['ck-admin', 'NO_ERROR', [[topic, 1, 1, 'NO_ERROR']]]]);
    expect(r.deleteRecords).toEqual([[topic, 0, 2, 'NO_ERROR']]);
    expect(r.watermarks).toEqual([2, 5]);
    expect(r.deleted).toEqual<GroupResult[]>([['ck-admin', 'NO_ERROR', []]]);
    expect(r.deletedAgain).toEqual<GroupResult[]>([['ck-admin', 'GROUP_ID_NOT_FOUND', []]]);
  });

  it('a lag monitor working as Burrow does (kafka-python as Kafka 0.10.0) decodes the group and its commit from __consumer_offsets and gets the log end from ListOffsets v0', async () => {
    await createTopic('py.lag', 1);
    const r = await scenario<{ committed: unknown; group: { valueVersion: number; protocolType: string; generation: number }; partitions: number; end: number; lag: number }>(
      'lag_monitor',
      broker.brokers,
      'py.lag',
    );
    expect(r.partitions).toBe(50);
    expect(r.committed).toEqual({ offset: 4, metadata: 'seen four', valueVersion: 3 });
    expect(r.group).toMatchObject({ valueVersion: 3, protocolType: 'consumer' });
    expect(r.group.generation).toBeGreaterThanOrEqual(1);
    expect(r.end).toBe(10);
    expect(r.lag).toBe(6);
  });

  it('a running broker honours the configs kafka-python gives: a compacted topic keeps the latest value per key and drops its tombstone; retention.bytes set with IncrementalAlterConfigs moves the log start', async () => {
    const cleaning = await startBroker({ port: 0, brokerConfigs: { 'log.retention.check.interval.ms': '200' } });
    try {
      const r = await scenario<{ altered: number[]; compacted: string[][]; fillers: number; retained: { start: number; end: number; firstRead: number; read: number } }>(
        'cleaner',
        cleaning.brokers,
        'py.cleaner',
      );
      expect(r.altered).toEqual([0]);
      expect(r.compacted).toEqual([
        ['k1', 'k1-9'],
        ['k2', 'k2-9'],
        ['k3', 'k3-9'],
        ['k4', 'k4-9'],
      ]);
      expect(r.fillers).toBe(30);
      expect(r.retained.start).toBeGreaterThan(0);
      expect(r.retained).toMatchObject({ end: 100, firstRead: r.retained.start, read: 100 - r.retained.start });
    } finally {
      await cleaning.stop();
    }
  });

  it("kafka-python's admin client: replication above 1 refused, configs altered and described, partitions added, group offsets listed, a group with members not deleted, then deleted", async () => {
    const r = await scenario<Record<string, unknown>>('admin', broker.brokers, 'py.admin');
    expect(r.rf3).toBe('INVALID_REPLICATION_FACTOR');
    expect(r.configs).toEqual({ 'retention.ms': '7200000', 'cleanup.policy': 'compact', 'segment.bytes': '1073741824' });
    expect(r.configCount).toBeGreaterThan(25);
    expect(r.broker).toEqual({ 'num.partitions': '3', 'default.replication.factor': '1', 'auto.create.topics.enable': 'true' });
    expect(r.groups).toContain('py-admin');
    expect(r.deleteBusy).toEqual([['py-admin', 'NonEmptyGroupError']]);
    expect(r.offsets).toEqual([
      [0, 0],
      [1, 0],
      [2, 0],
    ]);
    expect(r.deleted).toEqual([
      ['py-admin', 'NoError'],
      ['py-no-such-group', 'GroupIdNotFoundError'],
    ]);
  });
});
