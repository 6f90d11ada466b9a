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

/** A valid `budget.accepted` payload with `lines` lines; `total` tells the summary test handler's effect apart. */
export function acceptedPayload(budgetId: string, lines: number, total = '10.00'): PayloadOf<'budget.accepted'> {
  const user = { userId: 'user-1', name: 'Approver', email: 'ap@example.com' };
  return {
    budgetId,
    projectId: 'project-1',
    companyId: 'company-1',
    exportId: randomUUID(),
    description: null,
    revision: null,
    acceptedBy: user,
    acceptedAt: new Date().toISOString(),
    sentBy: user,
    createdBy: user,
    snapshot: {
      name: 'Tower A',
      origin: 'platform',
      kind: 'original',
      erpSystem: 'cmic',
      jobNumber: 'J-1',
      lines: Array.from({ length: lines }, (_, i) => ({
        lineId: `line-${i}`,
        costCode: '01-100',
        costType: null,
        subJob: null,
        description: null,
        amount: '1.00',
        syncedAmount: null,
      })),
      total,
      syncedTotal: '0.00',
      modificationIds: [],
    },
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
