import { randomUUID } from 'node:crypto';
import { type PayloadOf, type Topic } from '@budget-erp/contracts';
import { TestEventProducer } from '@budget-erp/testing';

export const people = {
  ana: { userId: 'u-ana', name: 'Ana Project', email: 'ana@example.test' },
  sam: { userId: 'u-sam', name: 'Sam Sender', email: 'sam@example.test' },
  bob: { userId: 'u-bob', name: 'Bob Approver', email: 'bob@example.test' },
  eve: { userId: 'u-eve', name: 'Eve Approver', email: 'eve@example.test' },
};

/** Produces platform events through the real broker, as the other services would. */
export class EventProducer {
  private constructor(private readonly events: TestEventProducer) {}

  static async connect(brokers: string): Promise<EventProducer> {
    return new EventProducer(await TestEventProducer.connect(brokers, 'notification-test'));
  }

  /** Sends one event; pass the same `id` again to redeliver it. Returns the event id. */
  send<T extends Topic>(topic: T, payload: PayloadOf<T> & { companyId: string }, id: string = randomUUID()): Promise<string> {
    const subject = (payload as { budgetId?: string }).budgetId ?? payload.companyId;
    return this.events.send(topic, payload, { id, subject });
  }

  close(): Promise<void> {
    return this.events.close();
  }
}

const now = () => new Date().toISOString();

export const build = {
  sent: (
    ids: { companyId: string; budgetId: string; exportId: string },
    name: string,
    sentAt: string = now(),
  ): PayloadOf<'budget.sent'> => ({
    ...ids,
    projectId: 'p-1',
    sentBy: people.sam,
    createdBy: people.ana,
    sentAt,
    name,
    origin: 'platform',
    kind: 'original',
    erpSystem: 'cmic',
    jobNumber: 'J-100',
    total: '1250.00',
    syncedTotal: '0.00',
    modificationIds: [],
    lineCount: 1,
    chunkCount: 1,
    linesDigest: 'a'.repeat(64),
  }),
  accepted: (ids: { companyId: string; budgetId: string; exportId: string }): PayloadOf<'budget.accepted'> => ({
    ...ids,
    projectId: 'p-1',
    description: null,
    revision: null,
    acceptedBy: people.bob,
    acceptedAt: now(),
  }),
  rejected: (ids: { companyId: string; budgetId: string; exportId: string }, reason: string, by = people.bob): PayloadOf<'budget.rejected'> => ({
    ...ids,
    projectId: 'p-1',
    reason,
    rejectedBy: by,
    rejectedAt: now(),
    sentBy: people.sam,
    createdBy: people.ana,
    afterFailedExport: false,
  }),
  failed: (ids: { companyId: string; budgetId: string; exportId: string }): PayloadOf<'export.failed'> => ({
    ...ids,
    projectId: 'p-1',
    erpSystem: 'cmic',
    jobNumber: 'J-100',
    kind: 'original',
    sentBy: people.sam,
    acceptedBy: people.bob,
    createdBy: people.ana,
    reasonCode: 'cost_code_missing',
    message: 'Cost code 09-999 does not exist in CMiC job J-100',
    attempts: 1,
    failedAt: now(),
  }),
  posted: (ids: { companyId: string; budgetId: string; exportId: string }): PayloadOf<'erp.posted'> => ({
    ...ids,
    projectId: 'p-1',
    erpSystem: 'cmic',
    jobNumber: 'J-100',
    total: '1250.00',
    createdBy: people.ana,
    sentBy: people.sam,
    postedAt: now(),
  }),
  succeeded: (ids: { companyId: string; budgetId: string; exportId: string }): PayloadOf<'export.succeeded'> => ({
    ...ids,
    projectId: 'p-1',
    erpSystem: 'cmic',
    jobNumber: 'J-100',
    kind: 'original',
    sentBy: people.sam,
    acceptedBy: people.bob,
    createdBy: people.ana,
    erpReference: 'BATCH-1',
    total: '1250.00',
    exportedAt: now(),
  }),
  timedOut: (ids: { companyId: string; budgetId: string; exportId: string }): PayloadOf<'budget.export.timed_out'> => ({
    ...ids,
    projectId: 'p-1',
    reasonCode: 'timeout',
    message: 'CMiC did not confirm the export within 30 minutes',
    timedOutAt: now(),
  }),
  retrieved: (ids: { companyId: string; budgetId: string; exportId: string }): PayloadOf<'budget.retrieved'> => ({
    ...ids,
    projectId: 'p-1',
    retrievedBy: people.sam,
    retrievedAt: now(),
  }),
};
