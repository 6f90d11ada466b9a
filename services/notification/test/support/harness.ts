import { signDevToken } from '@budget-erp/auth';
import { loadConfig, type RunningService } from '@budget-erp/service-kit';
import { type HttpAnswer, type TestInfra, httpJson, startTestInfra } from '@budget-erp/testing';
import { notificationConfigSchema } from '../../src/config';
import type { NotificationModuleOverrides } from '../../src/app.module';
import { startNotificationService } from '../../src/start';

export const JWT_SECRET = 'notification-test-secret-0123456789';

export type Infra = TestInfra;

export function startInfra(prefix: string): Promise<Infra> {
  return startTestInfra(prefix);
}

/** Starts the real service (HTTP, inbox, dispatcher) on a free port against the test's infrastructure. */
export async function startNotification(
  infra: Infra,
  smtpPort: number,
  env: Record<string, string> = {},
  overrides: NotificationModuleOverrides = {},
): Promise<RunningService> {
  const config = loadConfig(notificationConfigSchema, {
    PORT: '0',
    DATABASE_URL: infra.db.url,
    KAFKA_BROKERS: infra.broker.brokers,
    JWT_SECRET,
    LOG_LEVEL: 'error',
    SMTP_HOST: '127.0.0.1',
    SMTP_PORT: String(smtpPort),
    SMTP_TIMEOUT_MS: '3000',
    MAIL_POLL_INTERVAL_MS: '100',
    MAIL_RETRY_BASE_MS: '100',
    MAIL_RETRY_MAX_MS: '400',
    DAILY_SUMMARY_ENABLED: 'false',
    ...env,
  });
  return startNotificationService(config, { ...overrides, host: '127.0.0.1' });
}

export function tokenFor(
  person: { userId: string; name: string; email: string },
  companyId: string,
  approver = false,
): Promise<string> {
  return signDevToken(
    {
      sub: person.userId,
      name: person.name,
      email: person.email,
      companyId,
      perms: { budget: 'standard', erpIntegrations: approver ? 'standard' : 'none' },
      privileges: approver ? ['can_push_to_accounting'] : [],
    },
    JWT_SECRET,
  );
}

export function api<T = unknown>(service: RunningService, token: string, method: string, path: string, body?: unknown): Promise<HttpAnswer<T>> {
  return httpJson<T>(service.url, method, path, token, body);
}
