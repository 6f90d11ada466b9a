import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { BudgetCommand, UserRef } from '../../domain/budget';
import { BudgetCommands } from '../budget-commands';
import { storedBudgetView, BudgetView } from '../budget-view';
import { BudgetLimits, BUDGET_LIMITS } from '../../../config';
import { BudgetUseCaseError, overLimit, Clock, CLOCK, TransactionRunner, TRANSACTION_RUNNER } from '../ports';

export interface ModificationInput {
  description?: string | null;
  status?: 'draft' | 'approved';
  changes: { lineId?: string; costCode?: string; costType?: string | null; subJob?: string | null; description?: string | null; amount: string }[];
}

/** Budget modifications: approved ones are sent; retrievable until synced, immutable after. */
@Injectable()
export class ManageModificationsHandler {
  constructor(
    @Inject(TRANSACTION_RUNNER) private readonly tx: TransactionRunner,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(BudgetCommands) private readonly commands: BudgetCommands,
    @Inject(BUDGET_LIMITS) private readonly limits: BudgetLimits,
  ) {}

  create(companyId: string, budgetId: string, input: ModificationInput, by: UserRef, expectedVersion?: number): Promise<BudgetView> {
    return this.run(companyId, budgetId, expectedVersion, (budget, at) => {
      if (budget.modifications.length >= this.limits.modificationsPerBudget) {
        throw overLimit('MAX_MODIFICATIONS_PER_BUDGET', 'A budget holds', this.limits.modificationsPerBudget, budget.modifications.length + 1);
      }
      return {
        type: 'CreateModification',
        modification: {
          id: randomUUID(),
          description: input.description ?? null,
          status: input.status ?? 'draft',
          changes: input.changes.map((change, index) => {
            const line = change.lineId ? budget.lines.find((l) => l.id === change.lineId) : undefined;
            if (change.lineId && !line) {
              throw new BudgetUseCaseError('bad_request', 'VALIDATION_FAILED', `Invalid request body: changes.${index}.lineId`, [
                { path: `changes.${index}.lineId`, message: 'no such line item in this budget' },
              ]);
            }
            return {
              lineId: line?.id ?? null,
              costCode: line?.costCode ?? change.costCode ?? '',
              costType: line?.costType ?? change.costType ?? null,
              subJob: line?.subJob ?? change.subJob ?? null,
              description: change.description ?? line?.description ?? null,
              amount: change.amount,
            };
          }),
          createdBy: by,
          createdAt: at,
        },
        at,
      } satisfies BudgetCommand;
    });
  }

  approve(companyId: string, budgetId: string, modificationId: string, expectedVersion?: number): Promise<BudgetView> {
    return this.run(companyId, budgetId, expectedVersion, (_b, at) => ({ type: 'ApproveModification', modificationId, at }));
  }

  remove(companyId: string, budgetId: string, modificationId: string, expectedVersion?: number): Promise<BudgetView> {
    return this.run(companyId, budgetId, expectedVersion, (_b, at) => ({ type: 'DeleteModification', modificationId, at }));
  }

  private run(
    companyId: string,
    budgetId: string,
    expectedVersion: number | undefined,
    command: (budget: Parameters<Parameters<BudgetCommands['execute']>[3]>[0], at: string) => BudgetCommand,
  ): Promise<BudgetView> {
    return this.tx.run(async (manager) => {
      const result = await this.commands.execute(manager, companyId, budgetId, (budget) => command(budget, this.clock.now().toISOString()), expectedVersion);
      return storedBudgetView(manager, result.budget, result.version);
    });
  }
}
