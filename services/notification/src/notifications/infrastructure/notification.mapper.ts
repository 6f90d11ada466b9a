export interface NotificationRow {
  id: string;
  kind: string;
  budget_id: string | null;
  subject: string;
  body_text: string;
  created_at: Date;
  read_at: Date | null;
}

/** One entry of a user's in-app feed, as the API returns it. */
export interface FeedItem {
  id: string;
  kind: string;
  budgetId: string | null;
  subject: string;
  body: string;
  createdAt: string;
  read: boolean;
  readAt: string | null;
}

export const toFeedItem = (row: NotificationRow): FeedItem => ({
  id: row.id,
  kind: row.kind,
  budgetId: row.budget_id,
  subject: row.subject,
  body: row.body_text,
  createdAt: new Date(row.created_at).toISOString(),
  read: row.read_at !== null,
  readAt: row.read_at ? new Date(row.read_at).toISOString() : null,
});
