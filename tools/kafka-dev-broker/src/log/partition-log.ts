import * as fs from 'node:fs';
import { BATCH_HEADER_SIZE, BatchField, BatchHeader, splitBatches } from '../protocol/record-batch';
import { decodeRecords } from '../protocol/records';
import { ProducerState } from './producer-state';

export type FetchWaiter = () => void;

/**
 * One partition: record batches stored verbatim (only baseOffset and leader epoch patched), found by
 * binary search over their base offsets. Optionally mirrored to an append-only file.
 */
export class PartitionLog {
  private readonly batches: Buffer[] = [];
  private readonly baseOffsets: number[] = [];
  private readonly maxTimestamps: number[] = [];
  private next = 0;
  private bytes = 0;
  private fd: number | null = null;
  readonly producers = new ProducerState();
  private waiters = new Set<FetchWaiter>();

  constructor(
    readonly topic: string,
    readonly index: number,
    file: string | null,
  ) {
    if (file !== null) this.openFile(file);
  }

  get highWatermark(): number {
    return this.next;
  }

  private startOffset = 0;

  get logStartOffset(): number {
    return this.startOffset;
  }

  /** DeleteRecords: records below `offset` are no longer served. */
  advanceLogStart(offset: number): void {
    if (offset > this.startOffset) this.startOffset = Math.min(offset, this.next);
  }

  get sizeBytes(): number {
    return this.bytes;
  }

  private openFile(file: string): void {
    if (fs.existsSync(file)) {
      const data = fs.readFileSync(file);
      const split = splitBatchesLenient(data);
      for (const batch of split.batches) this.load(batch);
      if (split.validBytes < data.length) fs.truncateSync(file, split.validBytes);
    }
    this.fd = fs.openSync(file, 'a');
  }

  private load(batch: BatchHeader): void {
    const baseOffset = Number(batch.buf.readBigInt64BE(BatchField.baseOffset));
    this.push(batch.buf, baseOffset, batch.maxTimestamp, batch.lastOffsetDelta);
    this.producers.record(batch, baseOffset);
  }

  private push(buf: Buffer, baseOffset: number, maxTimestamp: number, lastOffsetDelta: number): void {
    this.batches.push(buf);
    this.baseOffsets.push(baseOffset);
    this.maxTimestamps.push(maxTimestamp);
    this.next = baseOffset + lastOffsetDelta + 1;
    this.bytes += buf.length;
  }

  /** Appends a batch (copied), returning the offset assigned to its first record. */
  append(batch: BatchHeader): number {
    const baseOffset = this.next;
    const buf = Buffer.from(batch.buf);
    buf.writeBigInt64BE(BigInt(baseOffset), BatchField.baseOffset);
    buf.writeInt32BE(0, BatchField.partitionLeaderEpoch);
    this.push(buf, baseOffset, batch.maxTimestamp, batch.lastOffsetDelta);
    if (this.fd !== null) fs.writeSync(this.fd, buf);
    this.producers.record(batch, baseOffset);
    this.wake();
    return baseOffset;
  }

  /** Index of the batch holding `offset`, or the first batch after it. */
  private batchIndexFor(offset: number): number {
    let lo = 0;
    let hi = this.baseOffsets.length - 1;
    let found = this.baseOffsets.length;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.baseOffsets[mid] <= offset) lo = mid + 1;
      else {
        found = mid;
        hi = mid - 1;
      }
    }
    // `found` is the first batch starting after offset; the one before it may contain offset.
    if (found > 0) {
      const prev = found - 1;
      const end = prev + 1 < this.baseOffsets.length ? this.baseOffsets[prev + 1] : this.next;
      if (offset < end) return prev;
    }
    return found;
  }

  /** Whole batches from `offset`, at least one, then as many as fit in maxBytes. */
  read(offset: number, maxBytes: number): { chunks: Buffer[]; size: number } {
    const chunks: Buffer[] = [];
    let size = 0;
    for (let i = this.batchIndexFor(offset); i < this.batches.length; i++) {
      const b = this.batches[i];
      if (chunks.length > 0 && size + b.length > maxBytes) break;
      chunks.push(b);
      size += b.length;
    }
    return { chunks, size };
  }

  /** The first record at or after the log start whose timestamp is >= `timestamp`, with its own timestamp; null if none. */
  offsetForTimestamp(timestamp: number): { offset: number; timestamp: number } | null {
    for (let i = 0; i < this.batches.length; i++) {
      if (this.maxTimestamps[i] < timestamp) continue;
      for (const rec of decodeRecords(this.batches[i])) {
        if (rec.offset >= this.startOffset && rec.timestamp >= timestamp) return { offset: rec.offset, timestamp: rec.timestamp };
      }
    }
    return null;
  }

  /** The record with the largest timestamp (ListOffsets' MAX_TIMESTAMP), the earliest of equals. */
  maxTimestampRecord(): { offset: number; timestamp: number } | null {
    let best: { offset: number; timestamp: number } | null = null;
    for (let i = 0; i < this.batches.length; i++) {
      if (best !== null && this.maxTimestamps[i] <= best.timestamp) continue;
      for (const rec of decodeRecords(this.batches[i])) {
        if (rec.offset >= this.startOffset && (best === null || rec.timestamp > best.timestamp)) best = { offset: rec.offset, timestamp: rec.timestamp };
      }
    }
    return best;
  }

  addWaiter(w: FetchWaiter): void {
    this.waiters.add(w);
  }

  removeWaiter(w: FetchWaiter): void {
    this.waiters.delete(w);
  }

  private wake(): void {
    if (this.waiters.size === 0) return;
    const ws = this.waiters;
    this.waiters = new Set();
    for (const w of ws) w();
  }

  close(): void {
    if (this.fd !== null) {
      fs.closeSync(this.fd);
      this.fd = null;
    }
    this.wake();
  }
}

/** Reads a persisted log up to the first incomplete or damaged batch (a write cut short by a crash); the rest is dropped. */
function splitBatchesLenient(data: Buffer): { batches: BatchHeader[]; validBytes: number } {
  const batches: BatchHeader[] = [];
  let valid = 0;
  while (valid + BATCH_HEADER_SIZE <= data.length) {
    const total = data.readInt32BE(valid + BatchField.batchLength) + 12;
    if (total < BATCH_HEADER_SIZE || valid + total > data.length) break;
    const one = splitBatches(data.subarray(valid, valid + total));
    if (!one.ok) break;
    batches.push(...one.batches);
    valid += total;
  }
  return { batches, validBytes: valid };
}
