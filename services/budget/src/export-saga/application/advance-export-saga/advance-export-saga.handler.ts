import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { BudgetCommands } from '../../../budgets/application/budget-commands';
import { EventPublisher, EVENT_PUBLISHER } from '../../../budgets/application/ports';
import { loadBudgetForExportOutcome } from '../../../budgets/infrastructure/budget.repository';
import { loadLanding } from '../../../budgets/infrastructure/export-snapshot.repository';
import { BudgetConfig, BUDGET_CONFIG } from '../../../config';
import { react, SagaMessage } from '../../domain/export-saga';
import { loadSaga, saveSaga } from '../../infrastructure/export-saga.repository';

export type AdvanceOutcome = 'advanced' | 'unchanged' | 'unknown_export';

/**
 * One step of the export saga: hear a message, record the fact, and carry out what the saga asks
 * (move the budget, publish the timeout) — all in the caller's transaction.
 */
@Injectable()
export class AdvanceExportSagaHandler {
  constructor(
    @Inject(BudgetCommands) private readonly commands: BudgetCommands,
    @Inject(EVENT_PUBLISHER) private readonly events: EventPublisher,
    @Inject(BUDGET_CONFIG) private readonly config: BudgetConfig,
  ) {}

  async execute(manager: EntityManager, exportId: string, companyId: string, message: SagaMessage): Promise<AdvanceOutcome> {
    const loaded = await loadSaga(manager, exportId);
    // Another company's export is as unknown as a missing one.
    if (!loaded || loaded.saga.companyId !== companyId) return 'unknown_export';
    const { saga, effects } = react(loaded.saga, message, { timeoutMs: this.config.exportTimeoutMs });
    if (saga === loaded.saga) return 'unchanged';
    await saveSaga(manager, saga, loaded);

    for (const effect of effects) {
      switch (effect.type) {
        case 'ApplyToBudget': {
          // What the ERP holds moves only when the export first reached it, in the database: neither
          // the synced lines nor the export's own lines are read into the service.
          const budget = await loadBudgetForExportOutcome(manager, companyId, saga.budgetId, { syncedLines: false });
          if (!budget) break;
          const landing = effect.landed ? await loadLanding(manager, exportId, { lines: false }) : null;
          await this.commands.apply(manager, budget.budget, budget.version, {
            type: 'ApplyExportOutcome',
            exportId,
            outcome: effect.status,
            at: message.at,
            ...(landing ? { landing } : {}),
          });
          break;
        }
        case 'PublishTimedOut':
          await this.events.publish(manager, {
            topic: 'budget.export.timed_out',
            subject: saga.budgetId,
            companyId,
            payload: {
              budgetId: saga.budgetId,
              projectId: saga.projectId,
              companyId,
              exportId,
              reasonCode: 'timeout',
              message: effect.message,
              timedOutAt: effect.at,
            },
          });
          break;
        default: {
          const unexpected: never = effect;
          throw new Error(`unknown saga effect ${JSON.stringify(unexpected)}`);
        }
      }
    }
    return 'advanced';
  }
}
