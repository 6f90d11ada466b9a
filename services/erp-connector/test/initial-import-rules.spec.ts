import { initialImportRefusal, type KnownExportOfBudget } from '../src/imports/domain/initial-import-rules';

const exportOf = (status: string, projectId = 'p-1'): KnownExportOfBudget => ({ projectId, erpName: 'CMiC', jobNumber: 'J-1', status });

describe('an initial import that names a budget, as far as the connector knows it', () => {
  it.each([
    ['a budget the connector never exported', [], null],
    ['a budget whose only export failed', [exportOf('failed')], null],
  ])('goes ahead for %s', (_what, exports, expected) => {
    expect(initialImportRefusal('b-1', 'p-1', exports)).toEqual(expected);
  });

  it.each([
    ['another project’s budget', [exportOf('failed', 'p-2')], 'not_found', 'BUDGET.NOT_FOUND'],
    ['another project’s budget, even one exported', [exportOf('posted', 'p-2')], 'not_found', 'BUDGET.NOT_FOUND'],
    ['a budget whose export landed and awaits posting', [exportOf('succeeded')], 'conflict', 'IMPORT.BUDGET_ALREADY_EXPORTED'],
    ['a budget whose export is posted', [exportOf('failed'), exportOf('posted')], 'conflict', 'IMPORT.BUDGET_ALREADY_EXPORTED'],
    ['a budget whose export is still being attempted', [exportOf('attempting')], 'conflict', 'IMPORT.EXPORT_IN_PROGRESS'],
    ['a budget whose export is recorded but not yet attempted', [exportOf('requested')], 'conflict', 'IMPORT.EXPORT_IN_PROGRESS'],
  ])('refuses %s as %s %s', (_what, exports, kind, code) => {
    expect(initialImportRefusal('b-1', 'p-1', exports)).toMatchObject({ kind, code, message: expect.stringContaining('b-1') });
  });
});
