import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BrokerConfigs } from '../src/log/configs';
import { LogCleaner } from '../src/log/log-cleaner';
import { LogSettings, PartitionLog } from '../src/log/partition-log';
import { applyTopicPlan, readTopicPlan } from '../src/log/topic-plan';
import { TopicStore } from '../src/log/topic-store';
import { splitBatches, BatchHeader } from '../src/protocol/record-batch';
import { encodeRecordBatch } from '../src/protocol/record-batch-encoder';
import { decodeRecords } from '../src/protocol/records';
import { createLogger } from '../src/server/logger';

function batch(records: Array<{ key: string | null; value: string | null }>, timestamp = Date.now()): BatchHeader {
  const split = splitBatches(
    encodeRecordBatch({ records: records.map((r) => ({ key: r.key === null ? null : Buffer.from(r.key), value: r.value === null ? null : Buffer.from(r.value) })), timestamp }),
  );
  if (!split.ok) throw new Error(split.reason);
  return split.batches[0];
}

const big = (n: number) => 'x'.repeat(n);
const settings = (segmentBytes: number): (() => LogSettings) => () => ({ segmentBytes, segmentMs: 604800000, indexIntervalBytes: 256 });

function records(log: PartitionLog, from = log.logStartOffset): Array<{ offset: number; key: string | null; value: string | null }> {
  const out: Array<{ offset: number; key: string | null; value: string | null }> = [];
  for (const b of log.batchesFrom(from)) for (const r of decodeRecords(b)) if (r.offset >= from) out.push({ offset: r.offset, key: r.key?.toString() ?? null, value: r.value?.toString() ?? null });
  return out;
}

describe('partition storage: segments, index, retention and compaction', () => {
  let dir: string;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'log-storage-'));
  });

  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('rolls a new segment at segment.bytes, and a reopened log serves every offset from its files through the index', () => {
    const log = new PartitionLog('t', 0, dir, settings(4096));
    for (let i = 0; i < 100; i++) log.append(batch([{ key: `k${i}`, value: `${i}-${big(200)}` }], 1000 + i));
    expect(log.segmentCount).toBeGreaterThan(4);
    log.close();
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.index')).length).toBe(log.segmentCount);

    const reopened = new PartitionLog('t', 0, dir, settings(4096));
    expect(reopened.highWatermark).toBe(100);
    for (const offset of [0, 1, 17, 50, 99]) {
      const first = reopened.read(offset, 1).chunks[0];
      expect(Number(first.readBigInt64BE(0))).toBe(offset);
    }
    expect(reopened.offsetForTimestamp(1042)).toEqual({ offset: 42, timestamp: 1042 });
    expect(records(reopened).map((r) => r.offset)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    reopened.close();
  });

  it('retention.bytes deletes the oldest closed segments, never the active one, and moves the log start', () => {
    const log = new PartitionLog('t', 0, dir, settings(2048));
    for (let i = 0; i < 60; i++) log.append(batch([{ key: null, value: big(300) }]));
    const before = log.segmentCount;
    const removed = log.enforceRetention(-1, 4096, Date.now());
    expect(removed).toBeGreaterThan(0);
    expect(log.segmentCount).toBe(before - removed);
    expect(log.sizeBytes).toBeLessThan(4096 + 2048);
    expect(log.logStartOffset).toBeGreaterThan(0);
    expect(records(log)[0].offset).toBe(log.logStartOffset);
    const closedLeft = log.segmentCount - 1;
    expect(log.enforceRetention(-1, 0, Date.now())).toBe(closedLeft);
    expect(log.segmentCount).toBe(1);
    expect(log.highWatermark).toBe(60);
    log.close();
    expect(new PartitionLog('t', 0, dir, settings(2048)).logStartOffset).toBeGreaterThan(50);
  });

  it('retention.ms deletes closed segments whose newest record is older than the limit', () => {
    const log = new PartitionLog('t', 0, dir, settings(1024));
    const now = Date.now();
    for (let i = 0; i < 10; i++) log.append(batch([{ key: null, value: big(300) }], now - 10 * 86400000));
    for (let i = 0; i < 10; i++) log.append(batch([{ key: null, value: big(300) }], now));
    log.enforceRetention(7 * 86400000, -1, now);
    expect(log.logStartOffset).toBeGreaterThanOrEqual(9);
    expect(log.logStartOffset).toBeLessThanOrEqual(10);
    log.close();
  });

  it('DeleteRecords moves the log start, which survives a reopen', () => {
    const log = new PartitionLog('t', 0, dir, settings(1024));
    for (let i = 0; i < 20; i++) log.append(batch([{ key: null, value: big(100) }]));
    log.advanceLogStart(13);
    expect(records(log)[0].offset).toBe(13);
    log.close();
    const reopened = new PartitionLog('t', 0, dir, settings(1024));
    expect(reopened.logStartOffset).toBe(13);
    expect(reopened.highWatermark).toBe(20);
    reopened.close();
  });

  it('compaction keeps the latest value of each key in closed segments, and drops tombstones once delete.retention.ms passed', () => {
    const dataDir = dir;
    const configs = new BrokerConfigs(new Map(), null, fs);
    const store = new TopicStore(dataDir, 1, () => ({ segmentBytes: 1024, segmentMs: 604800000, indexIntervalBytes: 256 }));
    const topic = store.create('compacted', 1, new Map([['cleanup.policy', 'compact'], ['delete.retention.ms', '1000']]));
    const log = topic.partitions[0];
    const old = Date.now() - 60000;
    for (let round = 0; round < 5; round++) for (const k of ['a', 'b', 'c']) log.append(batch([{ key: k, value: `${k}${round}-${big(100)}` }], old));
    log.append(batch([{ key: 'b', value: null }], old)); // tombstone for b
    for (let i = 0; i < 10; i++) log.append(batch([{ key: 'z', value: `z${i}-${big(150)}` }])); // rolls so the above is closed
    const cleaner = new LogCleaner(store, configs, createLogger('silent'), 3600000);
    try {
      cleaner.runOnce(Date.now());
      const left = records(log);
      const closedKeys = left.filter((r) => r.key !== 'z');
      expect(closedKeys.map((r) => [r.key, r.value?.slice(0, 2) ?? null])).toEqual([
        ['a', 'a4'],
        ['c', 'c4'],
      ]);
      expect(left.filter((r) => r.key === 'z').length).toBeGreaterThan(0);
      expect(log.highWatermark).toBe(26);
      store.close();
      // the compacted segments are what a restart finds
      const again = new TopicStore(dataDir, 1, () => ({ segmentBytes: 1024, segmentMs: 604800000, indexIntervalBytes: 256 }));
      expect(records(again.get('compacted')!.partitions[0]).filter((r) => r.key !== 'z').map((r) => r.key)).toEqual(['a', 'c']);
      again.close();
    } finally {
      cleaner.close();
    }
  });

  it('a data dir of the earlier layout (one file per partition) is read: each file becomes its partition\'s first segment', () => {
    const topicDir = path.join(dir, 'topics', 'old.layout');
    fs.mkdirSync(topicDir, { recursive: true });
    const b = batch([{ key: 'k', value: 'kept' }], 1000);
    const second = Buffer.from(b.buf);
    second.writeBigInt64BE(1n, 0); // base offset 1
    fs.writeFileSync(path.join(topicDir, '0.log'), Buffer.concat([b.buf, second]));
    fs.writeFileSync(path.join(topicDir, '1.log'), Buffer.alloc(0));
    fs.writeFileSync(path.join(topicDir, 'configs.json'), JSON.stringify({ 'retention.ms': '1000' }));
    const store = new TopicStore(dir, 3, () => ({ segmentBytes: 1 << 20, segmentMs: 604800000, indexIntervalBytes: 4096 }));
    const topic = store.get('old.layout')!;
    expect(topic.partitions).toHaveLength(2);
    expect(topic.configs.get('retention.ms')).toBe('1000');
    expect(records(topic.partitions[0]).map((r) => r.value)).toEqual(['kept', 'kept']);
    expect(topic.partitions[0].append(batch([{ key: 'k', value: 'new' }]))).toBe(2);
    store.close();
    expect(fs.readdirSync(topicDir).sort()).toEqual(['0', '1', 'configs.json', 'topic-id']);
  });

  it("the deployment's topic plan applied to the dev broker creates every topic and dead-letter topic with its partitions and configs, and grows existing ones", () => {
    const plan = readTopicPlan(path.join(__dirname, '..', '..', '..', 'deploy', 'kafka', 'topics.yaml'));
    const store = new TopicStore(dir, 3, () => ({ segmentBytes: 1 << 20, segmentMs: 604800000, indexIntervalBytes: 4096 }));
    store.create('budget.sent', 2);
    applyTopicPlan(store, plan);
    const sent = store.get('budget.sent')!;
    expect(sent.partitions).toHaveLength(12);
    expect(Object.fromEntries(sent.configs)).toEqual({ 'cleanup.policy': 'delete', 'retention.ms': '1209600000' });
    expect(store.get('erp.project.linked')!.configs.get('cleanup.policy')).toBe('compact');
    expect(Object.fromEntries(store.get('erp.project.linked.dlq')!.configs)).toEqual({ 'cleanup.policy': 'delete', 'retention.ms': '2592000000' });
    expect(store.names().length).toBe(plan.length);
    expect(plan.length % 2).toBe(0);
    store.close();
  });
});
