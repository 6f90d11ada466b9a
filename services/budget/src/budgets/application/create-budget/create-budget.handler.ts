import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { UserRef } from '../../domain/budget';
import { BudgetCommands } from '../budget-commands';
import { storedBudgetView, BudgetView } from '../budget-view';
import { Clock, CLOCK, TransactionRunner, TRANSACTION_RUNNER } from '../ports';

export interface CreateBudgetRequest {
  companyId: string;
  projectId: string;
  name: string;
  lines: { costCode: string; costType?: string | null; subJob?: string | null; description?: string | null; amount: string }[];
  by: UserRef;
}

@Injectable()
export class CreateBudgetHandler {
  constructor(
    @Inject(TRANSACTION_RUNNER) private readonly tx: TransactionRunner,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(BudgetCommands) private readonly commands: BudgetCommands,
  ) {}

  execute(request: CreateBudgetRequest): Promise<BudgetView> {
    return this.tx.run(async (manager) => {
      const result = await this.commands.create(manager, {
        type: 'CreateBudget',
        budgetId: randomUUID(),
        companyId: request.companyId,
        projectId: request.projectId,
        name: request.name,
        lines: request.lines.map((line) => ({
          id: randomUUID(),
          costCode: line.costCode,
          costType: line.costType ?? null,
          subJob: line.subJob ?? null,
          description: line.description ?? null,
          amount: line.amount,
        })),
        createdBy: request.by,
        at: this.clock.now().toISOString(),
      });
      return storedBudgetView(manager, result.budget, result.version);
    });
  }
}
