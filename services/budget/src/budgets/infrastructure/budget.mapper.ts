import { fromCents, toCents } from '@budget-erp/money';
import type { Budget, ErpStatus, Modification, Origin } from '../domain/budget';
import { BudgetLineOrmEntity, BudgetModificationOrmEntity, BudgetOrmEntity } from './budget.orm-entity';

export interface BudgetRows {
  budget: BudgetOrmEntity;
  lines: BudgetLineOrmEntity[];
  modifications: BudgetModificationOrmEntity[];
}

export function toDomain(rows: BudgetRows): Budget {
  const { budget } = rows;
  return {
    status: 'present',
    id: budget.id,
    companyId: budget.companyId,
    projectId: budget.projectId,
    name: budget.name,
    origin: budget.origin as Origin,
    locked: budget.locked,
    erpStatus: budget.erpStatus as ErpStatus,
    exported: budget.exported,
    syncedAt: budget.syncedAt ? budget.syncedAt.toISOString() : null,
    syncedLines: budget.syncedLines,
    hold: budget.hold,
    importing: budget.importing,
    lastImport: budget.lastImport,
    createdBy: budget.createdBy,
    createdAt: budget.createdAt.toISOString(),
    lines: [...rows.lines]
      .sort((a, b) => a.position - b.position)
      .map((line) => ({
        id: line.id,
        costCode: line.costCode,
        costType: line.costType,
        subJob: line.subJob,
        description: line.description,
        amount: fromCents(BigInt(line.amountCents)),
      })),
    modifications: [...rows.modifications]
      .sort((a, b) => a.position - b.position)
      .map(
        (m): Modification => ({
          id: m.id,
          description: m.description,
          status: m.status as Modification['status'],
          changes: m.changes,
          sentIn: m.sentIn,
          synced: m.synced,
          createdBy: m.createdBy,
          createdAt: m.createdAt.toISOString(),
        }),
      ),
  };
}

export function toBudgetRow(budget: Budget, version: number, now: Date): BudgetOrmEntity {
  return Object.assign(new BudgetOrmEntity(), {
    id: budget.id,
    companyId: budget.companyId,
    projectId: budget.projectId,
    name: budget.name,
    origin: budget.origin,
    locked: budget.locked,
    erpStatus: budget.erpStatus,
    exported: budget.exported,
    syncedAt: budget.syncedAt ? new Date(budget.syncedAt) : null,
    syncedLines: budget.syncedLines,
    hold: budget.hold,
    importing: budget.importing,
    lastImport: budget.lastImport,
    createdBy: budget.createdBy,
    createdAt: new Date(budget.createdAt),
    updatedAt: now,
    version,
  });
}

export function toLineRows(budget: Pick<Budget, 'id' | 'lines'>): BudgetLineOrmEntity[] {
  return budget.lines.map((line, position) =>
    Object.assign(new BudgetLineOrmEntity(), {
      id: line.id,
      budgetId: budget.id,
      position,
      costCode: line.costCode,
      costType: line.costType,
      subJob: line.subJob,
      description: line.description,
      amountCents: toCents(line.amount).toString(),
    }),
  );
}

export function toModificationRows(budget: Pick<Budget, 'id' | 'modifications'>): BudgetModificationOrmEntity[] {
  return budget.modifications.map((m, position) =>
    Object.assign(new BudgetModificationOrmEntity(), {
      id: m.id,
      budgetId: budget.id,
      position,
      description: m.description,
      status: m.status,
      changes: m.changes,
      sentIn: m.sentIn,
      synced: m.synced,
      createdBy: m.createdBy,
      createdAt: new Date(m.createdAt),
    }),
  );
}
