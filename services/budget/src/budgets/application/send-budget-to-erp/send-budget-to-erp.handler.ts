import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { decideSendHeader, sentWithStoredLines, UserRef } from '../../domain/budget';
import { loadErpContext } from '../../../erp-readiness/infrastructure/erp-context.repository';
import { loadBudgetForExportOutcome } from '../../infrastructure/budget.repository';
import { exportLinesInDatabase, hasSyncedLines, linesFactsInDatabase, writeSendLines } from '../../infrastructure/send-lines.repository';
import { BudgetCommands } from '../budget-commands';
import { BudgetUseCaseError, budgetNotFound, checkExpectedVersion, Clock, CLOCK, TransactionRunner, TRANSACTION_RUNNER } from '../ports';

/**
 * Send (or re-send): takes the export hold, stores the send's snapshot and publishes `budget.sent`
 * with its lines in `budget.sent.lines` chunks, in one transaction. The budget's lines are never
 * loaded whole: readiness comes from aggregates, and the lines stream from a cursor into the
 * snapshot's chunks, so a send's memory does not grow with the budget.
 */
@Injectable()
export class SendBudgetToErpHandler {
  constructor(
    @Inject(TRANSACTION_RUNNER) private readonly tx: TransactionRunner,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(BudgetCommands) private readonly commands: BudgetCommands,
  ) {}

  execute(companyId: string, budgetId: string, by: UserRef, expectedVersion?: number): Promise<{ exportId: string; erpStatus: string }> {
    return this.tx.run(async (manager) => {
      const exportId = randomUUID();
      const loaded = await loadBudgetForExportOutcome(manager, companyId, budgetId, { syncedLines: false });
      if (!loaded) throw budgetNotFound(budgetId);
      checkExpectedVersion(budgetId, loaded.version, expectedVersion);
      const { budget } = loaded;
      const at = this.clock.now().toISOString();
      const erp = await loadErpContext(manager, companyId, budget.projectId);
      const command = { type: 'SendToErp' as const, exportId, by, at, erp };
      const send = decideSendHeader(budget, command, await linesFactsInDatabase(manager, budget, erp), await hasSyncedLines(manager, budget.id));
      if (!send.ok) throw new BudgetUseCaseError('conflict', send.error.code, send.error.message);
      const ids = { exportId, budgetId: budget.id, projectId: budget.projectId, companyId: budget.companyId };
      const stored = await writeSendLines(manager, ids, exportLinesInDatabase(manager, budget));
      const decision = sentWithStoredLines(budget, { hold: send.hold, header: send.header, at }, stored);
      if (!decision.ok) throw new BudgetUseCaseError('conflict', decision.error.code, decision.error.message);
      const result = await this.commands.applyEvents(manager, loaded, decision.events);
      return { exportId, erpStatus: result.budget.erp.status };
    });
  }
}
