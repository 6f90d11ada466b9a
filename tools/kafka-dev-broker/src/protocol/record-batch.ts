/** Byte offsets of the record batch (magic 2) header fields. */
export const BatchField = {
  baseOffset: 0,
  batchLength: 8,
  partitionLeaderEpoch: 12,
  magic: 16,
  crc: 17,
  attributes: 21,
  lastOffsetDelta: 23,
  firstTimestamp: 27,
  maxTimestamp: 35,
  producerId: 43,
  producerEpoch: 51,
  baseSequence: 53,
  recordCount: 57,
} as const;

export const BATCH_HEADER_SIZE = 61;
const LOG_OVERHEAD = 12; // baseOffset + batchLength precede the counted bytes

export interface BatchHeader {
  /** The whole batch, header included. */
  buf: Buffer;
  lastOffsetDelta: number;
  maxTimestamp: number;
  producerId: bigint;
  producerEpoch: number;
  baseSequence: number;
  recordCount: number;
  isTransactional: boolean;
  isControl: boolean;
}

export type SplitResult = { ok: true; batches: BatchHeader[] } | { ok: false; reason: string };

/** Splits a produce request's record set into batches, reading headers only (records stay opaque). */
export function splitBatches(records: Buffer): SplitResult {
  const batches: BatchHeader[] = [];
  let pos = 0;
  while (pos < records.length) {
    if (records.length - pos < BATCH_HEADER_SIZE) return { ok: false, reason: 'truncated batch header' };
    const batchLength = records.readInt32BE(pos + BatchField.batchLength);
    const total = batchLength + LOG_OVERHEAD;
    if (batchLength < BATCH_HEADER_SIZE - LOG_OVERHEAD || pos + total > records.length) {
      return { ok: false, reason: 'batch length out of bounds' };
    }
    if (records.readInt8(pos + BatchField.magic) !== 2) return { ok: false, reason: 'only magic 2 batches are accepted' };
    const lastOffsetDelta = records.readInt32BE(pos + BatchField.lastOffsetDelta);
    const recordCount = records.readInt32BE(pos + BatchField.recordCount);
    if (lastOffsetDelta < 0 || recordCount < 0) return { ok: false, reason: 'negative record count' };
    const attributes = records.readInt16BE(pos + BatchField.attributes);
    batches.push({
      buf: records.subarray(pos, pos + total),
      lastOffsetDelta,
      maxTimestamp: Number(records.readBigInt64BE(pos + BatchField.maxTimestamp)),
      producerId: records.readBigInt64BE(pos + BatchField.producerId),
      producerEpoch: records.readInt16BE(pos + BatchField.producerEpoch),
      baseSequence: records.readInt32BE(pos + BatchField.baseSequence),
      recordCount,
      isTransactional: (attributes & 0x10) !== 0,
      isControl: (attributes & 0x20) !== 0,
    });
    pos += total;
  }
  return { ok: true, batches };
}
