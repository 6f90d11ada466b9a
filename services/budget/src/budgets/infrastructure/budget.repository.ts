import type { EntityManager, EntityTarget } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import type { Budget } from '../domain/budget';
import { toBudgetRow, toDomain, toLineRows, toModificationRows } from './budget.mapper';
import { BudgetLineOrmEntity, BudgetModificationOrmEntity, BudgetOrmEntity } from './budget.orm-entity';

export interface LoadedBudget {
  budget: Budget;
  version: number;
  /** What was left in the database by a partial load (see `loadBudgetForExportOutcome`). */
  notLoaded?: { lines: true; syncedLines: boolean };
}

/** Another writer saved the budget between this one's load and save. */
export class StaleBudgetError extends Error {
  constructor(readonly budgetId: string) {
    super(`budget ${budgetId} was changed concurrently`);
    this.name = 'StaleBudgetError';
  }
}

/** Loads a budget of the company; another company's budget is as absent as a missing one. */
export async function loadBudget(manager: EntityManager, companyId: string, budgetId: string): Promise<LoadedBudget | null> {
  // The budget row and its (few) modifications in one round trip; the lines, which can be many, in a second.
  const row = await loadBudgetRow(manager, companyId, budgetId, BUDGET_COLUMNS);
  if (!row) return null;
  const lines = await loadLines(manager, budgetId);
  return { budget: toDomain({ budget: row, lines, modifications: row.modifications.map(modificationFromJson) }), version: row.version };
}

/**
 * Loads what an export outcome (a saga step) decides on, in one query: the row and the
 * modifications, but not the lines, which those steps never read, and the synced lines only when
 * `syncedLines` (an export that reached the ERP moves them). For a 50,000-line budget each of those
 * is megabytes. `budget.lines` (and `budget.syncedLines` unless asked for) are then empty;
 * `saveBudget` refuses to write what was not loaded.
 */
export async function loadBudgetForExportOutcome(
  manager: EntityManager,
  companyId: string,
  budgetId: string,
  options: { syncedLines: boolean },
): Promise<LoadedBudget | null> {
  const row = await loadBudgetRow(manager, companyId, budgetId, options.syncedLines ? BUDGET_COLUMNS : BUDGET_COLUMNS_BUT_LARGE);
  if (!row) return null;
  if (!options.syncedLines) row.syncedLines = [];
  return {
    budget: toDomain({ budget: row, lines: [], modifications: row.modifications.map(modificationFromJson) }),
    version: row.version,
    notLoaded: { lines: true, syncedLines: !options.syncedLines },
  };
}

/**
 * The company's budget row (`columns`, under the entity's names) with its modifications as JSON, in
 * plain SQL: every command and saga step loads it, and TypeORM's query building and hydration of it
 * were the budget service's biggest library frames. Another company's budget is not found.
 */
async function loadBudgetRow(
  manager: EntityManager,
  companyId: string,
  budgetId: string,
  columns: string,
): Promise<(BudgetOrmEntity & { modifications: ModificationJson[] }) | null> {
  const rows = (await manager.query(`SELECT ${columns}, ${MODIFICATIONS_AS_JSON} AS modifications FROM budgets b WHERE b.id = $1 AND b.company_id = $2`, [
    budgetId,
    companyId,
  ])) as (BudgetOrmEntity & { modifications: ModificationJson[] })[];
  return rows[0] ?? null;
}

/** A budget row's column, its entity field and its SQL type; `large` ones are read only when needed. */
const BUDGET_ROW: { field: keyof BudgetOrmEntity; column: string; type: string; large?: true }[] = [
  { field: 'id', column: 'id', type: 'text' },
  { field: 'companyId', column: 'company_id', type: 'text' },
  { field: 'projectId', column: 'project_id', type: 'text' },
  { field: 'name', column: 'name', type: 'text' },
  { field: 'origin', column: 'origin', type: 'text' },
  { field: 'locked', column: 'locked', type: 'boolean' },
  { field: 'erpStatus', column: 'erp_status', type: 'text' },
  { field: 'exported', column: 'exported', type: 'boolean' },
  { field: 'syncedAt', column: 'synced_at', type: 'timestamptz' },
  { field: 'syncedLines', column: 'synced_lines', type: 'jsonb', large: true },
  { field: 'hold', column: 'hold', type: 'jsonb' },
  { field: 'importing', column: 'importing', type: 'jsonb' },
  { field: 'lastImport', column: 'last_import', type: 'jsonb' },
  { field: 'createdBy', column: 'created_by', type: 'jsonb' },
  { field: 'createdAt', column: 'created_at', type: 'timestamptz' },
  { field: 'updatedAt', column: 'updated_at', type: 'timestamptz' },
  { field: 'version', column: 'version', type: 'integer' },
];

const selectList = (columns: typeof BUDGET_ROW) => columns.map((c) => `b.${c.column} AS "${c.field}"`).join(', ');
const BUDGET_COLUMNS = selectList(BUDGET_ROW);
const BUDGET_COLUMNS_BUT_LARGE = selectList(BUDGET_ROW.filter((c) => !c.large));
const BUDGET_COLUMNS_BUT_LARGE_FIELDS = BUDGET_ROW.filter((c) => !c.large).map((c) => c.field);

/** A budget row column's value as a bind parameter. */
function budgetParam(row: BudgetOrmEntity, field: keyof BudgetOrmEntity, type: string): Param | Date {
  const value = row[field];
  if (value === null || value === undefined) return null;
  if (type === 'jsonb') return JSON.stringify(value);
  return value as Param | Date;
}

const MODIFICATIONS_AS_JSON = `(SELECT coalesce(json_agg(json_build_object(
    'id', m.id, 'budgetId', m.budget_id, 'position', m.position, 'description', m.description, 'status', m.status,
    'changes', m.changes, 'sentIn', m.sent_in, 'synced', m.synced, 'createdBy', m.created_by, 'createdAt', m.created_at)), '[]'::json)
  FROM budget_modifications m WHERE m.budget_id = b.id)`;

type ModificationJson = Omit<BudgetModificationOrmEntity, 'createdAt'> & { createdAt: string };

const modificationFromJson = (m: ModificationJson): BudgetModificationOrmEntity =>
  Object.assign(new BudgetModificationOrmEntity(), { ...m, createdAt: new Date(m.createdAt) });

/**
 * The lines of a budget as plain rows. A budget can hold tens of thousands of lines: one SQL query
 * with the columns aliased to the entity's fields avoids TypeORM building each line twice (raw and
 * hydrated), which halves the memory a large budget takes while it is loaded.
 */
async function loadLines(manager: EntityManager, budgetId: string): Promise<BudgetLineOrmEntity[]> {
  return (await manager.query(
    `SELECT id, budget_id AS "budgetId", position, cost_code AS "costCode", cost_type AS "costType", sub_job AS "subJob",
            description, amount_cents::text AS "amountCents"
       FROM budget_lines WHERE budget_id = $1`,
    [budgetId],
  )) as BudgetLineOrmEntity[];
}

/** A project's budget as listed: its row and modifications, its lines' count and total, never the lines. */
export interface ListedBudget extends LoadedBudget {
  lineCount: number;
  linesTotalCents: bigint;
}

/** Where a page of a project's budgets ends: the last budget's creation time (in microseconds) and id. */
const budgetsCursorOf = (micros: string, id: string): string => Buffer.from(`${micros}:${id}`).toString('base64url');

/** The creation time and id a budgets cursor names, or null when it is not one this service wrote. */
export function parseBudgetsCursor(after: string): { micros: string; id: string } | null {
  const match = /^(\d{1,18}):(.+)$/s.exec(Buffer.from(after, 'base64url').toString());
  return match ? { micros: match[1], id: match[2] } : null;
}

/**
 * A page of the project's budgets, oldest first, after the cursor `after` of the page before: one
 * query over the (company, project, created_at) index that reads each budget's row (not its lines
 * nor its synced lines) with its modifications, and its lines' count and total as the row keeps them.
 */
export async function listProjectBudgetsPage(
  manager: EntityManager,
  companyId: string,
  projectId: string,
  page: { after: { micros: string; id: string } | null; limit: number },
): Promise<{ budgets: ListedBudget[]; next: string | null }> {
  const query = manager
    .createQueryBuilder(BudgetOrmEntity, 'b')
    .select(BUDGET_COLUMNS_BUT_LARGE_FIELDS.map((field) => `b.${field}`))
    .addSelect(MODIFICATIONS_AS_JSON, 'modifications')
    .addSelect('b.line_count', 'line_count')
    .addSelect('b.lines_total_cents::text', 'lines_total_cents')
    .addSelect(`(extract(epoch FROM b.created_at) * 1000000)::bigint::text`, 'created_micros')
    .where('b.company_id = :companyId AND b.project_id = :projectId', { companyId, projectId })
    .orderBy('b.created_at', 'ASC')
    .addOrderBy('b.id', 'ASC')
    .limit(page.limit + 1);
  if (page.after) {
    query.andWhere(`(b.created_at, b.id) > (timestamptz 'epoch' + :micros::bigint * interval '1 microsecond', :afterId)`, {
      micros: page.after.micros,
      afterId: page.after.id,
    });
  }
  const { entities, raw } = await query.getRawAndEntities<{ modifications: ModificationJson[]; line_count: number; lines_total_cents: string; created_micros: string }>();
  const more = entities.length > page.limit;
  const shown = more ? entities.slice(0, page.limit) : entities;
  const budgets = shown.map((row, i): ListedBudget => {
    row.syncedLines = [];
    return {
      budget: toDomain({ budget: row, lines: [], modifications: raw[i].modifications.map(modificationFromJson) }),
      version: row.version,
      notLoaded: { lines: true, syncedLines: true },
      lineCount: Number(raw[i].line_count),
      linesTotalCents: BigInt(raw[i].lines_total_cents),
    };
  });
  const last = shown.length - 1;
  return { budgets, next: more && last >= 0 ? budgetsCursorOf(raw[last].created_micros, shown[last].id) : null };
}

/** The id of the project's most recently created budget, or null. */
export async function latestProjectBudgetId(manager: EntityManager, companyId: string, projectId: string): Promise<string | null> {
  const rows = (await manager.query(
    `SELECT id FROM budgets WHERE company_id = $1 AND project_id = $2 ORDER BY created_at DESC, id DESC LIMIT 1`,
    [companyId, projectId],
  )) as { id: string }[];
  return rows[0]?.id ?? null;
}

/**
 * Saves a budget if nobody saved it since it was loaded (`loaded` null: a new budget); returns the new version.
 * Only the lines and modifications that differ from the loaded ones are written, in statements of at most
 * CHUNK_ROWS rows, so a large budget neither rewrites itself on every change nor exceeds PostgreSQL's
 * 65,535 bind parameters in one statement.
 */
export async function saveBudget(manager: EntityManager, budget: Budget, loaded: LoadedBudget | null): Promise<number> {
  const version = (loaded?.version ?? 0) + 1;
  const now = new Date();
  const budgetRow = toBudgetRow(budget, version, now);
  if (loaded === null) {
    const inserted = await manager
      .createQueryBuilder()
      .insert()
      .into(BudgetOrmEntity)
      .values(budgetRow)
      .orIgnore()
      .returning(['id'])
      .execute();
    if ((inserted.raw as unknown[]).length === 0) throw new StaleBudgetError(budget.id);
  } else {
    if (changesWhatWasNotLoaded(budget, loaded)) {
      throw new Error(`budget ${budget.id} was loaded without its lines: a change to them cannot be saved from it`);
    }
    // Only the columns that changed, with the version and the time. The synced lines are as large
    // as the budget (megabytes at 50,000 lines): written only when the domain replaced them (an
    // export landed, an import), not on every status change of the saga.
    const before = toBudgetRow(loaded.budget, loaded.version, now);
    const params: (Param | Date)[] = [budget.id, loaded.version, version, now];
    const sets = ['version = $3', 'updated_at = $4'];
    for (const { field, column, type } of BUDGET_ROW) {
      if (field === 'id' || field === 'version' || field === 'updatedAt') continue;
      const value = budgetParam(budgetRow, field, type);
      const changed = field === 'syncedLines' ? budget.syncedLines !== loaded.budget.syncedLines : comparable(value) !== comparable(budgetParam(before, field, type));
      if (!changed) continue;
      params.push(value);
      sets.push(`${column} = $${params.length}::${type}`);
    }
    const [, affected] = (await manager.query(`UPDATE budgets SET ${sets.join(', ')} WHERE id = $1 AND version = $2`, params)) as [unknown[], number];
    if (affected !== 1) throw new StaleBudgetError(budget.id);
  }
  // The version check above guards the children: nobody else wrote them since they were loaded.
  // The domain keeps the loaded array when a change leaves the lines (or modifications) alone, as
  // lock, send and every saga step do: then there is nothing to compare or write.
  const linesChanged = loaded === null || budget.lines !== loaded.budget.lines;
  const modificationsChanged = loaded === null || budget.modifications !== loaded.budget.modifications;
  if (linesChanged) {
    // A line keeps the position it was stored at (a removal leaves a gap, so no later line is
    // rewritten); lines the domain appended go after the last stored one.
    const before = loaded ? toLineRows(loaded.budget) : [];
    await saveChildren(manager, BudgetLineOrmEntity, 'budget_lines', lineColumns, budget.id, before, toLineRows(budget), async (added) => {
      if (loaded === null) return;
      const [{ next }] = (await manager.query('SELECT coalesce(max(position) + 1, 0)::int AS next FROM budget_lines WHERE budget_id = $1', [budget.id])) as { next: number }[];
      added.forEach((row, i) => (row.position = next + i));
    });
  }
  if (modificationsChanged) {
    const before = loaded ? toModificationRows(loaded.budget) : [];
    await saveChildren(manager, BudgetModificationOrmEntity, 'budget_modifications', modificationColumns, budget.id, before, toModificationRows(budget));
  }
  return version;
}

const comparable = (value: Param | Date): Param => (value instanceof Date ? value.toISOString() : value);

/** Whether a budget from a partial load changes what that load left out: its lines or its synced lines. */
function changesWhatWasNotLoaded(budget: Budget, loaded: LoadedBudget): boolean {
  const notLoaded = loaded.notLoaded;
  if (!notLoaded) return false;
  return budget.lines !== loaded.budget.lines || (notLoaded.syncedLines && budget.syncedLines !== loaded.budget.syncedLines);
}

/** Rows per statement: 1,000 rows of at most 10 columns stay far below PostgreSQL's 65,535 parameters. */
export const CHUNK_ROWS = 1000;

type Param = string | number | boolean | null;

/** A column written by an UPDATE, with its SQL type and its value as a bind parameter. */
interface Column<R> {
  name: string;
  type: string;
  param(row: R): Param;
}

const json = (value: unknown): string => JSON.stringify(value);

/** A stored line's position never changes (see saveBudget), so it is not compared. */
const lineColumns: Column<BudgetLineOrmEntity>[] = [
  { name: 'cost_code', type: 'text', param: (r) => r.costCode },
  { name: 'cost_type', type: 'text', param: (r) => r.costType },
  { name: 'sub_job', type: 'text', param: (r) => r.subJob },
  { name: 'description', type: 'text', param: (r) => r.description },
  { name: 'amount_cents', type: 'bigint', param: (r) => r.amountCents },
];

const modificationColumns: Column<BudgetModificationOrmEntity>[] = [
  { name: 'position', type: 'integer', param: (r) => r.position },
  { name: 'description', type: 'text', param: (r) => r.description },
  { name: 'status', type: 'text', param: (r) => r.status },
  { name: 'changes', type: 'jsonb', param: (r) => json(r.changes) },
  { name: 'sent_in', type: 'text', param: (r) => r.sentIn },
  { name: 'synced', type: 'boolean', param: (r) => r.synced },
  { name: 'created_by', type: 'jsonb', param: (r) => json(r.createdBy) },
  { name: 'created_at', type: 'timestamptz', param: (r) => r.createdAt.toISOString() },
];

function chunks<T>(items: T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK_ROWS) out.push(items.slice(i, i + CHUNK_ROWS));
  return out;
}

/** Deletes removed rows, updates changed ones and inserts new ones, comparing by id with the rows as loaded. */
async function saveChildren<R extends { id: string }>(
  manager: EntityManager,
  entity: EntityTarget<R>,
  table: string,
  columns: Column<R>[],
  budgetId: string,
  before: R[],
  after: R[],
  beforeInsert?: (added: R[]) => Promise<void>,
): Promise<void> {
  const loaded = new Map(before.map((row) => [row.id, row]));
  const kept = new Set<string>();
  const changed: R[] = [];
  const added: R[] = [];
  for (const row of after) {
    kept.add(row.id);
    const old = loaded.get(row.id);
    if (!old) added.push(row);
    else if (columns.some((c) => c.param(old) !== c.param(row))) changed.push(row);
  }
  const removed = before.filter((row) => !kept.has(row.id)).map((row) => row.id);
  // Sequential on the one manager: the embedded database runs one statement of one transaction at a time.
  for (const ids of chunks(removed)) {
    const list = ids.map((_, i) => `$${i + 2}`).join(', ');
    await manager.query(`DELETE FROM ${table} WHERE budget_id = $1 AND id IN (${list})`, [budgetId, ...ids]);
  }
  for (const part of chunks(changed)) await updateRows(manager, table, columns, budgetId, part);
  await beforeInsert?.(added);
  for (const part of chunks(added)) await manager.insert(entity, part as QueryDeepPartialEntity<R>[]);
}

async function updateRows<R extends { id: string }>(manager: EntityManager, table: string, columns: Column<R>[], budgetId: string, rows: R[]): Promise<void> {
  const params: Param[] = [budgetId];
  const values = rows.map((row) => {
    params.push(row.id);
    const cells = [`$${params.length}::text`];
    for (const c of columns) {
      params.push(c.param(row));
      cells.push(`$${params.length}::${c.type}`);
    }
    return `(${cells.join(', ')})`;
  });
  const names = columns.map((c) => c.name);
  await manager.query(
    `UPDATE ${table} AS t SET ${names.map((n) => `${n} = v.${n}`).join(', ')}
     FROM (VALUES ${values.join(', ')}) AS v (id, ${names.join(', ')})
     WHERE t.id = v.id AND t.budget_id = $1`,
    params,
  );
}
