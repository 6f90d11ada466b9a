import type { TokenClaims } from '@budget-erp/auth';

/** The people of a demo company: those `npm run demo` and the end-to-end suite use, and an administrator. */
export const PERSONAS = {
  pm: { label: 'Project manager', name: 'Pat Manager', perms: { budget: 'admin', erpIntegrations: 'none' }, privileges: [] },
  approver: {
    label: 'Accounting approver',
    name: 'Alex Approver',
    perms: { budget: 'read_only', erpIntegrations: 'standard' },
    privileges: ['can_push_to_accounting'],
  },
  integrations: { label: 'ERP integrations user', name: 'Ira Integrations', perms: { budget: 'read_only', erpIntegrations: 'admin' }, privileges: [] },
  viewer: { label: 'Read-only user', name: 'Vic Viewer', perms: { budget: 'read_only', erpIntegrations: 'read_only' }, privileges: [] },
  // Everything at once, for demos: re-importing shows the ERP Integrations figures and changes the budget.
  admin: {
    label: 'Company administrator',
    name: 'Ada Admin',
    perms: { budget: 'admin', erpIntegrations: 'admin' },
    privileges: ['can_push_to_accounting'],
  },
} as const satisfies Record<string, { label: string; name: string; perms: TokenClaims['perms']; privileges: string[] }>;

export type PersonaId = keyof typeof PERSONAS;
export const PERSONA_IDS = Object.keys(PERSONAS) as PersonaId[];

export function personaClaims(companyId: string, persona: PersonaId): TokenClaims {
  const p = PERSONAS[persona];
  return {
    sub: `${companyId}-${persona}`,
    name: p.name,
    email: `${persona}.${companyId}@example.com`.toLowerCase(),
    companyId,
    perms: { ...p.perms },
    privileges: [...p.privileges],
  };
}
