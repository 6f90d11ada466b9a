import { Controller, Inject, Logger } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { type Topic, Topics } from '@budget-erp/contracts';
import type { InboxContext, ReceivedEvent } from '@budget-erp/messaging';
import { AdvanceExportSagaHandler } from '../application/advance-export-saga/advance-export-saga.handler';
import type { SagaMessage } from '../domain/export-saga';

const nameOf = (user: { name: string; userId: string }) => user.name || user.userId;

/** The replies the export saga follows; each one line into the saga. */
@Controller()
export class ExportSagaEventsKafkaController {
  private readonly logger = new Logger('ExportSaga');

  constructor(@Inject(AdvanceExportSagaHandler) private readonly saga: AdvanceExportSagaHandler) {}

  @EventPattern<Topic>(Topics.BudgetAccepted)
  onAccepted(@Payload() e: ReceivedEvent<'budget.accepted'>, @Ctx() ctx: InboxContext) {
    return this.advance(e, ctx, { type: 'budget.accepted', at: e.payload.acceptedAt, by: nameOf(e.payload.acceptedBy) });
  }

  @EventPattern<Topic>(Topics.BudgetRejected)
  onRejected(@Payload() e: ReceivedEvent<'budget.rejected'>, @Ctx() ctx: InboxContext) {
    return this.advance(e, ctx, { type: 'budget.rejected', at: e.payload.rejectedAt, by: nameOf(e.payload.rejectedBy), reason: e.payload.reason });
  }

  @EventPattern<Topic>(Topics.ExportSucceeded)
  onSucceeded(@Payload() e: ReceivedEvent<'export.succeeded'>, @Ctx() ctx: InboxContext) {
    return this.advance(e, ctx, { type: 'export.succeeded', at: e.payload.exportedAt, erpReference: e.payload.erpReference });
  }

  @EventPattern<Topic>(Topics.ExportFailed)
  onFailed(@Payload() e: ReceivedEvent<'export.failed'>, @Ctx() ctx: InboxContext) {
    return this.advance(e, ctx, { type: 'export.failed', at: e.payload.failedAt, reasonCode: e.payload.reasonCode, message: e.payload.message });
  }

  @EventPattern<Topic>(Topics.ErpPosted)
  onPosted(@Payload() e: ReceivedEvent<'erp.posted'>, @Ctx() ctx: InboxContext) {
    return this.advance(e, ctx, { type: 'erp.posted', at: e.payload.postedAt });
  }

  private async advance(
    e: ReceivedEvent<'budget.accepted' | 'budget.rejected' | 'export.succeeded' | 'export.failed' | 'erp.posted'>,
    ctx: InboxContext,
    message: SagaMessage,
  ): Promise<void> {
    const outcome = await this.saga.execute(ctx.manager, e.payload.exportId, e.payload.companyId, message);
    if (outcome === 'unknown_export') {
      // Not an export this service started (another company's id, or a stray test message): nothing to hold or release.
      this.logger.warn(`${e.topic} ${e.id} names export ${e.payload.exportId}, which this service never sent; ignored`);
    }
  }
}
