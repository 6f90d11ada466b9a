import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { UserRef } from '../../domain/budget';
import { BudgetCommands } from '../budget-commands';
import { storedBudgetView, BudgetView } from '../budget-view';
import { BudgetLimits, BUDGET_LIMITS } from '../../../config';
import { Clock, CLOCK, overLimit, TransactionRunner, TRANSACTION_RUNNER } from '../ports';

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
    @Inject(BUDGET_LIMITS) private readonly limits: BudgetLimits,
  ) {}

  async execute(request: CreateBudgetRequest): Promise<BudgetView> {
    if (request.lines.length > this.limits.linesPerBudget) {
      throw overLimit('MAX_LINES_PER_BUDGET', 'A budget holds', this.limits.linesPerBudget, request.lines.length);
    }
    return this.tx.run(async (manager) => {
      // Creations in one project take turns, so two at once cannot both pass the count below.
      await manager.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [`budgets-of:${request.companyId}:${request.projectId}`]);
      const [{ count }] = (await manager.query(`SELECT count(*)::int AS count FROM budgets WHERE company_id = $1 AND project_id = $2`, [
        request.companyId,
        request.projectId,
      ])) as { count: number }[];
      if (count >= this.limits.budgetsPerProject) throw overLimit('MAX_BUDGETS_PER_PROJECT', 'A project holds', this.limits.budgetsPerProject, count + 1);
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
