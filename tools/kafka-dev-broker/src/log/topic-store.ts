import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LogSettings, PartitionLog } from './partition-log';

export interface Topic {
  name: string;
  /** Topic id (KIP-516), 32 hex digits; kept in the topic's folder. */
  id: string;
  partitions: PartitionLog[];
  configs: Map<string, string | null>;
  /** Kafka's own topics (`__consumer_offsets`): not produced to, deleted or grown by clients. */
  internal: boolean;
}

export const INTERNAL_TOPICS = new Set(['__consumer_offsets']);

const LEGAL_TOPIC = /^[a-zA-Z0-9._-]{1,249}$/;

export function isValidTopicName(name: string): boolean {
  return LEGAL_TOPIC.test(name) && name !== '.' && name !== '..';
}

/** All topics and their partition logs; with a data dir, one folder per topic and one file per partition. */
export class TopicStore {
  private readonly topics = new Map<string, Topic>();
  private readonly topicsDir: string | null;

  constructor(
    dataDir: string | null,
    readonly defaultPartitions: number,
    private readonly settingsOf: (topic: Topic) => LogSettings,
  ) {
    this.topicsDir = dataDir === null ? null : path.join(dataDir, 'topics');
    if (this.topicsDir !== null) {
      fs.mkdirSync(this.topicsDir, { recursive: true });
      this.loadAll(this.topicsDir);
    }
  }

  private loadAll(dir: string): void {
    for (const name of fs.readdirSync(dir)) {
      if (!isValidTopicName(name)) continue;
      const topicDir = path.join(dir, name);
      const counts: number[] = [];
      for (const f of fs.readdirSync(topicDir)) {
        const old = /^(\d+)\.log$/.exec(f);
        if (old) {
          // an earlier layout kept a partition in one file: it becomes that partition's first segment
          const partDir = path.join(topicDir, old[1]);
          fs.mkdirSync(partDir, { recursive: true });
          fs.renameSync(path.join(topicDir, f), path.join(partDir, `${'0'.repeat(20)}.log`));
          counts.push(Number(old[1]));
        } else if (/^\d+$/.test(f)) counts.push(Number(f));
      }
      const count = counts.length === 0 ? 0 : Math.max(...counts) + 1;
      const topic: Topic = { name, id: readOrCreateId(topicDir), partitions: [], configs: readConfigs(topicDir), internal: INTERNAL_TOPICS.has(name) };
      for (let i = 0; i < count; i++) topic.partitions.push(new PartitionLog(name, i, path.join(topicDir, String(i)), () => this.settingsOf(topic)));
      this.topics.set(name, topic);
    }
  }

  get(name: string): Topic | undefined {
    return this.topics.get(name);
  }

  byId(id: string): Topic | undefined {
    for (const t of this.topics.values()) if (t.id === id) return t;
    return undefined;
  }

  /** Replaces a topic's own configs (those it does not set fall back to the broker's) and keeps them. */
  setConfigs(topic: Topic, configs: Map<string, string | null>): void {
    topic.configs = configs;
    const topicDir = this.topicDir(topic.name);
    if (topicDir !== null) {
      const file = path.join(topicDir, 'configs.json');
      fs.writeFileSync(`${file}.tmp`, JSON.stringify(Object.fromEntries(configs)));
      fs.renameSync(`${file}.tmp`, file);
    }
  }

  partition(topic: string, index: number): PartitionLog | undefined {
    return this.topics.get(topic)?.partitions[index];
  }

  names(): string[] {
    return [...this.topics.keys()];
  }

  all(): Topic[] {
    return [...this.topics.values()];
  }

  create(name: string, partitions = this.defaultPartitions, configs: Map<string, string | null> = new Map()): Topic {
    const existing = this.topics.get(name);
    if (existing) return existing;
    const topicDir = this.topicDir(name);
    let id = newTopicId();
    if (topicDir !== null) {
      fs.mkdirSync(topicDir, { recursive: true });
      if (configs.size > 0) fs.writeFileSync(path.join(topicDir, 'configs.json'), JSON.stringify(Object.fromEntries(configs)));
      id = readOrCreateId(topicDir);
    }
    const topic: Topic = { name, id, partitions: [], configs, internal: INTERNAL_TOPICS.has(name) };
    this.topics.set(name, topic);
    this.addPartitions(topic, partitions);
    return topic;
  }

  addPartitions(topic: Topic, totalCount: number): void {
    const topicDir = this.topicDir(topic.name);
    for (let i = topic.partitions.length; i < totalCount; i++) {
      const dir = topicDir === null ? null : path.join(topicDir, String(i));
      topic.partitions.push(new PartitionLog(topic.name, i, dir, () => this.settingsOf(topic)));
    }
  }

  delete(name: string): boolean {
    const topic = this.topics.get(name);
    if (!topic) return false;
    for (const p of topic.partitions) p.remove();
    this.topics.delete(name);
    const topicDir = this.topicDir(name);
    if (topicDir !== null) fs.rmSync(topicDir, { recursive: true, force: true });
    return true;
  }

  maxProducerId(): bigint {
    let max = -1n;
    for (const t of this.topics.values()) for (const p of t.partitions) {
      const id = p.producers.maxProducerId();
      if (id > max) max = id;
    }
    return max;
  }

  close(): void {
    for (const t of this.topics.values()) for (const p of t.partitions) p.close();
  }

  private topicDir(name: string): string | null {
    return this.topicsDir === null ? null : path.join(this.topicsDir, name);
  }
}

function newTopicId(): string {
  return randomBytes(16).toString('hex');
}

function readOrCreateId(topicDir: string): string {
  const file = path.join(topicDir, 'topic-id');
  if (fs.existsSync(file)) {
    const id = fs.readFileSync(file, 'utf8').trim();
    if (/^[0-9a-f]{32}$/.test(id)) return id;
  }
  const id = newTopicId();
  fs.writeFileSync(file, id);
  return id;
}

function readConfigs(topicDir: string): Map<string, string | null> {
  const file = path.join(topicDir, 'configs.json');
  if (!fs.existsSync(file)) return new Map();
  try {
    return new Map(Object.entries(JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, string | null>));
  } catch {
    return new Map();
  }
}
