import { Kafka, logLevel, type Admin } from 'kafkajs';
import { Topics } from '@budget-erp/contracts';
import { kafkaSecurityConfig, type KafkaSecurity } from '@budget-erp/messaging';

/** The topics that bring an export's outcome to the saga. */
export const OUTCOME_TOPICS = [Topics.ExportSucceeded, Topics.ExportFailed];

/** The end offset of each partition of the outcome topics, keyed `topic:partition`. */
export type OutcomeEnds = Map<string, number>;

/**
 * What the service's own consumer group has yet to apply of the outcome topics, from the broker's
 * offsets: the timeout sweeper judges an export overdue only once every outcome published before
 * its look was applied (after the service was down, they wait there).
 */
export interface OutcomeBacklog {
  /** Where the outcome topics end now. */
  ends(): Promise<OutcomeEnds>;
  /** Whether the consumer group has applied (committed) everything up to `ends`. */
  consumedUpTo(ends: OutcomeEnds): Promise<boolean>;
  close(): Promise<void>;
}

export const OUTCOME_BACKLOG = Symbol('OutcomeBacklog');

export class KafkaOutcomeBacklog implements OutcomeBacklog {
  private readonly kafka: Kafka;
  private admin?: Promise<Admin>;

  constructor(
    brokers: string[],
    private readonly groupId: string,
    security: KafkaSecurity = {},
  ) {
    this.kafka = new Kafka({ clientId: `${groupId}-outcome-backlog`, brokers, ...kafkaSecurityConfig(security), retry: { retries: 1 }, logLevel: logLevel.NOTHING });
  }

  async ends(): Promise<OutcomeEnds> {
    const admin = await this.connected();
    const ends: OutcomeEnds = new Map();
    for (const topic of OUTCOME_TOPICS) {
      for (const p of await admin.fetchTopicOffsets(topic)) ends.set(`${topic}:${p.partition}`, Number(p.high));
    }
    return ends;
  }

  async consumedUpTo(ends: OutcomeEnds): Promise<boolean> {
    const admin = await this.connected();
    const committed = await admin.fetchOffsets({ groupId: this.groupId, topics: OUTCOME_TOPICS });
    const at = new Map(committed.flatMap(({ topic, partitions }) => partitions.map((p): [string, number] => [`${topic}:${p.partition}`, Number(p.offset)])));
    // A partition the group never committed on is consumed only while it is empty.
    return [...ends].every(([key, end]) => (at.get(key) ?? -1) >= end || end === 0);
  }

  async close(): Promise<void> {
    const admin = this.admin;
    this.admin = undefined;
    await (await admin?.catch(() => undefined))?.disconnect().catch(() => undefined);
  }

  private connected(): Promise<Admin> {
    this.admin ??= (async () => {
      const admin = this.kafka.admin();
      await admin.connect();
      return admin;
    })().catch((error: unknown) => {
      this.admin = undefined;
      throw error;
    });
    return this.admin;
  }
}
