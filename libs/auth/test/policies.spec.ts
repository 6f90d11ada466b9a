import { can, policyNames, PolicyName } from '../src/policies';
import { PermissionLevel, Principal } from '../src/principal';

const principal = (budget: PermissionLevel, erpIntegrations: PermissionLevel, privileges: string[] = []): Principal => ({
  userId: 'u1',
  name: 'Pat',
  email: 'pat@example.com',
  companyId: 'c1',
  perms: { budget, erpIntegrations },
  privileges,
});

type Row = [PolicyName, PermissionLevel, PermissionLevel, string[], boolean];

const table: Row[] = [
  ['budget.read', 'none', 'admin', [], false],
  ['budget.read', 'read_only', 'none', [], true],
  ['budget.read', 'admin', 'none', [], true],
  ['budget.edit', 'read_only', 'none', [], false],
  ['budget.edit', 'standard', 'none', [], true],
  ['budget.edit', 'admin', 'none', [], true],
  ['budget.lock', 'admin', 'none', [], true],
  ['budget.lock', 'standard', 'none', [], false],
  ['budget.lock', 'standard', 'none', ['lock_budget'], true],
  ['budget.lock', 'read_only', 'none', ['lock_budget'], false],
  ['budget.lock', 'standard', 'none', ['send_and_retrieve_budgets'], false],
  ['budget.sendRetrieve', 'admin', 'none', [], true],
  ['budget.sendRetrieve', 'standard', 'none', [], false],
  ['budget.sendRetrieve', 'standard', 'none', ['send_and_retrieve_budgets'], true],
  ['budget.sendRetrieve', 'read_only', 'none', ['send_and_retrieve_budgets'], false],
  ['budget.sendRetrieve', 'standard', 'none', ['lock_budget'], false],
  ['erp.read', 'admin', 'none', [], false],
  ['erp.read', 'none', 'read_only', [], true],
  ['erp.manage', 'none', 'read_only', [], false],
  ['erp.manage', 'none', 'standard', [], true],
  ['erp.manage', 'none', 'admin', [], true],
  ['erp.approve', 'none', 'admin', [], false],
  ['erp.approve', 'none', 'standard', [], false],
  ['erp.approve', 'none', 'standard', ['can_push_to_accounting'], true],
  ['erp.approve', 'none', 'admin', ['can_push_to_accounting'], true],
  ['erp.approve', 'admin', 'read_only', ['can_push_to_accounting'], false],
];

describe('named permission policies', () => {
  it.each(table)('%s with budget=%s erp=%s privileges=%j is %s', (policy, budget, erp, privileges, expected) => {
    expect(can(principal(budget, erp, privileges), policy)).toBe(expected);
  });

  it('when a principal has no permissions at all, every policy refuses', () => {
    expect(policyNames.filter((policy) => can(principal('none', 'none'), policy))).toEqual([]);
  });

  it('when a principal is admin in both tools without privileges, every policy but erp.approve allows', () => {
    expect(policyNames.filter((policy) => !can(principal('admin', 'admin'), policy))).toEqual(['erp.approve']);
  });
});
