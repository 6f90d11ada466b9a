import { type TrackedExport, newTrackedExport } from './tracked-export';
import { type Approver, planDailySummaries, summaryDayDue, summaryDedupeKey } from './daily-summary';

const bob = { userId: 'u-bob', name: 'Bob Approver', email: 'bob@example.test' };
const eve = { userId: 'u-eve', name: 'Eve Approver', email: 'eve@example.test' };
const zed = { userId: 'u-zed', name: 'Zed Other', email: 'zed@example.test' };

const sam = { userId: 'u-sam', name: 'Sam Sender', email: 'sam@example.test' };
const awaiting: TrackedExport = {
  ...newTrackedExport('x-1', 'co-1', 'b-1'),
  facts: ['sent'],
  sent: {
    eventId: 'e-1',
    at: '2026-11-22T09:00:00.000Z',
    budgetName: 'Tower <A>',
    erpSystem: 'cmic',
    jobNumber: 'J-1',
    total: '1500.00',
    sentBy: sam,
    createdBy: sam,
  },
};
const failed: TrackedExport = {
  ...newTrackedExport('x-2', 'co-1', 'b-2'),
  facts: ['sent', 'accepted', 'failed'],
  sent: {
    eventId: 'e-2',
    at: '2026-11-21T09:00:00.000Z',
    budgetName: 'Garage',
    erpSystem: 'quickbooks',
    jobNumber: 'Q-2',
    total: '20.00',
    sentBy: sam,
    createdBy: sam,
  },
  failure: {
    eventId: 'e-3',
    at: '2026-11-21T10:00:00.000Z',
    source: 'failed',
    reasonCode: 'estimates_disabled',
    message: 'Estimates are turned off in QuickBooks Online',
    erpSystem: 'quickbooks',
    jobNumber: 'Q-2',
    sentBy: sam,
    acceptedBy: bob,
  },
};

describe('daily summary schedule', () => {
  const schedule = { sendHour: 7, timeZone: 'UTC' };

  it.each([
    ['2026-11-23T06:59:59.000Z', null],
    ['2026-11-23T07:00:00.000Z', '2026-11-23'],
    ['2026-11-23T23:59:00.000Z', '2026-11-23'],
    ['2026-11-24T00:10:00.000Z', null],
  ])('at %s the summary due is for %s', (now, day) => {
    expect(summaryDayDue(new Date(now), schedule)).toBe(day);
  });

  it('counts the day and the hour in the configured time zone', () => {
    const newYork = { sendHour: 7, timeZone: 'America/New_York' };

    expect(summaryDayDue(new Date('2026-11-23T11:59:00.000Z'), newYork)).toBeNull();
    expect(summaryDayDue(new Date('2026-11-23T12:00:00.000Z'), newYork)).toBe('2026-11-23');
    expect(summaryDayDue(new Date('2026-11-24T03:00:00.000Z'), newYork)).toBe('2026-11-23');
  });
});

describe('planning daily summaries', () => {
  const approvers: Approver[] = [
    { companyId: 'co-1', person: bob, dailySummary: true },
    { companyId: 'co-1', person: eve, dailySummary: false },
    { companyId: 'co-2', person: zed, dailySummary: true },
  ];
  const pendingByCompany = new Map([['co-1', [awaiting, failed]]]);

  it('sends one summary to each approver with pending items who did not opt out', () => {
    const planned = planDailySummaries({ day: '2026-11-23', approvers, pendingByCompany, alreadySent: new Set() });

    expect(planned.map((p) => p.recipient.userId)).toEqual(['u-bob']);
    expect(planned[0]).toMatchObject({
      kind: 'daily_summary',
      companyId: 'co-1',
      dedupeKey: 'daily_summary:co-1:u-bob:2026-11-23',
      email: true,
    });
  });

  it('when the day\'s summary was already sent, plans nothing more for that approver', () => {
    const alreadySent = new Set([summaryDedupeKey('co-1', 'u-bob', '2026-11-23')]);

    expect(planDailySummaries({ day: '2026-11-23', approvers, pendingByCompany, alreadySent })).toEqual([]);
    expect(planDailySummaries({ day: '2026-11-24', approvers, pendingByCompany, alreadySent })).toHaveLength(1);
  });

  it('lists awaiting and failed items, oldest first, escaped in the HTML', () => {
    const { message } = planDailySummaries({ day: '2026-11-23', approvers, pendingByCompany, alreadySent: new Set() })[0]!;

    expect(message.subject).toBe('ERP Integrations Daily Summary');
    expect(message.text).toContain('Your ERP Integrations items for 2026-11-23: 1 awaiting acceptance, 1 failed to export.');
    expect(message.text).toContain('- "Tower <A>" — CMiC, job J-1 — total 1,500.00: awaiting acceptance, sent by Sam Sender on 2026-11-22');
    expect(message.text).toContain(
      'Failed to Export:\n- "Garage" — QuickBooks Online, job Q-2 — total 20.00: failed to export (estimates_disabled): Estimates are turned off in QuickBooks Online',
    );
    expect(message.html).toContain('&quot;Tower &lt;A&gt;&quot;');
    expect(message.html).not.toContain('<A>');
  });
});
