import * as fs from 'node:fs';
import * as path from 'node:path';

export interface CommittedOffset {
  offset: number;
  metadata: string | null;
}

interface OffsetLine {
  g: string;
  t: string;
  p: number;
  o: number;
  m: string | null;
}

/** Written when a topic is deleted: every group forgets its offsets for it. */
interface TopicDeletedLine {
  deletedTopic: string;
}

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
          const l = JSON.parse(line) as OffsetLine | TopicDeletedLine;
          if ('deletedTopic' in l) this.forget(l.deletedTopic);
          else this.put(l.g, l.t, l.p, { offset: l.o, metadata: l.m });
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
        for (const [p, c] of parts) out.push(JSON.stringify({ g, t, p, o: c.offset, m: c.metadata } satisfies OffsetLine) + '\n');
    return out;
  }

  private put(group: string, topic: string, partition: number, c: CommittedOffset): void {
    let topics = this.groups.get(group);
    if (!topics) this.groups.set(group, (topics = new Map()));
    let parts = topics.get(topic);
    if (!parts) topics.set(topic, (parts = new Map()));
    parts.set(partition, c);
  }

  commit(group: string, entries: Array<{ topic: string; partition: number; offset: number; metadata: string | null }>): void {
    let out = '';
    for (const e of entries) {
      this.put(group, e.topic, e.partition, { offset: e.offset, metadata: e.metadata });
      if (this.fd !== null) out += JSON.stringify({ g: group, t: e.topic, p: e.partition, o: e.offset, m: e.metadata } satisfies OffsetLine) + '\n';
    }
    if (this.fd !== null && out !== '') fs.writeSync(this.fd, out);
  }

  deleteTopic(topic: string): void {
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
