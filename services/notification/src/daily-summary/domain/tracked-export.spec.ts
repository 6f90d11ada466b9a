import { exportStatusOf } from '@budget-erp/contracts';
import { type Fact, ana, heard, sam } from '../../../test/support/heard-facts';
import {
  type TrackedExport,
  aLaterSendSupersedesAnEarlierOne,
  evolve,
  needsAnApprover,
  newTrackedExport,
  statusOf,
} from './tracked-export';

const replay = (...facts: Fact[]): TrackedExport => facts.reduce((state, fact) => evolve(state, heard[fact]), newTrackedExport('x-1', 'co-1', 'b-1'));

describe('tracked exports', () => {
  it.each([
    [['sent'], 'awaiting_acceptance', true],
    [['sent', 'retrieved'], 'retrieved', false],
    [['sent', 'accepted'], 'exporting', false],
    [['sent', 'accepted', 'failed'], 'failed_to_export', true],
    [['sent', 'accepted', 'timed_out'], 'failed_to_export', true],
    [['sent', 'accepted', 'failed', 'rejected'], 'rejected', false],
    [['sent', 'rejected', 'superseded'], 'superseded', false],
    [['sent', 'accepted', 'succeeded'], 'awaiting_posting', false],
    [['sent', 'accepted', 'timed_out', 'superseded', 'succeeded'], 'awaiting_posting', false],
    [['sent', 'accepted', 'succeeded', 'posted'], 'synced', false],
  ] as Array<[Fact[], string, boolean]>)('after %j the export is %s (needs an approver: %s)', (facts, status, pending) => {
    const state = replay(...facts);

    expect(statusOf(state)).toBe(status);
    expect(statusOf(state)).toBe(exportStatusOf(facts).status);
    expect(needsAnApprover(state)).toBe(pending);
  });

  it('when the same facts arrive in another order or twice, keeps the same export', () => {
    const inOrder = replay('sent', 'accepted', 'timed_out', 'rejected');
    const shuffled = replay('rejected', 'timed_out', 'rejected', 'sent', 'accepted', 'sent');

    expect(shuffled).toEqual(inOrder);
  });

  it('keeps what the sent event told even when it arrives last', () => {
    const state = replay('failed', 'sent');

    expect(state.sent).toMatchObject({ budgetName: 'Tower A', jobNumber: 'J-1', total: '10.00', sentBy: sam, createdBy: ana });
    expect(state.failure).toMatchObject({ reasonCode: 'erp_unavailable', message: 'CMiC is down' });
  });

  it.each([
    [['timed_out', 'failed']],
    [['failed', 'timed_out']],
  ] as Array<[Fact[]]>)('when both the saga’s timeout and the connector’s failure are heard (%j), keeps the connector’s reason', (facts) => {
    expect(replay('sent', 'accepted', ...facts).failure).toMatchObject({ source: 'failed', reasonCode: 'erp_unavailable' });
  });
});

describe('which send of a budget supersedes which', () => {
  it.each([
    [{ exportId: 'x-1', sentAt: '2026-11-23T10:00:00.000Z' }, { exportId: 'x-0', sentAt: '2026-11-23T10:00:00.001Z' }, true],
    [{ exportId: 'x-1', sentAt: '2026-11-23T10:00:01.000Z' }, { exportId: 'x-0', sentAt: '2026-11-23T10:00:00.000Z' }, false],
    [{ exportId: 'x-1', sentAt: '2026-11-23T10:00:00.000Z' }, { exportId: 'x-2', sentAt: '2026-11-23T10:00:00.000Z' }, true],
    [{ exportId: 'x-2', sentAt: '2026-11-23T10:00:00.000Z' }, { exportId: 'x-1', sentAt: '2026-11-23T10:00:00.000Z' }, false],
    [{ exportId: 'x-1', sentAt: '2026-11-23T10:00:00.000Z' }, { exportId: 'x-1', sentAt: '2026-11-23T10:00:00.000Z' }, false],
  ])('%j is superseded by %j: %s', (earlier, later, superseded) => {
    expect(aLaterSendSupersedesAnEarlierOne(earlier, later)).toBe(superseded);
  });
});
