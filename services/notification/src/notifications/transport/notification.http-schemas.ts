import { z } from 'zod';

export const FeedQuerySchema = z.strictObject({
  page: z.coerce.number().int().min(1).default(1).describe('Page number, from 1'),
  pageSize: z.coerce.number().int().min(1).max(100).default(20).describe('Notifications per page (1-100)'),
  unread: z.enum(['true', 'false']).optional().describe('`true`: unread notifications only'),
});

export const PreferencesBodySchema = z.strictObject({
  dailySummary: z.boolean().describe('Whether to receive the ERP Integrations Daily Summary'),
});

export const FeedItemSchema = z.object({
  id: z.string().describe('Notification id'),
  kind: z.enum(['budget_rejected', 'export_failed', 'export_landed_late', 'erp_posted', 'budget_accepted', 'import_succeeded', 'import_failed', 'drift_detected', 'daily_summary']),
  budgetId: z.string().nullable().describe('The budget it is about; null for the daily summary'),
  subject: z.string(),
  body: z.string().describe('Plain text, as emailed'),
  createdAt: z.string().describe('ISO-8601'),
  read: z.boolean(),
  readAt: z.string().nullable(),
});

export const FeedPageSchema = z.object({
  items: z.array(FeedItemSchema).describe('Newest first'),
  page: z.number().int(),
  pageSize: z.number().int(),
  total: z.number().int().describe('Notifications matching the filter'),
  unreadCount: z.number().int().describe("All of the caller's unread notifications"),
});

export const PreferencesSchema = z.object({
  dailySummary: z.boolean(),
  approver: z.boolean().describe('Known as an approver of the company (receives the daily summary when items are pending)'),
});
