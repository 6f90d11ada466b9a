import type { RetryPolicy } from '../domain/email-delivery';
import type { SummarySchedule } from '../../daily-summary/domain/daily-summary';

/** What the notification use cases need from the configuration. */
export interface NotificationSettings {
  /** Right-hand side of every Message-ID, e.g. `budget-erp.local`. */
  messageIdDomain: string;
  dispatcher: {
    enabled: boolean;
    pollIntervalMs: number;
    batchSize: number;
    /** Emails of a batch handed to the mail server at the same time. */
    concurrency: number;
    /** How long a claimed email stays reserved for its dispatcher; longer than one send can take. */
    claimLeaseMs: number;
    retry: RetryPolicy;
  };
  dailySummary: SummarySchedule & { enabled: boolean; checkIntervalMs: number };
}
