import { accessSync, constants, readFileSync } from 'node:fs';
import { z } from 'zod';
import { PUBLISHED_JWT_SECRETS } from '@budget-erp/auth';
import { kafkaSaslMechanisms, KafkaSecurity } from '@budget-erp/messaging';

/** Thrown at start when the environment does not match the service's config schema. */
export class ConfigError extends Error {
  constructor(readonly problems: { variable: string; problem: string }[]) {
    super(`Invalid configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${problems.map((p) => `  - ${p.variable}: ${p.problem}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

function expectation(schema: z.ZodType, variable: string): string | undefined {
  if (!(schema instanceof z.ZodObject)) return undefined;
  const field = (schema.shape as Record<string, z.ZodType | undefined>)[variable];
  return field?.description;
}

/**
 * Validates the environment against `schema`. Empty strings count as unset.
 * On failure throws one ConfigError naming every bad or missing variable and what is expected.
 */
export function loadConfig<S extends z.ZodType>(schema: S, env: Env = process.env): z.output<S> {
  const cleaned: Env = {};
  for (const [key, value] of Object.entries(env)) if (value !== undefined && value.trim() !== '') cleaned[key] = value;
  const fileProblems = readSecretFiles(schema, cleaned);
  const result = schema.safeParse(cleaned);
  if (result.success && fileProblems.length === 0) return result.data;

  const byVariable = new Map<string, string[]>(fileProblems.map(({ variable, problem }) => [variable, [problem]]));
  for (const issue of result.success ? [] : result.error.issues) {
    const variable = String(issue.path[0] ?? '(environment)');
    const expected = expectation(schema, variable);
    const problem =
      issue.code === 'custom' && issue.message.startsWith('is ')
        ? issue.message
        : issue.path.length > 0 && cleaned[variable] === undefined
        ? `is missing${expected ? ` (expected ${expected})` : ''}`
        : `is invalid: ${issue.message}${expected ? ` (expected ${expected})` : ''}`;
    const list = byVariable.get(variable) ?? [];
    if (!list.includes(problem)) list.push(problem);
    byVariable.set(variable, list);
  }
  throw new ConfigError([...byVariable].map(([variable, problems]) => ({ variable, problem: problems.join('; ') })));
}

/**
 * `<NAME>_FILE` for any variable of the schema: the value is read from that file (trailing newline
 * trimmed), as container secrets are mounted. Setting both is refused. Mutates `env`.
 */
function readSecretFiles(schema: z.ZodType, env: Env): { variable: string; problem: string }[] {
  if (!(schema instanceof z.ZodObject)) return [];
  const shape = schema.shape as Record<string, unknown>;
  const problems: { variable: string; problem: string }[] = [];
  for (const [key, path] of Object.entries(env)) {
    if (!key.endsWith('_FILE') || path === undefined) continue;
    const variable = key.slice(0, -'_FILE'.length);
    if (!(variable in shape) || key in shape) continue;
    delete env[key];
    if (env[variable] !== undefined) {
      problems.push({ variable: key, problem: `is set together with ${variable}: set one of them` });
      continue;
    }
    try {
      const value = readFileSync(path, 'utf8').replace(/\r?\n$/, '');
      if (value.trim() !== '') env[variable] = value;
      else problems.push({ variable: key, problem: `names an empty file (${variable} is read from it)` });
    } catch {
      problems.push({ variable: key, problem: `names no readable file (${variable} is read from it)` });
    }
  }
  return problems;
}

/** loadConfig for `main.ts`: prints the one message and exits with status 1 instead of a stack trace. */
export function loadConfigOrExit<S extends z.ZodType>(schema: S, env: Env = process.env): z.output<S> {
  try {
    return loadConfig(schema, env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    process.exit(1);
  }
}

// --- building blocks for service config schemas ---

export const port = (defaultPort?: number) => {
  const schema = z.coerce.number().int().min(0).max(65535);
  return (defaultPort === undefined ? schema : schema.default(defaultPort)).describe('a TCP port number (0-65535)');
};

export const url = (protocols: string[]) =>
  z
    .string()
    .refine((value) => {
      try {
        return protocols.includes(new URL(value).protocol.replace(/:$/, ''));
      } catch {
        return false;
      }
    }, `must be a ${protocols.join(' or ')} URL`)
    .describe(`a ${protocols.join('/')} URL`);

export const commaList = (description = 'a comma-separated list') =>
  z
    .string()
    .transform((value) => value.split(',').map((item) => item.trim()).filter(Boolean))
    .pipe(z.array(z.string()).min(1, 'must list at least one value'))
    .describe(description);

export const booleanFlag = (defaultValue = false) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'])
    .default(defaultValue ? 'true' : 'false')
    .transform((value) => ['true', '1', 'yes'].includes(value))
    .describe('true or false');

export const logLevels = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof logLevels)[number];

export const baseServiceConfigShape = {
  PORT: port(3000),
  DATABASE_URL: url(['postgres', 'postgresql']).describe('a postgres:// connection URL'),
  DATABASE_CONNECT_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(100)
    .max(300_000)
    .default(5000)
    .describe('how long opening a database connection may take, in milliseconds, 100 to 300000 (default 5000)'),
  KAFKA_BROKERS: commaList('a comma-separated list of host:port Kafka brokers'),
  JWT_SECRET: z.string().min(16, 'must be at least 16 characters').optional().describe('the HS256 token secret (development and tests)'),
  JWKS_URL: url(['http', 'https']).optional().describe('the JWKS URL that verifies tokens (production)'),
  JWT_ISSUER: z.string().optional().describe('the required token issuer (required when NODE_ENV=production)'),
  JWT_AUDIENCE: z.string().optional().describe('the required token audience (required when NODE_ENV=production)'),
  JWT_ALLOW_HS256: booleanFlag(false).describe('true or false (default false): allow HS256 tokens signed with JWT_SECRET when NODE_ENV=production'),
  NODE_ENV: z.string().optional().describe('production turns on the production rules (token issuer, audience and signing keys)'),
  LOG_LEVEL: z.enum(logLevels).default('info').describe(`one of ${logLevels.join(', ')}`),
  HTTP_MAX_BODY_BYTES: z.coerce.number().int().min(1024).default(1_000_000).describe('the largest request body in bytes, at least 1024 (default 1000000); larger answers 413'),
  HTTP_MAX_STRING_LENGTH: z.coerce
    .number()
    .int()
    .min(16)
    .default(10_000)
    .describe('the longest string (or key) in a JSON request body, in characters, at least 16 (default 10000); longer answers 413 naming the field'),
  KAFKA_SESSION_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(6000)
    .max(300_000)
    .default(10_000)
    .describe('the consumer session timeout in milliseconds, 6000 to 300000 (default 10000): how soon a killed process leaves its consumer groups'),
  KAFKA_SSL: z
    .enum(['true', 'false', '1', '0', 'yes', 'no'])
    .transform((value) => ['true', '1', 'yes'].includes(value))
    .optional()
    .describe('true or false: TLS to the Kafka brokers'),
  KAFKA_SSL_CA_FILE: z
    .string()
    .refine(isReadableFile, 'no readable file at that path')
    .optional()
    .describe('the path of a PEM bundle of the CAs that sign the Kafka brokers\' certificates'),
  KAFKA_SASL_MECHANISM: z.enum(kafkaSaslMechanisms).optional().describe(`one of ${kafkaSaslMechanisms.join(', ')}`),
  KAFKA_SASL_USERNAME: z.string().optional().describe('the Kafka SASL user'),
  // Zod messages for a string never quote the value, so a bad password cannot reach a ConfigError.
  KAFKA_SASL_PASSWORD: z.string().optional().describe('the Kafka SASL password'),
};

function isReadableFile(path: string): boolean {
  try {
    accessSync(path, constants.R_OK);
    return true;
  } catch {
    return false;
  }
}

type KafkaSecurityVariables = {
  KAFKA_SSL?: unknown;
  KAFKA_SSL_CA_FILE?: unknown;
  KAFKA_SASL_MECHANISM?: unknown;
  KAFKA_SASL_USERNAME?: unknown;
  KAFKA_SASL_PASSWORD?: unknown;
};

// Refinements below also run when other variables are bad: values may still be the raw strings.
const isOn = (flag: unknown) => flag === true || (typeof flag === 'string' && ['true', '1', 'yes'].includes(flag));
const saslMissing = 'is missing: KAFKA_SASL_MECHANISM, KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD go together';

const hasTokenKey = (config: { JWT_SECRET?: unknown; JWKS_URL?: unknown }) => Boolean(config.JWT_SECRET || config.JWKS_URL);

type TokenVariables = { NODE_ENV?: unknown; JWT_SECRET?: unknown; JWKS_URL?: unknown; JWT_ISSUER?: unknown; JWT_AUDIENCE?: unknown; JWT_ALLOW_HS256?: unknown };
const inProduction = (config: TokenVariables) => config.NODE_ENV === 'production';
/** HS256 is what verifies the tokens: a shared secret and no JWKS URL. */
const verifiesWithSecret = (config: TokenVariables) => Boolean(config.JWT_SECRET) && !config.JWKS_URL;

/** The platform's variables plus the service's own: `serviceConfigSchema({ PORT: port(3001), ERP_URL: url(['http']) })`. */
export function serviceConfigSchema<Extra extends z.ZodRawShape = Record<never, never>>(extra: Extra = {} as Extra) {
  // Checked even when other variables are bad, so one run names every problem.
  const always = { when: () => true };
  const sasl = (config: KafkaSecurityVariables) => Boolean(config.KAFKA_SASL_MECHANISM || config.KAFKA_SASL_USERNAME || config.KAFKA_SASL_PASSWORD);
  return z
    .object({ ...baseServiceConfigShape, ...extra })
    .refine(hasTokenKey, {
      path: ['JWT_SECRET'],
      message: 'is missing: set JWT_SECRET (HS256 secret, development) or JWKS_URL (production)',
      ...always,
    })
    .refine((config: TokenVariables) => !inProduction(config) || Boolean(config.JWT_ISSUER), {
      path: ['JWT_ISSUER'],
      message: 'is required when NODE_ENV=production (the issuer every token must name)',
      ...always,
    })
    .refine((config: TokenVariables) => !inProduction(config) || Boolean(config.JWT_AUDIENCE), {
      path: ['JWT_AUDIENCE'],
      message: 'is required when NODE_ENV=production (the audience every token must name)',
      ...always,
    })
    .refine((config: TokenVariables) => !inProduction(config) || !verifiesWithSecret(config) || isOn(config.JWT_ALLOW_HS256), {
      path: ['JWT_SECRET'],
      message: 'is refused when NODE_ENV=production: set JWKS_URL, or JWT_ALLOW_HS256=true to accept HS256 tokens signed with this secret',
      ...always,
    })
    .refine((config: TokenVariables) => !inProduction(config) || !PUBLISHED_JWT_SECRETS.includes(String(config.JWT_SECRET ?? '')), {
      path: ['JWT_SECRET'],
      message: 'is a development secret published with the source; it is refused when NODE_ENV=production',
      ...always,
    })
    .refine((config: KafkaSecurityVariables) => !sasl(config) || Boolean(config.KAFKA_SASL_MECHANISM), {
      path: ['KAFKA_SASL_MECHANISM'],
      message: `${saslMissing} (expected one of ${kafkaSaslMechanisms.join(', ')})`,
      ...always,
    })
    .refine((config: KafkaSecurityVariables) => !sasl(config) || Boolean(config.KAFKA_SASL_USERNAME), {
      path: ['KAFKA_SASL_USERNAME'],
      message: saslMissing,
      ...always,
    })
    .refine((config: KafkaSecurityVariables) => !sasl(config) || Boolean(config.KAFKA_SASL_PASSWORD), {
      path: ['KAFKA_SASL_PASSWORD'],
      message: saslMissing,
      ...always,
    })
    .refine((config: KafkaSecurityVariables) => !config.KAFKA_SSL_CA_FILE || config.KAFKA_SSL === undefined || isOn(config.KAFKA_SSL), {
      path: ['KAFKA_SSL_CA_FILE'],
      message: 'is set while KAFKA_SSL is false: a CA bundle is only used over TLS',
      ...always,
    });
}

export const baseServiceConfigSchema = serviceConfigSchema();
export type BaseServiceConfig = z.output<typeof baseServiceConfigSchema>;

/** The Kafka TLS and SASL settings of a validated config, for every kafkajs client of the service. */
export function kafkaSecurityOf(config: BaseServiceConfig): KafkaSecurity {
  const security: KafkaSecurity = {};
  if (config.KAFKA_SSL || config.KAFKA_SSL_CA_FILE) security.ssl = true;
  if (config.KAFKA_SSL_CA_FILE) security.caFile = config.KAFKA_SSL_CA_FILE;
  if (config.KAFKA_SASL_MECHANISM && config.KAFKA_SASL_USERNAME && config.KAFKA_SASL_PASSWORD) {
    security.sasl = { mechanism: config.KAFKA_SASL_MECHANISM, username: config.KAFKA_SASL_USERNAME, password: config.KAFKA_SASL_PASSWORD };
  }
  return security;
}
