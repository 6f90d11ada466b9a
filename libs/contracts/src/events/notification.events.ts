import { z } from 'zod';
import { IdSchema, InstantSchema } from './common';

/** `notification.sent` — an email or in-app notification was delivered. */
export const NotificationSentV1 = z.object({
  /** Notification id. */
  notificationId: IdSchema,
  /** The company. */
  companyId: IdSchema,
  /** The budget it is about, if any. */
  budgetId: IdSchema.nullable(),
  /** Recipient user id. */
  recipientUserId: IdSchema,
  /** Channel. */
  channel: z.enum(['email', 'in_app']),
  /** What kind of notification, e.g. `budget_rejected`, `daily_summary`. */
  kind: z.string(),
  /** The event that caused it (null for the daily summary). */
  sourceEventId: IdSchema.nullable(),
  /** When it was delivered. */
  sentAt: InstantSchema,
});
