import { type ReviewFact, emptyReview, evolveAll } from './budget-review';
import { accepted, at, failed, line, pat, posted, sent, snapshot, succeeded } from './fixtures';
import { reviewView, totalAfterReimport } from './review-view';

const given = (facts: ReviewFact[]) => evolveAll(emptyReview('b1', 'c1', 'p1'), facts);

const revision = snapshot({
  kind: 'revision',
  lines: [line('l1', '01-100', '1200.00', '1000.00'), line('l3', '03-300', '75.25')],
  total: '1275.25',
  syncedTotal: '1000.00',
});

describe('review of a budget', () => {
  it('for an original export, shows each line as original with no changes', () => {
    const view = reviewView(given([sent('e1', 1)]));
    expect(view).toMatchObject({
      kind: 'original',
      erpStatus: 'awaiting_acceptance',
      totals: { original: '1250.50', changes: '0.00', revised: '1250.50' },
      failure: null,
    });
    expect(view.lines[1]).toEqual({
      lineId: 'l2',
      costCode: '02-200',
      costType: 'labor',
      subJob: null,
      description: '02-200 work',
      original: '250.50',
      changes: '0.00',
      revised: '250.50',
    });
    expect(view.diff.map((d) => d.change)).toEqual(['added', 'added']);
  });

  it('for a revision, shows original, changes and revised amounts and the line diff against the last sync', () => {
    const view = reviewView(given([sent('e1', 1), accepted('e1', 2), succeeded('e1', 3), posted('e1', 4), sent('e2', 5, revision)]));
    expect(view.totals).toEqual({ original: '1000.00', changes: '275.25', revised: '1275.25' });
    expect(view.lines[0]).toMatchObject({ original: '1000.00', changes: '200.00', revised: '1200.00' });
    expect(view.diff).toEqual([
      expect.objectContaining({ change: 'changed', lineId: 'l1', syncedAmount: '1000.00', amount: '1200.00', difference: '200.00' }),
      expect.objectContaining({ change: 'added', lineId: 'l3', syncedAmount: null, amount: '75.25', difference: '75.25' }),
      expect.objectContaining({ change: 'removed', lineId: 'l2', syncedAmount: '250.50', amount: null, difference: '-250.50' }),
    ]);
  });

  it('when the export failed, shows the reason', () => {
    const view = reviewView(given([sent('e1', 1), accepted('e1', 2), failed('e1', 3)]));
    expect(view.failure).toEqual({ reasonCode: 'erp_unavailable', message: 'CMiC did not answer', failedAt: at(3) });
    expect(view.decision).toMatchObject({ decision: 'accepted', by: { name: 'Alex Approver' }, at: at(2) });
  });

  it('for a synced platform budget, offers no re-import figures', () => {
    expect(reviewView(given([sent('e1', 1), posted('e1', 2)])).reimport).toBeNull();
  });

  it('for a synced ERP-origin budget changed in the ERP, shows ERP, platform and after-re-import totals', () => {
    const erpOrigin = snapshot({ origin: 'erp', lines: [line('l1', '01-100', '1000.00'), line('l2', '02-200', '500.00')], total: '1500.00' });
    const view = reviewView(
      given([
        sent('e1', 1, erpOrigin),
        posted('e1', 2, '1500.00'),
        { type: 'import_requested', importId: 'i1', at: at(3), by: pat },
        {
          type: 'imported',
          importId: 'i1',
          at: at(4),
          total: '1300.00',
          lines: [
            { costCode: '01-100', costType: 'labor', subJob: null, description: null, amount: '1300.00' },
          ],
        },
        sent('e2', 5, snapshot({ origin: 'erp', kind: 'revision', lines: [line('l1', '01-100', '1300.00', '1300.00'), line('l2', '02-200', '500.00')], total: '1800.00' })),
        posted('e2', 6, '1800.00'),
      ]),
    );
    expect(view.reimport).toEqual({ erpTotal: '1800.00', platformTotal: '1800.00', platformTotalAfterReimport: '1800.00' });
  });

  it('after a re-import of an ERP-origin budget, the figures come from the ERP', () => {
    const erpOrigin = snapshot({ origin: 'erp', lines: [line('l1', '01-100', '1000.00'), line('l2', '02-200', '500.00')], total: '1500.00' });
    const view = reviewView(
      given([
        sent('e1', 1, erpOrigin),
        posted('e1', 2),
        {
          type: 'imported',
          importId: 'i1',
          at: at(4),
          total: '1100.00',
          lines: [{ costCode: '01-100', costType: 'labor', subJob: null, description: null, amount: '1100.00' }],
        },
      ]),
    );
    expect(view.reimport).toEqual({ erpTotal: '1100.00', platformTotal: '1600.00', platformTotalAfterReimport: '1600.00' });
  });
});

describe('platform total after a re-import', () => {
  it.each<[string, string]>([
    ['matching lines take the ERP amount, platform-only lines stay, ERP-only lines are added', '1575.00'],
  ])('%s', (_, expected) => {
    const platform = [
      { costCode: 'A', costType: null, subJob: null, amount: '100.00' },
      { costCode: 'B', costType: null, subJob: null, amount: '50.00' },
    ];
    const erp = [
      { costCode: 'A', costType: null, subJob: null, description: null, amount: '1000.00' },
      { costCode: 'C', costType: null, subJob: null, description: null, amount: '525.00' },
    ];
    expect(totalAfterReimport(platform, erp)).toBe(expected);
  });
});
