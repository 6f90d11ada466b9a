import { ConfigResourceTypes, Kafka } from 'kafkajs';
import { startBroker, RunningBroker } from '../src';
import { connectedProducer, kafkaFor, runConsumer, waitFor } from './support/kafka-clients';

describe('the admin client against the dev broker', () => {
  let broker: RunningBroker;
  let kafka: Kafka;
  let admin: ReturnType<Kafka['admin']>;

  beforeAll(async () => {
    broker = await startBroker({ port: 0, partitions: 5 });
    kafka = kafkaFor(broker.brokers);
    admin = kafka.admin();
    await admin.connect();
  });

  afterAll(async () => {
    await admin.disconnect();
    await broker.stop();
  });

  it('creates, lists and deletes topics, refusing a duplicate and an illegal name', async () => {
    expect(await admin.createTopics({ topics: [{ topic: 'admin.a', numPartitions: 2 }, { topic: 'admin.b' }] })).toBe(true);
    expect(await admin.listTopics()).toEqual(expect.arrayContaining(['admin.a', 'admin.b']));
    expect(await admin.createTopics({ topics: [{ topic: 'admin.a' }] })).toBe(false);
    await expect(admin.createTopics({ topics: [{ topic: 'bad name!' }] })).rejects.toThrow();
    await admin.deleteTopics({ topics: ['admin.a'] });
    expect(await admin.listTopics()).not.toContain('admin.a');
  });

  it('reports topic metadata with the default partition count and the broker as leader', async () => {
    await admin.createTopics({ topics: [{ topic: 'admin.meta' }] });
    const { topics } = await admin.fetchTopicMetadata({ topics: ['admin.meta'] });
    expect(topics[0].partitions.map((p) => p.partitionId).sort()).toEqual([0, 1, 2, 3, 4]);
    expect(topics[0].partitions.every((p) => p.leader === 0 && p.isr.length === 1)).toBe(true);
  });

  it('reports low and high offsets of every partition', async () => {
    const producer = await connectedProducer(kafka);
    await producer.send({ topic: 'admin.offsets', messages: [{ key: 'x', value: '1' }, { key: 'x', value: '2' }, { key: 'x', value: '3' }] });
    await producer.disconnect();
    const offsets = await admin.fetchTopicOffsets('admin.offsets');
    expect(offsets).toHaveLength(5);
    expect(offsets.filter((o) => o.high === '3')).toHaveLength(1);
    expect(offsets.every((o) => o.low === '0')).toBe(true);
  });

  it('finds offsets by timestamp, and the end of the log for a time after the last message', async () => {
    await admin.createTopics({ topics: [{ topic: 'admin.by-time', numPartitions: 1 }] });
    const producer = await connectedProducer(kafka);
    await producer.send({ topic: 'admin.by-time', messages: [{ value: 'early', timestamp: '1000000' }] });
    await producer.send({ topic: 'admin.by-time', messages: [{ value: 'late', timestamp: '2000000' }] });
    await producer.disconnect();
    expect(await admin.fetchTopicOffsetsByTimestamp('admin.by-time', 1500000)).toEqual([{ partition: 0, offset: '1' }]);
    expect(await admin.fetchTopicOffsetsByTimestamp('admin.by-time', 500000)).toEqual([{ partition: 0, offset: '0' }]);
    expect(await admin.fetchTopicOffsetsByTimestamp('admin.by-time', Date.now())).toEqual([{ partition: 0, offset: '2' }]);
  });

  it('adds partitions to a topic and refuses to shrink it', async () => {
    await admin.createTopics({ topics: [{ topic: 'admin.grow', numPartitions: 2 }] });
    await admin.createPartitions({ topicPartitions: [{ topic: 'admin.grow', count: 4 }] });
    const { topics } = await admin.fetchTopicMetadata({ topics: ['admin.grow'] });
    expect(topics[0].partitions).toHaveLength(4);
    await expect(admin.createPartitions({ topicPartitions: [{ topic: 'admin.grow', count: 3 }] })).rejects.toThrow();
  });

  it('describes topic configs, overrides included', async () => {
    await admin.createTopics({ topics: [{ topic: 'admin.configs', configEntries: [{ name: 'retention.ms', value: '1000' }] }] });
    const { resources } = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: 'admin.configs' }] });
    const entries = Object.fromEntries(resources[0].configEntries.map((e) => [e.configName, e.configValue]));
    expect(entries).toMatchObject({ 'retention.ms': '1000', 'cleanup.policy': 'delete' });
  });

  it('lists and describes consumer groups with their members and assignments', async () => {
    const c = await runConsumer(kafka, 'admin.groups', { groupId: 'admin-described' });
    try {
      await waitFor(() => (c.assigned()['admin.groups'] ?? []).length === 5, 10000, 'assignment');
      const { groups } = await admin.listGroups();
      expect(groups).toContainEqual({ groupId: 'admin-described', protocolType: 'consumer' });
      const described = await admin.describeGroups(['admin-described']);
      expect(described.groups[0]).toMatchObject({ groupId: 'admin-described', state: 'Stable', protocolType: 'consumer' });
      expect(described.groups[0].members).toHaveLength(1);
      expect(described.groups[0].members[0].memberAssignment.length).toBeGreaterThan(0);
    } finally {
      await c.consumer.disconnect();
    }
    const after = await admin.describeGroups(['admin-described']);
    expect(after.groups[0]).toMatchObject({ state: 'Empty', members: [] });
  });

  it('resets a stopped group to the earliest offsets so it consumes again', async () => {
    const producer = await connectedProducer(kafka);
    await producer.send({ topic: 'admin.reset', messages: [{ key: 'a', value: 'one' }] });
    await producer.disconnect();
    const c1 = await runConsumer(kafka, 'admin.reset', { groupId: 'admin-reset' });
    await waitFor(() => c1.received.length === 1, 10000, 'first read');
    await c1.consumer.disconnect();
    await admin.resetOffsets({ groupId: 'admin-reset', topic: 'admin.reset', earliest: true });
    const c2 = await runConsumer(kafka, 'admin.reset', { groupId: 'admin-reset' });
    try {
      await waitFor(() => c2.received.length === 1, 10000, 'read again');
      expect(c2.received[0].value).toBe('one');
    } finally {
      await c2.consumer.disconnect();
    }
  });

  it('when a topic is deleted, groups forget their committed offsets for it', async () => {
    const producer = await connectedProducer(kafka);
    await producer.send({ topic: 'admin.recreated', messages: [{ key: 'a', value: 'old' }] });
    await producer.disconnect();
    const c = await runConsumer(kafka, 'admin.recreated', { groupId: 'admin-recreated' });
    await waitFor(() => c.received.length === 1, 10000, 'first read');
    await c.consumer.disconnect();
    const before = await admin.fetchOffsets({ groupId: 'admin-recreated', topics: ['admin.recreated'] });
    expect(before[0].partitions.some((p) => p.offset === '1')).toBe(true);
    await admin.deleteTopics({ topics: ['admin.recreated'] });
    await admin.createTopics({ topics: [{ topic: 'admin.recreated' }] });
    const after = await admin.fetchOffsets({ groupId: 'admin-recreated', topics: ['admin.recreated'] });
    expect(after[0].partitions.every((p) => p.offset === '-1')).toBe(true);
  });
});
