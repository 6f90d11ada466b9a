import { fromCents, toCents } from '@budget-erp/money';
import type { EntityManager } from 'typeorm';
import type { BudgetEvent, BudgetLine } from '../domain/budget';
import { StaleBudgetError } from './budget.repository';

/**
 * A budget's lines one at a time and a page at a time: an edit reads and writes the one line it
 * names, and a page is read by its position, so neither costs more on a 50,000-line budget than on
 * a 10-line one. The count and total of the lines are kept on the budget's row by the database
 * (statement triggers on `budget_lines`).
 */

/** Lines per page, unless asked for fewer. */
export const LINES_PAGE = 1000;

interface LineRow {
  id: string;
  position: number;
  costCode: string;
  costType: string | null;
  subJob: string | null;
  description: string | null;
  cents: string;
}

const LINE_COLUMNS = `id, position, cost_code AS "costCode", cost_type AS "costType", sub_job AS "subJob", description, amount_cents::text AS cents`;

const toLine = (row: LineRow): BudgetLine => ({
  id: row.id,
  costCode: row.costCode,
  costType: row.costType,
  subJob: row.subJob,
  description: row.description,
  amount: fromCents(BigInt(row.cents)),
});

/** The line `lineId` of the budget, or null. */
export async function loadLine(manager: EntityManager, budgetId: string, lineId: string): Promise<BudgetLine | null> {
  const rows = (await manager.query(`SELECT ${LINE_COLUMNS} FROM budget_lines WHERE budget_id = $1 AND id = $2`, [budgetId, lineId])) as LineRow[];
  return rows[0] ? toLine(rows[0]) : null;
}

export interface LinesPage {
  lines: BudgetLine[];
  /** Where the next page starts (`after`), or null after the last line. */
  next: string | null;
}

/** The cursor a page ends at: the last line's position and id. */
const cursorOf = (row: LineRow): string => Buffer.from(`${row.position}:${row.id}`).toString('base64url');

/** The position and id a cursor names, or null when it is not one this service wrote. */
export function parseLinesCursor(after: string): { position: number; id: string } | null {
  const text = Buffer.from(after, 'base64url').toString();
  const match = /^(-?\d{1,10}):(.+)$/s.exec(text);
  return match ? { position: Number(match[1]), id: match[2] } : null;
}

/** The budget's lines in order, from after `after` (a cursor of an earlier page), at most `limit` of them. */
export async function loadLinesPage(
  manager: EntityManager,
  budgetId: string,
  page: { after: { position: number; id: string } | null; limit: number },
): Promise<LinesPage> {
  const { after, limit } = page;
  const rows = (await manager.query(
    after
      ? `SELECT ${LINE_COLUMNS} FROM budget_lines WHERE budget_id = $1 AND (position, id) > ($3::int, $4::text) ORDER BY position, id LIMIT $2`
      : `SELECT ${LINE_COLUMNS} FROM budget_lines WHERE budget_id = $1 ORDER BY position, id LIMIT $2`,
    after ? [budgetId, limit + 1, after.position, after.id] : [budgetId, limit + 1],
  )) as LineRow[];
  const more = rows.length > limit;
  const shown = more ? rows.slice(0, limit) : rows;
  return { lines: shown.map(toLine), next: more && shown.length > 0 ? cursorOf(shown[shown.length - 1]) : null };
}

/** The count and total of the budget's lines, as the database keeps them. */
export async function lineAggregates(manager: EntityManager, budgetId: string): Promise<{ lineCount: number; totalCents: bigint }> {
  const [row] = (await manager.query(`SELECT line_count, lines_total_cents::text AS cents FROM budgets WHERE id = $1`, [budgetId])) as { line_count: number; cents: string }[];
  return { lineCount: row?.line_count ?? 0, totalCents: BigInt(row?.cents ?? '0') };
}

/**
 * Writes one decided line edit, if nobody saved the budget since `version` was read; returns the
 * new version. The line is added after the last one (its position the largest plus one), changed
 * or deleted in place: no other line is read or written.
 */
export async function saveLineEdit(
  manager: EntityManager,
  budgetId: string,
  version: number,
  event: Extract<BudgetEvent, { type: 'LineAdded' | 'LineUpdated' | 'LineRemoved' }>,
): Promise<number> {
  const answer = (await manager.query(`UPDATE budgets SET version = version + 1, updated_at = now() WHERE id = $1 AND version = $2 RETURNING version`, [
    budgetId,
    version,
  ])) as unknown[];
  // TypeORM answers an UPDATE as [rows, affected].
  const bumped = (Array.isArray(answer[0]) ? answer[0] : answer) as { version: number }[];
  if (bumped.length !== 1) throw new StaleBudgetError(budgetId);
  switch (event.type) {
    case 'LineAdded': {
      const { line } = event;
      await manager.query(
        `INSERT INTO budget_lines (id, budget_id, position, cost_code, cost_type, sub_job, description, amount_cents)
         SELECT $1, $2, coalesce(max(position) + 1, 0), $3, $4, $5, $6, $7 FROM budget_lines WHERE budget_id = $2`,
        [line.id, budgetId, line.costCode, line.costType, line.subJob, line.description, toCents(line.amount).toString()],
      );
      break;
    }
    case 'LineUpdated': {
      const { line } = event;
      await manager.query(
        `UPDATE budget_lines SET cost_code = $3, cost_type = $4, sub_job = $5, description = $6, amount_cents = $7 WHERE budget_id = $1 AND id = $2`,
        [budgetId, line.id, line.costCode, line.costType, line.subJob, line.description, toCents(line.amount).toString()],
      );
      break;
    }
    case 'LineRemoved':
      await manager.query(`DELETE FROM budget_lines WHERE budget_id = $1 AND id = $2`, [budgetId, event.lineId]);
      break;
  }
  return bumped[0].version;
}
