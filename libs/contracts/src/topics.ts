import { z } from 'zod';
import { BudgetAcceptedV2, BudgetRejectedV1 } from './events/approval.events';
import {
  BudgetExportTimedOutV1,
  BudgetImportRequestedV1,
  BudgetLockedV1,
  BudgetRetrievedV1,
  BudgetSentLinesV1,
  BudgetSentV2,
  BudgetUnlockedV1,
} from './events/budget.events';
import {
  ErpBudgetDriftDetectedV1,
  ErpBudgetDriftResolvedV1,
  ErpBudgetImportedV1,
  ErpBudgetImportFailedV1,
  ErpConnectionUpdatedV1,
  ErpPostedV1,
  ErpProjectLinkedV1,
  ExportFailedV1,
  ExportSucceededV1,
} from './events/erp.events';
import { NotificationSentV1 } from './events/notification.events';

/** Every topic the platform publishes. One topic per event type. */
export const Topics = {
  BudgetLocked: 'budget.locked',
  BudgetUnlocked: 'budget.unlocked',
  BudgetSent: 'budget.sent',
  BudgetSentLines: 'budget.sent.lines',
  BudgetRetrieved: 'budget.retrieved',
  BudgetAccepted: 'budget.accepted',
  BudgetRejected: 'budget.rejected',
  BudgetExportTimedOut: 'budget.export.timed_out',
  ExportSucceeded: 'export.succeeded',
  ExportFailed: 'export.failed',
  ErpPosted: 'erp.posted',
  ErpProjectLinked: 'erp.project.linked',
  ErpConnectionUpdated: 'erp.connection.updated',
  BudgetImportRequested: 'budget.import.requested',
  ErpBudgetImported: 'erp.budget.imported',
  ErpBudgetImportFailed: 'erp.budget.import.failed',
  ErpBudgetDriftDetected: 'erp.budget.drift_detected',
  ErpBudgetDriftResolved: 'erp.budget.drift_resolved',
  NotificationSent: 'notification.sent',
} as const;

export type Topic = (typeof Topics)[keyof typeof Topics];

/**
 * Topics kept by compaction (the latest record per key is the whole truth). Their keys must be
 * unique across companies, since ids are unique per company only: `messageKeyOf` puts the company
 * in every key of these topics. deploy/kafka/topics.yaml must compact exactly these (checked).
 */
export const COMPACTED_TOPICS: readonly Topic[] = [Topics.ErpProjectLinked, Topics.ErpConnectionUpdated];

/**
 * The Kafka key of an event: its subject (the budget id, so one budget's events keep their order),
 * and on a compacted topic `<companyId>/<subject>` (or the company id when it is the subject), so
 * company A's record never replaces company B's.
 */
export function messageKeyOf(topic: Topic, subject: string, companyId: string): string {
  if (!COMPACTED_TOPICS.includes(topic) || subject === companyId) return subject;
  return `${companyId}/${subject}`;
}

/** How a topic's records are keyed: within one key, order is kept. */
export type TopicKey = 'budgetId' | 'companyId/projectId' | 'companyId' | 'budgetId, else projectId' | 'budgetId, else companyId';

/**
 * The producing service of each topic, its record key, and the current schema version. The
 * AsyncAPI document and the JSON Schemas for subscribers are generated from this.
 */
const registry = {
  'budget.locked': { producer: 'budget', key: 'budgetId', version: 1, schema: BudgetLockedV1 },
  'budget.unlocked': { producer: 'budget', key: 'budgetId', version: 1, schema: BudgetUnlockedV1 },
  'budget.sent': { producer: 'budget', key: 'budgetId', version: 2, schema: BudgetSentV2 },
  'budget.sent.lines': { producer: 'budget', key: 'budgetId', version: 1, schema: BudgetSentLinesV1 },
  'budget.retrieved': { producer: 'budget', key: 'budgetId', version: 1, schema: BudgetRetrievedV1 },
  'budget.export.timed_out': { producer: 'budget', key: 'budgetId', version: 1, schema: BudgetExportTimedOutV1 },
  'budget.import.requested': { producer: 'budget', key: 'budgetId', version: 1, schema: BudgetImportRequestedV1 },
  'budget.accepted': { producer: 'approval', key: 'budgetId', version: 2, schema: BudgetAcceptedV2 },
  'budget.rejected': { producer: 'approval', key: 'budgetId', version: 1, schema: BudgetRejectedV1 },
  'export.succeeded': { producer: 'erp-connector', key: 'budgetId', version: 1, schema: ExportSucceededV1 },
  'export.failed': { producer: 'erp-connector', key: 'budgetId', version: 1, schema: ExportFailedV1 },
  'erp.posted': { producer: 'erp-connector', key: 'budgetId', version: 1, schema: ErpPostedV1 },
  'erp.project.linked': { producer: 'erp-connector', key: 'companyId/projectId', version: 1, schema: ErpProjectLinkedV1 },
  'erp.connection.updated': { producer: 'erp-connector', key: 'companyId', version: 1, schema: ErpConnectionUpdatedV1 },
  'erp.budget.imported': { producer: 'erp-connector', key: 'budgetId, else projectId', version: 1, schema: ErpBudgetImportedV1 },
  'erp.budget.import.failed': { producer: 'erp-connector', key: 'budgetId, else projectId', version: 1, schema: ErpBudgetImportFailedV1 },
  'erp.budget.drift_detected': { producer: 'erp-connector', key: 'budgetId', version: 1, schema: ErpBudgetDriftDetectedV1 },
  'erp.budget.drift_resolved': { producer: 'erp-connector', key: 'budgetId', version: 1, schema: ErpBudgetDriftResolvedV1 },
  'notification.sent': { producer: 'notification', key: 'budgetId, else companyId', version: 1, schema: NotificationSentV1 },
} as const satisfies Record<Topic, { producer: string; key: TopicKey; version: number; schema: z.ZodType }>;

type Registry = typeof registry;

/** The payload type of a topic's current version. */
export type PayloadOf<T extends Topic> = z.infer<Registry[T]['schema']>;

export interface EventContract<T extends Topic = Topic> {
  /** Kafka topic. */
  topic: T;
  /** CloudEvents `ce_type`, versioned: `budget.sent.v1`. */
  type: `${T}.v${number}`;
  /** Producing service. */
  producer: Registry[T]['producer'];
  /** What the Kafka record key holds. */
  key: TopicKey;
  /** Schema version (the `vN` of `type`). */
  version: number;
  /** zod schema of the payload. */
  schema: Registry[T]['schema'];
}

export const AllTopics = Object.values(Topics) as Topic[];

export function isTopic(value: string): value is Topic {
  return Object.prototype.hasOwnProperty.call(registry, value);
}

export function contractFor<T extends Topic>(topic: T): EventContract<T> {
  const entry = registry[topic];
  if (!entry) throw new Error(`No contract for topic ${topic}`);
  return {
    topic,
    type: `${topic}.v${entry.version}` as `${T}.v${number}`,
    producer: entry.producer,
    key: entry.key,
    version: entry.version,
    schema: entry.schema,
  } as EventContract<T>;
}

/** The contract named by a CloudEvents type such as `budget.sent.v1`, or undefined if unknown. */
export function contractForType(ceType: string): EventContract | undefined {
  const match = /^(.+)\.v(\d+)$/.exec(ceType);
  if (!match || !isTopic(match[1])) return undefined;
  const contract = contractFor(match[1]);
  return contract.type === ceType ? contract : undefined;
}

export const allContracts = (): EventContract[] => AllTopics.map((topic) => contractFor(topic));

/**
 * Largest record any topic carries, uncompressed: Kafka's default `max.message.bytes`. A send's
 * lines travel in chunks that stay under it, so no topic needs a larger limit or compression.
 */
export const MAX_RECORD_BYTES = 1024 * 1024;

/** Dead-letter topic of a topic. */
export const dlqTopic = (topic: string): string => `${topic}.dlq`;

/** Headers added to a dead-lettered message, beside the original ones. */
export const DLQ_HEADERS = {
  reason: 'dlq_reason',
  consumerGroup: 'dlq_consumer_group',
  failedAt: 'dlq_failed_at',
  attempts: 'dlq_attempts',
  originalTopic: 'dlq_original_topic',
  originalPartition: 'dlq_original_partition',
  originalOffset: 'dlq_original_offset',
} as const;
