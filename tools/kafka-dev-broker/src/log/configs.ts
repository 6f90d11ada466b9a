/**
 * Topic and broker configuration as a one-node Apache Kafka 3.9 describes it: every topic config with
 * its default, the broker setting it falls back to (its synonym) and its type.
 */

/** DescribeConfigs' config source. */
export const ConfigSource = {
  Unknown: 0,
  DynamicTopic: 1,
  DynamicBroker: 2,
  DynamicDefaultBroker: 3,
  StaticBroker: 4,
  Default: 5,
} as const;

/** DescribeConfigs' config type. */
export const ConfigType = { Boolean: 1, String: 2, Int: 3, Short: 4, Long: 5, Double: 6, List: 7, Class: 8, Password: 9 } as const;

export const ResourceType = { Topic: 2, Broker: 4, BrokerLogger: 8 } as const;

export interface ConfigDef {
  name: string;
  type: number;
  default: string;
  /** The broker setting a topic inherits when it has no value of its own. */
  brokerSynonym?: string;
  doc: string;
  validate?: (value: string) => string | null;
}

const LONG_MAX = '9223372036854775807';

const isLong = (min: number) => (v: string) => (/^-?\d+$/.test(v) && Number(v) >= min ? null : `must be an integer >= ${min}`);
const isInt = (min: number) => (v: string) => (/^-?\d+$/.test(v) && Number(v) >= min && Number(v) <= 2147483647 ? null : `must be an int >= ${min}`);
const isBool = (v: string) => (v === 'true' || v === 'false' ? null : 'must be true or false');
const oneOf = (...values: string[]) => (v: string) => (values.includes(v) ? null : `must be one of ${values.join(', ')}`);
const listOf = (...values: string[]) => (v: string) =>
  v
    .split(',')
    .map((s) => s.trim())
    .every((s) => values.includes(s))
    ? null
    : `must be a list of ${values.join(', ')}`;
const isRatio = (v: string) => (Number.isFinite(Number(v)) && Number(v) >= 0 && Number(v) <= 1 ? null : 'must be between 0 and 1');

export const TOPIC_CONFIGS: ConfigDef[] = [
  { name: 'cleanup.policy', type: ConfigType.List, default: 'delete', brokerSynonym: 'log.cleanup.policy', doc: 'delete, compact or both.', validate: listOf('delete', 'compact') },
  { name: 'compression.gzip.level', type: ConfigType.Int, default: '-1', brokerSynonym: 'compression.gzip.level', doc: 'Level of gzip compression.', validate: isInt(-1) },
  { name: 'compression.lz4.level', type: ConfigType.Int, default: '9', brokerSynonym: 'compression.lz4.level', doc: 'Level of lz4 compression.', validate: isInt(1) },
  { name: 'compression.type', type: ConfigType.String, default: 'producer', brokerSynonym: 'compression.type', doc: 'Compression of stored batches; producer keeps what the producer sent.', validate: oneOf('uncompressed', 'zstd', 'lz4', 'snappy', 'gzip', 'producer') },
  { name: 'compression.zstd.level', type: ConfigType.Int, default: '3', brokerSynonym: 'compression.zstd.level', doc: 'Level of zstd compression.', validate: isInt(-131072) },
  { name: 'delete.retention.ms', type: ConfigType.Long, default: '86400000', brokerSynonym: 'log.cleaner.delete.retention.ms', doc: 'How long tombstones are kept in a compacted topic.', validate: isLong(0) },
  { name: 'file.delete.delay.ms', type: ConfigType.Long, default: '60000', brokerSynonym: 'log.segment.delete.delay.ms', doc: 'Delay before a deleted segment file is removed.', validate: isLong(0) },
  { name: 'flush.messages', type: ConfigType.Long, default: LONG_MAX, brokerSynonym: 'log.flush.interval.messages', doc: 'Messages between forced fsyncs.', validate: isLong(1) },
  { name: 'flush.ms', type: ConfigType.Long, default: LONG_MAX, brokerSynonym: 'log.flush.interval.ms', doc: 'Time between forced fsyncs.', validate: isLong(0) },
  { name: 'follower.replication.throttled.replicas', type: ConfigType.List, default: '', brokerSynonym: 'follower.replication.throttled.replicas', doc: 'Throttled follower replicas.' },
  { name: 'index.interval.bytes', type: ConfigType.Int, default: '4096', brokerSynonym: 'log.index.interval.bytes', doc: 'Bytes between index entries.', validate: isInt(0) },
  { name: 'leader.replication.throttled.replicas', type: ConfigType.List, default: '', brokerSynonym: 'leader.replication.throttled.replicas', doc: 'Throttled leader replicas.' },
  { name: 'local.retention.bytes', type: ConfigType.Long, default: '-2', brokerSynonym: 'log.local.retention.bytes', doc: 'Local retention with tiered storage.', validate: isLong(-2) },
  { name: 'local.retention.ms', type: ConfigType.Long, default: '-2', brokerSynonym: 'log.local.retention.ms', doc: 'Local retention with tiered storage.', validate: isLong(-2) },
  { name: 'max.compaction.lag.ms', type: ConfigType.Long, default: LONG_MAX, brokerSynonym: 'log.cleaner.max.compaction.lag.ms', doc: 'Longest time a record stays uncompacted.', validate: isLong(1) },
  { name: 'max.message.bytes', type: ConfigType.Int, default: '1048588', brokerSynonym: 'message.max.bytes', doc: 'Largest record batch.', validate: isInt(0) },
  { name: 'message.downconversion.enable', type: ConfigType.Boolean, default: 'true', brokerSynonym: 'log.message.downconversion.enable', doc: 'Down-conversion for old consumers.', validate: isBool },
  { name: 'message.format.version', type: ConfigType.String, default: '3.0-IV1', brokerSynonym: 'log.message.format.version', doc: 'Message format version.' },
  { name: 'message.timestamp.after.max.ms', type: ConfigType.Long, default: LONG_MAX, brokerSynonym: 'log.message.timestamp.after.max.ms', doc: 'Largest allowed timestamp ahead of the broker.', validate: isLong(0) },
  { name: 'message.timestamp.before.max.ms', type: ConfigType.Long, default: LONG_MAX, brokerSynonym: 'log.message.timestamp.before.max.ms', doc: 'Largest allowed timestamp behind the broker.', validate: isLong(0) },
  { name: 'message.timestamp.difference.max.ms', type: ConfigType.Long, default: LONG_MAX, brokerSynonym: 'log.message.timestamp.difference.max.ms', doc: 'Deprecated.', validate: isLong(0) },
  { name: 'message.timestamp.type', type: ConfigType.String, default: 'CreateTime', brokerSynonym: 'log.message.timestamp.type', doc: 'CreateTime or LogAppendTime.', validate: oneOf('CreateTime', 'LogAppendTime') },
  { name: 'min.cleanable.dirty.ratio', type: ConfigType.Double, default: '0.5', brokerSynonym: 'log.cleaner.min.cleanable.ratio', doc: 'Dirty ratio that triggers compaction.', validate: isRatio },
  { name: 'min.compaction.lag.ms', type: ConfigType.Long, default: '0', brokerSynonym: 'log.cleaner.min.compaction.lag.ms', doc: 'Shortest time a record stays uncompacted.', validate: isLong(0) },
  { name: 'min.insync.replicas', type: ConfigType.Int, default: '1', brokerSynonym: 'min.insync.replicas', doc: 'Replicas that must acknowledge acks=all.', validate: isInt(1) },
  { name: 'preallocate', type: ConfigType.Boolean, default: 'false', brokerSynonym: 'log.preallocate', doc: 'Preallocate segment files.', validate: isBool },
  { name: 'remote.storage.enable', type: ConfigType.Boolean, default: 'false', doc: 'Tiered storage.', validate: isBool },
  { name: 'retention.bytes', type: ConfigType.Long, default: '-1', brokerSynonym: 'log.retention.bytes', doc: 'Largest partition size before old segments are deleted; -1 for no limit.', validate: isLong(-1) },
  { name: 'retention.ms', type: ConfigType.Long, default: '604800000', brokerSynonym: 'log.retention.ms', doc: 'Age after which old segments are deleted; -1 for no limit.', validate: isLong(-1) },
  { name: 'segment.bytes', type: ConfigType.Int, default: '1073741824', brokerSynonym: 'log.segment.bytes', doc: 'Size of a segment file.', validate: isInt(14) },
  { name: 'segment.index.bytes', type: ConfigType.Int, default: '10485760', brokerSynonym: 'log.index.size.max.bytes', doc: 'Size of a segment index.', validate: isInt(4) },
  { name: 'segment.jitter.ms', type: ConfigType.Long, default: '0', brokerSynonym: 'log.roll.jitter.ms', doc: 'Jitter of segment rolling.', validate: isLong(0) },
  { name: 'segment.ms', type: ConfigType.Long, default: '604800000', brokerSynonym: 'log.roll.ms', doc: 'Age after which a segment is rolled.', validate: isLong(1) },
  { name: 'unclean.leader.election.enable', type: ConfigType.Boolean, default: 'false', brokerSynonym: 'unclean.leader.election.enable', doc: 'Unclean leader election.', validate: isBool },
];

export const TOPIC_CONFIG_BY_NAME = new Map(TOPIC_CONFIGS.map((c) => [c.name, c]));

/** Broker settings that may be changed at run time (Kafka's cluster-wide dynamic configs among those modelled here). */
export const DYNAMIC_BROKER_CONFIGS = new Set([
  'log.cleanup.policy',
  'log.retention.ms',
  'log.retention.bytes',
  'log.segment.bytes',
  'log.roll.ms',
  'log.cleaner.delete.retention.ms',
  'log.cleaner.min.compaction.lag.ms',
  'message.max.bytes',
  'compression.type',
  'log.message.timestamp.type',
]);

export interface BrokerConfigDef {
  name: string;
  type: number;
  doc: string;
}

/** Broker settings answered by DescribeConfigs (beyond the topic defaults' synonyms). */
export const BROKER_ONLY_CONFIGS: BrokerConfigDef[] = [
  { name: 'broker.id', type: ConfigType.Int, doc: 'This node.' },
  { name: 'node.id', type: ConfigType.Int, doc: 'This node.' },
  { name: 'num.partitions', type: ConfigType.Int, doc: 'Partitions of auto-created topics.' },
  { name: 'default.replication.factor', type: ConfigType.Int, doc: 'Replication factor of auto-created topics.' },
  { name: 'auto.create.topics.enable', type: ConfigType.Boolean, doc: 'Create topics on first metadata request.' },
  { name: 'offsets.topic.num.partitions', type: ConfigType.Int, doc: 'Partitions of __consumer_offsets.' },
  { name: 'offsets.topic.replication.factor', type: ConfigType.Short, doc: 'Replication factor of __consumer_offsets.' },
  { name: 'offsets.retention.minutes', type: ConfigType.Int, doc: 'Committed offsets of empty groups are kept this long.' },
  { name: 'group.min.session.timeout.ms', type: ConfigType.Int, doc: 'Shortest consumer session timeout.' },
  { name: 'group.max.session.timeout.ms', type: ConfigType.Int, doc: 'Longest consumer session timeout.' },
  { name: 'group.initial.rebalance.delay.ms', type: ConfigType.Int, doc: 'Delay of the first rebalance of an empty group.' },
  { name: 'socket.request.max.bytes', type: ConfigType.Int, doc: 'Largest request.' },
  { name: 'log.retention.hours', type: ConfigType.Int, doc: 'Retention in hours (log.retention.ms wins).' },
  { name: 'log.retention.check.interval.ms', type: ConfigType.Long, doc: 'How often retention is checked.' },
  { name: 'log.cleaner.enable', type: ConfigType.Boolean, doc: 'Compaction of compacted topics.' },
  { name: 'log.dirs', type: ConfigType.String, doc: 'Where logs are kept.' },
  { name: 'transaction.state.log.replication.factor', type: ConfigType.Short, doc: 'Replication factor of __transaction_state.' },
  { name: 'delete.topic.enable', type: ConfigType.Boolean, doc: 'Topics may be deleted.' },
];

/** Validates one topic config; an error message or null. */
export function validateTopicConfig(name: string, value: string | null): string | null {
  const def = TOPIC_CONFIG_BY_NAME.get(name);
  if (!def) return `Unknown topic config name: ${name}`;
  if (value === null) return null;
  const problem = def.validate?.(value) ?? null;
  return problem === null ? null : `Invalid value ${value} for configuration ${name}: ${problem}`;
}

export interface ResolvedConfig {
  name: string;
  value: string;
  source: number;
  type: number;
  doc: string;
  readOnly: boolean;
}

/**
 * The broker's settings: static ones given at start (options), dynamic ones changed by AlterConfigs /
 * IncrementalAlterConfigs on the broker resource (kept in `broker-configs.json` with a data dir), and
 * Kafka's defaults beneath. Topics fall back to them through each config's broker synonym.
 */
export class BrokerConfigs {
  private readonly dynamic = new Map<string, string>();
  /** Grows with every dynamic change (caches of resolved settings compare it). */
  version = 0;

  constructor(
    private readonly statics: Map<string, string>,
    private readonly file: string | null,
    private readonly fs: typeof import('node:fs'),
  ) {
    if (file !== null && fs.existsSync(file)) {
      try {
        for (const [k, v] of Object.entries(JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, string>)) this.dynamic.set(k, v);
      } catch {
        // unreadable: the static settings stand
      }
    }
  }

  /** A broker setting with its source, or undefined when the broker has no such setting. */
  get(name: string): ResolvedConfig | undefined {
    const topicDef = TOPIC_CONFIGS.find((c) => c.brokerSynonym === name);
    const brokerDef = BROKER_ONLY_CONFIGS.find((c) => c.name === name);
    if (!topicDef && !brokerDef) return undefined;
    const type = topicDef?.type ?? brokerDef?.type ?? ConfigType.String;
    const doc = topicDef?.doc ?? brokerDef?.doc ?? '';
    const readOnly = !DYNAMIC_BROKER_CONFIGS.has(name);
    const dyn = this.dynamic.get(name);
    if (dyn !== undefined) return { name, value: dyn, source: ConfigSource.DynamicDefaultBroker, type, doc, readOnly };
    const stat = this.statics.get(name);
    if (stat !== undefined) return { name, value: stat, source: ConfigSource.StaticBroker, type, doc, readOnly };
    if (topicDef) return { name, value: topicDef.default, source: ConfigSource.Default, type, doc, readOnly };
    return undefined;
  }

  /** Every broker setting. */
  all(): ResolvedConfig[] {
    const names = new Set<string>([...BROKER_ONLY_CONFIGS.map((c) => c.name), ...TOPIC_CONFIGS.flatMap((c) => (c.brokerSynonym ? [c.brokerSynonym] : []))]);
    return [...names]
      .sort()
      .map((n) => this.get(n))
      .filter((c): c is ResolvedConfig => c !== undefined);
  }

  /** The value a topic config takes and where it comes from. */
  topicValue(topicConfigs: Map<string, string | null>, name: string): ResolvedConfig | undefined {
    const def = TOPIC_CONFIG_BY_NAME.get(name);
    if (!def) return undefined;
    const own = topicConfigs.get(name);
    if (own !== undefined && own !== null) return { name, value: own, source: ConfigSource.DynamicTopic, type: def.type, doc: def.doc, readOnly: false };
    const inherited = def.brokerSynonym ? this.get(def.brokerSynonym) : undefined;
    if (inherited && inherited.source !== ConfigSource.Default) return { ...inherited, name, readOnly: false };
    return { name, value: def.default, source: ConfigSource.Default, type: def.type, doc: def.doc, readOnly: false };
  }

  /** A topic config's effective value as a number (retention and segment sizes). */
  topicNumber(topicConfigs: Map<string, string | null>, name: string): number {
    return Number(this.topicValue(topicConfigs, name)?.value ?? NaN);
  }

  /** Checks a dynamic broker change; an error message or null. */
  validateDynamic(name: string, value: string | null): string | null {
    if (!DYNAMIC_BROKER_CONFIGS.has(name)) return `Cannot update ${name} dynamically on this broker`;
    if (value === null) return null;
    const topicDef = TOPIC_CONFIGS.find((c) => c.brokerSynonym === name);
    return topicDef?.validate?.(value) ?? null;
  }

  setDynamic(changes: Map<string, string | null>, replaceAll: boolean): void {
    this.version++;
    if (replaceAll) this.dynamic.clear();
    for (const [k, v] of changes) {
      if (v === null) this.dynamic.delete(k);
      else this.dynamic.set(k, v);
    }
    if (this.file !== null) {
      this.fs.writeFileSync(`${this.file}.tmp`, JSON.stringify(Object.fromEntries(this.dynamic)));
      this.fs.renameSync(`${this.file}.tmp`, this.file);
    }
  }

  dynamicValue(name: string): string | undefined {
    return this.dynamic.get(name);
  }
}
