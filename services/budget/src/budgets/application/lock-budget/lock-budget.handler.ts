import { Inject, Injectable } from '@nestjs/common';
import { UserRef } from '../../domain/budget';
import { BudgetCommands } from '../budget-commands';
import { storedBudgetView, BudgetView } from '../budget-view';
import { Clock, CLOCK, TransactionRunner, TRANSACTION_RUNNER } from '../ports';

@Injectable()
export class LockBudgetHandler {
  constructor(
    @Inject(TRANSACTION_RUNNER) private readonly tx: TransactionRunner,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(BudgetCommands) private readonly commands: BudgetCommands,
  ) {}

  lock(companyId: string, budgetId: string, by: UserRef, expectedVersion?: number): Promise<BudgetView> {
    return this.tx.run(async (manager) => {
      const result = await this.commands.execute(manager, companyId, budgetId, () => ({ type: 'LockBudget', by, at: this.clock.now().toISOString() }), expectedVersion);
      return storedBudgetView(manager, result.budget, result.version);
    });
  }

  unlock(companyId: string, budgetId: string, by: UserRef, modifications: 'preserve' | 'delete' | undefined, expectedVersion?: number): Promise<BudgetView> {
    return this.tx.run(async (manager) => {
      const result = await this.commands.execute(manager, companyId, budgetId, () => ({
        type: 'UnlockBudget',
        by,
        at: this.clock.now().toISOString(),
        ...(modifications ? { modifications } : {}),
      }), expectedVersion);
      return storedBudgetView(manager, result.budget, result.version);
    });
  }
}
