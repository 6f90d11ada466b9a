import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { BudgetLine, decideLineEdit, LineEditCommand } from '../../domain/budget';
import { loadBudgetForExportOutcome } from '../../infrastructure/budget.repository';
import { lineAggregates, loadLine, saveLineEdit } from '../../infrastructure/budget-lines.repository';
import { BudgetLimits, BUDGET_LIMITS } from '../../../config';
import { storedBudgetView, BudgetView } from '../budget-view';
import { BudgetUseCaseError, budgetNotFound, checkExpectedVersion, overLimit, Clock, CLOCK, TransactionRunner, TRANSACTION_RUNNER } from '../ports';

export type LineInput = { costCode: string; costType?: string | null; subJob?: string | null; description?: string | null; amount: string };

/** Adding, changing and removing line items: only while the budget is unlocked and not held. */
@Injectable()
export class EditLinesHandler {
  constructor(
    @Inject(TRANSACTION_RUNNER) private readonly tx: TransactionRunner,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(BUDGET_LIMITS) private readonly limits: BudgetLimits,
  ) {}

  add(companyId: string, budgetId: string, line: LineInput, expectedVersion?: number): Promise<BudgetView> {
    return this.run(companyId, budgetId, expectedVersion, (at) => ({
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

  update(companyId: string, budgetId: string, lineId: string, changes: Partial<Omit<BudgetLine, 'id'>>, expectedVersion?: number): Promise<BudgetView> {
    return this.run(companyId, budgetId, expectedVersion, (at) => ({ type: 'UpdateLine', lineId, changes, at }));
  }

  remove(companyId: string, budgetId: string, lineId: string, expectedVersion?: number): Promise<BudgetView> {
    return this.run(companyId, budgetId, expectedVersion, (at) => ({ type: 'RemoveLine', lineId, at }));
  }

  /**
   * One line edit without the budget's other lines: the row (with its modifications) is read
   * without lines, the named line alone is read, decided on and written, and the database keeps the
   * line count and total. The cost does not grow with the budget.
   */
  private run(companyId: string, budgetId: string, expectedVersion: number | undefined, command: (at: string) => LineEditCommand): Promise<BudgetView> {
    return this.tx.run(async (manager) => {
      const loaded = await loadBudgetForExportOutcome(manager, companyId, budgetId, { syncedLines: false });
      if (!loaded) throw budgetNotFound(budgetId);
      checkExpectedVersion(budgetId, loaded.version, expectedVersion);
      const edit = command(this.clock.now().toISOString());
      const current = await loadLine(manager, budgetId, edit.type === 'AddLine' ? edit.line.id : edit.lineId);
      const decision = decideLineEdit(loaded.budget, edit, current);
      if (!decision.ok) throw new BudgetUseCaseError('conflict', decision.error.code, decision.error.message);
      if (edit.type === 'AddLine') {
        // The count is the row's as loaded: a concurrent addition bumped the version, and the save below refuses then.
        const { lineCount } = await lineAggregates(manager, budgetId);
        if (lineCount >= this.limits.linesPerBudget) throw overLimit('MAX_LINES_PER_BUDGET', 'A budget holds', this.limits.linesPerBudget, lineCount + 1);
      }
      let version = loaded.version;
      for (const event of decision.events) {
        if (event.type === 'LineAdded' || event.type === 'LineUpdated' || event.type === 'LineRemoved') version = await saveLineEdit(manager, budgetId, version, event);
      }
      return storedBudgetView(manager, loaded.budget, version);
    });
  }
}
