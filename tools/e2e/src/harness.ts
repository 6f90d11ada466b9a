import { randomBytes } from 'node:crypto';
import { RunningPlatform, startPlatform } from '@budget-erp/dev-platform';
import { dropDatabasesWithPrefix } from '@budget-erp/testing';
import { PlatformClient, PlatformUrls } from './client';

export interface E2ePlatform {
  platform: RunningPlatform;
  urls: PlatformUrls;
  /** The throw-away databases' name prefix (`<prefix><service>`). */
  databasePrefix: string;
  /** A client for a brand-new company: scenarios never share data. */
  newCompany(label: string): Promise<PlatformClient>;
  stop(): Promise<void>;
}

/**
 * The whole platform as `npm start` runs it — dev broker, ERP simulator, SMTP sink and the four
 * services as separate processes — on free ports and throw-away PostgreSQL databases.
 */
export async function startE2ePlatform(
  options: {
    serviceEnv?: Record<string, Record<string, string>>;
    /** Also build and serve the web console, as `npm start` does (the browser tests); off for API-only suites. */
    webConsole?: boolean;
    webConsolePort?: number;
    /** Where the dev broker and the ERP simulator keep their data (so a restart of either keeps it). */
    dataDir?: string;
    /** See `PlatformOptions.serviceDatabaseUrl` (a fault test's PostgreSQL proxy). */
    serviceDatabaseUrl?: (url: string, service: string) => string;
  } = {},
): Promise<E2ePlatform> {
  const prefix = `t_e2e_${randomBytes(3).toString('hex')}_`;
  const platform = await startPlatform({
    ports: 'ephemeral',
    webConsole: options.webConsole ?? false,
    ...(options.webConsolePort ? { webConsolePort: options.webConsolePort } : {}),
    ...(options.dataDir ? { dataDir: options.dataDir } : {}),
    ...(options.serviceDatabaseUrl ? { serviceDatabaseUrl: options.serviceDatabaseUrl } : {}),
    database: 'postgres',
    databasePrefix: prefix,
    logLevel: process.env.E2E_LOG_LEVEL ?? 'warn',
    serviceEnv: {
      'erp-connector': { POSTING_CHECK_FIRST_MS: '200', POSTING_CHECK_MAX_MS: '1000', EXPORT_RETRY_BASE_MS: '200', EXPORT_RETRY_MAX_MS: '2000', EXPORT_POLL_MS: '200', ...options.serviceEnv?.['erp-connector'] },
      budget: { OUTBOX_POLL_MS: '100', ...options.serviceEnv?.budget },
      notification: { MAIL_POLL_INTERVAL_MS: '200', MAIL_RETRY_BASE_MS: '500', ...options.serviceEnv?.notification },
      ...(options.serviceEnv?.approval ? { approval: options.serviceEnv.approval } : {}),
      ...(options.serviceEnv?.['web-console'] ? { 'web-console': options.serviceEnv['web-console'] } : {}),
    },
    onServiceOutput: process.env.E2E_LOG_LEVEL ? (service, line) => console.log(`[${service}] ${line}`) : undefined,
  });
  const service = (name: string) => platform.services[name]!.url;
  const urls: PlatformUrls = {
    budget: service('budget'),
    approval: service('approval'),
    erpConnector: service('erp-connector'),
    notification: service('notification'),
    erpSimulator: platform.erpSimulatorUrl,
    smtpInbox: platform.smtp.inboxUrl,
  };
  return {
    platform,
    databasePrefix: prefix,
    // `urls` is read again on each call: a restarted service keeps its port.
    urls,
    newCompany: (label) => PlatformClient.forCompany(urls, `${label}-${randomBytes(4).toString('hex')}`, platform.jwtSecret),
    async stop() {
      await platform.stop();
      await dropDatabasesWithPrefix(prefix, { adminUrl: process.env.DATABASE_ADMIN_URL });
    },
  };
}
