import { Inject, Injectable } from '@nestjs/common';
import { UserRef } from '../../domain/budget';
import { BudgetCommands } from '../budget-commands';
import { storedBudgetView, BudgetView } from '../budget-view';
import { Clock, CLOCK, TransactionRunner, TRANSACTION_RUNNER } from '../ports';

/** The PM takes a sent budget back before accounting reviews it; the hold is released, the lock kept. */
@Injectable()
export class RetrieveBudgetFromErpHandler {
  constructor(
    @Inject(TRANSACTION_RUNNER) private readonly tx: TransactionRunner,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(BudgetCommands) private readonly commands: BudgetCommands,
  ) {}

  execute(companyId: string, budgetId: string, by: UserRef, expectedVersion?: number): Promise<BudgetView> {
    return this.tx.run(async (manager) => {
      const result = await this.commands.execute(manager, companyId, budgetId, () => ({ type: 'RetrieveFromErp', by, at: this.clock.now().toISOString() }), expectedVersion);
      return storedBudgetView(manager, result.budget, result.version);
    });
  }
}
