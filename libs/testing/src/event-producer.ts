import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, Partitioners, type Producer } from 'kafkajs';
import { contractFor, type PayloadOf, type Topic, toKafkaHeaders } from '@budget-erp/contracts';

export interface TestEventOptions {
  /** Event id; pass the same one again to redeliver (default: a new uuid). */
  id?: string;
  /** CloudEvents subject and message key (default: the payload's budgetId, else projectId, else companyId). */
  subject?: string;
  /** Default: the payload's companyId. */
  companyId?: string;
  /** Default `/test`. */
  source?: string;
  /** Parse the payload with the topic's schema and send the parsed value (default false: sent as given). */
  validate?: boolean;
}

const field = (payload: unknown, name: string): string | undefined => {
  const value = (payload as Record<string, unknown> | null)?.[name];
  return typeof value === 'string' ? value : undefined;
};

/** The CloudEvents Kafka headers another service would attach to this event. */
export function testEventHeaders<T extends Topic>(topic: T, payload: PayloadOf<T>, options: TestEventOptions & { id: string }): Record<string, string> {
  const companyId = options.companyId ?? field(payload, 'companyId') ?? '';
  return toKafkaHeaders({
    id: options.id,
    source: options.source ?? '/test',
    type: contractFor(topic).type,
    specversion: '1.0',
    time: new Date().toISOString(),
    subject: options.subject ?? field(payload, 'budgetId') ?? field(payload, 'projectId') ?? companyId,
    companyid: companyId,
    correlationid: randomUUID(),
  });
}

/** Produces platform events through the real broker with CloudEvents headers, as the other services would. */
export class TestEventProducer {
  private constructor(private readonly producer: Producer) {}

  static async connect(brokers: string | string[], clientId = 'test-producer'): Promise<TestEventProducer> {
    const kafka = new Kafka({ clientId, brokers: typeof brokers === 'string' ? brokers.split(',') : brokers, logLevel: logLevel.NOTHING });
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: true });
    await producer.connect();
    return new TestEventProducer(producer);
  }

  /** Sends one event keyed by its subject; returns the event id. */
  async send<T extends Topic>(topic: T, payload: PayloadOf<T>, options: TestEventOptions = {}): Promise<string> {
    const id = options.id ?? randomUUID();
    const headers = testEventHeaders(topic, payload, { ...options, id });
    const value = options.validate ? contractFor(topic).schema.parse(payload) : payload;
    await this.producer.send({ topic, messages: [{ key: headers.ce_subject, value: JSON.stringify(value), headers }] });
    return id;
  }

  async close(): Promise<void> {
    await this.producer.disconnect();
  }
}
