import { Controller, Inject, Logger } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { Topics } from '@budget-erp/contracts';
import type { InboxContext, ReceivedEvent } from '@budget-erp/messaging';
import { AcceptBudgetExportHandler } from '../application/accept-budget-export/accept-budget-export.handler';
import { ExportWorkers } from '../application/export-worker/export-workers.service';

/** `budget.accepted`, consumed once by the service's group; the export is recorded for its ERP's workers, whichever process runs them. */
@Controller()
export class ErpExportEventsKafkaController {
  private readonly logger = new Logger('ErpExportEvents');

  constructor(
    @Inject(AcceptBudgetExportHandler) private readonly accept: AcceptBudgetExportHandler,
    @Inject(ExportWorkers) private readonly workers: ExportWorkers,
  ) {}

  @EventPattern<string>(Topics.BudgetAccepted)
  async onBudgetAccepted(@Payload() event: ReceivedEvent<'budget.accepted'>, @Ctx() ctx: InboxContext<'budget.accepted'>): Promise<void> {
    const system = event.payload.snapshot.erpSystem;
    const { outcome, data } = await this.accept.execute(ctx.manager, event);
    // Once committed, the worker starts the export with the data in hand instead of reading it back.
    if (outcome === 'recorded') ctx.afterCommit(() => this.workers.handOver(data));
    this.logger.log(`export ${event.payload.exportId} for ${system}: ${outcome}`);
  }
}
