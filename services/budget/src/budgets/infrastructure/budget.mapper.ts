import { fromCents, toCents } from '@budget-erp/money';
import { holdOf, type Budget, type ErpState, type ErpStatus, type Modification, type Origin } from '../domain/budget';
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
    erp: erpStateOf(budget),
    exported: budget.exported,
    syncedAt: budget.syncedAt ? budget.syncedAt.toISOString() : null,
    syncedLines: budget.syncedLines,
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

/** The ERP state the row's status, hold and import columns describe; a row they contradict is a bug. */
function erpStateOf(row: BudgetOrmEntity): ErpState {
  const status = row.erpStatus as ErpStatus;
  switch (status) {
    case 'not_sent':
    case 'synced':
      return { status };
    case 'awaiting_acceptance':
    case 'exporting':
    case 'failed_to_export':
    case 'awaiting_posting':
      if (!row.hold) throw new Error(`budget ${row.id} is ${status} without the export that holds it`);
      return { status, hold: row.hold };
    case 'importing':
      if (!row.importing) throw new Error(`budget ${row.id} is importing without its import`);
      return { status, run: row.importing };
    default: {
      const unknown: never = status;
      throw new Error(`budget ${row.id} has an unknown ERP status ${String(unknown)}`);
    }
  }
}

export function toBudgetRow(budget: Budget, version: number, now: Date): BudgetOrmEntity {
  return Object.assign(new BudgetOrmEntity(), {
    id: budget.id,
    companyId: budget.companyId,
    projectId: budget.projectId,
    name: budget.name,
    origin: budget.origin,
    locked: budget.locked,
    erpStatus: budget.erp.status,
    exported: budget.exported,
    syncedAt: budget.syncedAt ? new Date(budget.syncedAt) : null,
    syncedLines: budget.syncedLines,
    hold: holdOf(budget),
    importing: budget.erp.status === 'importing' ? budget.erp.run : null,
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
