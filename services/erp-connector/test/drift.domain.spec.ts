import { baselineAfterImport, baselineAfterPosting, decideDrift, differingLines, type BaselineLine } from '../src/drift/domain/drift';

const line = (costCode: string, amount: string, subJob: string | null = null): BaselineLine => ({ costCode, costType: null, subJob, description: null, amount });

describe('drift baseline and comparison', () => {
  it('a posted original sets its lines, a posted revision moves them as the ERPs apply it; a line moved to 0 leaves the baseline', () => {
    const original = baselineAfterPosting([], 'original', [line('01-100', '1000.00'), line('02-200', '250.05')]);
    const revised = baselineAfterPosting(original, 'revision', [line('01-100', '-250.00'), line('02-200', '-250.05'), line('03-300', '80.10')]);
    expect(revised.map((l) => [l.costCode, l.amount])).toEqual([
      ['01-100', '750.00'],
      ['03-300', '80.10'],
    ]);
  });

  it('an import keeps only the ERP lines above $0, summed by cost code, cost type and sub job', () => {
    expect(baselineAfterImport([line('01-100', '10.00'), line('01-100', '5.01'), line('02-200', '0.00'), line('01-100', '1.00', 'SJ1')]).map((l) => [l.costCode, l.subJob, l.amount])).toEqual([
      ['01-100', null, '15.01'],
      ['01-100', 'SJ1', '1.00'],
    ]);
  });

  it.each([
    ['the same amounts', [line('01-100', '10.00')], [line('01-100', '10.0')], []],
    ['a changed amount', [line('01-100', '10.00')], [line('01-100', '10.01')], [['01-100', '10.00', '10.01', '0.01']]],
    ['a line only in the ERP', [], [line('02-200', '0.05')], [['02-200', '0.00', '0.05', '0.05']]],
    ['a line only in the platform', [line('02-200', '7.00')], [], [['02-200', '7.00', '0.00', '-7.00']]],
    ['a $0 line in the ERP for a line the platform never synced', [], [line('02-200', '0.00')], []],
  ])('with %s, the differing lines are exactly these', (_, platform, erp, expected) => {
    expect(differingLines(platform, erp).map((l) => [l.costCode, l.platformAmount, l.erpAmount, l.difference])).toEqual(expected);
  });

  it('a difference begins a drift, the same one publishes nothing, another one goes on under the same id, and agreement resolves it', () => {
    const lines = differingLines([line('01-100', '1.00')], [line('01-100', '2.00')]);
    const begun = decideDrift({ status: 'in_sync' }, lines, () => 'd-1');
    expect(begun).toMatchObject({ publish: 'detected', next: { status: 'drifted', driftId: 'd-1' } });
    expect(decideDrift(begun.next, lines, () => 'd-2')).toMatchObject({ publish: null });
    const moved = decideDrift(begun.next, differingLines([line('01-100', '1.00')], [line('01-100', '3.00')]), () => 'd-2');
    expect(moved).toMatchObject({ publish: 'detected', next: { driftId: 'd-1' } });
    expect(decideDrift(moved.next, [], () => 'd-3')).toEqual({ publish: 'resolved', next: { status: 'in_sync' }, driftId: 'd-1' });
    expect(decideDrift({ status: 'in_sync' }, [], () => 'd-4')).toEqual({ publish: null, next: { status: 'in_sync' } });
  });
});
