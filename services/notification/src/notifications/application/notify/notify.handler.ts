import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { Topics } from '@budget-erp/contracts';
import type { PlannedNotification } from '../../domain/plan-notifications';
import { type StoredNotification, storeNotification } from '../../infrastructure/notification.repository';
import { CLOCK, type Clock, EVENT_PUBLISHER, type EventPublisher, NOTIFICATION_SETTINGS } from '../ports';
import type { NotificationSettings } from '../settings';

/**
 * Stores planned notifications in the caller's transaction: the feed entry, its pending email, and
 * the in-app `notification.sent`. Plans already stored (a redelivered event) are skipped.
 */
@Injectable()
export class NotifyHandler {
  constructor(
    @Inject(EVENT_PUBLISHER) private readonly publisher: EventPublisher,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(NOTIFICATION_SETTINGS) private readonly settings: NotificationSettings,
  ) {}

  async execute(manager: EntityManager, plans: PlannedNotification[]): Promise<Array<StoredNotification & { plan: PlannedNotification }>> {
    const stored: Array<StoredNotification & { plan: PlannedNotification }> = [];
    for (const plan of plans) {
      const now = this.clock.now();
      const result = await storeNotification(manager, plan, now, this.settings.messageIdDomain);
      if (!result) continue;
      await this.publisher.publish(manager, {
        topic: Topics.NotificationSent,
        subject: plan.budgetId ?? plan.companyId,
        companyId: plan.companyId,
        payload: {
          notificationId: result.id,
          companyId: plan.companyId,
          budgetId: plan.budgetId,
          recipientUserId: plan.recipient.userId,
          channel: 'in_app',
          kind: plan.kind,
          sourceEventId: plan.sourceEventId,
          sentAt: now.toISOString(),
        },
      });
      stored.push({ ...result, plan });
    }
    return stored;
  }
}
