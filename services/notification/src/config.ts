import { z } from 'zod';
import { booleanFlag, port, serviceConfigSchema } from '@budget-erp/service-kit';

const positiveInt = (defaultValue: number, what: string) =>
  z.coerce.number().int().positive().default(defaultValue).describe(what);

const timeZone = z
  .string()
  .default('UTC')
  .refine((zone) => {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: zone });
      return true;
    } catch {
      return false;
    }
  }, 'must be an IANA time zone such as UTC or America/New_York')
  .describe('an IANA time zone');

export const notificationConfigSchema = serviceConfigSchema({
  PORT: port(3004),
  SMTP_HOST: z.string().min(1).default('127.0.0.1').describe('the SMTP server host'),
  SMTP_PORT: port(2525),
  SMTP_SECURE: booleanFlag(false),
  SMTP_USER: z.string().optional().describe('the SMTP user name (no authentication when unset)'),
  SMTP_PASSWORD: z.string().optional().describe('the SMTP password'),
  SMTP_FROM: z.string().min(3).default('ERP Integrations <erp-integrations@budget-erp.local>').describe('the From address of every email'),
  SMTP_TIMEOUT_MS: positiveInt(15000, 'milliseconds to wait for the SMTP server at each step'),
  MAIL_MESSAGE_ID_DOMAIN: z.string().min(1).optional().describe('the domain of Message-IDs (default: the From address domain)'),
  MAIL_DISPATCHER_ENABLED: booleanFlag(true),
  MAIL_POLL_INTERVAL_MS: positiveInt(1000, 'milliseconds between looks for pending emails'),
  MAIL_BATCH_SIZE: positiveInt(20, 'emails claimed per round'),
  MAIL_CONCURRENCY: positiveInt(4, 'emails sent at the same time (pooled SMTP connections)'),
  MAIL_RETRY_BASE_MS: positiveInt(2000, 'milliseconds before the first retry of a failed email'),
  MAIL_RETRY_MAX_MS: positiveInt(300000, 'the longest wait between two attempts of an email'),
  MAIL_MAX_REFUSALS: positiveInt(10, 'attempts after which an email whose address the server refuses is abandoned'),
  DAILY_SUMMARY_ENABLED: booleanFlag(true),
  DAILY_SUMMARY_HOUR: z.coerce.number().int().min(0).max(23).default(7).describe('hour of the day (0-23) the daily summary is sent from'),
  DAILY_SUMMARY_TIME_ZONE: timeZone,
  DAILY_SUMMARY_CHECK_INTERVAL_MS: positiveInt(60000, 'milliseconds between checks whether a daily summary is due'),
  RETENTION_PURGE_INTERVAL_MS: positiveInt(3_600_000, 'milliseconds between retention purges (old notifications, email deliveries, daily summary claims)'),
  NOTIFICATIONS_RETAIN_MS: positiveInt(
    90 * 24 * 3_600_000,
    'milliseconds notifications, sent or abandoned email deliveries and daily summary claims are kept (default 90 days; keep it longer than the inbox retention, 30 days, so a redelivered event is still recognised)',
  ),
});

export type NotificationConfig = z.output<typeof notificationConfigSchema>;

export function messageIdDomain(config: Pick<NotificationConfig, 'MAIL_MESSAGE_ID_DOMAIN' | 'SMTP_FROM'>): string {
  if (config.MAIL_MESSAGE_ID_DOMAIN) return config.MAIL_MESSAGE_ID_DOMAIN;
  const match = /@([^>\s]+)>?\s*$/.exec(config.SMTP_FROM);
  return match ? match[1]! : 'budget-erp.local';
}
