import { randomUUID } from 'node:crypto';
import { CloudEventEnvelope, contractFor, PayloadOf, toKafkaHeaders, Topic } from '@budget-erp/contracts';
import { Kafka, logLevel, Partitioners } from 'kafkajs';

/** A valid `budget.locked` payload; `lockedBy.name` tells the test handlers how to behave. */
export function lockedPayload(budgetId: string, behaviour = 'ok'): PayloadOf<'budget.locked'> {
  return {
    budgetId,
    projectId: 'project-1',
    companyId: 'company-1',
    lockedBy: { userId: 'user-1', name: behaviour, email: 'pm@example.com' },
    lockedAt: new Date().toISOString(),
  };
}

export function envelopeFor(topic: Topic, subject: string, overrides: Partial<CloudEventEnvelope> = {}): CloudEventEnvelope {
  return {
    id: randomUUID(),
    source: '/test',
    type: contractFor(topic).type,
    specversion: '1.0',
    time: new Date().toISOString(),
    subject,
    companyid: 'company-1',
    correlationid: randomUUID(),
    ...overrides,
  };
}

export interface RawMessage {
  key: string;
  headers: Record<string, string>;
  value: string;
}

/** Produces messages as they are, bypassing the outbox (to play a faulty or duplicating producer). */
export async function produceRaw(brokers: string[], topic: string, messages: RawMessage[]): Promise<void> {
  const kafka = new Kafka({ clientId: 'test-raw-producer', brokers, logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
  await producer.connect();
  try {
    await producer.send({ topic, messages, acks: -1 });
  } finally {
    await producer.disconnect();
  }
}

export const eventMessage = (envelope: CloudEventEnvelope, payload: unknown): RawMessage => ({
  key: envelope.subject,
  headers: toKafkaHeaders(envelope),
  value: JSON.stringify(payload),
});
