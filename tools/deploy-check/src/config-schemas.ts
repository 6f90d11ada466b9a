import { spawnSync } from 'node:child_process';
import { z } from 'zod';
import { ERP_SYSTEM_IDS } from '@budget-erp/contracts';
import { ServiceName } from './catalog';
import { repoFileExists, repoPath, repoRoot } from './repo';

/** What the checks need of a zod schema. */
export interface EnvSchema {
  safeParse(input: unknown): { success: boolean; error?: { issues: { path: PropertyKey[]; message: string }[] } };
}

/** One process environment to validate against its service's config schema. */
export interface EnvCase {
  /** Where it is declared, e.g. `docker-compose.yml budget`; prefixes every problem. */
  where: string;
  service: ServiceName;
  env: Record<string, string>;
}

export interface EnvVerdict {
  /** What the service would refuse to start with, one line per variable. */
  problems: string[];
  /** Variables set that the service's schema does not read (misspelt, or not supported). */
  unread: string[];
}

/** Variables a process may get without its config schema reading them: Node's own. */
export const VARIABLES_OUTSIDE_THE_SCHEMA = ['NODE_ENV', 'NODE_OPTIONS', 'NODE_EXTRA_CA_CERTS'];

const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
const ERP_ID = `(${ERP_SYSTEM_IDS.join('|')})`;
const ERP_SYSTEM_LIST = new RegExp(`^${ERP_ID}(,${ERP_ID})*$`);

/** The environment docs/architecture.md documents, used only for a service without src/config.ts. */
export function documentedSchema(service: ServiceName): z.ZodObject {
  const extras: Record<ServiceName, z.ZodRawShape> = {
    budget: { EXPORT_TIMEOUT_MS: z.coerce.number().int().positive().optional() },
    approval: {},
    'erp-connector': {
      ERP_SYSTEMS: z.string().regex(ERP_SYSTEM_LIST, `comma list of ${ERP_SYSTEM_IDS.join(', ')}`),
      ERP_CREDENTIALS_KEY: z.string().min(16),
    },
    notification: {
      SMTP_HOST: z.string().min(1),
      SMTP_PORT: z.coerce.number().int().positive(),
      SMTP_USER: z.string().optional(),
      SMTP_PASSWORD: z.string().optional(),
      SMTP_FROM: z.string().min(3),
    },
  };
  return z.object({
    PORT: z.coerce.number().int().positive(),
    DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\/.+\/.+/, 'a postgres:// URL naming a database'),
    KAFKA_BROKERS: z.string().regex(/^[^,\s]+:\d+(,[^,\s]+:\d+)*$/, 'host:port[,host:port...]'),
    JWT_SECRET: z.string().min(16).optional(),
    JWKS_URL: z.url().optional(),
    LOG_LEVEL: z.enum(LOG_LEVELS).optional(),
    ...extras[service],
  });
}

/**
 * Validates environments against each service's own schema (the export of services/<x>/src/config.ts
 * whose name holds "config" and "schema"), the way the service does at start (service-kit
 * `loadConfig`). Runs in a child Node process, as the service itself runs: a service's config module
 * loads its platform modules (NestJS among them) and must not depend on the test runner's loader.
 */
export function validateEnvironments(cases: EnvCase[]): EnvVerdict[] {
  const result = spawnSync(process.execPath, ['-r', '@swc-node/register', repoPath('tools/deploy-check/src/validate-env.ts')], {
    cwd: repoRoot,
    input: JSON.stringify(cases),
    encoding: 'utf8',
    maxBuffer: 16 * 1024 * 1024,
  });
  if (result.status !== 0) throw new Error(`environment validation failed to run: ${result.stderr || result.error?.message}`);
  const lines = result.stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]) as EnvVerdict[];
}

/** Problems of validated environments: what the service would refuse, and variables it would not read. */
export function envVerdictProblems(cases: EnvCase[], verdicts: EnvVerdict[]): string[] {
  return cases.flatMap((c, i) => [
    ...verdicts[i].problems,
    ...verdicts[i].unread
      .filter((key) => !VARIABLES_OUTSIDE_THE_SCHEMA.includes(key))
      .map((key) => `${c.where}: sets ${key}, which the ${c.service} config schema does not read`),
  ]);
}

export const hasOwnConfig = (service: ServiceName): boolean => repoFileExists(`services/${service}/src/config.ts`);
