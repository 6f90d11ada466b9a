import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PartitionLog } from '../src/log/partition-log';
import { splitBatches, BatchHeader } from '../src/protocol/record-batch';
import { BatchToEncode, crc32c, encodeRecordBatch } from '../src/protocol/record-batch-encoder';

function batch(records: number, extra: Partial<BatchToEncode> = {}): BatchHeader {
  const split = splitBatches(encodeRecordBatch({ records: Array.from({ length: records }, (_, i) => ({ key: null, value: Buffer.from(`v${i}`) })), ...extra }));
  if (!split.ok) throw new Error(split.reason);
  return split.batches[0];
}

/** Base offsets of the batches in what a read returned (batches back to back, in one or more chunks). */
const baseOffsetsOf = (chunks: Buffer[]) => {
  const out: number[] = [];
  for (const c of chunks) for (let pos = 0; pos + 12 <= c.length; pos += c.readInt32BE(pos + 8) + 12) out.push(Number(c.readBigInt64BE(pos)));
  return out;
};

describe('a partition log', () => {
  it('assigns consecutive offsets per batch and finds the batch holding any offset', () => {
    const log = new PartitionLog('t', 0, null);
    expect([log.append(batch(3)), log.append(batch(1)), log.append(batch(5))]).toEqual([0, 3, 4]);
    expect(log.highWatermark).toBe(9);
    expect(baseOffsetsOf(log.read(0, 1e6).chunks)).toEqual([0, 3, 4]);
    expect(baseOffsetsOf(log.read(2, 1e6).chunks)).toEqual([0, 3, 4]);
    expect(baseOffsetsOf(log.read(3, 1e6).chunks)).toEqual([3, 4]);
    expect(baseOffsetsOf(log.read(8, 1e6).chunks)).toEqual([4]);
    expect(log.read(9, 1e6).chunks).toEqual([]);
  });

  it('returns the first batch whole even beyond max bytes, and no more', () => {
    const log = new PartitionLog('t', 0, null);
    log.append(batch(10));
    log.append(batch(10));
    const read = log.read(0, 1);
    expect(baseOffsetsOf(read.chunks)).toEqual([0]);
    expect(read.size).toBe(read.chunks[0].length);
  });

  it('keeps the batch verbatim apart from its base offset, so its CRC still holds', () => {
    const log = new PartitionLog('t', 0, null);
    log.append(batch(2));
    log.append(batch(2));
    const stored = log.read(2, 1e6).chunks[0];
    expect(Number(stored.readBigInt64BE(0))).toBe(2);
    expect(stored.readUInt32BE(17)).toBe(crc32c(stored.subarray(21)));
  });

  it('answers a retried idempotent batch as a duplicate with its first offset and refuses gaps and old epochs', () => {
    const log = new PartitionLog('t', 0, null);
    const first = batch(3, { producerId: 7n, producerEpoch: 0, baseSequence: 0 });
    expect(log.producers.check(first)).toEqual({ kind: 'append' });
    log.append(first);
    const second = batch(2, { producerId: 7n, producerEpoch: 0, baseSequence: 3 });
    log.append(second);
    expect(log.producers.check(first)).toEqual({ kind: 'duplicate', baseOffset: 0 });
    expect(log.producers.check(second)).toEqual({ kind: 'duplicate', baseOffset: 3 });
    expect(log.producers.check(batch(1, { producerId: 7n, producerEpoch: 0, baseSequence: 9 }))).toEqual({ kind: 'outOfOrder' });
    expect(log.producers.check(batch(1, { producerId: 7n, producerEpoch: 0, baseSequence: 5 }))).toEqual({ kind: 'append' });
    log.append(batch(1, { producerId: 7n, producerEpoch: 1, baseSequence: 0 }));
    expect(log.producers.check(batch(1, { producerId: 7n, producerEpoch: 0, baseSequence: 5 }))).toEqual({ kind: 'fencedEpoch' });
  });

  it('when reopened from its segment file, has the same batches and producer state, dropping a batch cut short by a crash', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'partition-log-'));
    try {
      const file = path.join(dir, '00000000000000000000.log');
      const log = new PartitionLog('t', 0, dir);
      log.append(batch(2, { producerId: 3n, producerEpoch: 0, baseSequence: 0 }));
      log.append(batch(4, { producerId: 3n, producerEpoch: 0, baseSequence: 2 }));
      log.close();
      fs.appendFileSync(file, encodeRecordBatch({ records: [{ key: null, value: Buffer.from('torn') }] }).subarray(0, 30));

      const reopened = new PartitionLog('t', 0, dir);
      expect(reopened.highWatermark).toBe(6);
      expect(baseOffsetsOf(reopened.read(0, 1e6).chunks)).toEqual([0, 2]);
      expect(reopened.producers.check(batch(4, { producerId: 3n, producerEpoch: 0, baseSequence: 2 }))).toEqual({ kind: 'duplicate', baseOffset: 2 });
      expect(reopened.append(batch(1))).toBe(6);
      reopened.close();
      expect(new PartitionLog('t', 0, dir).highWatermark).toBe(7);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('when its file is damaged in the middle, keeps the batches before the damage', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'partition-log-'));
    try {
      const file = path.join(dir, '00000000000000000000.log');
      const log = new PartitionLog('t', 0, dir);
      log.append(batch(2));
      const second = log.read(0, 1e6).chunks[0].length;
      log.append(batch(3));
      log.close();
      const data = fs.readFileSync(file);
      data.writeInt8(99, second + 16); // the second batch's magic byte
      fs.writeFileSync(file, data);
      const reopened = new PartitionLog('t', 0, dir);
      expect(reopened.highWatermark).toBe(2);
      reopened.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('finds the first batch at or after a timestamp', () => {
    const log = new PartitionLog('t', 0, null);
    log.append(batch(2, { timestamp: 1000 }));
    log.append(batch(2, { timestamp: 2000 }));
    expect(log.offsetForTimestamp(1500)).toEqual({ offset: 2, timestamp: 2000 });
    expect(log.offsetForTimestamp(500)).toEqual({ offset: 0, timestamp: 1000 });
    expect(log.offsetForTimestamp(3000)).toBeNull();
  });
});
