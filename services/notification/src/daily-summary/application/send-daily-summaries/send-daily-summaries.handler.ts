import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { OutageLog } from '@budget-erp/service-kit';
import { NotifyHandler } from '../../../notifications/application/notify/notify.handler';
import {
  CLOCK,
  type Clock,
  NOTIFICATION_SETTINGS,
  TRANSACTION_RUNNER,
  type TransactionRunner,
} from '../../../notifications/application/ports';
import type { NotificationSettings } from '../../../notifications/application/settings';
import { EmailDispatcher } from '../../../notifications/application/dispatch-emails/email-dispatcher';
import { planDailySummaries, summaryDayDue } from '../../domain/daily-summary';
import { claimDailySummary, knownApprovers, summariesSentOn } from '../../infrastructure/recipient.repository';
import { pendingExportsByCompany } from '../../infrastructure/tracked-export.repository';

export interface SummaryRun {
  day: string | null;
  /** User ids that were given the day's summary in this run. */
  sentTo: string[];
}

/**
 * The "ERP Integrations Daily Summary": checked periodically; once the send hour has passed, each
 * approver with pending items who did not opt out gets that day's summary. The (approver, day) row
 * is claimed in the same transaction as the notification, so restarts and several instances never
 * send it twice, and a day missed while the service was down is still sent when it comes back.
 */
@Injectable()
export class SendDailySummariesHandler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(SendDailySummariesHandler.name);
  private readonly outage = new OutageLog(this.logger, 'daily summary run');
  private timer: NodeJS.Timeout | null = null;
  private current: Promise<unknown> | null = null;
  private serial: Promise<unknown> = Promise.resolve();

  constructor(
    @Inject(TRANSACTION_RUNNER) private readonly uow: TransactionRunner,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(NOTIFICATION_SETTINGS) private readonly settings: NotificationSettings,
    private readonly notify: NotifyHandler,
    private readonly dispatcher: EmailDispatcher,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.settings.dailySummary.enabled) return;
    this.timer = setInterval(() => void this.tick(), this.settings.dailySummary.checkIntervalMs);
    this.timer.unref();
    void this.tick();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.current;
  }

  private async tick(): Promise<void> {
    if (this.current) return;
    this.current = this.runDue().then(
      () => this.outage.passed(),
      (error: unknown) => this.outage.failed(error),
    );
    await this.current;
    this.current = null;
  }

  /** Sends the summaries due at `now` (the injected clock by default); runs of one instance never overlap. */
  runDue(now?: Date): Promise<SummaryRun> {
    const run = this.serial.then(() => this.run(now ?? this.clock.now()));
    this.serial = run.catch(() => undefined);
    return run;
  }

  private async run(now: Date): Promise<SummaryRun> {
    const day = summaryDayDue(now, this.settings.dailySummary);
    if (!day) return { day: null, sentTo: [] };
    const sentTo = await this.uow.run(async (manager) => {
      const plans = planDailySummaries({
        day,
        approvers: await knownApprovers(manager),
        pendingByCompany: await pendingExportsByCompany(manager),
        alreadySent: await summariesSentOn(manager, day),
      });
      const stored = await this.notify.execute(manager, plans);
      const claimed: string[] = [];
      for (const { id, plan } of stored) {
        const first = await claimDailySummary(
          manager,
          { companyId: plan.companyId, approverUserId: plan.recipient.userId, day },
          id,
          this.clock.now(),
        );
        if (!first) throw new Error(`daily summary of ${plan.recipient.userId} for ${day} was claimed concurrently`);
        claimed.push(plan.recipient.userId);
      }
      return claimed;
    });
    if (sentTo.length > 0) {
      this.logger.log(`daily summary for ${day} queued for ${sentTo.length} approver(s)`);
      this.dispatcher.nudge();
    }
    return { day, sentTo };
  }
}
