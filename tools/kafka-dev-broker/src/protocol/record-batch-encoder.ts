import { BATCH_HEADER_SIZE, BatchField } from './record-batch';

const CRC32C_TABLE = (() => {
  const table = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    table[n] = c;
  }
  return table;
})();

export function crc32c(buf: Buffer): number {
  let crc = -1;
  for (let i = 0; i < buf.length; i++) crc = CRC32C_TABLE[(crc ^ buf[i]) & 0xff] ^ (crc >>> 8);
  return (crc ^ -1) >>> 0;
}

function zigzagVarint(value: number): Buffer {
  let v = (value << 1) ^ (value >> 31);
  const out: number[] = [];
  while ((v & ~0x7f) !== 0) {
    out.push((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  out.push(v);
  return Buffer.from(out);
}

export interface BatchToEncode {
  records: Array<{ key: Buffer | null; value: Buffer | null }>;
  timestamp?: number;
  producerId?: bigint;
  producerEpoch?: number;
  baseSequence?: number;
}

/** An uncompressed magic-2 record batch (no headers), as a client would send it; for tools and tests. */
export function encodeRecordBatch(batch: BatchToEncode): Buffer {
  const parts: Buffer[] = [];
  batch.records.forEach((r, i) => {
    const key = r.key === null ? [zigzagVarint(-1)] : [zigzagVarint(r.key.length), r.key];
    const value = r.value === null ? [zigzagVarint(-1)] : [zigzagVarint(r.value.length), r.value];
    const body = Buffer.concat([Buffer.from([0]), zigzagVarint(0), zigzagVarint(i), ...key, ...value, zigzagVarint(0)]);
    parts.push(zigzagVarint(body.length), body);
  });
  const timestamp = BigInt(batch.timestamp ?? Date.now());
  const header = Buffer.alloc(BATCH_HEADER_SIZE);
  header.writeInt8(2, BatchField.magic);
  header.writeInt32BE(batch.records.length - 1, BatchField.lastOffsetDelta);
  header.writeBigInt64BE(timestamp, BatchField.firstTimestamp);
  header.writeBigInt64BE(timestamp, BatchField.maxTimestamp);
  header.writeBigInt64BE(batch.producerId ?? -1n, BatchField.producerId);
  header.writeInt16BE(batch.producerEpoch ?? -1, BatchField.producerEpoch);
  header.writeInt32BE(batch.baseSequence ?? -1, BatchField.baseSequence);
  header.writeInt32BE(batch.records.length, BatchField.recordCount);
  const out = Buffer.concat([header, ...parts]);
  out.writeInt32BE(out.length - 12, BatchField.batchLength);
  out.writeUInt32BE(crc32c(out.subarray(BatchField.attributes)), BatchField.crc);
  return out;
}
