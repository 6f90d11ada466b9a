import { Controller, Inject } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { Topics } from '@budget-erp/contracts';
import type { InboxContext, ReceivedEvent } from '@budget-erp/messaging';
import { ImportWorker } from '../application/import-worker.service';
import { ErpImportQueue } from '../infrastructure/erp-import.repository';

/**
 * An import the budget service accepted (a re-import, or an initial import into a named budget), in the service's main consumer group: the inbox transaction
 * only records the import in the `erp_imports` queue; the import worker reads the ERP outside it.
 */
@Controller()
export class ImportEventsKafkaController {
  constructor(@Inject(ImportWorker) private readonly worker: ImportWorker) {}

  @EventPattern<string>(Topics.BudgetImportRequested)
  async onImportRequested(@Payload() event: ReceivedEvent<'budget.import.requested'>, @Ctx() ctx: InboxContext<'budget.import.requested'>): Promise<void> {
    const p = event.payload;
    const queued = await ErpImportQueue.enqueue(ctx.manager, {
      importId: p.importId,
      companyId: p.companyId,
      projectId: p.projectId,
      budgetId: p.budgetId,
      system: p.erpSystem,
      jobNumber: p.jobNumber,
      mode: p.mode ?? 'reimport',
      requestedBy: p.requestedBy,
      erpDigest: p.erpDigest ?? null,
    });
    if (queued) ctx.afterCommit(() => this.worker.nudge());
  }
}
