import { KAFKA_RECORDS } from '../protocol/schema/kafka-messages';
import { encodeMessage } from '../protocol/schema/codec';
import { MessageDef } from '../protocol/schema/types';
import { splitBatches } from '../protocol/record-batch';
import { encodeRecordBatch } from '../protocol/record-batch-encoder';
import { Writer } from '../protocol/writer';
import { Topic, TopicStore } from '../log/topic-store';
import { Logger } from '../server/logger';
import { GroupSnapshot } from './group-coordinator';
import { OffsetEvent } from './offset-store';

export const OFFSETS_TOPIC = '__consumer_offsets';

/** Kafka's partition of a group in `__consumer_offsets`: abs(groupId.hashCode()) % partitions (Java's String.hashCode). */
export function offsetsPartitionFor(groupId: string, partitions: number): number {
  let h = 0;
  for (let i = 0; i < groupId.length; i++) h = (Math.imul(31, h) + groupId.charCodeAt(i)) | 0;
  return (h & 0x7fffffff) % partitions;
}

function versioned(def: MessageDef, version: number, body: object): Buffer {
  const w = new Writer(128);
  w.int16(version);
  encodeMessage(def, version, w, body);
  return w.toBuffer();
}

export function offsetCommitKey(group: string, topic: string, partition: number): Buffer {
  return versioned(KAFKA_RECORDS.OffsetCommitKey, 1, { group, topic, partition });
}

export function offsetCommitValue(offset: number, leaderEpoch: number, metadata: string | null, commitTimestamp: number, expireTimestamp: number | null): Buffer {
  // As Kafka: v1 when the commit asked for its own retention (it carries the expiry), else v3 (with the leader epoch).
  if (expireTimestamp !== null) return versioned(KAFKA_RECORDS.OffsetCommitValue, 1, { offset, metadata: metadata ?? '', commitTimestamp, expireTimestamp });
  return versioned(KAFKA_RECORDS.OffsetCommitValue, 3, { offset, leaderEpoch, metadata: metadata ?? '', commitTimestamp });
}

export function groupMetadataKey(group: string): Buffer {
  return versioned(KAFKA_RECORDS.GroupMetadataKey, 2, { group });
}

export function groupMetadataValue(g: GroupSnapshot, now: number): Buffer {
  return versioned(KAFKA_RECORDS.GroupMetadataValue, 3, {
    protocolType: g.protocolType,
    generation: g.generation,
    protocol: g.protocol,
    leader: g.leader,
    currentStateTimestamp: now,
    members: g.members.map((m) => ({
      memberId: m.memberId,
      groupInstanceId: null,
      clientId: m.clientId,
      clientHost: m.clientHost,
      rebalanceTimeout: m.rebalanceTimeoutMs,
      sessionTimeout: m.sessionTimeoutMs,
      subscription: m.subscription,
      assignment: m.assignment,
    })),
  });
}

/**
 * Writes every offset commit and group change to `__consumer_offsets` as Kafka does (offset-commit
 * key v1 / value v3, group-metadata key v2 / value v3, tombstones for deletions), so tools that read
 * that topic (lag monitors) see the groups. The committed offsets themselves are served from the
 * offset store; this topic is their mirror in Kafka's format.
 */
export class OffsetsTopicWriter {
  constructor(
    private readonly store: TopicStore,
    private readonly partitions: number,
    private readonly log: Logger,
  ) {}

  /** The topic, created (compacted, internal) on first use, as Kafka creates it on the first group request. */
  topic(): Topic {
    return (
      this.store.get(OFFSETS_TOPIC) ??
      this.store.create(
        OFFSETS_TOPIC,
        this.partitions,
        new Map([
          ['cleanup.policy', 'compact'],
          ['compression.type', 'producer'],
          ['segment.bytes', '104857600'],
        ]),
      )
    );
  }

  private append(group: string, records: Array<{ key: Buffer; value: Buffer | null }>): void {
    if (records.length === 0) return;
    const topic = this.topic();
    const log = topic.partitions[offsetsPartitionFor(group, topic.partitions.length)];
    const split = splitBatches(encodeRecordBatch({ records }));
    if (!split.ok) throw new Error(split.reason);
    log.append(split.batches[0]);
  }

  onOffsets(e: OffsetEvent): void {
    try {
      const now = Date.now();
      if (e.kind === 'commit') {
        this.append(
          e.group,
          e.entries.map((x) => ({
            key: offsetCommitKey(e.group, x.topic, x.partition),
            value: offsetCommitValue(x.offset, x.leaderEpoch ?? -1, x.metadata, now, x.expireTimestamp ?? null),
          })),
        );
      } else if (e.partitions !== null) {
        this.append(e.group, e.partitions.map((x) => ({ key: offsetCommitKey(e.group, x.topic, x.partition), value: null })));
      }
    } catch (err) {
      this.log.warn(`__consumer_offsets: ${(err as Error).message}`);
    }
  }

  /** A group's new state; null when the group was deleted (tombstones for it and its offsets). */
  onGroup(groupId: string, g: GroupSnapshot | null, deletedOffsets: Array<{ topic: string; partition: number }> = []): void {
    try {
      if (g === null) {
        this.append(groupId, [...deletedOffsets.map((x) => ({ key: offsetCommitKey(groupId, x.topic, x.partition), value: null })), { key: groupMetadataKey(groupId), value: null }]);
        return;
      }
      this.append(groupId, [{ key: groupMetadataKey(groupId), value: groupMetadataValue(g, Date.now()) }]);
    } catch (err) {
      this.log.warn(`__consumer_offsets: ${(err as Error).message}`);
    }
  }
}
