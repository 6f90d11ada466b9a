import { DynamicModule, Module } from '@nestjs/common';
import { OutboxWriter, UnitOfWork } from '@budget-erp/messaging';
import { PlatformModule, RetentionPurger } from '@budget-erp/service-kit';
import { DataSource } from 'typeorm';
import { type NotificationConfig, messageIdDomain } from './config';
import { PreferencesHandler } from './daily-summary/application/preferences/preferences.handler';
import { SendDailySummariesHandler } from './daily-summary/application/send-daily-summaries/send-daily-summaries.handler';
import { TrackExportHandler } from './daily-summary/application/track-export/track-export.handler';
import { CreateDailySummary1732390000100 } from './daily-summary/infrastructure/migrations/1732390000100-create-daily-summary';
import { TrackExportFacts1764900000000 } from './daily-summary/infrastructure/migrations/1764900000000-track-export-facts';
import { EmailDispatcher } from './notifications/application/dispatch-emails/email-dispatcher';
import { FeedQueries } from './notifications/application/feed/feed.queries';
import { NotifyHandler } from './notifications/application/notify/notify.handler';
import {
  CLOCK,
  type Clock,
  EVENT_PUBLISHER,
  MAILER,
  type Mailer,
  NOTIFICATION_SETTINGS,
  TRANSACTION_RUNNER,
  systemClock,
} from './notifications/application/ports';
import { ReactToEventHandler } from './notifications/application/react-to-event/react-to-event.handler';
import type { NotificationSettings } from './notifications/application/settings';
import { CreateNotifications1732390000000 } from './notifications/infrastructure/migrations/1732390000000-create-notifications';
import { RememberIntegrationsUsers1765200000000 } from './notifications/infrastructure/migrations/1765200000000-remember-integrations-users';
import { DeliveryMetrics } from './notifications/infrastructure/delivery.metrics';
import { IndexForRetention1765100000000 } from './notifications/infrastructure/migrations/1765100000000-index-for-retention';
import { notificationRetentionRules } from './notifications/infrastructure/retention';
import { SmtpMailer } from './notifications/infrastructure/smtp.mailer';
import { NotificationEventsKafkaController } from './notifications/transport/notification-events.kafka-controller';
import { NotificationHttpController } from './notifications/transport/notification.http-controller';

export const SERVICE_NAME = 'notification';

export function notificationSettings(config: NotificationConfig): NotificationSettings {
  return {
    messageIdDomain: messageIdDomain(config),
    dispatcher: {
      enabled: config.MAIL_DISPATCHER_ENABLED,
      pollIntervalMs: config.MAIL_POLL_INTERVAL_MS,
      batchSize: config.MAIL_BATCH_SIZE,
      concurrency: config.MAIL_CONCURRENCY,
      // A send is bounded by three SMTP timeouts; the lease must outlive it.
      claimLeaseMs: config.SMTP_TIMEOUT_MS * 4,
      retry: {
        baseDelayMs: config.MAIL_RETRY_BASE_MS,
        maxDelayMs: config.MAIL_RETRY_MAX_MS,
        maxPermanentFailures: config.MAIL_MAX_REFUSALS,
      },
    },
    dailySummary: {
      enabled: config.DAILY_SUMMARY_ENABLED,
      sendHour: config.DAILY_SUMMARY_HOUR,
      timeZone: config.DAILY_SUMMARY_TIME_ZONE,
      checkIntervalMs: config.DAILY_SUMMARY_CHECK_INTERVAL_MS,
    },
  };
}

export interface NotificationModuleOverrides {
  /** Tests drive the daily summary with their own clock. */
  clock?: Clock;
  mailer?: Mailer;
}

@Module({})
export class AppModule {
  static forRoot(config: NotificationConfig, overrides: NotificationModuleOverrides = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [
        PlatformModule.forRoot({
          serviceName: SERVICE_NAME,
          config,
          entities: [],
          migrations: [CreateNotifications1732390000000, CreateDailySummary1732390000100, TrackExportFacts1764900000000, IndexForRetention1765100000000, RememberIntegrationsUsers1765200000000],
        }),
      ],
      controllers: [NotificationHttpController, NotificationEventsKafkaController],
      providers: [
        { provide: NOTIFICATION_SETTINGS, useValue: notificationSettings(config) },
        { provide: CLOCK, useValue: overrides.clock ?? systemClock },
        { provide: TRANSACTION_RUNNER, useExisting: UnitOfWork },
        { provide: EVENT_PUBLISHER, useExisting: OutboxWriter },
        {
          provide: MAILER,
          useFactory: () =>
            overrides.mailer ??
            new SmtpMailer({
              host: config.SMTP_HOST,
              port: config.SMTP_PORT,
              secure: config.SMTP_SECURE,
              user: config.SMTP_USER,
              password: config.SMTP_PASSWORD,
              from: config.SMTP_FROM,
              timeoutMs: config.SMTP_TIMEOUT_MS,
              maxConnections: config.MAIL_CONCURRENCY,
            }),
        },
        NotifyHandler,
        TrackExportHandler,
        ReactToEventHandler,
        DeliveryMetrics,
        EmailDispatcher,
        FeedQueries,
        PreferencesHandler,
        SendDailySummariesHandler,
        {
          provide: RetentionPurger,
          inject: [DataSource],
          useFactory: (dataSource: DataSource) =>
            new RetentionPurger(dataSource, notificationRetentionRules(config.NOTIFICATIONS_RETAIN_MS), { intervalMs: config.RETENTION_PURGE_INTERVAL_MS }, 'notification retention purge'),
        },
      ],
    };
  }
}
