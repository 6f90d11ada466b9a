import * as zlib from 'node:zlib';
import { decompress as lz4Decompress } from 'lz4js';
import { BATCH_HEADER_SIZE, BatchField } from './record-batch';
import { crc32c } from './record-batch-encoder';
import { decodeRecords, isControlBatch, snappyDecompress } from './records';

/**
 * The message formats before Kafka 0.11 (magic 0 and 1), spoken by Produce v0–2 and Fetch v0–3: as
 * Kafka with its default message format, produced message sets are converted up to a record batch
 * (stored uncompressed), and batches are converted down for those old fetches.
 */

export function isLegacyMessageSet(records: Buffer): boolean {
  return records.length > 16 && records.readInt8(16) < 2;
}

interface LegacyMessage {
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
}

function inflate(codec: number, data: Buffer): Buffer {
  switch (codec) {
    case 1:
      return zlib.gunzipSync(data);
    case 2:
      return snappyDecompress(data);
    case 3:
      return Buffer.from(lz4Decompress(data));
    default:
      throw new Error(`compression codec ${codec} is not valid in message format 0/1`);
  }
}

function parseMessageSet(buf: Buffer, out: LegacyMessage[], nested: boolean): void {
  let pos = 0;
  while (pos + 12 <= buf.length) {
    const size = buf.readInt32BE(pos + 8);
    if (size < 14 || pos + 12 + size > buf.length) throw new Error('message truncated');
    const m = buf.subarray(pos + 12, pos + 12 + size);
    const magic = m.readInt8(4);
    const attributes = m.readInt8(5);
    let at = 6;
    let timestamp = -1;
    if (magic === 1) {
      timestamp = Number(m.readBigInt64BE(6));
      at = 14;
    }
    const klen = m.readInt32BE(at);
    at += 4;
    const key = klen < 0 ? null : m.subarray(at, at + klen);
    if (klen > 0) at += klen;
    const vlen = m.readInt32BE(at);
    at += 4;
    const value = vlen < 0 ? null : m.subarray(at, at + vlen);
    const codec = attributes & 0x07;
    if (codec !== 0) {
      if (nested || value === null) throw new Error('nested compression');
      parseMessageSet(inflate(codec, value), out, true);
    } else out.push({ timestamp, key, value });
    pos += 12 + size;
  }
}

function zigzag(n: number): number[] {
  let v = n >= 0 ? n * 2 : -n * 2 - 1;
  const o: number[] = [];
  while (v >= 0x80) {
    o.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  o.push(v);
  return o;
}

const bytesField = (b: Buffer | null): Buffer[] => (b === null ? [Buffer.from(zigzag(-1))] : [Buffer.from(zigzag(b.length)), b]);

/** A magic 0/1 message set as one uncompressed record batch (no producer id). */
export function upConvert(records: Buffer): Buffer {
  const messages: LegacyMessage[] = [];
  parseMessageSet(records, messages, false);
  if (messages.length === 0) throw new Error('empty message set');
  const first = messages[0].timestamp;
  let max = -1;
  const parts: Buffer[] = [];
  messages.forEach((msg, i) => {
    if (msg.timestamp > max) max = msg.timestamp;
    const body = Buffer.concat([Buffer.from([0]), Buffer.from(zigzag(msg.timestamp < 0 || first < 0 ? 0 : msg.timestamp - first)), Buffer.from(zigzag(i)), ...bytesField(msg.key), ...bytesField(msg.value), Buffer.from([0])]);
    parts.push(Buffer.from(zigzag(body.length)), body);
  });
  const header = Buffer.alloc(BATCH_HEADER_SIZE);
  header.writeInt8(2, BatchField.magic);
  header.writeInt32BE(messages.length - 1, BatchField.lastOffsetDelta);
  header.writeBigInt64BE(BigInt(first), BatchField.firstTimestamp);
  header.writeBigInt64BE(BigInt(max), BatchField.maxTimestamp);
  header.writeBigInt64BE(-1n, BatchField.producerId);
  header.writeInt16BE(-1, BatchField.producerEpoch);
  header.writeInt32BE(-1, BatchField.baseSequence);
  header.writeInt32BE(messages.length, BatchField.recordCount);
  const out = Buffer.concat([header, ...parts]);
  out.writeInt32BE(out.length - 12, BatchField.batchLength);
  out.writeUInt32BE(crc32c(out.subarray(BatchField.attributes)), BatchField.crc);
  return out;
}

/** Stored batches (back to back) as a magic 0 or 1 message set, uncompressed; headers are dropped, as Kafka does. */
export function downConvert(batches: Buffer, magic: 0 | 1): Buffer {
  const out: Buffer[] = [];
  for (let pos = 0; pos + 12 <= batches.length; ) {
    const total = batches.readInt32BE(pos + BatchField.batchLength) + 12;
    if (pos + total > batches.length) break;
    const batch = batches.subarray(pos, pos + total);
    pos += total;
    if (isControlBatch(batch)) continue;
    for (const r of decodeRecords(batch)) {
      const key = r.key;
      const value = r.value;
      const bodyLen = (magic === 1 ? 8 : 0) + 4 + (key?.length ?? 0) + 4 + (value?.length ?? 0);
      const m = Buffer.alloc(12 + 4 + 2 + bodyLen);
      m.writeBigInt64BE(BigInt(r.offset), 0);
      m.writeInt32BE(4 + 2 + bodyLen, 8);
      let at = 16;
      m.writeInt8(magic, at++);
      m.writeInt8(0, at++);
      if (magic === 1) {
        m.writeBigInt64BE(BigInt(r.timestamp), at);
        at += 8;
      }
      m.writeInt32BE(key === null ? -1 : key.length, at);
      at += 4;
      if (key) at += key.copy(m, at);
      m.writeInt32BE(value === null ? -1 : value.length, at);
      at += 4;
      if (value) at += value.copy(m, at);
      m.writeUInt32BE(zlib.crc32(m.subarray(16)), 12);
      out.push(m);
    }
  }
  return Buffer.concat(out);
}
