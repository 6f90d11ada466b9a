import * as fs from 'node:fs';
import * as path from 'node:path';

export interface CommittedOffset {
  offset: number;
  metadata: string | null;
  leaderEpoch: number;
}

interface OffsetLine {
  g: string;
  t: string;
  p: number;
  o: number;
  m: string | null;
  /** leader epoch, -1 when not given */
  e?: number;
}

/** Written when a topic is deleted: every group forgets its offsets for it. */
interface TopicDeletedLine {
  deletedTopic: string;
}

/** Written when a group is deleted (DeleteGroups), or some of its offsets (OffsetDelete). */
interface GroupDeletedLine {
  deletedGroup: string;
  partitions?: Array<{ t: string; p: number }>;
}

export type OffsetEvent =
  | { kind: 'commit'; group: string; entries: Array<{ topic: string; partition: number; offset: number; metadata: string | null; leaderEpoch?: number; expireTimestamp?: number | null }> }
  | { kind: 'delete'; group: string; partitions: Array<{ topic: string; partition: number }> | null };

/** Committed offsets per group; with a data dir, an append-only JSON-lines file compacted on start. */
export class OffsetStore {
  private readonly groups = new Map<string, Map<string, Map<number, CommittedOffset>>>();
  private readonly fd: number | null = null;

  constructor(dataDir: string | null) {
    if (dataDir === null) return;
    const file = path.join(dataDir, 'offsets.log');
    if (fs.existsSync(file)) {
      for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
        if (line.trim() === '') continue;
        try {
          const l = JSON.parse(line) as OffsetLine | TopicDeletedLine | GroupDeletedLine;
          if ('deletedTopic' in l) this.forget(l.deletedTopic);
          else if ('deletedGroup' in l) this.forgetGroup(l.deletedGroup, l.partitions);
          else this.put(l.g, l.t, l.p, { offset: l.o, metadata: l.m, leaderEpoch: l.e ?? -1 });
        } catch {
          // a line cut short by a crash: everything before it stands
        }
      }
    }
    const tmp = `${file}.tmp`;
    fs.writeFileSync(tmp, this.lines().join(''));
    fs.renameSync(tmp, file);
    this.fd = fs.openSync(file, 'a');
  }

  private lines(): string[] {
    const out: string[] = [];
    for (const [g, topics] of this.groups)
      for (const [t, parts] of topics)
        for (const [p, c] of parts) out.push(JSON.stringify({ g, t, p, o: c.offset, m: c.metadata, e: c.leaderEpoch } satisfies OffsetLine) + '\n');
    return out;
  }

  private put(group: string, topic: string, partition: number, c: CommittedOffset): void {
    let topics = this.groups.get(group);
    if (!topics) this.groups.set(group, (topics = new Map()));
    let parts = topics.get(topic);
    if (!parts) topics.set(topic, (parts = new Map()));
    parts.set(partition, c);
  }

  commit(group: string, entries: Array<{ topic: string; partition: number; offset: number; metadata: string | null; leaderEpoch?: number; expireTimestamp?: number | null }>): void {
    let out = '';
    for (const e of entries) {
      const leaderEpoch = e.leaderEpoch ?? -1;
      this.put(group, e.topic, e.partition, { offset: e.offset, metadata: e.metadata, leaderEpoch });
      if (this.fd !== null) out += JSON.stringify({ g: group, t: e.topic, p: e.partition, o: e.offset, m: e.metadata, e: leaderEpoch } satisfies OffsetLine) + '\n';
    }
    if (this.fd !== null && out !== '') fs.writeSync(this.fd, out);
    for (const l of this.listeners) l({ kind: 'commit', group, entries });
  }

  /** Forgets a whole group, or only some of its offsets. */
  /** `quiet`: the caller records the deletion in `__consumer_offsets` itself (DeleteGroups). */
  deleteGroup(group: string, partitions?: Array<{ topic: string; partition: number }>, quiet = false): void {
    const ps = partitions?.map((x) => ({ t: x.topic, p: x.partition }));
    this.forgetGroup(group, ps);
    if (this.fd !== null) fs.writeSync(this.fd, JSON.stringify({ deletedGroup: group, partitions: ps } satisfies GroupDeletedLine) + '\n');
    if (!quiet) for (const l of this.listeners) l({ kind: 'delete', group, partitions: partitions ?? null });
  }

  deleteOffsets(group: string, partitions: Array<{ topic: string; partition: number }>): void {
    this.deleteGroup(group, partitions);
  }

  private forgetGroup(group: string, partitions?: Array<{ t: string; p: number }>): void {
    if (!partitions) {
      this.groups.delete(group);
      return;
    }
    const topics = this.groups.get(group);
    if (!topics) return;
    for (const { t, p } of partitions) {
      topics.get(t)?.delete(p);
      if (topics.get(t)?.size === 0) topics.delete(t);
    }
  }

  private readonly listeners: Array<(e: OffsetEvent) => void> = [];

  /** Called on every commit and deletion (the `__consumer_offsets` writer listens). */
  onChange(listener: (e: OffsetEvent) => void): void {
    this.listeners.push(listener);
  }

  deleteTopic(topic: string): void {
    for (const [group, topics] of this.groups) {
      const parts = topics.get(topic);
      if (parts && parts.size > 0) for (const l of this.listeners) l({ kind: 'delete', group, partitions: [...parts.keys()].map((partition) => ({ topic, partition })) });
    }
    this.forget(topic);
    if (this.fd !== null) fs.writeSync(this.fd, JSON.stringify({ deletedTopic: topic } satisfies TopicDeletedLine) + '\n');
  }

  private forget(topic: string): void {
    for (const topics of this.groups.values()) topics.delete(topic);
  }

  get(group: string, topic: string, partition: number): CommittedOffset | undefined {
    return this.groups.get(group)?.get(topic)?.get(partition);
  }

  topicsOf(group: string): Array<{ topic: string; partitions: number[] }> {
    const topics = this.groups.get(group);
    if (!topics) return [];
    return [...topics].map(([topic, parts]) => ({ topic, partitions: [...parts.keys()] }));
  }

  groupIds(): string[] {
    return [...this.groups.keys()];
  }

  close(): void {
    if (this.fd !== null) fs.closeSync(this.fd);
  }
}
