import * as fs from 'node:fs';
import * as path from 'node:path';
import { BATCH_HEADER_SIZE, BatchField } from '../protocol/record-batch';

/** Where a segment's bytes live: a file under the data dir, or memory when there is none. */
export interface SegmentStorage {
  readonly size: number;
  append(buf: Buffer): void;
  read(position: number, length: number): Buffer;
  truncate(length: number): void;
  close(): void;
  remove(): void;
}

export class FileStorage implements SegmentStorage {
  private fd: number;
  size: number;

  constructor(readonly file: string) {
    this.fd = fs.openSync(file, 'a+');
    this.size = fs.fstatSync(this.fd).size;
  }

  append(buf: Buffer): void {
    fs.writeSync(this.fd, buf);
    this.size += buf.length;
  }

  read(position: number, length: number): Buffer {
    const n = Math.max(0, Math.min(length, this.size - position));
    const out = Buffer.allocUnsafe(n);
    let done = 0;
    while (done < n) {
      const r = fs.readSync(this.fd, out, done, n - done, position + done);
      if (r === 0) break;
      done += r;
    }
    return done === n ? out : out.subarray(0, done);
  }

  truncate(length: number): void {
    fs.ftruncateSync(this.fd, length);
    this.size = length;
  }

  close(): void {
    if (this.fd >= 0) fs.closeSync(this.fd);
    this.fd = -1;
  }

  remove(): void {
    this.close();
    fs.rmSync(this.file, { force: true });
  }
}

export class MemoryStorage implements SegmentStorage {
  private readonly chunks: Buffer[] = [];
  private readonly starts: number[] = [];
  size = 0;

  append(buf: Buffer): void {
    this.starts.push(this.size);
    this.chunks.push(buf);
    this.size += buf.length;
  }

  read(position: number, length: number): Buffer {
    const end = Math.min(this.size, position + length);
    if (end <= position) return Buffer.alloc(0);
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.starts[mid] <= position) lo = mid;
      else hi = mid - 1;
    }
    const parts: Buffer[] = [];
    for (let i = lo; i < this.chunks.length && this.starts[i] < end; i++) {
      const s = Math.max(position, this.starts[i]) - this.starts[i];
      const e = Math.min(end, this.starts[i] + this.chunks[i].length) - this.starts[i];
      parts.push(this.chunks[i].subarray(s, e));
    }
    return parts.length === 1 ? parts[0] : Buffer.concat(parts);
  }

  truncate(length: number): void {
    while (this.chunks.length > 0 && (this.starts[this.starts.length - 1] as number) >= length) {
      this.chunks.pop();
      this.starts.pop();
    }
    if (this.chunks.length > 0) {
      const i = this.chunks.length - 1;
      this.chunks[i] = this.chunks[i].subarray(0, length - this.starts[i]);
    }
    this.size = length;
  }

  close(): void {
    // nothing to release
  }

  remove(): void {
    this.chunks.length = 0;
    this.starts.length = 0;
    this.size = 0;
  }
}

export interface BatchInfo {
  position: number;
  baseOffset: number;
  /** Offset after the batch's last record. */
  nextOffset: number;
  size: number;
  maxTimestamp: number;
  producerId: bigint;
  producerEpoch: number;
  baseSequence: number;
  lastOffsetDelta: number;
}

const INDEX_ENTRY = 24;

/**
 * One segment: record batches back to back, named after the first offset it may hold, with a sparse
 * index (an entry every `index.interval.bytes`: first offset of a batch, its position, and the largest
 * timestamp of the batches before it) kept in memory and in a `.index` file beside it.
 */
export class Segment {
  private offsets = new Float64Array(64);
  private positions = new Float64Array(64);
  private maxBefore = new Float64Array(64);
  private entries = 0;
  private bytesSinceEntry = Number.POSITIVE_INFINITY;
  private indexFd: number | null = null;
  nextOffset: number;
  maxTimestamp = -1;
  /** When the segment was created (or its file last written, for loaded segments): segment.ms rolls from it. */
  createdAt = Date.now();

  private constructor(
    readonly baseOffset: number,
    readonly storage: SegmentStorage,
    private readonly indexFile: string | null,
  ) {
    this.nextOffset = baseOffset;
  }

  static fileName(dir: string, baseOffset: number, ext: string): string {
    return path.join(dir, `${String(baseOffset).padStart(20, '0')}.${ext}`);
  }

  /** A segment being rewritten (compaction): `.cleaned` files beside the live ones until `swapIn`. */
  static createReplacement(dir: string | null, baseOffset: number): Segment {
    if (dir === null) return new Segment(baseOffset, new MemoryStorage(), null);
    const log = `${Segment.fileName(dir, baseOffset, 'log')}.cleaned`;
    fs.rmSync(log, { force: true });
    return new Segment(baseOffset, new FileStorage(log), null);
  }

  /** Puts a replacement in place of `old` (same base offset), returning the segment to use from now on. */
  static swapIn(dir: string | null, old: Segment, replacement: Segment): Segment {
    if (dir === null) {
      old.remove();
      return replacement;
    }
    replacement.close();
    old.remove();
    fs.renameSync(`${Segment.fileName(dir, old.baseOffset, 'log')}.cleaned`, Segment.fileName(dir, old.baseOffset, 'log'));
    const fresh = Segment.open(dir, old.baseOffset);
    fresh.closeIndex();
    return fresh;
  }

  static create(dir: string | null, baseOffset: number): Segment {
    if (dir === null) return new Segment(baseOffset, new MemoryStorage(), null);
    const seg = new Segment(baseOffset, new FileStorage(Segment.fileName(dir, baseOffset, 'log')), Segment.fileName(dir, baseOffset, 'index'));
    fs.rmSync(seg.indexFile as string, { force: true });
    return seg;
  }

  /** Opens a segment file, trusting its index and scanning only what follows the last entry; a torn tail is cut off. */
  static open(dir: string, baseOffset: number): Segment {
    const seg = new Segment(baseOffset, new FileStorage(Segment.fileName(dir, baseOffset, 'log')), Segment.fileName(dir, baseOffset, 'index'));
    seg.createdAt = fs.statSync(Segment.fileName(dir, baseOffset, 'log')).mtimeMs;
    let scanFrom = 0;
    let maxTs = -1;
    const indexFile = seg.indexFile as string;
    if (fs.existsSync(indexFile)) {
      const idx = fs.readFileSync(indexFile);
      let lastGood = -1;
      for (let i = 0; i + INDEX_ENTRY <= idx.length; i += INDEX_ENTRY) {
        const off = Number(idx.readBigInt64BE(i));
        const pos = Number(idx.readBigInt64BE(i + 8));
        const before = Number(idx.readBigInt64BE(i + 16));
        if (pos >= seg.storage.size || (seg.entries > 0 && pos <= seg.positions[seg.entries - 1])) break;
        const head = seg.storage.read(pos, 8);
        if (head.length < 8 || Number(head.readBigInt64BE(0)) !== off) break;
        seg.pushEntry(off, pos, before);
        lastGood = i;
      }
      if (lastGood >= 0) {
        scanFrom = seg.positions[seg.entries - 1];
        maxTs = seg.maxBefore[seg.entries - 1];
        seg.entries--; // the scan below re-adds it
        fs.truncateSync(indexFile, lastGood);
      } else fs.rmSync(indexFile, { force: true });
    }
    seg.maxTimestamp = maxTs;
    const valid = seg.scan(scanFrom, (b) => seg.track(b));
    if (valid < seg.storage.size) seg.storage.truncate(valid);
    return seg;
  }

  get size(): number {
    return this.storage.size;
  }

  get isEmpty(): boolean {
    return this.storage.size === 0;
  }

  private pushEntry(offset: number, position: number, before: number): void {
    if (this.entries === this.offsets.length) {
      const grow = (a: Float64Array) => {
        const b = new Float64Array(a.length * 2);
        b.set(a);
        return b;
      };
      this.offsets = grow(this.offsets);
      this.positions = grow(this.positions);
      this.maxBefore = grow(this.maxBefore);
    }
    this.offsets[this.entries] = offset;
    this.positions[this.entries] = position;
    this.maxBefore[this.entries] = before;
    this.entries++;
  }

  /** Bookkeeping of a batch now at the segment's end (index entry when due, offsets, timestamps). */
  private track(b: BatchInfo, indexInterval = 4096): void {
    if (this.bytesSinceEntry >= indexInterval) {
      this.pushEntry(b.baseOffset, b.position, this.maxTimestamp);
      if (this.indexFile !== null) {
        if (this.indexFd === null) this.indexFd = fs.openSync(this.indexFile, 'a');
        const e = Buffer.allocUnsafe(INDEX_ENTRY);
        e.writeBigInt64BE(BigInt(b.baseOffset), 0);
        e.writeBigInt64BE(BigInt(b.position), 8);
        e.writeBigInt64BE(BigInt(Math.trunc(this.maxTimestamp)), 16);
        fs.writeSync(this.indexFd, e);
      }
      this.bytesSinceEntry = 0;
    }
    this.bytesSinceEntry += b.size;
    if (b.maxTimestamp > this.maxTimestamp) this.maxTimestamp = b.maxTimestamp;
    this.nextOffset = b.nextOffset;
  }

  /** Appends a batch whose base offset is already assigned. */
  append(buf: Buffer, indexInterval: number): void {
    const position = this.storage.size;
    this.storage.append(buf);
    this.track(infoOf(buf, 0, position, buf.length), indexInterval);
  }

  /**
   * Walks the batch headers from `position` (read in large chunks), calling `visit` for each whole
   * batch; returns where the last whole batch ends. `visit` returning false stops the walk.
   */
  scan(position: number, visit: (b: BatchInfo) => boolean | void, chunkBytes = 4 * 1024 * 1024): number {
    let pos = position;
    const size = this.storage.size;
    while (pos + BATCH_HEADER_SIZE <= size) {
      const chunk = this.storage.read(pos, Math.min(chunkBytes, size - pos));
      let at = 0;
      let progressed = false;
      while (at + BATCH_HEADER_SIZE <= chunk.length) {
        const total = chunk.readInt32BE(at + BatchField.batchLength) + 12;
        if (total < BATCH_HEADER_SIZE || chunk.readInt8(at + BatchField.magic) !== 2) return pos + at;
        if (pos + at + total > size) return pos + at;
        if (at + total > chunk.length) {
          if (at === 0) {
            // one batch larger than the chunk: visit it from its header alone
            const b = infoOf(chunk, 0, pos, total);
            if (visit(b) === false) return pos + total;
            at = total;
            progressed = true;
          }
          break;
        }
        const b = infoOf(chunk, at, pos + at, total);
        if (visit(b) === false) return pos + at + total;
        at += total;
        progressed = true;
      }
      if (!progressed) return pos + at;
      pos += at;
    }
    return pos;
  }

  /** Position of the batch holding `offset`, or the first after it; null when the segment ends before it. */
  positionFor(offset: number): number | null {
    if (offset >= this.nextOffset) return null;
    let lo = 0;
    let hi = this.entries - 1;
    let start = 0;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.offsets[mid] <= offset) {
        start = this.positions[mid];
        lo = mid + 1;
      } else hi = mid - 1;
    }
    let found: number | null = null;
    // the batch is within one index interval (and one batch) of the entry: small reads suffice
    this.scan(
      start,
      (b) => {
        if (b.nextOffset > offset) {
          found = b.position;
          return false;
        }
        return true;
      },
      64 * 1024,
    );
    return found;
  }

  /** Whole batches from `position`: at least one, then as many as fit in maxBytes. */
  readBatches(position: number, maxBytes: number): Buffer {
    const want = Math.max(maxBytes, BATCH_HEADER_SIZE);
    let buf = this.storage.read(position, Math.min(want, this.storage.size - position));
    if (buf.length < 12) return Buffer.alloc(0);
    const first = buf.readInt32BE(BatchField.batchLength) + 12;
    if (first > buf.length) return this.storage.read(position, first);
    let end = 0;
    while (end + 12 <= buf.length) {
      const total = buf.readInt32BE(end + BatchField.batchLength) + 12;
      if (end + total > buf.length) break;
      end += total;
    }
    buf = buf.subarray(0, end);
    return buf;
  }

  /** Where to start looking for the first record with a timestamp >= ts: the index entry before the first that has seen one. */
  positionForTimestamp(ts: number): number {
    let lo = 0;
    let hi = this.entries - 1;
    let firstReaching = this.entries;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.maxBefore[mid] >= ts) {
        firstReaching = mid;
        hi = mid - 1;
      } else lo = mid + 1;
    }
    const entry = firstReaching - 1;
    return entry >= 0 ? this.positions[entry] : 0;
  }

  closeIndex(): void {
    if (this.indexFd !== null) fs.closeSync(this.indexFd);
    this.indexFd = null;
  }

  close(): void {
    this.closeIndex();
    this.storage.close();
  }

  remove(): void {
    this.closeIndex();
    this.storage.remove();
    if (this.indexFile !== null) fs.rmSync(this.indexFile, { force: true });
  }
}

function infoOf(buf: Buffer, at: number, position: number, total: number): BatchInfo {
  const baseOffset = Number(buf.readBigInt64BE(at + BatchField.baseOffset));
  return {
    position,
    baseOffset,
    nextOffset: baseOffset + buf.readInt32BE(at + BatchField.lastOffsetDelta) + 1,
    size: total,
    maxTimestamp: Number(buf.readBigInt64BE(at + BatchField.maxTimestamp)),
    producerId: buf.readBigInt64BE(at + BatchField.producerId),
    producerEpoch: buf.readInt16BE(at + BatchField.producerEpoch),
    baseSequence: buf.readInt32BE(at + BatchField.baseSequence),
    lastOffsetDelta: buf.readInt32BE(at + BatchField.lastOffsetDelta),
  };
}
