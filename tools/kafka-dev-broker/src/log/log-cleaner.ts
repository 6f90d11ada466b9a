import { BatchField } from '../protocol/record-batch';
import { decodeRecords, isControlBatch, rebuildBatch } from '../protocol/records';
import { Logger } from '../server/logger';
import { BrokerConfigs } from './configs';
import { PartitionLog } from './partition-log';
import { Segment } from './segment';
import { TopicStore } from './topic-store';

/**
 * Kafka's log retention and log cleaner for one node: per topic `cleanup.policy`; `delete` removes
 * closed segments past `retention.ms` / `retention.bytes`, `compact` keeps the latest record per key
 * in closed segments and drops tombstones older than `delete.retention.ms`. The active segment is
 * never touched, as in Kafka.
 */
export class LogCleaner {
  private readonly timer: NodeJS.Timeout;
  private readonly lastPass = new WeakMap<PartitionLog, { signature: string; tombstones: boolean }>();

  constructor(
    private readonly store: TopicStore,
    private readonly configs: BrokerConfigs,
    private readonly log: Logger,
    intervalMs: number,
  ) {
    this.timer = setInterval(() => this.runOnce(Date.now()), intervalMs);
    this.timer.unref();
  }

  runOnce(now: number): void {
    for (const topic of this.store.all()) {
      const policy = (this.configs.topicValue(topic.configs, 'cleanup.policy')?.value ?? 'delete').split(',').map((s) => s.trim());
      const retentionMs = this.configs.topicNumber(topic.configs, 'retention.ms');
      const retentionBytes = this.configs.topicNumber(topic.configs, 'retention.bytes');
      const deleteRetentionMs = this.configs.topicNumber(topic.configs, 'delete.retention.ms');
      for (const p of topic.partitions) {
        try {
          if (policy.includes('compact')) this.compact(p, deleteRetentionMs, now);
          if (policy.includes('delete')) {
            const removed = p.enforceRetention(retentionMs, retentionBytes, now);
            if (removed > 0) this.log.debug(`${topic.name}-${p.index}: retention removed ${removed} segment(s), log starts at ${p.logStartOffset}`);
          }
        } catch (e) {
          this.log.warn(`${topic.name}-${p.index}: cleaning failed: ${(e as Error).message}`);
        }
      }
    }
  }

  /** Compacts the closed segments of a partition; returns how many records were removed. */
  compact(p: PartitionLog, deleteRetentionMs: number, now: number): number {
    const closed = p.closedSegments();
    if (closed.length === 0) return 0;
    // Nothing new to clean since the last pass, and no tombstone left waiting for its expiry: skip.
    const signature = closed.map((s) => `${s.baseOffset}:${s.size}`).join(',');
    const last = this.lastPass.get(p);
    if (last && last.signature === signature && !last.tombstones) return 0;
    let tombstones = false;
    const latest = new Map<string, number>();
    const batchesOf = (seg: Segment): Buffer[] => {
      const out: Buffer[] = [];
      let pos = 0;
      while (pos < seg.size) {
        const b = seg.readBatches(pos, 1);
        if (b.length === 0) break;
        out.push(b);
        pos += b.length;
      }
      return out;
    };
    for (const seg of closed) {
      for (const b of batchesOf(seg)) {
        if (isControlBatch(b)) continue;
        for (const r of decodeRecords(b)) if (r.key !== null) latest.set(r.key.toString('latin1'), r.offset);
      }
    }
    let removed = 0;
    const fresh: Array<Segment | null> = [];
    const replaced: Segment[] = [];
    for (const seg of closed) {
      let changed = false;
      const out: Buffer[] = [];
      for (const b of batchesOf(seg)) {
        if (isControlBatch(b)) {
          out.push(b);
          continue;
        }
        const records = decodeRecords(b);
        const tombstonesExpire = deleteRetentionMs >= 0 && now - Number(b.readBigInt64BE(BatchField.maxTimestamp)) > deleteRetentionMs;
        const keep = records.filter((r) => {
          if (r.key === null) return true;
          if (latest.get(r.key.toString('latin1')) !== r.offset) return false;
          if (r.value === null && !tombstonesExpire) tombstones = true;
          return !(r.value === null && tombstonesExpire);
        });
        if (keep.length === records.length) out.push(b);
        else {
          changed = true;
          removed += records.length - keep.length;
          if (keep.length > 0) out.push(rebuildBatch(b, keep));
        }
      }
      if (!changed) continue;
      const replacement = Segment.createReplacement(p.directory, seg.baseOffset);
      for (const b of out) replacement.append(b, 4096);
      replaced.push(seg);
      if (out.length === 0 && seg !== closed[0]) {
        replacement.remove();
        seg.remove();
        fresh.push(null);
      } else fresh.push(Segment.swapIn(p.directory, seg, replacement));
    }
    if (replaced.length > 0) p.replaceSegments(replaced, fresh);
    this.lastPass.set(p, { signature: p.closedSegments().map((s) => `${s.baseOffset}:${s.size}`).join(','), tombstones });
    if (removed > 0) this.log.debug(`${p.topic}-${p.index}: compaction removed ${removed} record(s)`);
    return removed;
  }

  close(): void {
    clearInterval(this.timer);
  }
}
