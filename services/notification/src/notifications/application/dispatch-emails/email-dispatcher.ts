import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { Topics } from '@budget-erp/contracts';
import { isDatabaseUnavailable } from '@budget-erp/messaging';
import { OutageLog, Wakeup } from '@budget-erp/service-kit';
import { afterFailedAttempt } from '../../domain/email-delivery';
import {
  type ClaimedEmail,
  type SentEmail,
  abandonEmail,
  claimDueEmails,
  markEmailSent,
  scheduleEmailRetry,
} from '../../infrastructure/email-delivery.repository';
import { DeliveryMetrics } from '../../infrastructure/delivery.metrics';
import {
  CLOCK,
  type Clock,
  EVENT_PUBLISHER,
  type EventPublisher,
  MAILER,
  MailSendError,
  type Mailer,
  NOTIFICATION_SETTINGS,
  TRANSACTION_RUNNER,
  type TransactionRunner,
} from '../ports';
import type { NotificationSettings } from '../settings';

export interface DispatchRound {
  sent: number;
  failed: number;
}

/**
 * Sends pending emails: claims a batch, hands each to the mail server outside any transaction, then
 * records the outcome. A failure is retried with exponential backoff; a sent email publishes
 * `notification.sent` in the same transaction that marks it sent.
 */
@Injectable()
export class EmailDispatcher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(EmailDispatcher.name);
  private readonly outage = new OutageLog(this.logger, 'email dispatch');
  /** Identifies this dispatcher's claims; every process and every instance has its own. */
  readonly claimer = `dispatcher-${randomUUID()}`;
  private running = false;
  private loop: Promise<void> | null = null;
  /** A nudge that comes during a round makes the loop look again at once. */
  private readonly wakeup = new Wakeup();

  constructor(
    @Inject(TRANSACTION_RUNNER) private readonly uow: TransactionRunner,
    @Inject(EVENT_PUBLISHER) private readonly publisher: EventPublisher,
    @Inject(MAILER) private readonly mailer: Mailer,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(NOTIFICATION_SETTINGS) private readonly settings: NotificationSettings,
    private readonly metrics: DeliveryMetrics,
  ) {}

  onApplicationBootstrap(): void {
    if (this.settings.dispatcher.enabled) this.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.stop();
    this.mailer.close?.();
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wakeup.interrupt();
    await this.loop;
    this.loop = null;
  }

  /** Asks the loop to look for due emails now rather than at its next poll. */
  nudge(): void {
    this.wakeup.nudge();
  }

  private async run(): Promise<void> {
    while (this.running) {
      this.wakeup.beginPass();
      let round: DispatchRound = { sent: 0, failed: 0 };
      try {
        round = await this.dispatchDue();
        this.outage.passed();
      } catch (error) {
        this.outage.failed(error);
      }
      if (round.sent + round.failed === 0 && this.running) {
        // Nudges come after the commit that queued an email, so an idle dispatcher only polls for retries that fall due.
        await this.wakeup.wait(this.settings.dispatcher.pollIntervalMs);
      }
    }
  }

  /** One round: claims what is due and tries to send each. */
  async dispatchDue(): Promise<DispatchRound> {
    const { claimLeaseMs, batchSize } = this.settings.dispatcher;
    const claimed = await this.uow.run((manager) => claimDueEmails(manager, this.claimer, claimLeaseMs, batchSize));
    const round: DispatchRound = { sent: 0, failed: 0 };
    const queue = [...claimed];
    const worker = async () => {
      for (let email = queue.shift(); email; email = queue.shift()) {
        if (await this.deliver(email)) round.sent++;
        else round.failed++;
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.settings.dispatcher.concurrency, queue.length) }, worker));
    return round;
  }

  private async deliver(email: ClaimedEmail): Promise<boolean> {
    try {
      await this.mailer.send({
        messageId: email.messageId,
        to: { name: email.toName, address: email.toAddress },
        subject: email.subject,
        text: email.text,
        html: email.html,
      });
    } catch (error) {
      await this.recordFailure(email, error);
      return false;
    }
    const recorded = await this.recordSent(email);
    if (recorded) this.metrics.emailSent(recorded.kind);
    return true;
  }

  /**
   * Records a sent email. The email has left: while the database is unreachable the record is retried
   * here (the row stays claimed by this dispatcher) instead of letting the claim lapse and sending it
   * a second time once the database is back.
   */
  private async recordSent(email: ClaimedEmail): Promise<SentEmail | null> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.recordSentOnce(email);
      } catch (error) {
        if (!isDatabaseUnavailable(error) || !this.running) throw error;
        await new Promise((resolve) => setTimeout(resolve, Math.min(250 * attempt, 2000)));
      }
    }
  }

  private recordSentOnce(email: ClaimedEmail): Promise<SentEmail | null> {
    return this.uow.run(async (manager) => {
      const now = this.clock.now();
      const sent = await markEmailSent(manager, email.id, this.claimer, now);
      if (!sent) return null;
      await this.publisher.publish(manager, {
        topic: Topics.NotificationSent,
        subject: sent.budgetId ?? sent.companyId,
        companyId: sent.companyId,
        payload: {
          notificationId: sent.notificationId,
          companyId: sent.companyId,
          budgetId: sent.budgetId,
          recipientUserId: sent.recipientUserId,
          channel: 'email',
          kind: sent.kind,
          sourceEventId: sent.sourceEventId,
          sentAt: now.toISOString(),
        },
      });
      return sent;
    });
  }

  private async recordFailure(email: ClaimedEmail, error: unknown): Promise<void> {
    const permanent = error instanceof MailSendError && error.permanent;
    const message = (error as Error).message ?? String(error);
    const failedAttempts = email.attempts + 1;
    const next = afterFailedAttempt(failedAttempts, permanent, this.settings.dispatcher.retry);
    this.metrics.emailFailed(next.type);
    await this.uow.run(async (manager) => {
      if (next.type === 'abandon') {
        this.logger.warn(`email ${email.messageId} to ${email.toAddress} abandoned: ${next.reason}: ${message}`);
        await abandonEmail(manager, email.id, this.claimer, message, this.clock.now());
      } else {
        this.logger.warn(`email ${email.messageId} attempt ${failedAttempts} failed, retry in ${next.delayMs} ms: ${message}`);
        await scheduleEmailRetry(manager, email.id, this.claimer, message, next.delayMs);
      }
    });
  }
}
