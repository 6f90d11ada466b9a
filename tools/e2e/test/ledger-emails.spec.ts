import { EmailDeliveryRow, tallyEmails } from '../src/faults/ledger';

const delivery = (messageId: string, kind: string, to: string): EmailDeliveryRow => ({
  message_id: `<${messageId}>`,
  to_address: to,
  kind,
  sent_at: new Date('2026-12-06T04:00:00Z'),
  abandoned_at: null,
  attempts: 1,
  last_error: null,
  claimed_until: null,
});

describe("the fault matrix ledger's email count", () => {
  it('counts each delivery the sink received once as one email of its kind, with no resend or duplicate', () => {
    const tally = tallyEmails(
      [delivery('a@n', 'budget_accepted', 'pm@x'), delivery('b@n', 'erp_posted', 'pm@x')],
      new Map([
        ['a@n', 1],
        ['b@n', 1],
      ]),
    );
    expect(tally).toEqual({ byKind: { budget_accepted: 1, erp_posted: 1 }, resent: 0, duplicated: [], missing: [] });
  });

  it('counts a second copy under the same Message-ID as a resend, not as a second email or a duplicate', () => {
    const tally = tallyEmails([delivery('a@n', 'erp_posted', 'pm@x')], new Map([['a@n', 2]]));
    expect(tally.byKind).toEqual({ erp_posted: 1 });
    expect(tally.resent).toBe(1);
    expect(tally.duplicated).toEqual([]);
  });

  it('reports two different messages of one kind to one recipient as a duplicate', () => {
    const tally = tallyEmails(
      [delivery('a@n', 'erp_posted', 'pm@x'), delivery('b@n', 'erp_posted', 'pm@x')],
      new Map([
        ['a@n', 1],
        ['b@n', 1],
      ]),
    );
    expect(tally.duplicated).toEqual(['email erp_posted to pm@x sent as 2 different messages']);
    expect(tally.resent).toBe(0);
  });

  it('reports a delivery the sink never received as missing, with its state', () => {
    const tally = tallyEmails([{ ...delivery('a@n', 'budget_accepted', 'ap@x'), sent_at: null, attempts: 3, last_error: 'connection refused' }], new Map());
    expect(tally.missing).toEqual(['email budget_accepted to ap@x never reached the sink (pending, 3 attempts, last error connection refused)']);
    expect(tally.byKind).toEqual({ budget_accepted: 0 });
  });
});
