import { Inject, Injectable } from '@nestjs/common';
import { readiness, Readiness } from '../../domain/erp-readiness';
import { loadErpContext } from '../../../erp-readiness/infrastructure/erp-context.repository';
import { sagasOfBudget } from '../../../export-saga/infrastructure/export-saga.repository';
import { listProjectBudgets, loadBudget } from '../../infrastructure/budget.repository';
import { holdOf } from '../../domain/budget';
import { budgetView, BudgetView } from '../budget-view';
import { budgetNotFound, TransactionRunner, TRANSACTION_RUNNER } from '../ports';

@Injectable()
export class BudgetQueries {
  constructor(@Inject(TRANSACTION_RUNNER) private readonly tx: TransactionRunner) {}

  get(companyId: string, budgetId: string): Promise<BudgetView> {
    return this.tx.run(async (manager) => {
      const loaded = await loadBudget(manager, companyId, budgetId);
      if (!loaded) throw budgetNotFound(budgetId);
      return budgetView(loaded.budget, loaded.version);
    });
  }

  listForProject(companyId: string, projectId: string): Promise<{ items: BudgetView[] }> {
    return this.tx.run(async (manager) => {
      const budgets = await listProjectBudgets(manager, companyId, projectId);
      return { items: budgets.map((loaded) => budgetView(loaded.budget, loaded.version)) };
    });
  }

  readiness(companyId: string, budgetId: string): Promise<Readiness> {
    return this.tx.run(async (manager) => {
      const loaded = await loadBudget(manager, companyId, budgetId);
      if (!loaded) throw budgetNotFound(budgetId);
      return readiness(loaded.budget, await loadErpContext(manager, companyId, loaded.budget.projectId));
    });
  }

  /** The export saga's state and history for each send of the budget, oldest first. */
  timeline(companyId: string, budgetId: string) {
    return this.tx.run(async (manager) => {
      const loaded = await loadBudget(manager, companyId, budgetId);
      if (!loaded) throw budgetNotFound(budgetId);
      const sagas = await sagasOfBudget(manager, budgetId);
      const hold = holdOf(loaded.budget);
      return {
        budgetId,
        erpStatus: loaded.budget.erp.status,
        locked: loaded.budget.locked,
        currentExportId: hold?.exportId ?? null,
        exports: sagas.map((saga) => ({
          exportId: saga.exportId,
          kind: saga.kind,
          erpSystem: saga.erpSystem,
          status: saga.status,
          holdsBudget: hold?.exportId === saga.exportId,
          landedAfterGivenUp: saga.landedAfterGivenUp,
          startedAt: saga.startedAt,
          deadline: saga.deadline,
          failure: saga.facts.failed
            ? { reasonCode: saga.facts.failed.reasonCode, message: saga.facts.failed.message }
            : saga.facts.timed_out
              ? { reasonCode: 'timeout', message: 'No answer from the ERP in time.' }
              : null,
          rejection: saga.facts.rejected ? { reason: saga.facts.rejected.reason, by: saga.facts.rejected.by } : null,
          history: saga.timeline,
        })),
      };
    });
  }
}
