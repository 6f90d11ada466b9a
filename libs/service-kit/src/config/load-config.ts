import { z } from 'zod';

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
};

const hasTokenKey = (config: { JWT_SECRET?: unknown; JWKS_URL?: unknown }) => Boolean(config.JWT_SECRET || config.JWKS_URL);

/** The platform's variables plus the service's own: `serviceConfigSchema({ PORT: port(3001), ERP_URL: url(['http']) })`. */
export function serviceConfigSchema<Extra extends z.ZodRawShape = Record<never, never>>(extra: Extra = {} as Extra) {
  return z.object({ ...baseServiceConfigShape, ...extra }).refine(hasTokenKey, {
    path: ['JWT_SECRET'],
    message: 'is missing: set JWT_SECRET (HS256 secret, development) or JWKS_URL (production)',
    // Checked even when other variables are bad, so one run names every problem.
    when: () => true,
  });
}

export const baseServiceConfigSchema = serviceConfigSchema();
export type BaseServiceConfig = z.output<typeof baseServiceConfigSchema>;
