import * as zlib from 'node:zlib';
import { decompress as zstdDecompress } from 'fzstd';
import { decompress as lz4Decompress } from 'lz4js';
import { uncompress as snappyUncompress } from 'snappyjs';
import { BATCH_HEADER_SIZE, BatchField } from './record-batch';
import { crc32c } from './record-batch-encoder';

export const Compression = { None: 0, Gzip: 1, Snappy: 2, Lz4: 3, Zstd: 4 } as const;

export function compressionOf(batch: Buffer): number {
  return batch.readInt16BE(BatchField.attributes) & 0x07;
}

export interface DecodedRecord {
  offset: number;
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: Array<{ key: string; value: Buffer | null }>;
}

const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);

export function snappyDecompress(data: Buffer): Buffer {
  // Java clients frame snappy the xerial way (magic, version, then length-prefixed chunks); librdkafka writes it raw.
  if (data.length >= 16 && data.subarray(0, 8).equals(XERIAL_MAGIC)) {
    const out: Buffer[] = [];
    let pos = 16;
    while (pos + 4 <= data.length) {
      const n = data.readInt32BE(pos);
      pos += 4;
      out.push(Buffer.from(snappyUncompress(data.subarray(pos, pos + n))));
      pos += n;
    }
    return Buffer.concat(out);
  }
  return Buffer.from(snappyUncompress(data));
}

/** The records section of a batch, decompressed. */
export function recordsPayload(batch: Buffer): Buffer {
  const body = batch.subarray(BATCH_HEADER_SIZE);
  switch (compressionOf(batch)) {
    case Compression.None:
      return body;
    case Compression.Gzip:
      return zlib.gunzipSync(body);
    case Compression.Snappy:
      return snappyDecompress(body);
    case Compression.Lz4:
      return Buffer.from(lz4Decompress(body));
    case Compression.Zstd:
      return Buffer.from(zstdDecompress(body));
    default:
      throw new Error('unknown compression codec');
  }
}

class VarReader {
  pos = 0;
  constructor(private readonly b: Buffer) {}

  varint(): number {
    let value = 0;
    let shift = 0;
    for (;;) {
      if (this.pos >= this.b.length) throw new Error('record truncated');
      const byte = this.b[this.pos++];
      value += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) break;
      shift += 7;
      if (shift > 63) throw new Error('varint too long');
    }
    // zigzag
    return value % 2 === 0 ? value / 2 : -(value + 1) / 2;
  }

  bytes(): Buffer | null {
    const n = this.varint();
    if (n < 0) return null;
    if (this.pos + n > this.b.length) throw new Error('record truncated');
    const out = this.b.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
}

/** Every record of a stored batch (baseOffset already assigned), decompressing when needed. */
export function decodeRecords(batch: Buffer): DecodedRecord[] {
  const baseOffset = Number(batch.readBigInt64BE(BatchField.baseOffset));
  const firstTimestamp = Number(batch.readBigInt64BE(BatchField.firstTimestamp));
  const logAppendTime = (batch.readInt16BE(BatchField.attributes) & 0x08) !== 0;
  const maxTimestamp = Number(batch.readBigInt64BE(BatchField.maxTimestamp));
  const count = batch.readInt32BE(BatchField.recordCount);
  const r = new VarReader(recordsPayload(batch));
  const out: DecodedRecord[] = [];
  for (let i = 0; i < count; i++) {
    const length = r.varint();
    const end = r.pos + length;
    r.pos += 1; // attributes
    const timestampDelta = r.varint();
    const offsetDelta = r.varint();
    const key = r.bytes();
    const value = r.bytes();
    const nHeaders = r.varint();
    const headers: DecodedRecord['headers'] = [];
    for (let h = 0; h < nHeaders; h++) {
      const k = r.bytes();
      headers.push({ key: k === null ? '' : k.toString('utf8'), value: r.bytes() });
    }
    r.pos = end;
    out.push({ offset: baseOffset + offsetDelta, timestamp: logAppendTime ? maxTimestamp : firstTimestamp + timestampDelta, key, value, headers });
  }
  return out;
}

function zigzag(n: number): number[] {
  // zigzag varint for values within 2^53
  let v = n >= 0 ? n * 2 : -n * 2 - 1;
  const out: number[] = [];
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return out;
}

function varBytes(b: Buffer | null): Buffer[] {
  return b === null ? [Buffer.from(zigzag(-1))] : [Buffer.from(zigzag(b.length)), b];
}

/**
 * A stored batch rebuilt with only some of its records (compaction): same base offset, last offset
 * delta, timestamps and producer fields; records keep their offset deltas; written uncompressed.
 */
export function rebuildBatch(original: Buffer, keep: DecodedRecord[]): Buffer {
  const baseOffset = Number(original.readBigInt64BE(BatchField.baseOffset));
  const firstTimestamp = Number(original.readBigInt64BE(BatchField.firstTimestamp));
  const parts: Buffer[] = [];
  for (const r of keep) {
    const body: Buffer[] = [Buffer.from([0]), Buffer.from(zigzag(r.timestamp - firstTimestamp)), Buffer.from(zigzag(r.offset - baseOffset)), ...varBytes(r.key), ...varBytes(r.value), Buffer.from(zigzag(r.headers.length))];
    for (const h of r.headers) body.push(...varBytes(Buffer.from(h.key, 'utf8')), ...varBytes(h.value));
    const joined = Buffer.concat(body);
    parts.push(Buffer.from(zigzag(joined.length)), joined);
  }
  const header = Buffer.from(original.subarray(0, BATCH_HEADER_SIZE));
  header.writeInt16BE(header.readInt16BE(BatchField.attributes) & ~0x07, BatchField.attributes);
  header.writeInt32BE(keep.length, BatchField.recordCount);
  const out = Buffer.concat([header, ...parts]);
  out.writeInt32BE(out.length - 12, BatchField.batchLength);
  out.writeUInt32BE(crc32c(out.subarray(BatchField.attributes)), BatchField.crc);
  return out;
}

export function isControlBatch(batch: Buffer): boolean {
  return (batch.readInt16BE(BatchField.attributes) & 0x20) !== 0;
}
