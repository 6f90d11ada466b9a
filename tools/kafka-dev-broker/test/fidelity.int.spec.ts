import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CompressionTypes, ConfigResourceTypes, Kafka } from 'kafkajs';
import { startBroker, RunningBroker } from '../src';
import { offsetsPartitionFor } from '../src/groups/offsets-topic';
import { ApiKey } from '../src/protocol/api-keys';
import { ErrorCode } from '../src/protocol/error-codes';
import { encodeRecordBatch } from '../src/protocol/record-batch-encoder';
import { decodeRecords } from '../src/protocol/records';
import { connectedProducer, kafkaFor, runConsumer, waitFor } from './support/kafka-clients';
import { RawClient } from './support/raw-client';

type Rec = Record<string, unknown>;
const topicsOf = (res: Rec) => res.topics as Array<{ name: string; partitions: Array<Rec> }>;

describe('the dev broker answers as a one-node Apache Kafka', () => {
  let broker: RunningBroker;
  let kafka: Kafka;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fidelity-'));
    broker = await startBroker({ port: 0, dataDir, partitions: 1 });
    kafka = kafkaFor(broker.brokers);
  });

  afterAll(async () => {
    await broker.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  async function raw<T = Rec>(apiKey: number, version: number, body: object): Promise<T> {
    const c = await RawClient.connect(broker.port);
    try {
      return await c.call<T>(apiKey, version, body);
    } finally {
      c.close();
    }
  }

  it('offsets by timestamp give the first record at or after the time, with that record timestamp, not the first offset of its batch', async () => {
    const topic = 'fidelity.by-time';
    const producer = await connectedProducer(kafka);
    await producer.send({ topic, messages: [1000, 2000, 3000, 4000].map((t) => ({ value: `at ${t}`, timestamp: String(t) })) });
    await producer.disconnect();
    const admin = kafka.admin();
    await admin.connect();
    try {
      expect(await admin.fetchTopicOffsetsByTimestamp(topic, 2500)).toEqual([{ partition: 0, offset: '2' }]);
      expect(await admin.fetchTopicOffsetsByTimestamp(topic, 9999)).toEqual([{ partition: 0, offset: '4' }]);
    } finally {
      await admin.disconnect();
    }
    for (const v of [1, 5, 9]) {
      const res = await raw(ApiKey.ListOffsets, v, { replicaId: -1, topics: [{ name: topic, partitions: [{ partitionIndex: 0, timestamp: 2500 }] }] });
      expect(topicsOf(res)[0].partitions[0]).toMatchObject({ errorCode: 0, offset: 2, timestamp: 3000 });
    }
    const max = await raw(ApiKey.ListOffsets, 7, { replicaId: -1, topics: [{ name: topic, partitions: [{ partitionIndex: 0, timestamp: -3 }] }] });
    expect(topicsOf(max)[0].partitions[0]).toMatchObject({ offset: 3, timestamp: 4000 });
  });

  it('ListOffsets v0 answers in its old shape: a list of offsets', async () => {
    const topic = 'fidelity.v0';
    const producer = await connectedProducer(kafka);
    await producer.send({ topic, messages: [{ value: 'a' }, { value: 'b' }] });
    await producer.disconnect();
    const res = await raw(ApiKey.ListOffsets, 0, { replicaId: -1, topics: [{ name: topic, partitions: [{ partitionIndex: 0, timestamp: -1, maxNumOffsets: 1 }, ] }] });
    expect(topicsOf(res)[0].partitions[0]).toMatchObject({ errorCode: 0, oldStyleOffsets: [2] });
  });

  it('OffsetFetch with a null topic list gives every committed offset of the group, also in the v8 batched form', async () => {
    const admin = kafka.admin();
    await admin.connect();
    try {
      await admin.createTopics({ topics: [{ topic: 'fidelity.of-a', numPartitions: 2 }, { topic: 'fidelity.of-b' }] });
      await admin.setOffsets({ groupId: 'fidelity-all', topic: 'fidelity.of-a', partitions: [{ partition: 0, offset: '0' }, { partition: 1, offset: '0' }] });
    } finally {
      await admin.disconnect();
    }
    const empty = encodeRecordBatch({ records: [{ key: null, value: Buffer.from('x') }] });
    await raw(ApiKey.Produce, 7, { acks: 1, timeoutMs: 1000, topicData: [{ name: 'fidelity.of-b', partitionData: [{ index: 0, records: empty }] }] });
    await raw(ApiKey.OffsetCommit, 2, { groupId: 'fidelity-all', generationIdOrMemberEpoch: -1, memberId: '', retentionTimeMs: -1, topics: [{ name: 'fidelity.of-b', partitions: [{ partitionIndex: 0, committedOffset: 1, committedMetadata: 'm' }] }] });
    const flat = (ts: Array<{ name: string; partitions: Rec[] }>) => ts.flatMap((t) => t.partitions.map((p) => `${t.name}/${String(p.partitionIndex)}@${String(p.committedOffset)}`)).sort();
    const v7 = await raw(ApiKey.OffsetFetch, 7, { groupId: 'fidelity-all', topics: null });
    expect(flat(topicsOf(v7))).toEqual(['fidelity.of-a/0@0', 'fidelity.of-a/1@0', 'fidelity.of-b/0@1']);
    const v8 = await raw<{ groups: Array<{ groupId: string; topics: Array<{ name: string; partitions: Rec[] }> }> }>(ApiKey.OffsetFetch, 8, { groups: [{ groupId: 'fidelity-all', topics: null }] });
    expect(flat(v8.groups[0].topics)).toEqual(['fidelity.of-a/0@0', 'fidelity.of-a/1@0', 'fidelity.of-b/0@1']);
  });

  it('zstd is refused below Produce v7 with UNSUPPORTED_COMPRESSION_TYPE and stored verbatim from v7', async () => {
    const batch = encodeRecordBatch({ records: [{ key: null, value: Buffer.from('z') }] });
    batch.writeInt16BE(4, 21); // attributes: zstd (the payload is not inspected on produce)
    await raw(ApiKey.Metadata, 4, { topics: [{ name: 'fidelity.zstd' }], allowAutoTopicCreation: true });
    const body = (records: Buffer) => ({ acks: 1, timeoutMs: 1000, topicData: [{ name: 'fidelity.zstd', partitionData: [{ index: 0, records }] }] });
    const old = await raw<{ responses: Array<{ partitionResponses: Rec[] }> }>(ApiKey.Produce, 6, body(batch));
    expect(old.responses[0].partitionResponses[0].errorCode).toBe(ErrorCode.UnsupportedCompressionType);
    const ok = await raw<{ responses: Array<{ partitionResponses: Rec[] }> }>(ApiKey.Produce, 7, body(batch));
    expect(ok.responses[0].partitionResponses[0]).toMatchObject({ errorCode: 0, baseOffset: 0, logStartOffset: 0 });
  });

  it('kafkajs gzip batches are stored with their codec and read back', async () => {
    const producer = await connectedProducer(kafka);
    await producer.send({ topic: 'fidelity.gzip', compression: CompressionTypes.GZIP, messages: [{ key: 'k', value: 'gzipped' }] });
    await producer.disconnect();
    const res = await raw<{ responses: Array<{ partitions: Array<{ records: Buffer }> }> }>(ApiKey.Fetch, 11, {
      maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20, topics: [{ topic: 'fidelity.gzip', partitions: [{ partition: 0, fetchOffset: 0, partitionMaxBytes: 1 << 20 }] }],
    });
    const stored = res.responses[0].partitions[0].records;
    expect(stored.readInt16BE(21) & 7).toBe(1);
    expect(decodeRecords(stored).map((r) => r.value?.toString())).toEqual(['gzipped']);
  });

  it('DeleteRecords moves the log start: earliest follows it and Fetch below it is OFFSET_OUT_OF_RANGE', async () => {
    const topic = 'fidelity.delete-records';
    const producer = await connectedProducer(kafka);
    await producer.send({ topic, messages: Array.from({ length: 5 }, (_, i) => ({ value: `m${i}` })) });
    await producer.disconnect();
    const admin = kafka.admin();
    await admin.connect();
    try {
      await admin.fetchTopicMetadata({ topics: [topic] });
      await admin.deleteTopicRecords({ topic, partitions: [{ partition: 0, offset: '3' }] });
      expect((await admin.fetchTopicOffsets(topic))[0]).toMatchObject({ low: '3', high: '5' });
    } finally {
      await admin.disconnect();
    }
    const fetch = await raw<{ responses: Array<{ partitions: Rec[] }> }>(ApiKey.Fetch, 11, {
      maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20, topics: [{ topic, partitions: [{ partition: 0, fetchOffset: 1, partitionMaxBytes: 1 << 20 }] }],
    });
    expect(fetch.responses[0].partitions[0]).toMatchObject({ errorCode: ErrorCode.OffsetOutOfRange, logStartOffset: 3, highWatermark: 5 });
  });

  it('CreateTopics refuses a replication factor above 1 and an assignment to a broker that does not exist; CreatePartitions too', async () => {
    const res = await raw<{ topics: Rec[] }>(ApiKey.CreateTopics, 7, {
      topics: [
        { name: 'fidelity.rf3', numPartitions: 1, replicationFactor: 3, assignments: [], configs: [] },
        { name: 'fidelity.broker7', numPartitions: -1, replicationFactor: -1, assignments: [{ partitionIndex: 0, brokerIds: [7] }], configs: [] },
        { name: 'fidelity.badconfig', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [{ name: 'retention.ms', value: 'soon' }] },
        { name: 'fidelity.good', numPartitions: 2, replicationFactor: 1, assignments: [], configs: [{ name: 'cleanup.policy', value: 'compact' }] },
      ],
      timeoutMs: 1000,
    });
    expect(res.topics.map((t) => [t.name, t.errorCode])).toEqual([
      ['fidelity.rf3', ErrorCode.InvalidReplicationFactor],
      ['fidelity.broker7', ErrorCode.InvalidReplicaAssignment],
      ['fidelity.badconfig', ErrorCode.InvalidConfig],
      ['fidelity.good', ErrorCode.None],
    ]);
    expect(res.topics[3]).toMatchObject({ numPartitions: 2, replicationFactor: 1 });
    const cp = await raw<{ results: Rec[] }>(ApiKey.CreatePartitions, 3, { topics: [{ name: 'fidelity.good', count: 3, assignments: [{ brokerIds: [5] }] }], timeoutMs: 1000, validateOnly: false });
    expect(cp.results[0].errorCode).toBe(ErrorCode.InvalidReplicaAssignment);
  });

  it('DescribeConfigs gives every topic config with its source and the broker settings; altered configs persist across a restart', async () => {
    const admin = kafka.admin();
    await admin.connect();
    try {
      await admin.createTopics({ topics: [{ topic: 'fidelity.configs', configEntries: [{ name: 'retention.ms', value: '3600000' }] }] });
      const described = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: 'fidelity.configs' }, { type: ConfigResourceTypes.BROKER, name: '0' }] });
      const topicEntries = described.resources[0].configEntries;
      expect(topicEntries.length).toBeGreaterThan(25);
      expect(topicEntries.find((c) => c.configName === 'retention.ms')).toMatchObject({ configValue: '3600000', isDefault: false, configSource: 1 });
      expect(topicEntries.find((c) => c.configName === 'cleanup.policy')).toMatchObject({ configValue: 'delete', isDefault: true, configSource: 5 });
      const brokerEntries = new Map(described.resources[1].configEntries.map((c) => [c.configName, c]));
      for (const name of ['num.partitions', 'default.replication.factor', 'log.retention.ms', 'auto.create.topics.enable', 'offsets.topic.num.partitions']) expect(brokerEntries.has(name)).toBe(true);
      expect(brokerEntries.get('num.partitions')).toMatchObject({ configValue: '1', readOnly: true });

      await admin.alterConfigs({ validateOnly: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: 'fidelity.configs', configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }] });
    } finally {
      await admin.disconnect();
    }
    const inc = await raw<{ responses: Rec[] }>(ApiKey.IncrementalAlterConfigs, 1, {
      resources: [{ resourceType: 2, resourceName: 'fidelity.configs', configs: [{ name: 'max.message.bytes', configOperation: 0, value: '2000' }, { name: 'cleanup.policy', configOperation: 2, value: 'delete' }] }],
      validateOnly: false,
    });
    expect(inc.responses[0].errorCode).toBe(ErrorCode.None);
    const bad = await raw<{ responses: Rec[] }>(ApiKey.IncrementalAlterConfigs, 1, { resources: [{ resourceType: 2, resourceName: 'fidelity.configs', configs: [{ name: 'no.such.config', configOperation: 0, value: '1' }] }], validateOnly: false });
    expect(bad.responses[0].errorCode).toBe(ErrorCode.InvalidConfig);

    // takes effect: a batch above the new max.message.bytes is refused
    const large = encodeRecordBatch({ records: [{ key: null, value: Buffer.alloc(3000, 1) }] });
    const produced = await raw<{ responses: Array<{ partitionResponses: Rec[] }> }>(ApiKey.Produce, 9, { acks: 1, timeoutMs: 1000, topicData: [{ name: 'fidelity.configs', partitionData: [{ index: 0, records: large }] }] });
    expect(produced.responses[0].partitionResponses[0].errorCode).toBe(ErrorCode.MessageTooLarge);

    // a cluster-wide dynamic broker setting: topics without their own value inherit it
    const dyn = await raw<{ responses: Rec[] }>(ApiKey.IncrementalAlterConfigs, 1, {
      resources: [
        { resourceType: 4, resourceName: '', configs: [{ name: 'log.retention.bytes', configOperation: 0, value: '123456789' }] },
        { resourceType: 4, resourceName: '', configs: [{ name: 'num.partitions', configOperation: 0, value: '9' }] },
      ],
      validateOnly: false,
    });
    expect(dyn.responses.map((r) => r.errorCode)).toEqual([ErrorCode.None, ErrorCode.InvalidConfig]);

    await broker.stop();
    broker = await startBroker({ port: 0, dataDir, partitions: 1 });
    kafka = kafkaFor(broker.brokers);
    const inherited = await raw<{ results: Array<{ configs: Array<{ name: string; value: string; configSource: number }> }> }>(ApiKey.DescribeConfigs, 4, {
      resources: [{ resourceType: 2, resourceName: 'fidelity.configs', configurationKeys: ['retention.bytes'] }],
    });
    expect(inherited.results[0].configs[0]).toMatchObject({ value: '123456789', configSource: 3 });
    const after = await raw<{ results: Array<{ configs: Array<{ name: string; value: string; configSource: number }> }> }>(ApiKey.DescribeConfigs, 4, {
      resources: [{ resourceType: 2, resourceName: 'fidelity.configs', configurationKeys: ['retention.ms', 'cleanup.policy', 'max.message.bytes'] }],
    });
    expect(after.results[0].configs.map((c) => [c.name, c.value, c.configSource]).sort()).toEqual([
      ['cleanup.policy', 'compact,delete', 1],
      ['max.message.bytes', '2000', 1],
      // AlterConfigs replaces a topic's whole set: what it did not name went back to its default
      ['retention.ms', '604800000', 5],
    ]);
  });

  it('commits and group changes are written to __consumer_offsets in Kafka formats; DeleteGroups refuses a group with members, then deletes it', async () => {
    const topic = 'fidelity.lag';
    const groupId = 'fidelity-lag-group';
    const producer = await connectedProducer(kafka);
    await producer.send({ topic, messages: [{ value: 'one' }, { value: 'two' }] });
    await producer.disconnect();
    const c = await runConsumer(kafka, topic, { groupId });
    await waitFor(() => c.received.length === 2, 15000, 'two messages');
    await waitFor(async () => (await raw<{ topics: Array<{ partitions: Rec[] }> }>(ApiKey.OffsetFetch, 1, { groupId, topics: [{ name: topic, partitionIndexes: [0] }] })).topics[0].partitions[0].committedOffset === 2, 15000, 'commit');

    const busy = await raw<{ results: Rec[] }>(ApiKey.DeleteGroups, 2, { groupsNames: [groupId, 'fidelity-no-such-group'] });
    expect(busy.results.map((r) => r.errorCode)).toEqual([ErrorCode.NonEmptyGroup, ErrorCode.GroupIdNotFound]);
    await c.consumer.disconnect();

    const md = await raw<{ topics: Array<{ name: string; isInternal: boolean; partitions: Rec[] }> }>(ApiKey.Metadata, 9, { topics: [{ name: '__consumer_offsets' }], allowAutoTopicCreation: false });
    expect(md.topics[0]).toMatchObject({ name: '__consumer_offsets', isInternal: true });
    expect(md.topics[0].partitions).toHaveLength(50);
    const partition = offsetsPartitionFor(groupId, 50);
    const read = async () => {
      const res = await raw<{ responses: Array<{ partitions: Array<{ records: Buffer | null }> }> }>(ApiKey.Fetch, 11, {
        maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 22, topics: [{ topic: '__consumer_offsets', partitions: [{ partition, fetchOffset: 0, partitionMaxBytes: 1 << 22 }] }],
      });
      const buf = res.responses[0].partitions[0].records ?? Buffer.alloc(0);
      const out: Array<{ key: Buffer; value: Buffer | null }> = [];
      for (let pos = 0; pos + 12 <= buf.length; pos += buf.readInt32BE(pos + 8) + 12) {
        for (const r of decodeRecords(buf.subarray(pos, pos + buf.readInt32BE(pos + 8) + 12))) out.push({ key: r.key as Buffer, value: r.value });
      }
      return out;
    };
    // decoded by hand, from Kafka's layouts
    const str = (b: Buffer, at: number) => ({ s: b.toString('utf8', at + 2, at + 2 + b.readInt16BE(at)), next: at + 2 + b.readInt16BE(at) });
    const records = await read();
    const commits = records.filter((r) => r.key.readInt16BE(0) === 1).map((r) => {
      const g = str(r.key, 2);
      const t = str(r.key, g.next);
      const v = r.value as Buffer;
      return { group: g.s, topic: t.s, partition: r.key.readInt32BE(t.next), valueVersion: v.readInt16BE(0), offset: Number(v.readBigInt64BE(2)) };
    });
    expect(commits.filter((x) => x.group === groupId).pop()).toEqual({ group: groupId, topic, partition: 0, valueVersion: 3, offset: 2 });
    const groupRecords = records.filter((r) => r.key.readInt16BE(0) === 2 && str(r.key, 2).s === groupId);
    expect(groupRecords.length).toBeGreaterThan(0);
    const stable = groupRecords.find((r) => r.value !== null && r.value.length > 40) as { value: Buffer };
    expect(stable.value.readInt16BE(0)).toBe(3);
    expect(str(stable.value, 2).s).toBe('consumer');

    const deleted = await raw<{ results: Rec[] }>(ApiKey.DeleteGroups, 2, { groupsNames: [groupId] });
    expect(deleted.results[0].errorCode).toBe(ErrorCode.None);
    const afterDelete = await read();
    expect(afterDelete[afterDelete.length - 1]).toMatchObject({ value: null });
    expect(afterDelete[afterDelete.length - 1].key.readInt16BE(0)).toBe(2);
    const fetched = await raw<{ topics: Array<{ partitions: Rec[] }> }>(ApiKey.OffsetFetch, 1, { groupId, topics: [{ name: topic, partitionIndexes: [0] }] });
    expect(fetched.topics[0].partitions[0].committedOffset).toBe(-1);
  });

  it("places a group in __consumer_offsets by Java's String.hashCode, as Kafka does", () => {
    // "hello".hashCode() is 99162322 in Java
    expect(offsetsPartitionFor('hello', 50)).toBe(99162322 % 50);
  });

  it('OffsetDelete removes a committed offset of a group not subscribed to the topic', async () => {
    await raw(ApiKey.OffsetCommit, 2, { groupId: 'fidelity-od', generationIdOrMemberEpoch: -1, memberId: '', retentionTimeMs: -1, topics: [{ name: 'fidelity.of-b', partitions: [{ partitionIndex: 0, committedOffset: 1, committedMetadata: null }] }] });
    const res = await raw<{ errorCode: number; topics: Array<{ partitions: Rec[] }> }>(ApiKey.OffsetDelete, 0, { groupId: 'fidelity-od', topics: [{ name: 'fidelity.of-b', partitions: [{ partitionIndex: 0 }] }] });
    expect(res.errorCode).toBe(0);
    expect(res.topics[0].partitions[0].errorCode).toBe(0);
    const fetched = await raw<{ topics: Array<{ partitions: Rec[] }> }>(ApiKey.OffsetFetch, 1, { groupId: 'fidelity-od', topics: [{ name: 'fidelity.of-b', partitionIndexes: [0] }] });
    expect(fetched.topics[0].partitions[0].committedOffset).toBe(-1);
  });
});
