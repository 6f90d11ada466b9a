import { Controller, Inject } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { Topics } from '@budget-erp/contracts';
import type { InboxContext, ReceivedEvent } from '@budget-erp/messaging';
import { ImportErpBudgetHandler } from '../application/import-erp-budget.handler';

/** Re-import of an ERP-origin budget, in the service's main consumer group. */
@Controller()
export class ImportEventsKafkaController {
  constructor(@Inject(ImportErpBudgetHandler) private readonly importBudget: ImportErpBudgetHandler) {}

  @EventPattern<string>(Topics.BudgetImportRequested)
  async onImportRequested(@Payload() event: ReceivedEvent<'budget.import.requested'>, @Ctx() ctx: InboxContext<'budget.import.requested'>): Promise<void> {
    const p = event.payload;
    await this.importBudget.execute(ctx.manager, {
      importId: p.importId,
      companyId: p.companyId,
      projectId: p.projectId,
      budgetId: p.budgetId,
      system: p.erpSystem,
      jobNumber: p.jobNumber,
      mode: 'reimport',
      requestedBy: p.requestedBy,
    });
  }
}
