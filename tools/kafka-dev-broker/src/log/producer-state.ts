import { BatchHeader } from '../protocol/record-batch';

interface RecentBatch {
  firstSeq: number;
  lastSeq: number;
  baseOffset: number;
}

interface ProducerEntry {
  epoch: number;
  lastSeq: number;
  recent: RecentBatch[];
}

export type SequenceCheck =
  | { kind: 'append' }
  | { kind: 'duplicate'; baseOffset: number }
  | { kind: 'outOfOrder' }
  | { kind: 'fencedEpoch' };

const RECENT_KEPT = 5;
const INT32_MAX = 2147483647;

/** Idempotent-producer bookkeeping of one partition, rebuilt from the log's batch headers on load. */
export class ProducerState {
  private readonly producers = new Map<bigint, ProducerEntry>();

  check(batch: BatchHeader): SequenceCheck {
    if (batch.producerId < 0n) return { kind: 'append' };
    const entry = this.producers.get(batch.producerId);
    if (entry === undefined || batch.producerEpoch > entry.epoch) return { kind: 'append' };
    if (batch.producerEpoch < entry.epoch) return { kind: 'fencedEpoch' };
    const lastSeq = lastSequence(batch);
    const dup = entry.recent.find((r) => r.firstSeq === batch.baseSequence && r.lastSeq === lastSeq);
    if (dup) return { kind: 'duplicate', baseOffset: dup.baseOffset };
    const expected = entry.lastSeq === INT32_MAX ? 0 : entry.lastSeq + 1;
    return batch.baseSequence === expected ? { kind: 'append' } : { kind: 'outOfOrder' };
  }

  record(batch: BatchHeader, baseOffset: number): void {
    if (batch.producerId < 0n) return;
    let entry = this.producers.get(batch.producerId);
    if (entry === undefined || batch.producerEpoch !== entry.epoch) {
      entry = { epoch: batch.producerEpoch, lastSeq: -1, recent: [] };
      this.producers.set(batch.producerId, entry);
    }
    const lastSeq = lastSequence(batch);
    entry.lastSeq = lastSeq;
    entry.recent.push({ firstSeq: batch.baseSequence, lastSeq, baseOffset });
    if (entry.recent.length > RECENT_KEPT) entry.recent.shift();
  }

  maxProducerId(): bigint {
    let max = -1n;
    for (const id of this.producers.keys()) if (id > max) max = id;
    return max;
  }
}

function lastSequence(batch: BatchHeader): number {
  const last = batch.baseSequence + batch.lastOffsetDelta;
  return last > INT32_MAX ? last - INT32_MAX - 1 : last;
}
