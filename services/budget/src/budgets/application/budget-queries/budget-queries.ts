import { Inject, Injectable } from '@nestjs/common';
import { erpReadinessOf, Readiness } from '../../domain/erp-readiness';
import { loadErpContext } from '../../../erp-readiness/infrastructure/erp-context.repository';
import { sagasOfBudget } from '../../../export-saga/infrastructure/export-saga.repository';
import { listProjectBudgetsPage, loadBudgetForExportOutcome, parseBudgetsCursor } from '../../infrastructure/budget.repository';
import { loadLinesPage, parseLinesCursor } from '../../infrastructure/budget-lines.repository';
import { exportLinesInDatabase, linesFactsInDatabase } from '../../infrastructure/send-lines.repository';
import { holdOf } from '../../domain/budget';
import { budgetSummary, BudgetSummary, storedBudgetView, BudgetView } from '../budget-view';
import { BudgetUseCaseError, budgetNotFound, TransactionRunner, TRANSACTION_RUNNER } from '../ports';

@Injectable()
export class BudgetQueries {
  constructor(@Inject(TRANSACTION_RUNNER) private readonly tx: TransactionRunner) {}

  /** The budget with its first page of lines (`nextLines` names the next). */
  get(companyId: string, budgetId: string): Promise<BudgetView> {
    return this.tx.run(async (manager) => {
      const loaded = await loadBudgetForExportOutcome(manager, companyId, budgetId, { syncedLines: false });
      if (!loaded) throw budgetNotFound(budgetId);
      return storedBudgetView(manager, loaded.budget, loaded.version);
    });
  }

  /** A page of the budget's lines, in order, after the cursor `after` of the page before. */
  lines(companyId: string, budgetId: string, page: { after: string | null; limit: number }): Promise<{ items: BudgetView['lines']; next: string | null }> {
    return this.tx.run(async (manager) => {
      const loaded = await loadBudgetForExportOutcome(manager, companyId, budgetId, { syncedLines: false });
      if (!loaded) throw budgetNotFound(budgetId);
      const after = page.after === null ? null : parseLinesCursor(page.after);
      if (page.after !== null && after === null) {
        throw new BudgetUseCaseError('bad_request', 'VALIDATION_FAILED', 'The request is invalid.', [{ path: 'after', message: 'Not a cursor this API gave (use nextLines).' }]);
      }
      const found = await loadLinesPage(manager, budgetId, { after, limit: page.limit });
      return {
        items: found.lines,
        next: found.next === null ? null : `/budgets/${encodeURIComponent(budgetId)}/lines?after=${found.next}&limit=${page.limit}`,
      };
    });
  }

  /** A page of the project's budgets, oldest first, without their lines, after the cursor `after` of the page before. */
  listForProject(companyId: string, projectId: string, page: { after: string | null; limit: number }): Promise<{ items: BudgetSummary[]; next: string | null }> {
    return this.tx.run(async (manager) => {
      const after = page.after === null ? null : parseBudgetsCursor(page.after);
      if (page.after !== null && after === null) {
        throw new BudgetUseCaseError('bad_request', 'VALIDATION_FAILED', 'The request is invalid.', [{ path: 'after', message: 'Not a cursor this API gave (use next).' }]);
      }
      const found = await listProjectBudgetsPage(manager, companyId, projectId, { after, limit: page.limit });
      return {
        items: found.budgets.map((listed) => budgetSummary(listed.budget, listed.version, listed)),
        next: found.next === null ? null : `/projects/${encodeURIComponent(projectId)}/budgets?after=${found.next}&limit=${page.limit}`,
      };
    });
  }

  /**
   * Whether the budget can be sent, from aggregates over its lines; only a synced budget, to know
   * whether anything changed since, reads its lines, streamed a page at a time.
   */
  readiness(companyId: string, budgetId: string): Promise<Readiness> {
    return this.tx.run(async (manager) => {
      const loaded = await loadBudgetForExportOutcome(manager, companyId, budgetId, { syncedLines: false });
      if (!loaded) throw budgetNotFound(budgetId);
      const { budget } = loaded;
      const erp = await loadErpContext(manager, companyId, budget.projectId);
      const facts = await linesFactsInDatabase(manager, budget, erp);
      if (budget.erp.status === 'synced' && erpReadinessOf(budget, erp, facts).length === 0) {
        let unchanged = true;
        for await (const line of exportLinesInDatabase(manager, budget)) {
          if (line.syncedAmount === null || line.amount !== line.syncedAmount) {
            unchanged = false;
            break;
          }
        }
        facts.unchanged = unchanged;
      }
      const reasons = erpReadinessOf(budget, erp, facts);
      return { canSend: reasons.length === 0, reasons };
    });
  }

  /** The export saga's state and history for each send of the budget, oldest first. */
  timeline(companyId: string, budgetId: string) {
    return this.tx.run(async (manager) => {
      const loaded = await loadBudgetForExportOutcome(manager, companyId, budgetId, { syncedLines: false });
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
