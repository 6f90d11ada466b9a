import { Controller, Inject } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { type Topic, Topics } from '@budget-erp/contracts';
import type { InboxContext, ReceivedEvent } from '@budget-erp/messaging';
import { ReimportBudgetHandler } from '../application/reimport-budget/reimport-budget.handler';

/** Results of (re-)imports from the ERP. */
@Controller()
export class BudgetEventsKafkaController {
  constructor(@Inject(ReimportBudgetHandler) private readonly imports: ReimportBudgetHandler) {}

  @EventPattern<Topic>(Topics.ErpBudgetImported)
  onImported(@Payload() e: ReceivedEvent<'erp.budget.imported'>, @Ctx() ctx: InboxContext) {
    return this.imports.imported(ctx.manager, e.payload);
  }

  @EventPattern<Topic>(Topics.ErpBudgetImportFailed)
  onImportFailed(@Payload() e: ReceivedEvent<'erp.budget.import.failed'>, @Ctx() ctx: InboxContext) {
    return this.imports.failed(ctx.manager, e.payload);
  }
}
