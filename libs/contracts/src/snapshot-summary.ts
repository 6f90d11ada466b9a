import { z } from 'zod';
import { ExportSnapshotSchema, type ExportSnapshot } from './events/common';
import { contractFor, Topics, type PayloadOf } from './topics';

/**
 * Topics whose payload carries an export snapshot with every line of the budget (megabytes for a
 * 50,000-line budget). A consumer that needs only the snapshot's summary (name, ERP, job, totals)
 * can read them without the lines: see `withoutSnapshotLines` and `summarySchemaOf`.
 */
export const SnapshotTopics = [Topics.BudgetSent, Topics.BudgetAccepted] as const;
export type SnapshotTopic = (typeof SnapshotTopics)[number];

export function isSnapshotTopic(topic: string): topic is SnapshotTopic {
  return (SnapshotTopics as readonly string[]).includes(topic);
}

/** A snapshot topic's payload without `snapshot.lines`. */
export type SummaryOf<T extends SnapshotTopic> = Omit<PayloadOf<T>, 'snapshot'> & { snapshot: Omit<ExportSnapshot, 'lines'> };

const SnapshotSummarySchema = ExportSnapshotSchema.omit({ lines: true });

const summarySchemas = {
  'budget.sent': contractFor(Topics.BudgetSent).schema.extend({ snapshot: SnapshotSummarySchema }),
  'budget.accepted': contractFor(Topics.BudgetAccepted).schema.extend({ snapshot: SnapshotSummarySchema }),
} as const satisfies Record<SnapshotTopic, z.ZodType>;

/** The topic's contract without `snapshot.lines`: every other field is checked as the full contract checks it. */
export function summarySchemaOf<T extends SnapshotTopic>(topic: T): z.ZodType<SummaryOf<T>> {
  return summarySchemas[topic] as unknown as z.ZodType<SummaryOf<T>>;
}
