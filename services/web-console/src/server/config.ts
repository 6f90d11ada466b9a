import { join } from 'node:path';
import { z } from 'zod';
import { DEV_JWT_SECRET } from '@budget-erp/auth';

const url = z.url({ protocol: /^https?$/ });

const ConsoleEnvSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000).describe('the port the console listens on'),
  HOST: z.string().min(1).default('0.0.0.0').describe('the interface the console listens on'),
  BUDGET_URL: url.describe('the budget service, e.g. http://budget:3001'),
  APPROVAL_URL: url.describe('the approval service'),
  ERP_CONNECTOR_URL: url.describe('the erp-connector service'),
  NOTIFICATION_URL: url.describe('the notification service'),
  STATIC_DIR: z
    .string()
    .min(1)
    .default(join(__dirname, '..', '..', 'public'))
    .describe('the built browser application (index.html and assets/); default public/ beside src/, as in the image'),
  JWT_SECRET: z.string().min(1).optional().describe('the HS256 secret of dev tokens: the dev sign-in is offered when it is the development secret'),
  DEV_SIGN_IN: z
    .enum(['enabled', 'disabled'])
    .optional()
    .describe('`enabled` offers the dev sign-in with any JWT_SECRET (a local compose stack); never in production, where the services verify with JWKS_URL'),
  OIDC_ISSUER: url.optional().describe('the OpenID Connect issuer users sign in with (production)'),
  OIDC_CLIENT_ID: z.string().min(1).optional().describe('the console\'s public client id at the issuer'),
  OIDC_SCOPE: z.string().min(1).default('openid profile email').describe('scopes asked for at sign-in'),
  OIDC_RESOURCE: z.string().min(1).optional().describe('resource indicator (RFC 8707) of the platform APIs, when the issuer needs one for JWT access tokens'),
});

export interface ConsoleConfig {
  port: number;
  host: string;
  services: Record<ServiceName, string>;
  staticDir: string;
  /** The secret to mint dev tokens with, only when the development secret is in use. */
  devSignInSecret: string | null;
  oidc: { issuer: string; clientId: string; scope: string; resource: string | null } | null;
}

export const SERVICE_NAMES = ['budget', 'approval', 'erp-connector', 'notification'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

export class ConsoleConfigError extends Error {}

export function loadConsoleConfig(env: NodeJS.ProcessEnv = process.env): ConsoleConfig {
  // An empty variable (`OIDC_ISSUER=` in a compose file) means unset.
  const parsed = ConsoleEnvSchema.safeParse(Object.fromEntries(Object.entries(env).filter(([, value]) => value !== '')));
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new ConsoleConfigError(`web console configuration is invalid:\n${problems.join('\n')}`);
  }
  const c = parsed.data;
  if (Boolean(c.OIDC_ISSUER) !== Boolean(c.OIDC_CLIENT_ID)) {
    throw new ConsoleConfigError('web console configuration is invalid:\n  OIDC_ISSUER and OIDC_CLIENT_ID go together');
  }
  return {
    port: c.PORT,
    host: c.HOST,
    services: { budget: c.BUDGET_URL, approval: c.APPROVAL_URL, 'erp-connector': c.ERP_CONNECTOR_URL, notification: c.NOTIFICATION_URL },
    staticDir: c.STATIC_DIR,
    devSignInSecret: c.JWT_SECRET && c.DEV_SIGN_IN !== 'disabled' && (c.JWT_SECRET === DEV_JWT_SECRET || c.DEV_SIGN_IN === 'enabled') ? c.JWT_SECRET : null,
    oidc: c.OIDC_ISSUER && c.OIDC_CLIENT_ID ? { issuer: c.OIDC_ISSUER, clientId: c.OIDC_CLIENT_ID, scope: c.OIDC_SCOPE, resource: c.OIDC_RESOURCE ?? null } : null,
  };
}
