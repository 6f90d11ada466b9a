import { accessSync, constants } from 'node:fs';
import { z } from 'zod';
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
  const result = schema.safeParse(cleaned);
  if (result.success) return result.data;

  const byVariable = new Map<string, string[]>();
  for (const issue of result.error.issues) {
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
  KAFKA_BROKERS: commaList('a comma-separated list of host:port Kafka brokers'),
  JWT_SECRET: z.string().min(16, 'must be at least 16 characters').optional().describe('the HS256 token secret (development and tests)'),
  JWKS_URL: url(['http', 'https']).optional().describe('the JWKS URL that verifies tokens (production)'),
  JWT_ISSUER: z.string().optional().describe('the required token issuer'),
  JWT_AUDIENCE: z.string().optional().describe('the required token audience'),
  LOG_LEVEL: z.enum(logLevels).default('info').describe(`one of ${logLevels.join(', ')}`),
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
