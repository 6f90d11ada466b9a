import { z } from 'zod';
import { BudgetAcceptedV1, BudgetRejectedV1 } from './events/approval.events';
import {
  BudgetExportTimedOutV1,
  BudgetImportRequestedV1,
  BudgetLockedV1,
  BudgetRetrievedV1,
  BudgetSentV1,
  BudgetUnlockedV1,
} from './events/budget.events';
import {
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

/** The producing service of each topic, and the current schema version. */
const registry = {
  'budget.locked': { producer: 'budget', version: 1, schema: BudgetLockedV1 },
  'budget.unlocked': { producer: 'budget', version: 1, schema: BudgetUnlockedV1 },
  'budget.sent': { producer: 'budget', version: 1, schema: BudgetSentV1 },
  'budget.retrieved': { producer: 'budget', version: 1, schema: BudgetRetrievedV1 },
  'budget.export.timed_out': { producer: 'budget', version: 1, schema: BudgetExportTimedOutV1 },
  'budget.import.requested': { producer: 'budget', version: 1, schema: BudgetImportRequestedV1 },
  'budget.accepted': { producer: 'approval', version: 1, schema: BudgetAcceptedV1 },
  'budget.rejected': { producer: 'approval', version: 1, schema: BudgetRejectedV1 },
  'export.succeeded': { producer: 'erp-connector', version: 1, schema: ExportSucceededV1 },
  'export.failed': { producer: 'erp-connector', version: 1, schema: ExportFailedV1 },
  'erp.posted': { producer: 'erp-connector', version: 1, schema: ErpPostedV1 },
  'erp.project.linked': { producer: 'erp-connector', version: 1, schema: ErpProjectLinkedV1 },
  'erp.connection.updated': { producer: 'erp-connector', version: 1, schema: ErpConnectionUpdatedV1 },
  'erp.budget.imported': { producer: 'erp-connector', version: 1, schema: ErpBudgetImportedV1 },
  'erp.budget.import.failed': { producer: 'erp-connector', version: 1, schema: ErpBudgetImportFailedV1 },
  'notification.sent': { producer: 'notification', version: 1, schema: NotificationSentV1 },
} as const satisfies Record<Topic, { producer: string; version: number; schema: z.ZodType }>;

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
 * Largest record batch (compressed) that topics carrying a budget's lines accept. A 50,000-line
 * `budget.sent` is about 10 MB as JSON and 2 MB gzipped, over Kafka's default of 1 MB; 16 MiB
 * leaves room for budgets several times larger.
 */
export const LARGE_EVENT_MAX_BYTES = 16 * 1024 * 1024;

/** Topics whose events carry every line of a budget, and so can outgrow Kafka's default message size. */
export const LargeEventTopics: readonly Topic[] = [Topics.BudgetSent, Topics.BudgetAccepted, Topics.ErpBudgetImported];

/**
 * The `max.message.bytes` a topic (or its dead-letter topic, which receives the same records) is
 * created with, or undefined for the broker's default.
 */
export function maxMessageBytesOf(topic: string): number | undefined {
  return LargeEventTopics.some((large) => topic === large || topic === dlqTopic(large)) ? LARGE_EVENT_MAX_BYTES : undefined;
}

/** The topic configs a topic is created with beyond the broker's defaults, as Kafka admin clients take them. */
export function topicConfigEntries(topic: string): { name: string; value: string }[] {
  const maxBytes = maxMessageBytesOf(topic);
  return maxBytes === undefined ? [] : [{ name: 'max.message.bytes', value: String(maxBytes) }];
}

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
