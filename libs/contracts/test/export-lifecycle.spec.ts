import { EXPORT_FACTS, exportFactOrderings, exportStatusOf, mayAttemptExport, withFact, type ExportFact } from '../src';

describe('exportStatusOf', () => {
  it.each<[ExportFact[], string, boolean]>([
    [['sent'], 'awaiting_acceptance', false],
    [['sent', 'accepted'], 'exporting', false],
    [['sent', 'accepted', 'failed'], 'failed_to_export', false],
    [['sent', 'accepted', 'timed_out'], 'failed_to_export', false],
    [['sent', 'accepted', 'failed', 'rejected'], 'rejected', false],
    [['sent', 'retrieved'], 'retrieved', false],
    [['sent', 'accepted', 'succeeded'], 'awaiting_posting', false],
    [['sent', 'accepted', 'succeeded', 'posted'], 'synced', false],
    [['sent', 'accepted', 'timed_out', 'rejected', 'superseded'], 'superseded', false],
    // The ERP's facts win: a success after a reject is what the ERP holds.
    [['sent', 'accepted', 'timed_out', 'rejected', 'succeeded'], 'awaiting_posting', true],
    [['sent', 'accepted', 'timed_out', 'rejected', 'superseded', 'succeeded', 'posted'], 'synced', true],
    // The next revision's send follows a posted export as a matter of course: nothing landed late.
    [['sent', 'accepted', 'succeeded', 'posted', 'superseded'], 'synced', false],
    // The ERP lost it after it succeeded (its record is missing or someone else's): not a posting.
    [['sent', 'accepted', 'succeeded', 'lost'], 'failed_to_export', false],
    [['sent', 'accepted', 'succeeded', 'lost', 'rejected'], 'rejected', false],
  ])('facts %j give %s (landed after given up: %s)', (facts, status, landedAfterGivenUp) => {
    expect(exportStatusOf(facts)).toEqual({ status, landedAfterGivenUp });
  });

  it('gives the same status for every ordering and duplication of the realistic fact sets', () => {
    const cases = exportFactOrderings();
    expect(cases.length).toBeGreaterThan(300);
    for (const testCase of cases) expect(exportStatusOf(testCase.facts)).toEqual(testCase.expected);
  });
});

describe('mayAttemptExport', () => {
  it('allows an accepted export nothing has settled or superseded', () => {
    expect(mayAttemptExport(['sent', 'accepted'])).toBe(true);
    expect(mayAttemptExport(['accepted'])).toBe(true);
  });

  it.each<ExportFact>(['retrieved', 'rejected', 'timed_out', 'superseded', 'succeeded', 'failed', 'posted', 'lost'])(
    'refuses an accepted export once it is %s',
    (fact) => {
      expect(mayAttemptExport(['sent', 'accepted', fact])).toBe(false);
    },
  );

  it('refuses an export that was never accepted', () => {
    expect(mayAttemptExport(['sent'])).toBe(false);
  });
});

describe('withFact', () => {
  it('keeps a stored fact list sorted and free of duplicates, whatever the arrival order', () => {
    const a = (['posted', 'sent', 'accepted', 'sent'] as ExportFact[]).reduce(withFact, []);
    const b = (['accepted', 'posted', 'sent'] as ExportFact[]).reduce(withFact, []);
    expect(a).toEqual(b);
    expect(a).toEqual(EXPORT_FACTS.filter((f) => ['sent', 'accepted', 'posted'].includes(f)));
  });
});
