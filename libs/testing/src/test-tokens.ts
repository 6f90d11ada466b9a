import { createHmac } from 'node:crypto';
import { DEV_JWT_SECRET, signDevToken, TokenClaims } from '@budget-erp/auth';

/** The people of the workflow, as token claims (company `company-1`). */
export const testUsers = {
  /** Builds, locks, sends and retrieves budgets. */
  projectManager: {
    sub: 'user-pm',
    name: 'Pat Manager',
    email: 'pat.manager@example.com',
    companyId: 'company-1',
    perms: { budget: 'admin', erpIntegrations: 'read_only' },
    privileges: [],
  },
  /** Standard budget user with the granular lock and send privileges. */
  standardProjectManager: {
    sub: 'user-spm',
    name: 'Sam Standard',
    email: 'sam.standard@example.com',
    companyId: 'company-1',
    perms: { budget: 'standard', erpIntegrations: 'none' },
    privileges: ['lock_budget', 'send_and_retrieve_budgets'],
  },
  /** Accepts or rejects sent budgets. */
  approver: {
    sub: 'user-approver',
    name: 'Alex Approver',
    email: 'alex.approver@example.com',
    companyId: 'company-1',
    perms: { budget: 'read_only', erpIntegrations: 'standard' },
    privileges: ['can_push_to_accounting'],
  },
  /** Links projects to ERP jobs, re-imports, sees the lists; may not approve. */
  integrationsUser: {
    sub: 'user-integrations',
    name: 'Ines Integrations',
    email: 'ines.integrations@example.com',
    companyId: 'company-1',
    perms: { budget: 'read_only', erpIntegrations: 'standard' },
    privileges: [],
  },
  /** Sees budgets, changes nothing. */
  viewer: {
    sub: 'user-viewer',
    name: 'Vic Viewer',
    email: 'vic.viewer@example.com',
    companyId: 'company-1',
    perms: { budget: 'read_only', erpIntegrations: 'read_only' },
    privileges: [],
  },
} satisfies Record<string, TokenClaims>;

export type TestUser = keyof typeof testUsers;

/**
 * A signed dev token for one of the test users (or explicit claims), with overrides such as
 * `{ companyId: 'company-2' }`. Signed with `JWT_SECRET` when set, else the dev secret.
 */
export function testToken(user: TestUser | TokenClaims, overrides: Partial<TokenClaims> = {}, secret = process.env.JWT_SECRET || DEV_JWT_SECRET): Promise<string> {
  const claims = typeof user === 'string' ? testUsers[user] : user;
  return signDevToken({ ...claims, ...overrides }, secret);
}

/**
 * An HS256 JWT signed here with node:crypto, independently of the auth library, so a test also
 * checks that the service accepts a standard token. Adds `iat` and an `exp` one hour later.
 */
export function signTestJwt(claims: Record<string, unknown>, secret: string, ttlSeconds = 3600): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const unsigned = `${encode({ alg: 'HS256', typ: 'JWT' })}.${encode({ ...claims, iat: now, exp: now + ttlSeconds })}`;
  return `${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}`;
}
