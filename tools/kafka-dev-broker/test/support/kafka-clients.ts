import { Consumer, ConsumerConfig, EachMessagePayload, Kafka, logLevel, Partitioners, Producer, ProducerConfig } from 'kafkajs';

export function kafkaFor(brokers: string, clientId = 'broker-test'): Kafka {
  return new Kafka({ brokers: [brokers], clientId, logLevel: logLevel.NOTHING, retry: { retries: 8, initialRetryTime: 50 } });
}

export async function connectedProducer(kafka: Kafka, config: ProducerConfig = {}): Promise<Producer> {
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, ...config });
  await producer.connect();
  return producer;
}

export interface Received {
  topic: string;
  partition: number;
  offset: number;
  key: string | null;
  value: string | null;
  headers: Record<string, string>;
}

export function toReceived({ topic, partition, message }: EachMessagePayload): Received {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(message.headers ?? {})) headers[k] = Buffer.isBuffer(v) ? v.toString() : String(v);
  return { topic, partition, offset: Number(message.offset), key: message.key?.toString() ?? null, value: message.value?.toString() ?? null, headers };
}

export interface RunningConsumer {
  consumer: Consumer;
  received: Received[];
  /** Partitions of the latest assignment, per topic. */
  assigned: () => Record<string, number[]>;
  /** Fetch requests started: the first one means starting offsets are resolved. */
  fetches: () => number;
}

/** A consumer with short timings so tests see rebalances quickly. */
export async function runConsumer(
  kafka: Kafka,
  topic: string,
  config: Partial<ConsumerConfig> & { groupId: string },
  options: { fromBeginning?: boolean; onMessage?: (m: Received) => Promise<void> | void } = {},
): Promise<RunningConsumer> {
  const consumer = kafka.consumer({ sessionTimeout: 6000, heartbeatInterval: 300, maxWaitTimeInMs: 300, rebalanceTimeout: 10000, ...config });
  const received: Received[] = [];
  let assignment: Record<string, number[]> = {};
  consumer.on(consumer.events.GROUP_JOIN, (e) => {
    assignment = e.payload.memberAssignment;
  });
  let fetches = 0;
  consumer.on(consumer.events.FETCH_START, () => {
    fetches++;
  });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: options.fromBeginning ?? true });
  await consumer.run({
    eachMessage: async (payload) => {
      const m = toReceived(payload);
      await options.onMessage?.(m);
      received.push(m);
    },
  });
  return { consumer, received, assigned: () => assignment, fetches: () => fetches };
}

export async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs = 15000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
