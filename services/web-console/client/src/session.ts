/** Who is signed in: the token the services verify, and its claims for showing or hiding what the user may do. */
export type PermissionLevel = 'none' | 'read_only' | 'standard' | 'admin';

export interface SessionUser {
  userId: string;
  name: string;
  email: string;
  companyId: string;
  perms: { budget: PermissionLevel; erpIntegrations: PermissionLevel };
  privileges: string[];
}

export interface Session {
  token: string;
  user: SessionUser;
  /** How the user signed in: `dev` or `oidc`. */
  via: 'dev' | 'oidc';
}

const KEY = 'budget-erp.session';
const listeners = new Set<() => void>();
let current: Session | null = load();
let endedReason: string | null = null;

function decodeClaims(token: string): Record<string, unknown> {
  const payload = token.split('.')[1] ?? '';
  const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/'));
  return JSON.parse(new TextDecoder().decode(Uint8Array.from(json, (c) => c.charCodeAt(0)))) as Record<string, unknown>;
}

const LEVELS: PermissionLevel[] = ['none', 'read_only', 'standard', 'admin'];
const level = (value: unknown): PermissionLevel => (LEVELS.includes(value as PermissionLevel) ? (value as PermissionLevel) : 'none');

export function userFromToken(token: string): SessionUser {
  const claims = decodeClaims(token);
  const perms = (claims.perms ?? {}) as Record<string, unknown>;
  return {
    userId: String(claims.sub ?? ''),
    name: String(claims.name ?? claims.sub ?? ''),
    email: String(claims.email ?? ''),
    companyId: String(claims.companyId ?? ''),
    perms: { budget: level(perms.budget), erpIntegrations: level(perms.erpIntegrations) },
    privileges: Array.isArray(claims.privileges) ? claims.privileges.map(String) : [],
  };
}

function load(): Session | null {
  try {
    const raw = sessionStorage.getItem(KEY);
    if (!raw) return null;
    const session = JSON.parse(raw) as Session;
    const exp = decodeClaims(session.token).exp;
    if (typeof exp === 'number' && exp * 1000 < Date.now()) return null;
    return session;
  } catch {
    return null;
  }
}

function emit(): void {
  for (const listener of listeners) listener();
}

export const sessionStore = {
  get: (): Session | null => current,
  subscribe(listener: () => void): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
  signIn(token: string, via: Session['via']): void {
    current = { token, user: userFromToken(token), via };
    endedReason = null;
    sessionStorage.setItem(KEY, JSON.stringify(current));
    emit();
  },
  /** Ends the session; `reason` is shown on the sign-in page. */
  signOut(reason: string | null = null): void {
    current = null;
    endedReason = reason;
    sessionStorage.removeItem(KEY);
    emit();
  },
  endedReason: (): string | null => endedReason,
};

const atLeast = (actual: PermissionLevel, required: PermissionLevel) => LEVELS.indexOf(actual) >= LEVELS.indexOf(required);

/**
 * What the interface offers. It mirrors the services' policies only to hide or disable controls;
 * the services still decide every request.
 */
export function can(user: SessionUser, action: 'budget.read' | 'budget.edit' | 'budget.lock' | 'budget.sendRetrieve' | 'erp.read' | 'erp.manage' | 'erp.approve'): boolean {
  const b = user.perms.budget;
  const e = user.perms.erpIntegrations;
  const has = (p: string) => user.privileges.includes(p);
  switch (action) {
    case 'budget.read':
      return atLeast(b, 'read_only');
    case 'budget.edit':
      return atLeast(b, 'standard');
    case 'budget.lock':
      return b === 'admin' || (atLeast(b, 'standard') && has('lock_budget'));
    case 'budget.sendRetrieve':
      return b === 'admin' || (atLeast(b, 'standard') && has('send_and_retrieve_budgets'));
    case 'erp.read':
      return atLeast(e, 'read_only');
    case 'erp.manage':
      return atLeast(e, 'standard');
    case 'erp.approve':
      return atLeast(e, 'standard') && has('can_push_to_accounting');
  }
}
