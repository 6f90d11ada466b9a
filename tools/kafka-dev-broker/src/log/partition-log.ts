import * as fs from 'node:fs';
import * as path from 'node:path';
import { BatchField, BatchHeader } from '../protocol/record-batch';
import { decodeRecords } from '../protocol/records';
import { ProducerState } from './producer-state';
import { Segment } from './segment';

export type FetchWaiter = () => void;

/** The settings of a partition's topic that its log applies (resolved from topic and broker configs). */
export interface LogSettings {
  segmentBytes: number;
  segmentMs: number;
  indexIntervalBytes: number;
}

export const DEFAULT_LOG_SETTINGS: LogSettings = { segmentBytes: 1073741824, segmentMs: 604800000, indexIntervalBytes: 4096 };

/** Producer state is rebuilt on start from this much of the log's end (older producers are forgotten, as after Kafka's producer-id expiry). */
const PRODUCER_STATE_SCAN_BYTES = 32 * 1024 * 1024;

/**
 * One partition: record batches stored verbatim (only base offset and leader epoch patched) in
 * segments, served from their files through a sparse offset index. Without a directory the segments
 * are kept in memory.
 */
export class PartitionLog {
  private segments: Segment[] = [];
  private startOffset = 0;
  readonly producers = new ProducerState();
  private waiters = new Set<FetchWaiter>();
  private closed = false;

  constructor(
    readonly topic: string,
    readonly index: number,
    private readonly dir: string | null,
    private readonly settings: () => LogSettings = () => DEFAULT_LOG_SETTINGS,
  ) {
    if (dir !== null) this.load(dir);
  }

  get highWatermark(): number {
    const last = this.segments[this.segments.length - 1];
    return last ? last.nextOffset : this.startOffset;
  }

  get logStartOffset(): number {
    return this.startOffset;
  }

  get sizeBytes(): number {
    let n = 0;
    for (const s of this.segments) n += s.size;
    return n;
  }

  get segmentCount(): number {
    return this.segments.length;
  }

  private load(dir: string): void {
    fs.mkdirSync(dir, { recursive: true });
    const bases = fs
      .readdirSync(dir)
      .map((f) => /^(\d{20})\.log$/.exec(f))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => Number(m[1]))
      .sort((a, b) => a - b);
    for (const base of bases) {
      const seg = Segment.open(dir, base);
      seg.closeIndex();
      if (seg.isEmpty && base !== bases[bases.length - 1]) {
        seg.remove();
        continue;
      }
      this.segments.push(seg);
    }
    const checkpoint = path.join(dir, 'log-start-offset');
    const first = this.segments[0];
    this.startOffset = first ? first.baseOffset : 0;
    if (fs.existsSync(checkpoint)) {
      const saved = Number(fs.readFileSync(checkpoint, 'utf8').trim());
      if (Number.isInteger(saved) && saved > this.startOffset) this.startOffset = Math.min(saved, this.highWatermark);
      if (this.segments.length === 0 && Number.isInteger(saved)) this.startOffset = saved;
    }
    this.rebuildProducerState();
  }

  private rebuildProducerState(): void {
    let budget = PRODUCER_STATE_SCAN_BYTES;
    let from = this.segments.length;
    while (from > 0 && budget > 0) budget -= this.segments[--from].size;
    for (let i = from; i < this.segments.length; i++) {
      this.segments[i].scan(0, (b) => {
        if (b.producerId < 0n) return;
        this.producers.record(
          { buf: EMPTY, lastOffsetDelta: b.lastOffsetDelta, maxTimestamp: b.maxTimestamp, producerId: b.producerId, producerEpoch: b.producerEpoch, baseSequence: b.baseSequence, recordCount: 0, isTransactional: false, isControl: false },
          b.baseOffset,
        );
      });
    }
  }

  private activeSegment(nextBatchBytes: number): Segment {
    const s = this.settings();
    let last = this.segments[this.segments.length - 1];
    const roll = last && !last.isEmpty && (last.size + nextBatchBytes > s.segmentBytes || Date.now() - last.createdAt > s.segmentMs);
    if (!last || roll) {
      last?.closeIndex();
      last = Segment.create(this.dir, this.highWatermark);
      this.segments.push(last);
    }
    return last;
  }

  /** Appends a batch (copied), returning the offset assigned to its first record. */
  append(batch: BatchHeader): number {
    if (this.closed) throw new Error(`partition ${this.topic}-${this.index} is closed`);
    const baseOffset = this.highWatermark;
    const buf = Buffer.from(batch.buf);
    buf.writeBigInt64BE(BigInt(baseOffset), BatchField.baseOffset);
    buf.writeInt32BE(0, BatchField.partitionLeaderEpoch);
    const seg = this.activeSegment(buf.length);
    seg.append(buf, this.settings().indexIntervalBytes);
    this.producers.record(batch, baseOffset);
    this.wake();
    return baseOffset;
  }

  private segmentIndexFor(offset: number): number {
    let lo = 0;
    let hi = this.segments.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.segments[mid].baseOffset <= offset) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return Math.max(found, 0);
  }

  /** Whole batches from the one holding `offset` (or the first after it): at least one, then as many as fit in maxBytes. */
  read(offset: number, maxBytes: number): { chunks: Buffer[]; size: number } {
    for (let i = this.segmentIndexFor(offset); i < this.segments.length; i++) {
      const seg = this.segments[i];
      const pos = seg.positionFor(offset);
      if (pos === null) continue;
      const buf = seg.readBatches(pos, maxBytes);
      if (buf.length > 0) return { chunks: [buf], size: buf.length };
    }
    return { chunks: [], size: 0 };
  }

  /** Every stored batch from `offset` on, one at a time (for scans: timestamps, compaction). */
  *batchesFrom(offset: number, fromSegment = this.segmentIndexFor(offset)): Generator<Buffer> {
    for (let i = fromSegment; i < this.segments.length; i++) {
      const seg = this.segments[i];
      let pos = i === fromSegment ? seg.positionFor(offset) : 0;
      if (pos === null) continue;
      while (pos < seg.size) {
        const buf = seg.readBatches(pos, 1);
        if (buf.length === 0) break;
        yield buf;
        pos += buf.length;
      }
    }
  }

  /** DeleteRecords: records below `offset` are no longer served; whole segments below it are removed. */
  advanceLogStart(offset: number): void {
    const target = Math.min(offset, this.highWatermark);
    if (target <= this.startOffset) return;
    this.startOffset = target;
    while (this.segments.length > 1 && this.segments[1].baseOffset <= target) (this.segments.shift() as Segment).remove();
    if (this.segments.length === 1 && this.segments[0].nextOffset <= target && target === this.highWatermark) {
      // everything is deleted: the next segment starts at the new log start
      (this.segments.shift() as Segment).remove();
    }
    this.saveLogStart();
  }

  private saveLogStart(): void {
    if (this.dir === null) return;
    const file = path.join(this.dir, 'log-start-offset');
    fs.writeFileSync(`${file}.tmp`, String(this.startOffset));
    fs.renameSync(`${file}.tmp`, file);
  }

  /** The first record at or after the log start whose timestamp is >= `timestamp`, with its own timestamp; null if none. */
  offsetForTimestamp(timestamp: number): { offset: number; timestamp: number } | null {
    for (let i = this.segmentIndexFor(this.startOffset); i < this.segments.length; i++) {
      const seg = this.segments[i];
      if (seg.maxTimestamp < timestamp) continue;
      let pos = seg.positionForTimestamp(timestamp);
      while (pos < seg.size) {
        const buf = seg.readBatches(pos, 1);
        if (buf.length === 0) break;
        pos += buf.length;
        if (Number(buf.readBigInt64BE(BatchField.maxTimestamp)) < timestamp) continue;
        for (const rec of decodeRecords(buf)) {
          if (rec.offset >= this.startOffset && rec.timestamp >= timestamp) return { offset: rec.offset, timestamp: rec.timestamp };
        }
      }
    }
    return null;
  }

  /** The record with the largest timestamp (ListOffsets' MAX_TIMESTAMP), the earliest of equals. */
  maxTimestampRecord(): { offset: number; timestamp: number } | null {
    let best: { offset: number; timestamp: number } | null = null;
    for (const buf of this.batchesFrom(this.startOffset)) {
      if (best !== null && Number(buf.readBigInt64BE(BatchField.maxTimestamp)) <= best.timestamp) continue;
      for (const rec of decodeRecords(buf)) {
        if (rec.offset >= this.startOffset && (best === null || rec.timestamp > best.timestamp)) best = { offset: rec.offset, timestamp: rec.timestamp };
      }
    }
    return best;
  }

  /**
   * Retention: deletes closed segments (never the active one, as Kafka) whose newest record is older
   * than `retentionMs`, then the oldest while the partition exceeds `retentionBytes`. Returns how many went.
   */
  enforceRetention(retentionMs: number, retentionBytes: number, now: number): number {
    let removed = 0;
    while (this.segments.length > 1) {
      const oldest = this.segments[0];
      const expired = retentionMs >= 0 && oldest.maxTimestamp >= 0 && now - oldest.maxTimestamp > retentionMs;
      const tooBig = retentionBytes >= 0 && this.sizeBytes - oldest.size >= retentionBytes;
      if (!expired && !tooBig) break;
      this.segments.shift();
      oldest.remove();
      removed++;
      const next = this.segments[0].baseOffset;
      if (next > this.startOffset) this.startOffset = next;
    }
    if (removed > 0) this.saveLogStart();
    return removed;
  }

  /** Closed segments (the candidates for compaction), oldest first. */
  closedSegments(): Segment[] {
    return this.segments.slice(0, -1);
  }

  /** Replaces closed segments by their compacted copies (same base offsets). */
  replaceSegments(old: Segment[], fresh: Array<Segment | null>): void {
    for (let i = 0; i < old.length; i++) {
      const at = this.segments.indexOf(old[i]);
      if (at < 0) continue;
      const f = fresh[i];
      if (f === null) this.segments.splice(at, 1);
      else this.segments[at] = f;
    }
  }

  get directory(): string | null {
    return this.dir;
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
    this.closed = true;
    for (const s of this.segments) s.close();
    this.wake();
  }

  /** Closes and deletes every segment (topic deletion). */
  remove(): void {
    this.close();
    for (const s of this.segments) s.remove();
    this.segments = [];
  }
}

const EMPTY = Buffer.alloc(0);
