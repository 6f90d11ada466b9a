import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { UserRef } from '../../domain/budget';
import { loadErpContext } from '../../../erp-readiness/infrastructure/erp-context.repository';
import { BudgetCommands } from '../budget-commands';
import { Clock, CLOCK, TransactionRunner, TRANSACTION_RUNNER } from '../ports';

/** Send (or re-send): takes the export hold and publishes `budget.sent` with the full snapshot. */
@Injectable()
export class SendBudgetToErpHandler {
  constructor(
    @Inject(TRANSACTION_RUNNER) private readonly tx: TransactionRunner,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(BudgetCommands) private readonly commands: BudgetCommands,
  ) {}

  execute(companyId: string, budgetId: string, by: UserRef): Promise<{ exportId: string; erpStatus: string }> {
    return this.tx.run(async (manager) => {
      const exportId = randomUUID();
      const result = await this.commands.execute(manager, companyId, budgetId, async (budget) => ({
        type: 'SendToErp',
        exportId,
        by,
        at: this.clock.now().toISOString(),
        erp: await loadErpContext(manager, companyId, budget.projectId),
      }));
      return { exportId, erpStatus: result.budget.erp.status };
    });
  }
}
