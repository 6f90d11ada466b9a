import { type ExportFact, evolve, needsAnApprover, newPendingExport } from './pending-export';

const sam = { userId: 'u-sam', name: 'Sam Sender', email: 'sam@example.test' };
const bob = { userId: 'u-bob', name: 'Bob Approver', email: 'bob@example.test' };
const at = '2026-11-23T10:00:00.000Z';
const facts: Record<ExportFact['type'], ExportFact> = {
  sent: { type: 'sent', at, budgetName: 'Tower A', erpSystem: 'cmic', jobNumber: 'J-1', total: '10.00', sentBy: sam },
  accepted: { type: 'accepted', at, budgetName: 'Tower A', erpSystem: 'cmic', jobNumber: 'J-1', total: '10.00', acceptedBy: bob, sentBy: sam },
  failed: { type: 'failed', at, erpSystem: 'cmic', jobNumber: 'J-1', reasonCode: 'erp_unavailable', message: 'CMiC is down' },
  timed_out: { type: 'timed_out', at, message: 'no answer from the ERP in time' },
  retrieved: { type: 'retrieved', at },
  rejected: { type: 'rejected', at },
  succeeded: { type: 'succeeded', at },
  posted: { type: 'posted', at },
};

const replay = (...types: Array<ExportFact['type']>) =>
  types.reduce((state, type) => evolve(state, facts[type]), newPendingExport('x-1', 'co-1', 'b-1'));

describe('pending exports', () => {
  it.each([
    [['sent'], 'awaiting_acceptance', true],
    [['sent', 'retrieved'], 'closed', false],
    [['sent', 'accepted'], 'exporting', false],
    [['sent', 'accepted', 'failed'], 'failed_to_export', true],
    [['sent', 'accepted', 'timed_out'], 'failed_to_export', true],
    [['sent', 'accepted', 'failed', 'rejected'], 'closed', false],
    [['sent', 'rejected'], 'closed', false],
    [['sent', 'accepted', 'succeeded'], 'closed', false],
    [['sent', 'accepted', 'succeeded', 'posted'], 'closed', false],
  ] as Array<[Array<ExportFact['type']>, string, boolean]>)('after %j the export is %s (needs an approver: %s)', (types, stage, pending) => {
    const state = replay(...types);

    expect(state.stage).toBe(stage);
    expect(needsAnApprover(state)).toBe(pending);
  });

  it.each([
    [['rejected', 'sent'], 'closed'],
    [['accepted', 'sent'], 'exporting'],
    [['failed', 'accepted', 'sent'], 'failed_to_export'],
    [['retrieved', 'sent'], 'closed'],
  ] as Array<[Array<ExportFact['type']>, string]>)('when events arrive out of order (%j), a late earlier step never moves the export back: %s', (types, stage) => {
    expect(replay(...types).stage).toBe(stage);
  });

  it('keeps what the sent event told even when it arrives last', () => {
    const state = replay('failed', 'sent');

    expect(state).toMatchObject({
      budgetName: 'Tower A',
      jobNumber: 'J-1',
      total: '10.00',
      sentBy: sam,
      failure: { reasonCode: 'erp_unavailable', message: 'CMiC is down' },
    });
  });
});
