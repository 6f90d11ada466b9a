import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { waitFor } from './wait-for';

export interface CollectedMessage<V = unknown> {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  /** Header values decoded as UTF-8 strings. */
  headers: Record<string, string>;
  /** The value parsed as JSON, or the raw text when it is not JSON. */
  value: V;
  rawValue: string | null;
}

export interface TopicCollector<V = unknown> {
  readonly messages: CollectedMessage<V>[];
  /** Waits until at least `count` messages arrived and returns them all. */
  waitForCount(count: number, timeoutMs?: number): Promise<CollectedMessage<V>[]>;
  stop(): Promise<void>;
}

export interface CollectTopicOptions {
  /** Read from the start of the topic (default true). */
  fromBeginning?: boolean;
  /** Partitions to create when a topic does not exist yet (default: the broker's default). */
  numPartitions?: number;
}

const decodeHeaders = (headers: Record<string, unknown> | undefined): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    const first = Array.isArray(value) ? value[0] : value;
    if (first !== undefined && first !== null) out[name] = String(first);
  }
  return out;
};

const parse = (text: string | null): unknown => {
  if (text === null) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
};

/** A throwaway consumer (own group) that records every message of one or more topics for assertions. */
export async function collectTopic<V = unknown>(
  brokers: string | string[],
  topic: string | string[],
  options: CollectTopicOptions = {},
): Promise<TopicCollector<V>> {
  const topics = typeof topic === 'string' ? [topic] : topic;
  const described = topics.join(', ');
  const kafka = new Kafka({
    clientId: `collector-${randomUUID().slice(0, 8)}`,
    brokers: typeof brokers === 'string' ? brokers.split(',') : brokers,
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = await admin.listTopics();
    const missing = topics.filter((t) => !existing.includes(t));
    if (missing.length > 0) {
      await admin.createTopics({
        topics: missing.map((t) => ({
          topic: t,
          ...(options.numPartitions ? { numPartitions: options.numPartitions } : {}),
        })),
        waitForLeaders: true,
      });
    }
  } finally {
    await admin.disconnect();
  }
  const messages: CollectedMessage<V>[] = [];
  const consumer = kafka.consumer({ groupId: `collector-${randomUUID()}`, allowAutoTopicCreation: false });
  await consumer.connect();
  await consumer.subscribe({ topics, fromBeginning: options.fromBeginning ?? true });
  await consumer.run({
    eachMessage: async ({ topic: t, partition, message }) => {
      const rawValue = message.value ? message.value.toString('utf8') : null;
      messages.push({
        topic: t,
        partition,
        offset: message.offset,
        key: message.key ? message.key.toString('utf8') : null,
        headers: decodeHeaders(message.headers),
        value: parse(rawValue) as V,
        rawValue,
      });
    },
  });
  return {
    messages,
    waitForCount: async (count, timeoutMs = 15_000) =>
      waitFor(() => (messages.length >= count ? [...messages] : undefined), {
        timeoutMs,
        description: `${count} message(s) on ${described} (got ${messages.length})`,
      }),
    stop: async () => {
      await consumer.disconnect();
    },
  };
}
