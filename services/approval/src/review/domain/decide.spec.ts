import { type ReviewFact, emptyReview, evolveAll } from './budget-review';
import { type ReviewCommand, decide } from './decide';
import { accepted, alex, at, failed, posted, ready, rejected, retrieved, sam, sent, summary, succeeded, timedOut } from './fixtures';
import { nextRevisionNumber, resolveRevisionFields, todayIn } from './revision-fields';

const given = (facts: ReviewFact[]) => evolveAll(emptyReview('b1', 'c1', 'p1'), facts);
const accept = (overrides: Partial<Extract<ReviewCommand, { type: 'accept' }>> = {}): ReviewCommand => ({
  type: 'accept',
  by: sam,
  at: at(30),
  description: null,
  revision: undefined,
  defaults: { today: '2026-11-23', nextNumber: 4 },
  ...overrides,
});
const reject = (reason = 'cost codes are wrong'): ReviewCommand => ({ type: 'reject', by: sam, at: at(30), reason });

describe('accepting and rejecting a sent budget', () => {
  it.each<[string, ReviewFact[], ReviewCommand, string]>([
    ['nothing was sent', [], accept(), 'APPROVAL.NOT_SENT'],
    ['the send was retrieved', [...ready('e1', 1), retrieved('e1', 2)], accept(), 'APPROVAL.SEND_RETRIEVED'],
    ['the send was retrieved (reject)', [...ready('e1', 1), retrieved('e1', 2)], reject(), 'APPROVAL.SEND_RETRIEVED'],
    ['it was accepted already', [...ready('e1', 1), accepted('e1', 2)], accept(), 'APPROVAL.ALREADY_ACCEPTED'],
    ['it was accepted and is exporting (reject)', [...ready('e1', 1), accepted('e1', 2)], reject(), 'APPROVAL.ALREADY_ACCEPTED'],
    ['it was rejected already', [...ready('e1', 1), rejected('e1', 2)], accept(), 'APPROVAL.ALREADY_REJECTED'],
    ['it was rejected already (reject)', [...ready('e1', 1), rejected('e1', 2)], reject(), 'APPROVAL.ALREADY_REJECTED'],
    ['the export failed (accept again)', [...ready('e1', 1), accepted('e1', 2), failed('e1', 3)], accept(), 'APPROVAL.ALREADY_ACCEPTED'],
    ['it timed out and then landed (reject)', [...ready('e1', 1), accepted('e1', 2), timedOut('e1', 3), succeeded('e1', 4)], reject(), 'APPROVAL.ALREADY_ACCEPTED'],
    ['it is synced (reject)', [...ready('e1', 1), accepted('e1', 2), succeeded('e1', 3), posted('e1', 4)], reject(), 'APPROVAL.ALREADY_ACCEPTED'],
    ['the reason is blank', [...ready('e1', 1)], reject('   '), 'APPROVAL.REASON_REQUIRED'],
    ['its lines are still arriving', [sent('e1', 1)], accept(), 'APPROVAL.LINES_NOT_READY'],
    ['its lines are still arriving (reject)', [sent('e1', 1)], reject(), 'APPROVAL.LINES_NOT_READY'],
  ])('when %s, refuses with %s', (_, facts, command, code) => {
    const result = decide(given(facts), command);
    expect(result).toEqual({ ok: false, error: { code, message: expect.any(String) } });
  });

  it('when a second approver accepts, the refusal names who accepted and when', () => {
    const result = decide(given([...ready('e1', 1), accepted('e1', 2, alex)]), accept());
    expect(result.ok === false && result.error.message).toBe('the budget was already accepted by Alex Approver at 2026-11-23 09:02:00 UTC');
  });

  it('when an original budget is accepted with revision fields, they are ignored', () => {
    const result = decide(given([...ready('e1', 1)]), accept({ revision: { number: 9 }, description: ' first export ' }));
    expect(result).toEqual({
      ok: true,
      events: [{ type: 'accepted', exportId: 'e1', at: at(30), by: sam, description: 'first export', revision: null }],
    });
  });

  it('when a revision is accepted without fields, every field takes its default', () => {
    const result = decide(given([...ready('e1', 1, summary({ kind: 'revision' }))]), accept());
    expect(result.ok && result.events[0]).toMatchObject({
      revision: { type: 'scope_change', date: '2026-11-23', number: 4, status: 'pending', approvedBy: 'Sam Second' },
    });
  });

  it('when a revision is accepted with fields, they are kept and the missing ones defaulted', () => {
    const result = decide(
      given([...ready('e1', 1, summary({ kind: 'revision' }))]),
      accept({ revision: { type: 'contingency', number: 12, approvedBy: 'Controller' } }),
    );
    expect(result.ok && result.events[0]).toMatchObject({
      revision: { type: 'contingency', date: '2026-11-23', number: 12, status: 'pending', approvedBy: 'Controller' },
    });
  });

  it.each<[string, ReviewFact[]]>([
    ['awaiting acceptance', [...ready('e1', 1)]],
    ['failed to export', [...ready('e1', 1), accepted('e1', 2), failed('e1', 3)]],
    ['timed out while exporting', [...ready('e1', 1), accepted('e1', 2), timedOut('e1', 3)]],
  ])('when the budget is %s, a rejection with a reason is recorded against the current send', (_, facts) => {
    const result = decide(given([...facts]), reject(' wrong job '));
    expect(result).toEqual({ ok: true, events: [{ type: 'rejected', exportId: 'e1', at: at(30), by: sam, reason: 'wrong job' }] });
  });

  it('when an older send was accepted and a newer one awaits, the newer one can be accepted', () => {
    const result = decide(given([...ready('e1', 1), accepted('e1', 2), posted('e1', 3), ...ready('e2', 4)]), accept());
    expect(result.ok && result.events[0].exportId).toBe('e2');
  });
});

describe('revision field defaults', () => {
  it('when the approver has no display name, approved-by defaults to their email', () => {
    const nameless = { userId: 'u-x', name: '', email: 'x@example.com' };
    const result = decide(evolveAll(emptyReview('b1', 'c1', 'p1'), [...ready('e1', 1, summary({ kind: 'revision' }))]), accept({ by: nameless }));
    expect(result.ok && result.events[0]).toMatchObject({ revision: { approvedBy: 'x@example.com' } });
  });

  it.each<[string | null, string, string]>([
    [null, '2026-11-24T02:30:00Z', '2026-11-24'],
    ['America/Los_Angeles', '2026-11-24T02:30:00Z', '2026-11-23'],
    ['Australia/Sydney', '2026-11-23T14:00:00Z', '2026-11-24'],
    ['Not/AZone', '2026-11-24T02:30:00Z', '2026-11-24'],
  ])('in time zone %s at %s, today is %s', (zone, now, today) => {
    expect(todayIn(zone, new Date(now))).toBe(today);
  });

  it('numbers revisions after the highest one the job used', () => {
    expect(nextRevisionNumber(null)).toBe(1);
    expect(nextRevisionNumber(7)).toBe(8);
  });

  it('gives a blank approved-by the approver name', () => {
    const fields = resolveRevisionFields('revision', { approvedBy: '  ' }, { today: '2026-01-01', nextNumber: 1, approverName: 'Sam' });
    expect(fields?.approvedBy).toBe('Sam');
  });
});
