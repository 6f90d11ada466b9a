import { type ReviewFact, canonicalJson, emptyReview, erpStatusOf, evolve, evolveAll, listFilterOf } from './budget-review';
import { accepted, at, failed, pat, posted, rejected, retrieved, sent, snapshot, succeeded } from './fixtures';

const lostByTheErp = (exportId: string, minute: number): ReviewFact => ({
  ...(failed(exportId, minute) as Extract<ReviewFact, { type: 'export_failed' }>),
  reasonCode: 'erp_record_missing',
  message: 'CMiC has no budget batch CMB000001',
});

const given = (facts: ReviewFact[]) => evolveAll(emptyReview('b1', 'c1', 'p1'), facts);

function permutations<T>(items: T[]): T[][] {
  if (items.length <= 1) return [items];
  return items.flatMap((item, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]));
}

describe('budget review read model', () => {
  it.each<[string, ReviewFact[], string, string | null]>([
    ['nothing known', [], 'not_sent', null],
    ['sent', [sent('e1', 1)], 'awaiting_acceptance', 'ready_to_export'],
    ['sent then retrieved', [sent('e1', 1), retrieved('e1', 2)], 'not_sent', null],
    ['accepted', [sent('e1', 1), accepted('e1', 2)], 'exporting', null],
    ['rejected', [sent('e1', 1), rejected('e1', 2)], 'not_sent', null],
    ['export failed', [sent('e1', 1), accepted('e1', 2), failed('e1', 3)], 'failed_to_export', 'failed_to_export'],
    ['failed then rejected', [sent('e1', 1), accepted('e1', 2), failed('e1', 3), rejected('e1', 4)], 'not_sent', null],
    ['export succeeded', [sent('e1', 1), accepted('e1', 2), succeeded('e1', 3)], 'awaiting_posting', null],
    ['posted', [sent('e1', 1), accepted('e1', 2), succeeded('e1', 3), posted('e1', 4)], 'synced', 'synced'],
    ['succeeded, then the ERP lost it', [sent('e1', 1), accepted('e1', 2), succeeded('e1', 3), lostByTheErp('e1', 4)], 'failed_to_export', 'failed_to_export'],
    ['the ERP lost it, heard before the success', [sent('e1', 1), accepted('e1', 2), lostByTheErp('e1', 4), succeeded('e1', 3)], 'failed_to_export', 'failed_to_export'],
    ['the ERP lost it, then rejected', [sent('e1', 1), accepted('e1', 2), succeeded('e1', 3), lostByTheErp('e1', 4), rejected('e1', 5)], 'not_sent', null],
    [
      're-sent as a revision after sync',
      [sent('e1', 1), accepted('e1', 2), succeeded('e1', 3), posted('e1', 4), sent('e2', 5, snapshot({ kind: 'revision' }))],
      'awaiting_acceptance',
      'ready_to_export',
    ],
    ['re-sent after a retrieval', [sent('e1', 1), retrieved('e1', 2), sent('e2', 3)], 'awaiting_acceptance', 'ready_to_export'],
    [
      'an import asked for after sync',
      [sent('e1', 1, snapshot({ origin: 'erp' })), accepted('e1', 2), posted('e1', 3), { type: 'import_requested', importId: 'i1', at: at(4), by: pat }],
      'importing',
      'synced',
    ],
    [
      'a re-import that failed',
      [
        sent('e1', 1, snapshot({ origin: 'erp' })),
        posted('e1', 3),
        { type: 'import_requested', importId: 'i1', at: at(4), by: pat },
        { type: 'import_failed', importId: 'i1', at: at(5), reasonCode: 'erp_unavailable', message: 'down' },
      ],
      'synced',
      'synced',
    ],
  ])('when %s, the budget is %s and listed under %s', (_, facts, status, filter) => {
    const state = given(facts);
    expect(erpStatusOf(state)).toBe(status);
    expect(listFilterOf(erpStatusOf(state))).toBe(filter);
  });

  it('when the same facts arrive in any order and some twice, the state is the same', () => {
    const facts = [sent('e1', 1), accepted('e1', 2), failed('e1', 3), rejected('e1', 4), sent('e2', 5)];
    const expected = given(facts);
    for (const order of permutations(facts)) {
      expect(given([...order, ...order.slice(0, 2)])).toEqual(expected);
    }
    expect(erpStatusOf(expected)).toBe('awaiting_acceptance');
  });

  it('when a late event of an older send arrives, the newer send keeps its status', () => {
    const state = given([sent('e1', 1), sent('e2', 5), retrieved('e1', 2), posted('e1', 4)]);
    expect(erpStatusOf(state)).toBe('awaiting_acceptance');
  });

  it('when retrieval arrives before the send it withdraws, the send is not awaiting acceptance', () => {
    expect(erpStatusOf(given([retrieved('e1', 2), sent('e1', 1)]))).toBe('not_sent');
  });

  it('when two failures of one export carry the same time, the same one wins in either order, even when the stored one has its keys reordered', () => {
    const first = { type: 'export_failed' as const, exportId: 'e1', at: at(3), reasonCode: 'validation_rejected', message: 'Cost code 01-100 is closed' };
    const second = { ...first, reasonCode: 'erp_unavailable', message: 'ERP down' };
    // As it comes back from jsonb: keys ordered by length, not as the domain wrote them.
    const reloaded = (state: ReturnType<typeof given>) => {
      const failure = state.exports.e1.failed!;
      return { ...state, exports: { e1: { ...state.exports.e1, failed: { at: failure.at, message: failure.message, reasonCode: failure.reasonCode } } } };
    };

    const oneWay = evolve(reloaded(given([sent('e1', 1), first])), second);
    const otherWay = evolve(reloaded(given([sent('e1', 1), second])), first);

    expect(oneWay.exports.e1.failed!.reasonCode).toBe(otherWay.exports.e1.failed!.reasonCode);
  });

  it('canonical JSON sorts keys at every depth and leaves undefined members out', () => {
    expect(canonicalJson({ b: 1, a: [{ d: null, c: 'x' }], u: undefined })).toBe('{"a":[{"c":"x","d":null}],"b":1}');
  });

  it('when a send is redelivered with different content, the first one received stays', () => {
    const state = given([sent('e1', 1), sent('e1', 1, snapshot({ name: 'changed' }))]);
    expect(state.exports.e1.sent?.snapshot.name).toBe('Main budget');
  });
});
