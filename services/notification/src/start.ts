import { type RunningService, startService } from '@budget-erp/service-kit';
import { AppModule, type NotificationModuleOverrides, SERVICE_NAME } from './app.module';
import type { NotificationConfig } from './config';

/** Starts the notification service: HTTP API, inbox consumer (group `notification`), mail dispatcher and daily summary. */
export async function startNotificationService(
  config: NotificationConfig,
  overrides: NotificationModuleOverrides & { host?: string } = {},
): Promise<RunningService> {
  return startService(AppModule.forRoot(config, overrides), {
    name: SERVICE_NAME,
    port: config.PORT,
    host: overrides.host,
    logLevel: config.LOG_LEVEL,
    inbox: [{ groupId: SERVICE_NAME }],
    description: 'Emails, the in-app feed and the ERP Integrations Daily Summary.',
  });
}
