import type { EntityManager } from 'typeorm';
import type { ListFilter } from '../domain/budget-review';

export interface ListItem {
  budgetId: string | null;
  projectId: string;
  name: string | null;
  origin: string;
  erpSystem: string | null;
  jobNumber: string | null;
  erpStatus: string;
  total: string | null;
  listedAt: string | null;
}

export interface ListPage {
  items: ListItem[];
  nextCursor: string | null;
}

interface Cursor {
  at: string;
  id: string;
}

export const encodeCursor = (c: Cursor) => Buffer.from(JSON.stringify([c.at, c.id])).toString('base64url');

/** The cursor's position, or null when it is not one this service handed out. */
export function decodeCursor(raw: string): Cursor | null {
  try {
    const value: unknown = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
    if (
      Array.isArray(value) &&
      value.length === 2 &&
      typeof value[0] === 'string' &&
      !Number.isNaN(Date.parse(value[0])) &&
      typeof value[1] === 'string'
    ) {
      return { at: value[0], id: value[1] };
    }
  } catch {
    // fall through: not a cursor
  }
  return null;
}

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());

/** Newest first; keyset paging on (listed time, id). */
export async function listBudgets(
  manager: EntityManager,
  query: { companyId: string; filter: ListFilter; limit: number; cursor: Cursor | null },
): Promise<ListPage> {
  const { companyId, filter, limit, cursor } = query;
  const after = cursor ? `AND (sort_at, sort_id) < ($3::timestamptz, $4::text)` : '';
  const params: unknown[] = [companyId, limit + 1, ...(cursor ? [cursor.at, cursor.id] : [])];
  const sql =
    filter === 'out_of_sync'
      ? `SELECT * FROM (
           SELECT d.budget_id, d.project_id, r.name, d.origin, d.erp_system, d.job_number,
                  COALESCE(r.erp_status, 'synced') AS erp_status, r.total, d.detected_at AS sort_at, d.budget_id AS sort_id
           FROM budget_drifts d
           LEFT JOIN budget_reviews r ON r.budget_id = d.budget_id AND r.company_id = d.company_id
           WHERE d.company_id = $1 AND d.resolved_at IS NULL AND d.acknowledged IS NULL AND d.detected_at IS NOT NULL
         ) x WHERE true ${after} ORDER BY sort_at DESC, sort_id DESC LIMIT $2`
      : filter === 'ready_to_import'
      ? `SELECT * FROM (
           SELECT p.budget_id, p.project_id, r.name, COALESCE(r.origin, 'platform') AS origin, p.erp_system, p.job_number,
                  COALESCE(r.erp_status, 'not_sent') AS erp_status, r.total, p.linked_at AS sort_at, p.project_id AS sort_id
           FROM project_links p
           LEFT JOIN budget_reviews r ON r.budget_id = p.budget_id AND r.company_id = p.company_id
           WHERE p.company_id = $1 AND p.linked_at IS NOT NULL AND NOT p.imported AND NOT p.exported
             AND COALESCE(r.erp_status, 'not_sent') = 'not_sent' AND COALESCE(r.origin, 'platform') = 'platform'
         ) x WHERE true ${after} ORDER BY sort_at DESC, sort_id DESC LIMIT $2`
      : `SELECT * FROM (
           SELECT r.budget_id, r.project_id, r.name, r.origin, COALESCE(r.erp_system, p.erp_system) AS erp_system,
                  COALESCE(r.job_number, p.job_number) AS job_number, r.erp_status, r.total,
                  r.listed_at AS sort_at, r.budget_id AS sort_id
           FROM budget_reviews r
           LEFT JOIN project_links p ON p.company_id = r.company_id AND p.project_id = r.project_id
           WHERE r.company_id = $1 AND r.list_filter = $${cursor ? 5 : 3}
         ) x WHERE true ${after} ORDER BY sort_at DESC, sort_id DESC LIMIT $2`;
  if (filter !== 'ready_to_import' && filter !== 'out_of_sync') params.push(filter);
  const rows: Array<Record<string, string | null | Date>> = await manager.query(sql, params);
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    items: page.map((r) => ({
      budgetId: r.budget_id as string | null,
      projectId: r.project_id as string,
      name: r.name as string | null,
      origin: r.origin as string,
      erpSystem: r.erp_system as string | null,
      jobNumber: r.job_number as string | null,
      erpStatus: r.erp_status as string,
      total: r.total === null ? null : String(r.total),
      listedAt: iso(r.sort_at as Date | null),
    })),
    nextCursor:
      rows.length > limit && last
        ? encodeCursor({ at: iso(last.sort_at as Date)!, id: last.sort_id as string })
        : null,
  };
}
