import type { EntityManager } from 'typeorm';
import type { Person } from '../../notifications/domain/person';
import { type Approver, summaryDedupeKey } from '../domain/daily-summary';

interface RecipientRow {
  company_id: string;
  user_id: string;
  name: string;
  email: string;
  is_approver: boolean;
  daily_summary: boolean;
}

/** Remembers someone as an approver of their company, keeping their summary choice. */
export async function rememberApprover(manager: EntityManager, companyId: string, person: Person, now: Date): Promise<void> {
  await manager.query(
    `INSERT INTO notification_recipients (company_id, user_id, name, email, is_approver, daily_summary, updated_at)
     VALUES ($1, $2, $3, $4, true, true, $5)
     ON CONFLICT (company_id, user_id) DO UPDATE
     SET is_approver = true,
         name = CASE WHEN EXCLUDED.name <> '' THEN EXCLUDED.name ELSE notification_recipients.name END,
         email = CASE WHEN EXCLUDED.email <> '' THEN EXCLUDED.email ELSE notification_recipients.email END,
         updated_at = EXCLUDED.updated_at`,
    [companyId, person.userId, person.name, person.email, now],
  );
}

/** Remembers someone as an ERP integrations user of their company (they asked for an import). */
export async function rememberIntegrationsUser(manager: EntityManager, companyId: string, person: Person, now: Date): Promise<void> {
  await manager.query(
    `INSERT INTO notification_recipients (company_id, user_id, name, email, is_approver, daily_summary, is_integrations_user, updated_at)
     VALUES ($1, $2, $3, $4, false, true, true, $5)
     ON CONFLICT (company_id, user_id) DO UPDATE
     SET is_integrations_user = true,
         name = CASE WHEN EXCLUDED.name <> '' THEN EXCLUDED.name ELSE notification_recipients.name END,
         email = CASE WHEN EXCLUDED.email <> '' THEN EXCLUDED.email ELSE notification_recipients.email END,
         updated_at = EXCLUDED.updated_at`,
    [companyId, person.userId, person.name, person.email, now],
  );
}

/** The company's ERP integrations users as far as the service has seen them act: approvers and those who asked for imports. */
export async function integrationsUsersOf(manager: EntityManager, companyId: string): Promise<Person[]> {
  const rows: RecipientRow[] = await manager.query(
    'SELECT * FROM notification_recipients WHERE company_id = $1 AND (is_approver OR is_integrations_user) ORDER BY user_id',
    [companyId],
  );
  return rows.map((r) => ({ userId: r.user_id, name: r.name || r.user_id, email: r.email }));
}

export interface Preferences {
  dailySummary: boolean;
  approver: boolean;
}

export async function savePreferences(
  manager: EntityManager,
  companyId: string,
  person: Person,
  change: { dailySummary?: boolean; approver: boolean },
  now: Date,
): Promise<Preferences> {
  const [row]: RecipientRow[] = await manager.query(
    `INSERT INTO notification_recipients (company_id, user_id, name, email, is_approver, daily_summary, updated_at)
     VALUES ($1, $2, $3, $4, $5, COALESCE($6, true), $7)
     ON CONFLICT (company_id, user_id) DO UPDATE
     SET is_approver = notification_recipients.is_approver OR EXCLUDED.is_approver,
         daily_summary = COALESCE($6, notification_recipients.daily_summary),
         name = CASE WHEN EXCLUDED.name <> '' THEN EXCLUDED.name ELSE notification_recipients.name END,
         email = CASE WHEN EXCLUDED.email <> '' THEN EXCLUDED.email ELSE notification_recipients.email END,
         updated_at = EXCLUDED.updated_at
     RETURNING company_id, user_id, name, email, is_approver, daily_summary`,
    [companyId, person.userId, person.name, person.email, change.approver, change.dailySummary ?? null, now],
  );
  return { dailySummary: row!.daily_summary, approver: row!.is_approver };
}

export async function loadPreferences(manager: EntityManager, companyId: string, userId: string): Promise<Preferences> {
  const [row]: RecipientRow[] = await manager.query(
    `SELECT is_approver, daily_summary FROM notification_recipients WHERE company_id = $1 AND user_id = $2`,
    [companyId, userId],
  );
  return { dailySummary: row?.daily_summary ?? true, approver: row?.is_approver ?? false };
}

export async function knownApprovers(manager: EntityManager): Promise<Approver[]> {
  const rows: RecipientRow[] = await manager.query(
    `SELECT company_id, user_id, name, email, is_approver, daily_summary FROM notification_recipients
     WHERE is_approver ORDER BY company_id, user_id`,
  );
  return rows.map((row) => ({
    companyId: row.company_id,
    person: { userId: row.user_id, name: row.name, email: row.email },
    dailySummary: row.daily_summary,
  }));
}

/** Keys of the summaries already stored for `day`. */
export async function summariesSentOn(manager: EntityManager, day: string): Promise<Set<string>> {
  const rows: Array<{ company_id: string; approver_user_id: string }> = await manager.query(
    `SELECT company_id, approver_user_id FROM daily_summaries WHERE day = $1`,
    [day],
  );
  return new Set(rows.map((r) => summaryDedupeKey(r.company_id, r.approver_user_id, day)));
}

/** Claims the (approver, day) summary; false when it was already sent, by this or another instance. */
export async function claimDailySummary(
  manager: EntityManager,
  key: { companyId: string; approverUserId: string; day: string },
  notificationId: string,
  now: Date,
): Promise<boolean> {
  const rows: unknown[] = await manager.query(
    `INSERT INTO daily_summaries (company_id, approver_user_id, day, notification_id, created_at)
     VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING day`,
    [key.companyId, key.approverUserId, key.day, notificationId, now],
  );
  return rows.length === 1;
}
