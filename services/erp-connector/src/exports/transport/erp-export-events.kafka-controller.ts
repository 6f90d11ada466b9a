import { Controller, Inject, Logger } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { Topics } from '@budget-erp/contracts';
import type { InboxContext, ReceivedEvent } from '@budget-erp/messaging';
import { ExportIntakeHandler, type IntakeOutcome } from '../application/export-intake/export-intake.handler';
import { ExportWorkers } from '../application/export-worker/export-workers.service';

/**
 * What the connector hears about exports, in the service's one consumer group: sends (summary and
 * chunks of lines), acceptances, and what gives an export up. Whichever process hears it records it;
 * each ERP's workers take their own exports from the database.
 */
@Controller()
export class ErpExportEventsKafkaController {
  private readonly logger = new Logger('ErpExportEvents');

  constructor(
    @Inject(ExportIntakeHandler) private readonly intake: ExportIntakeHandler,
    @Inject(ExportWorkers) private readonly workers: ExportWorkers,
  ) {}

  @EventPattern<string>(Topics.BudgetSent)
  async onBudgetSent(@Payload() event: ReceivedEvent<'budget.sent'>, @Ctx() ctx: InboxContext<'budget.sent'>): Promise<void> {
    this.wake(ctx, await this.intake.onSent(ctx.manager, event));
  }

  @EventPattern<string>(Topics.BudgetSentLines)
  async onBudgetSentLines(@Payload() event: ReceivedEvent<'budget.sent.lines'>, @Ctx() ctx: InboxContext<'budget.sent.lines'>): Promise<void> {
    this.wake(ctx, await this.intake.onLines(ctx.manager, event));
  }

  @EventPattern<string>(Topics.BudgetAccepted)
  async onBudgetAccepted(@Payload() event: ReceivedEvent<'budget.accepted'>, @Ctx() ctx: InboxContext<'budget.accepted'>): Promise<void> {
    this.wake(ctx, await this.intake.onAccepted(ctx.manager, event));
  }

  @EventPattern<string>(Topics.BudgetRetrieved)
  async onBudgetRetrieved(@Payload() event: ReceivedEvent<'budget.retrieved'>, @Ctx() ctx: InboxContext<'budget.retrieved'>): Promise<void> {
    this.wake(ctx, await this.intake.onGivenUp(ctx.manager, event.payload, 'retrieved'));
  }

  @EventPattern<string>(Topics.BudgetRejected)
  async onBudgetRejected(@Payload() event: ReceivedEvent<'budget.rejected'>, @Ctx() ctx: InboxContext<'budget.rejected'>): Promise<void> {
    this.wake(ctx, await this.intake.onGivenUp(ctx.manager, event.payload, 'rejected'));
  }

  @EventPattern<string>(Topics.BudgetExportTimedOut)
  async onExportTimedOut(@Payload() event: ReceivedEvent<'budget.export.timed_out'>, @Ctx() ctx: InboxContext<'budget.export.timed_out'>): Promise<void> {
    this.wake(ctx, await this.intake.onGivenUp(ctx.manager, event.payload, 'timed_out'));
  }

  /** Once committed, the ERP workers concerned (if they run here) start without waiting for their next poll. */
  private wake(ctx: InboxContext, outcome: IntakeOutcome): void {
    const systems = new Set(outcome.givenUp);
    const recorded = outcome.recorded;
    if (recorded) {
      if (!recorded.failedAtOnce) systems.add(recorded.system);
      this.logger.log(`export ${recorded.exportId} for ${recorded.system}: ${recorded.failedAtOnce ? 'failed at once' : 'recorded'}`);
    }
    if (systems.size > 0) ctx.afterCommit(() => systems.forEach((system) => this.workers.nudge(system)));
  }
}
