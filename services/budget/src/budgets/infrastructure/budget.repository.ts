import type { EntityManager } from 'typeorm';
import type { Budget } from '../domain/budget';
import { toDomain, toRows } from './budget.mapper';
import { BudgetLineOrmEntity, BudgetModificationOrmEntity, BudgetOrmEntity } from './budget.orm-entity';

export interface LoadedBudget {
  budget: Budget;
  version: number;
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
  const row = await manager.findOne(BudgetOrmEntity, { where: { id: budgetId, companyId } });
  if (!row) return null;
  const [lines, modifications] = [
    await manager.find(BudgetLineOrmEntity, { where: { budgetId } }),
    await manager.find(BudgetModificationOrmEntity, { where: { budgetId } }),
  ];
  return { budget: toDomain({ budget: row, lines, modifications }), version: row.version };
}

export async function listProjectBudgets(manager: EntityManager, companyId: string, projectId: string): Promise<LoadedBudget[]> {
  const rows = await manager.find(BudgetOrmEntity, { where: { companyId, projectId }, order: { createdAt: 'ASC' } });
  const budgets: LoadedBudget[] = [];
  for (const row of rows) {
    const loaded = await loadBudget(manager, companyId, row.id);
    if (loaded) budgets.push(loaded);
  }
  return budgets;
}

/** Saves a budget if nobody saved it since `loadedVersion` (null: new budget); returns the new version. */
export async function saveBudget(manager: EntityManager, budget: Budget, loadedVersion: number | null): Promise<number> {
  const version = (loadedVersion ?? 0) + 1;
  const rows = toRows(budget, version, new Date());
  if (loadedVersion === null) {
    const inserted = await manager
      .createQueryBuilder()
      .insert()
      .into(BudgetOrmEntity)
      .values(rows.budget)
      .orIgnore()
      .returning(['id'])
      .execute();
    if ((inserted.raw as unknown[]).length === 0) throw new StaleBudgetError(budget.id);
  } else {
    const { id: _id, ...changes } = rows.budget;
    const updated = await manager
      .createQueryBuilder()
      .update(BudgetOrmEntity)
      .set(changes)
      .where('id = :id AND version = :version', { id: budget.id, version: loadedVersion })
      .execute();
    if (updated.affected !== 1) throw new StaleBudgetError(budget.id);
  }
  // Children are rewritten whole: the aggregate is small and the version check above guards them.
  await manager.delete(BudgetLineOrmEntity, { budgetId: budget.id });
  await manager.delete(BudgetModificationOrmEntity, { budgetId: budget.id });
  if (rows.lines.length > 0) await manager.insert(BudgetLineOrmEntity, rows.lines);
  if (rows.modifications.length > 0) await manager.insert(BudgetModificationOrmEntity, rows.modifications);
  return version;
}
