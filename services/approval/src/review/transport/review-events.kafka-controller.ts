import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { Topics } from '@budget-erp/contracts';
import type { InboxContext, ReceivedEvent } from '@budget-erp/messaging';
import {
  type UpstreamEvent,
  type UpstreamTopic,
  recordSendLines,
  recordUpstreamEvent,
} from '../application/record-upstream-event/record-upstream-event.handler';
import { recordDriftDetected, recordDriftResolved } from '../../drift/application/budget-drift.handlers';

const upstream = <T extends UpstreamTopic>(topic: T, event: ReceivedEvent<T>, ctx: InboxContext) =>
  recordUpstreamEvent(ctx.manager, { topic, payload: event.payload } as UpstreamEvent);

/** Builds the approver's read model from what the other services publish. */
@Controller()
export class ReviewEventsKafkaController {
  @EventPattern<string>(Topics.BudgetSent)
  onSent(@Payload() e: ReceivedEvent<'budget.sent'>, @Ctx() ctx: InboxContext) {
    return upstream(Topics.BudgetSent, e, ctx);
  }

  @EventPattern<string>(Topics.ErpBudgetDriftDetected)
  onDriftDetected(@Payload() e: ReceivedEvent<'erp.budget.drift_detected'>, @Ctx() ctx: InboxContext) {
    return recordDriftDetected(ctx.manager, e.payload);
  }

  @EventPattern<string>(Topics.ErpBudgetDriftResolved)
  onDriftResolved(@Payload() e: ReceivedEvent<'erp.budget.drift_resolved'>, @Ctx() ctx: InboxContext) {
    return recordDriftResolved(ctx.manager, e.payload);
  }

  @EventPattern<string>(Topics.BudgetSentLines)
  onSentLines(@Payload() e: ReceivedEvent<'budget.sent.lines'>, @Ctx() ctx: InboxContext) {
    return recordSendLines(ctx.manager, e.payload);
  }

  @EventPattern<string>(Topics.BudgetRetrieved)
  onRetrieved(@Payload() e: ReceivedEvent<'budget.retrieved'>, @Ctx() ctx: InboxContext) {
    return upstream(Topics.BudgetRetrieved, e, ctx);
  }

  @EventPattern<string>(Topics.BudgetExportTimedOut)
  onTimedOut(@Payload() e: ReceivedEvent<'budget.export.timed_out'>, @Ctx() ctx: InboxContext) {
    return upstream(Topics.BudgetExportTimedOut, e, ctx);
  }

  @EventPattern<string>(Topics.ExportSucceeded)
  onExportSucceeded(@Payload() e: ReceivedEvent<'export.succeeded'>, @Ctx() ctx: InboxContext) {
    return upstream(Topics.ExportSucceeded, e, ctx);
  }

  @EventPattern<string>(Topics.ExportFailed)
  onExportFailed(@Payload() e: ReceivedEvent<'export.failed'>, @Ctx() ctx: InboxContext) {
    return upstream(Topics.ExportFailed, e, ctx);
  }

  @EventPattern<string>(Topics.ErpPosted)
  onPosted(@Payload() e: ReceivedEvent<'erp.posted'>, @Ctx() ctx: InboxContext) {
    return upstream(Topics.ErpPosted, e, ctx);
  }

  @EventPattern<string>(Topics.ErpProjectLinked)
  onProjectLinked(@Payload() e: ReceivedEvent<'erp.project.linked'>, @Ctx() ctx: InboxContext) {
    return upstream(Topics.ErpProjectLinked, e, ctx);
  }

  @EventPattern<string>(Topics.ErpConnectionUpdated)
  onConnectionUpdated(@Payload() e: ReceivedEvent<'erp.connection.updated'>, @Ctx() ctx: InboxContext) {
    return upstream(Topics.ErpConnectionUpdated, e, ctx);
  }

  @EventPattern<string>(Topics.BudgetImportRequested)
  onImportRequested(@Payload() e: ReceivedEvent<'budget.import.requested'>, @Ctx() ctx: InboxContext) {
    return upstream(Topics.BudgetImportRequested, e, ctx);
  }

  @EventPattern<string>(Topics.ErpBudgetImported)
  onImported(@Payload() e: ReceivedEvent<'erp.budget.imported'>, @Ctx() ctx: InboxContext) {
    return upstream(Topics.ErpBudgetImported, e, ctx);
  }

  @EventPattern<string>(Topics.ErpBudgetImportFailed)
  onImportFailed(@Payload() e: ReceivedEvent<'erp.budget.import.failed'>, @Ctx() ctx: InboxContext) {
    return upstream(Topics.ErpBudgetImportFailed, e, ctx);
  }
}
