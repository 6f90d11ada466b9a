import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { BudgetLine } from '../../domain/budget';
import { BudgetCommands } from '../budget-commands';
import { budgetView, BudgetView } from '../budget-view';
import { Clock, CLOCK, TransactionRunner, TRANSACTION_RUNNER } from '../ports';

export type LineInput = { costCode: string; costType?: string | null; subJob?: string | null; description?: string | null; amount: string };

/** Adding, changing and removing line items: only while the budget is unlocked and not held. */
@Injectable()
export class EditLinesHandler {
  constructor(
    @Inject(TRANSACTION_RUNNER) private readonly tx: TransactionRunner,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(BudgetCommands) private readonly commands: BudgetCommands,
  ) {}

  add(companyId: string, budgetId: string, line: LineInput): Promise<BudgetView> {
    return this.run(companyId, budgetId, (at) => ({
      type: 'AddLine',
      line: {
        id: randomUUID(),
        costCode: line.costCode,
        costType: line.costType ?? null,
        subJob: line.subJob ?? null,
        description: line.description ?? null,
        amount: line.amount,
      },
      at,
    }));
  }

  update(companyId: string, budgetId: string, lineId: string, changes: Partial<Omit<BudgetLine, 'id'>>): Promise<BudgetView> {
    return this.run(companyId, budgetId, (at) => ({ type: 'UpdateLine', lineId, changes, at }));
  }

  remove(companyId: string, budgetId: string, lineId: string): Promise<BudgetView> {
    return this.run(companyId, budgetId, (at) => ({ type: 'RemoveLine', lineId, at }));
  }

  private run(
    companyId: string,
    budgetId: string,
    command: (at: string) => Parameters<BudgetCommands['apply']>[3],
  ): Promise<BudgetView> {
    return this.tx.run(async (manager) => {
      const result = await this.commands.execute(manager, companyId, budgetId, () => command(this.clock.now().toISOString()));
      return budgetView(result.budget, result.version);
    });
  }
}
