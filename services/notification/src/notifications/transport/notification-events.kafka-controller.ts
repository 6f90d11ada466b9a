import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { Topics } from '@budget-erp/contracts';
import type { InboxContext, ReceivedEvent } from '@budget-erp/messaging';
import { ReactToEventHandler } from '../application/react-to-event/react-to-event.handler';

/**
 * Thin: the inbox has validated the contract; each event goes to its use case in the inbox
 * transaction. `budget.sent.lines` is not consumed: no notification names a budget's lines.
 */
@Controller()
export class NotificationEventsKafkaController {
  constructor(private readonly react: ReactToEventHandler) {}

  @EventPattern<string>(Topics.BudgetSent)
  async onSent(@Payload() event: ReceivedEvent<'budget.sent'>, @Ctx() ctx: InboxContext): Promise<void> {
    await this.react.budgetSent(ctx, event);
  }

  @EventPattern<string>(Topics.BudgetRetrieved)
  async onRetrieved(@Payload() event: ReceivedEvent<'budget.retrieved'>, @Ctx() ctx: InboxContext): Promise<void> {
    await this.react.budgetRetrieved(ctx, event);
  }

  @EventPattern<string>(Topics.BudgetAccepted)
  async onAccepted(@Payload() event: ReceivedEvent<'budget.accepted'>, @Ctx() ctx: InboxContext): Promise<void> {
    await this.react.budgetAccepted(ctx, event);
  }

  @EventPattern<string>(Topics.BudgetRejected)
  async onRejected(@Payload() event: ReceivedEvent<'budget.rejected'>, @Ctx() ctx: InboxContext): Promise<void> {
    await this.react.budgetRejected(ctx, event);
  }

  @EventPattern<string>(Topics.ExportSucceeded)
  async onExportSucceeded(@Payload() event: ReceivedEvent<'export.succeeded'>, @Ctx() ctx: InboxContext): Promise<void> {
    await this.react.exportSucceeded(ctx, event);
  }

  @EventPattern<string>(Topics.ExportFailed)
  async onExportFailed(@Payload() event: ReceivedEvent<'export.failed'>, @Ctx() ctx: InboxContext): Promise<void> {
    await this.react.exportFailed(ctx, event);
  }

  @EventPattern<string>(Topics.BudgetExportTimedOut)
  async onExportTimedOut(@Payload() event: ReceivedEvent<'budget.export.timed_out'>, @Ctx() ctx: InboxContext): Promise<void> {
    await this.react.exportTimedOut(ctx, event);
  }

  @EventPattern<string>(Topics.ErpBudgetImported)
  async onImported(@Payload() event: ReceivedEvent<'erp.budget.imported'>, @Ctx() ctx: InboxContext): Promise<void> {
    await this.react.budgetImported(ctx, event);
  }

  @EventPattern<string>(Topics.ErpBudgetImportFailed)
  async onImportFailed(@Payload() event: ReceivedEvent<'erp.budget.import.failed'>, @Ctx() ctx: InboxContext): Promise<void> {
    await this.react.budgetImportFailed(ctx, event);
  }

  @EventPattern<string>(Topics.ErpBudgetDriftDetected)
  async onDriftDetected(@Payload() event: ReceivedEvent<'erp.budget.drift_detected'>, @Ctx() ctx: InboxContext): Promise<void> {
    await this.react.driftDetected(ctx, event);
  }

  @EventPattern<string>(Topics.ErpPosted)
  async onPosted(@Payload() event: ReceivedEvent<'erp.posted'>, @Ctx() ctx: InboxContext): Promise<void> {
    await this.react.erpPosted(ctx, event);
  }
}
