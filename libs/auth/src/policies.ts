import { levelAtLeast, PermissionLevel, Principal } from './principal';

type Area = keyof Principal['perms'];

/** One way to satisfy a policy: a minimum level in an area, optionally with a privilege. */
export interface PolicyGrant {
  area: Area;
  atLeast: PermissionLevel;
  privilege?: string;
}

export interface PolicyRule {
  /** Any one grant is enough. */
  anyOf: PolicyGrant[];
}

export const policies = {
  'budget.read': { anyOf: [{ area: 'budget', atLeast: 'read_only' }] },
  'budget.edit': { anyOf: [{ area: 'budget', atLeast: 'standard' }] },
  'budget.lock': {
    anyOf: [
      { area: 'budget', atLeast: 'admin' },
      { area: 'budget', atLeast: 'standard', privilege: 'lock_budget' },
    ],
  },
  'budget.sendRetrieve': {
    anyOf: [
      { area: 'budget', atLeast: 'admin' },
      { area: 'budget', atLeast: 'standard', privilege: 'send_and_retrieve_budgets' },
    ],
  },
  'erp.read': { anyOf: [{ area: 'erpIntegrations', atLeast: 'read_only' }] },
  'erp.manage': { anyOf: [{ area: 'erpIntegrations', atLeast: 'standard' }] },
  'erp.approve': { anyOf: [{ area: 'erpIntegrations', atLeast: 'standard', privilege: 'can_push_to_accounting' }] },
} as const satisfies Record<string, PolicyRule>;

export type PolicyName = keyof typeof policies;

export const policyNames = Object.keys(policies) as PolicyName[];

function grants(principal: Principal, grant: PolicyGrant): boolean {
  return (
    levelAtLeast(principal.perms[grant.area], grant.atLeast) &&
    (grant.privilege === undefined || principal.privileges.includes(grant.privilege))
  );
}

export function can(principal: Principal, policy: PolicyName): boolean {
  const rule: PolicyRule = policies[policy];
  return rule.anyOf.some((grant) => grants(principal, grant));
}

/** Human-readable rule, e.g. "perms.budget = admin, or perms.budget ≥ standard with privilege lock_budget". */
export function describePolicy(policy: PolicyName): string {
  const rule: PolicyRule = policies[policy];
  return rule.anyOf
    .map((grant) => {
      const level = grant.atLeast === 'admin' ? `perms.${grant.area} = admin` : `perms.${grant.area} ≥ ${grant.atLeast}`;
      return grant.privilege ? `${level} with privilege ${grant.privilege}` : level;
    })
    .join(', or ');
}
