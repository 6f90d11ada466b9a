import { type ErpLine, type ReviewFact, type SnapshotLine, emptyReview, evolveAll } from './budget-review';
import { accepted, at, failed, line, pat, posted, ready, rejected, sent, succeeded, summary, timedOut } from './fixtures';
import { type LoadedLines, linesTheViewReads, removedLine, reviewLine, reviewView, totalAfterReimport } from './review-view';

const given = (facts: ReviewFact[]) => evolveAll(emptyReview('b1', 'c1', 'p1'), facts);
const noLines: LoadedLines = { sends: new Map(), imports: new Map() };
const loaded = (sends: Record<string, SnapshotLine[]>, imports: Record<string, ErpLine[]> = {}): LoadedLines => ({
  sends: new Map(Object.entries(sends)),
  imports: new Map(Object.entries(imports)),
});

const revision = summary({ kind: 'revision', total: '1275.25', syncedTotal: '1000.00' });

describe('review of a budget', () => {
  it('for an original export, totals the summary as original with no changes, and needs no lines', () => {
    const view = reviewView(given([...ready('e1', 1)]), noLines);
    expect(view).toMatchObject({
      kind: 'original',
      erpStatus: 'awaiting_acceptance',
      exportStatus: 'awaiting_acceptance',
      lineCount: 2,
      linesReady: true,
      totals: { original: '1250.50', changes: '0.00', revised: '1250.50' },
      failure: null,
      landedAfterGivenUp: [],
    });
  });

  it('for a revision, totals what the ERP holds, the changes and the revised amounts from the summary', () => {
    const view = reviewView(given([...ready('e1', 1), accepted('e1', 2), succeeded('e1', 3), posted('e1', 4), ...ready('e2', 5, revision)]), noLines);
    expect(view.totals).toEqual({ original: '1000.00', changes: '275.25', revised: '1275.25' });
  });

  it('for an export the ERP lost after it succeeded, names the failure and its reason', () => {
    const lost = { ...(failed('e1', 4) as Extract<ReviewFact, { type: 'export_failed' }>), reasonCode: 'erp_record_missing', message: 'CMiC has no budget batch CMB000001' };
    const view = reviewView(given([...ready('e1', 1), accepted('e1', 2), succeeded('e1', 3), lost]), noLines);
    expect(view.erpStatus).toBe('failed_to_export');
    expect(view.failure).toEqual({ reasonCode: 'erp_record_missing', message: 'CMiC has no budget batch CMB000001', failedAt: at(4) });
  });

  it('while the lines of the latest send are still arriving, says they are not ready', () => {
    expect(reviewView(given([sent('e1', 1)]), noLines)).toMatchObject({ linesReady: false, lineCount: 2, erpStatus: 'awaiting_acceptance' });
  });

  it.each<[string, ReviewFact[], string]>([
    ['the export failed', [...ready('e1', 1), accepted('e1', 2), failed('e1', 3)], 'erp_unavailable'],
    ['the export timed out', [...ready('e1', 1), accepted('e1', 2), timedOut('e1', 3)], 'timeout'],
  ])('when %s, shows the reason', (_, facts, reasonCode) => {
    const view = reviewView(given(facts), noLines);
    expect(view.failure).toEqual({ reasonCode, message: expect.any(String), failedAt: at(3) });
    expect(view.decision).toMatchObject({ decision: 'accepted', by: { name: 'Alex Approver' }, at: at(2) });
  });

  it('when an export rejected after timing out lands, the approver is shown it although a newer send is current', () => {
    const view = reviewView(
      given([...ready('e1', 1), accepted('e1', 2), timedOut('e1', 3), rejected('e1', 4), ...ready('e2', 5), succeeded('e1', 6)]),
      noLines,
    );
    expect(view.exportId).toBe('e2');
    expect(view.landedAfterGivenUp).toEqual([
      {
        exportId: 'e1',
        sentAt: at(1),
        exportStatus: 'awaiting_posting',
        erpReference: 'B-e1',
        landedAt: at(6),
        givenUp: { rejected: true, retrieved: false, timedOut: true, superseded: true },
      },
    ]);
  });

  it('when a synced export is followed by a revision, it is not shown as landed after given up: a newer send alone is no reason', () => {
    const view = reviewView(given([...ready('e1', 1), accepted('e1', 2), succeeded('e1', 3), posted('e1', 4), ...ready('e2', 5, revision)]), noLines);
    expect(view.landedAfterGivenUp).toEqual([]);
  });

  it('for a synced platform budget, offers no re-import figures and reads no lines', () => {
    const state = given([...ready('e1', 1), posted('e1', 2)]);
    expect(linesTheViewReads(state)).toEqual({ sends: [], imports: [] });
    expect(reviewView(state, noLines).reimport).toBeNull();
  });

  it('for a synced ERP-origin budget changed in the ERP, shows ERP, platform and after-re-import totals', () => {
    const state = given([
      ...ready('e1', 1, summary({ origin: 'erp', total: '1500.00' })),
      posted('e1', 2, '1500.00'),
      { type: 'import_requested', importId: 'i1', at: at(3), by: pat },
      { type: 'imported', importId: 'i1', at: at(4), total: '1300.00', linesDigest: 'd1' },
      ...ready('e2', 5, summary({ origin: 'erp', kind: 'revision', total: '1800.00' })),
      posted('e2', 6, '1800.00'),
    ]);
    const view = reviewView(
      state,
      loaded(
        { e2: [line('l1', '01-100', '1300.00', '1300.00'), line('l2', '02-200', '500.00')] },
        { i1: [{ costCode: '01-100', costType: 'labor', subJob: null, description: null, amount: '1300.00' }] },
      ),
    );
    expect(linesTheViewReads(state)).toEqual({ sends: ['e2'], imports: ['i1'] });
    expect(view.reimport).toEqual({ erpTotal: '1800.00', platformTotal: '1800.00', platformTotalAfterReimport: '1800.00' });
  });

  it('after a re-import of an ERP-origin budget, the figures come from the ERP', () => {
    const state = given([
      ...ready('e1', 1, summary({ origin: 'erp', total: '1500.00' })),
      posted('e1', 2),
      { type: 'imported', importId: 'i1', at: at(4), total: '1100.00', linesDigest: 'd1' },
    ]);
    const view = reviewView(
      state,
      loaded(
        { e1: [line('l1', '01-100', '1000.00'), line('l2', '02-200', '500.00')] },
        { i1: [{ costCode: '01-100', costType: 'labor', subJob: null, description: null, amount: '1100.00' }] },
      ),
    );
    expect(view.reimport).toEqual({ erpTotal: '1100.00', platformTotal: '1600.00', platformTotalAfterReimport: '1600.00' });
  });

  it('when lines it needs were not loaded, fails instead of answering with none', () => {
    const state = given([...ready('e1', 1, summary({ origin: 'erp' })), posted('e1', 2)]);
    expect(() => reviewView(state, noLines)).toThrow('the lines of export e1 were not loaded');
  });
});

describe('a line of the review', () => {
  it.each<[string, SnapshotLine, 'original' | 'revision', object]>([
    ['a line of an original export', line('l1', '01-100', '250.50'), 'original', { change: 'added', original: '250.50', changes: '0.00', revised: '250.50', syncedAmount: null, difference: '250.50' }],
    ['a raised line of a revision', line('l1', '01-100', '1200.00', '1000.00'), 'revision', { change: 'changed', original: '1000.00', changes: '200.00', revised: '1200.00', syncedAmount: '1000.00', difference: '200.00' }],
    ['a new line of a revision', line('l3', '03-300', '75.25'), 'revision', { change: 'added', original: '0.00', changes: '75.25', revised: '75.25', syncedAmount: null, difference: '75.25' }],
    ['an unchanged line of a revision', line('l2', '02-200', '5.00', '5.00'), 'revision', { change: 'unchanged', original: '5.00', changes: '0.00', revised: '5.00', difference: '0.00' }],
  ])('for %s, shows its figures and its difference from the last sync', (_, l, kind, expected) => {
    expect(reviewLine(l, kind)).toMatchObject({ lineId: l.lineId, costCode: l.costCode, amount: l.amount, ...expected });
  });

  it('for a line the ERP holds that the send removes, shows it going to zero', () => {
    expect(removedLine(line('l2', '02-200', '250.50'))).toMatchObject({
      change: 'removed',
      lineId: 'l2',
      original: '250.50',
      changes: '-250.50',
      revised: '0.00',
      syncedAmount: '250.50',
      amount: null,
      difference: '-250.50',
    });
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
