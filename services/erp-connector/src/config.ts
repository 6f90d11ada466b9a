import { z } from 'zod';
import { commaList, port, serviceConfigSchema, url } from '@budget-erp/service-kit';
import { ERP_SYSTEM_IDS, ERP_SYSTEMS, ErpSystemSchema, type ErpSystem } from '@budget-erp/contracts';
import { parseAllowedOrigin } from './connections/domain/customer-erp-url';
import { PUBLISHED_CREDENTIALS_KEYS } from './connections/infrastructure/credential-cipher';
import { ERP_CALLS_PER_ATTEMPT_MAX } from './erp-adapters/erp-adapter';

const isCredentialsKey = (v: string) => /^[0-9a-fA-F]{64}$/.test(v) || Buffer.from(v, 'base64').length === 32;

/** The setting of an ERP's own API base URL: `ERP_<ID>_URL`. */
export const erpUrlSetting = <S extends ErpSystem>(system: S) => `ERP_${system.toUpperCase() as Uppercase<S>}_URL` as const;

/** `ERP_CMIC_URL`, `ERP_SAGE300CRE_URL`, ... one per ERP of the registry. */
const erpUrlSettings = Object.fromEntries(
  ERP_SYSTEMS.map((erp) => [erpUrlSetting(erp.id), url(['http', 'https']).optional().describe(`the ${erp.name} API base URL (default ERP_BASE_URL)`)]),
) as Record<string, z.ZodOptional<z.ZodString>>;

const ms = (defaultValue: number, what: string) => z.coerce.number().int().min(1).default(defaultValue).describe(`${what}, in milliseconds`);

export const erpConnectorConfigSchema = serviceConfigSchema({
  PORT: port(3003),
  ERP_SYSTEMS: commaList(`a comma-separated list of ERP systems whose export workers run here: ${ERP_SYSTEM_IDS.join(', ')}`)
    .pipe(z.array(ErpSystemSchema))
    .default([...ERP_SYSTEM_IDS]),
  ERP_BASE_URL: url(['http', 'https']).default('http://127.0.0.1:3010').describe('the base URL of the ERP APIs (the ERP simulator in development)'),
  ...erpUrlSettings,
  ERP_CUSTOMER_URL_ALLOWLIST: commaList('a comma-separated list of origins where companies may have their own ERP instance, e.g. https://*.cmiccloud.com (empty: none)')
    .pipe(z.array(z.string().refine((entry) => parseAllowedOrigin(entry) !== null, 'must be scheme://host[:port], the host may start with *. and the port may be *')))
    .default([]),
  ERP_CREDENTIALS_KEY: z
    .string()
    .refine(isCredentialsKey, 'must be 32 bytes, as base64 or 64 hex digits')
    .optional()
    .describe('the AES-256-GCM key that encrypts ERP credentials at rest (32 bytes, base64 or hex)'),
  ERP_CREDENTIALS_PREVIOUS_KEYS: commaList('a comma-separated list of former ERP_CREDENTIALS_KEY values (32 bytes each, base64 or hex)')
    .refine((keys) => keys.every(isCredentialsKey), 'each key must be 32 bytes, as base64 or 64 hex digits')
    .optional()
    .describe('former ERP_CREDENTIALS_KEY values that still open what they sealed (key rotation), comma-separated'),
  ERP_TIMEOUT_MS: ms(5000, 'the deadline of one ERP call; for an export whose lines are streamed, counted from the last time the ERP took more of them'),
  EXPORT_MAX_ATTEMPTS: z.coerce.number().int().min(1).default(10).describe('attempts before a transient export failure becomes export.failed'),
  EXPORT_RETRY_BASE_MS: ms(500, 'the first retry delay (doubled each attempt, with jitter)'),
  EXPORT_RETRY_MAX_MS: ms(30000, 'the longest retry delay'),
  EXPORT_POLL_MS: ms(500, 'how often a worker looks for due exports and posting checks'),
  EXPORT_LEASE_MS: ms(20000, `how long a worker holds an export it is attempting before another may resume it (renewed while its ERP calls run); longer than ERP_TIMEOUT_MS × ${ERP_CALLS_PER_ATTEMPT_MAX}`),
  POSTING_CHECK_FIRST_MS: ms(500, 'the first posting check delay (doubled after each check that finds the entries unposted, with jitter)'),
  POSTING_CHECK_MAX_MS: ms(3_600_000, 'the longest posting check delay (default an hour; POST /erp/exports/:exportId/posting-check asks for a check now)'),
  DRIFT_CHECK_INTERVAL_MS: ms(15 * 60_000, 'how often each synced budget is compared with its ERP job (drift reconciliation)'),
  DRIFT_CHECK_SPACING_MS: ms(1000, 'the least time between two drift reads of one company\'s ERP'),
  DRIFT_POLL_MS: ms(1000, 'how often the drift reconciler looks for due comparisons'),
  BREAKER_THRESHOLD: z.coerce.number().int().min(1).default(5).describe('transient failures in a row that open an ERP circuit breaker'),
  BREAKER_COOLDOWN_MS: ms(5000, 'how long an open circuit breaker leaves the ERP alone'),
  EXPORT_DATA_RETAIN_MS: ms(
    90 * 24 * 3_600_000,
    "how long a send's lines are kept once its export is over (posted, failed or cancelled) or, for a send never accepted, once received (default 90 days); an export still to be attempted or awaiting posting keeps them however old",
  ),
  RETENTION_PURGE_INTERVAL_MS: ms(3_600_000, 'how often the retention purge of export data runs'),
  NODE_ENV: z.string().optional().describe('production requires ERP_CREDENTIALS_KEY'),
}).superRefine((config, ctx) => {
  // A worker that cannot renew its lease (its database is unreachable) must still finish its attempt before the lease ends.
  const worstCaseErpMs = config.ERP_TIMEOUT_MS * ERP_CALLS_PER_ATTEMPT_MAX;
  if (config.EXPORT_LEASE_MS <= worstCaseErpMs) {
    ctx.addIssue({
      code: 'custom',
      path: ['EXPORT_LEASE_MS'],
      message: `must be longer than an export attempt's worst-case ERP time, ERP_TIMEOUT_MS × ${ERP_CALLS_PER_ATTEMPT_MAX} calls = ${worstCaseErpMs} ms (it is ${config.EXPORT_LEASE_MS} ms)`,
    });
  }
  // Outside production a fixed development key seals credentials; in production that would be no secret at all.
  if (config.NODE_ENV === 'production' && !config.ERP_CREDENTIALS_KEY) {
    ctx.addIssue({ code: 'custom', path: ['ERP_CREDENTIALS_KEY'], message: 'is required when NODE_ENV=production (32 bytes, base64 or 64 hex digits)' });
  }
  if (config.NODE_ENV === 'production' && config.ERP_CREDENTIALS_KEY && PUBLISHED_CREDENTIALS_KEYS.includes(config.ERP_CREDENTIALS_KEY)) {
    ctx.addIssue({ code: 'custom', path: ['ERP_CREDENTIALS_KEY'], message: 'is a development key published with the source; it is refused when NODE_ENV=production' });
  }
});

export type ErpConnectorConfig = z.output<typeof erpConnectorConfigSchema>;
