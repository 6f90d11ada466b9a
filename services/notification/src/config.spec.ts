import { ConfigError, loadConfig } from '@budget-erp/service-kit';
import { messageIdDomain, notificationConfigSchema } from './config';

const base = { DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/n', KAFKA_BROKERS: '127.0.0.1:9092', JWT_SECRET: 'a-secret-of-16-chars+' };

describe('notification configuration', () => {
  it('with only the platform variables, uses the documented defaults', () => {
    const config = loadConfig(notificationConfigSchema, base);

    expect(config).toMatchObject({
      PORT: 3004,
      SMTP_HOST: '127.0.0.1',
      SMTP_PORT: 2525,
      SMTP_SECURE: false,
      DAILY_SUMMARY_HOUR: 7,
      DAILY_SUMMARY_TIME_ZONE: 'UTC',
      MAIL_DISPATCHER_ENABLED: true,
    });
    expect(messageIdDomain(config)).toBe('budget-erp.local');
  });

  it('when several variables are bad, names every one of them', () => {
    const attempt = () =>
      loadConfig(notificationConfigSchema, { ...base, SMTP_PORT: 'smtp', DAILY_SUMMARY_HOUR: '24', DAILY_SUMMARY_TIME_ZONE: 'Mars/Olympus' });

    expect(attempt).toThrow(ConfigError);
    try {
      attempt();
    } catch (error) {
      expect((error as ConfigError).problems.map((p) => p.variable).sort()).toEqual(['DAILY_SUMMARY_HOUR', 'DAILY_SUMMARY_TIME_ZONE', 'SMTP_PORT']);
    }
  });

  it('takes the Message-ID domain from the From address unless one is configured', () => {
    expect(messageIdDomain({ SMTP_FROM: 'Budget ERP <noreply@acme.example>', MAIL_MESSAGE_ID_DOMAIN: undefined })).toBe('acme.example');
    expect(messageIdDomain({ SMTP_FROM: 'noreply@acme.example', MAIL_MESSAGE_ID_DOMAIN: 'mail.acme.example' })).toBe('mail.acme.example');
  });
});
