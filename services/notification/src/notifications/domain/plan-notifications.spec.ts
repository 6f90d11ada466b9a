import type { NotifiableFact } from './notifiable-fact';
import { planNotifications } from './plan-notifications';

const ana = { userId: 'u-ana', name: 'Ana Project', email: 'ana@example.test' };
const bob = { userId: 'u-bob', name: 'Bob Approver', email: 'bob@example.test' };
const sam = { userId: 'u-sam', name: 'Sam Sender', email: 'sam@example.test' };
const base = { eventId: 'evt-1', operationId: 'x-1', companyId: 'co-1', budgetId: 'b-1', budgetName: 'Tower A', occurredAt: '2026-11-23T10:00:00.000Z' };

const rejected: NotifiableFact = { ...base, type: 'budget_rejected', reason: 'Cost code 01-100 <is> wrong', rejectedBy: bob, createdBy: ana };
const failed: NotifiableFact = {
  ...base,
  type: 'export_failed',
  erpSystem: 'cmic',
  jobNumber: 'J-100',
  reasonCode: 'cost_code_missing',
  message: 'Cost code 09-999 does not exist in job J-100',
  sentBy: sam,
  acceptedBy: bob,
};
const landedLate: NotifiableFact = {
  ...base,
  type: 'export_landed_late',
  erpSystem: 'cmic',
  jobNumber: 'J-100',
  total: '1250.00',
  sentBy: sam,
  acceptedBy: bob,
};
const posted: NotifiableFact = { ...base, type: 'erp_posted', erpSystem: 'sage300cre', jobNumber: 'J-7', total: '1250000.50', createdBy: ana };
const accepted: NotifiableFact = {
  ...base,
  type: 'budget_accepted',
  erpSystem: 'quickbooks',
  jobNumber: 'J-9',
  total: '99.90',
  acceptedBy: bob,
  createdBy: ana,
};

const imported: NotifiableFact = {
  ...base,
  operationId: 'i-1',
  budgetName: null,
  type: 'import_succeeded',
  mode: 'reimport',
  erpSystem: 'quickbooks',
  jobNumber: 'Q-7',
  lineCount: 1,
  total: '1000.00',
  requestedBy: sam,
};
const importFailed: NotifiableFact = {
  ...base,
  operationId: 'i-2',
  budgetName: null,
  type: 'import_failed',
  reasonCode: 'erp_unavailable',
  message: 'QuickBooks Online did not answer',
  requestedBy: sam,
};

describe('planning notifications from events', () => {
  it.each([
    ['a rejection', rejected, ['u-ana']],
    ['a failed export', failed, ['u-sam', 'u-bob']],
    ['an export that landed after it was given up', landedLate, ['u-sam', 'u-bob']],
    ['a posting', posted, ['u-ana']],
    ['an acceptance', accepted, ['u-ana']],
    ['a finished import', imported, ['u-sam']],
    ['a failed import', importFailed, ['u-sam']],
  ])('when %s is heard, notifies %j', (_name, fact, userIds) => {
    expect(planNotifications(fact).map((n) => n.recipient.userId)).toEqual(userIds);
  });

  it('when the sender also accepted a failed export, notifies them once', () => {
    const planned = planNotifications({ ...failed, type: 'export_failed', sentBy: bob, acceptedBy: bob } as NotifiableFact);

    expect(planned).toHaveLength(1);
    expect(planned[0]!.recipient).toEqual(bob);
  });

  it('gives each (kind, export, recipient) one stable dedupe key, whatever event reported it', () => {
    const first = planNotifications(failed).map((n) => n.dedupeKey);
    const reportedAgain = planNotifications({ ...failed, eventId: 'evt-2' } as NotifiableFact).map((n) => n.dedupeKey);

    expect(first).toEqual(['export_failed:x-1:u-sam', 'export_failed:x-1:u-bob']);
    expect(reportedAgain).toEqual(first);
  });

  it('when a recipient has no email address, keeps the feed entry but sends no mail', () => {
    const planned = planNotifications({ ...rejected, createdBy: { ...ana, email: '' } } as NotifiableFact);

    expect(planned[0]!.email).toBe(false);
    expect(planned[0]!.message.subject).toBe('Budget "Tower A" was rejected');
  });

  it('when a budget is rejected, tells the creator who rejected it and why, in text and HTML', () => {
    const { message } = planNotifications(rejected)[0]!;

    expect(message.subject).toBe('Budget "Tower A" was rejected');
    expect(message.text).toBe(
      'Hello Ana Project,\n\nBob Approver rejected budget "Tower A" in ERP Integrations.\n\n' +
        'Reason: Cost code 01-100 <is> wrong\n\nThe budget is unlocked again: correct it, lock it and send it to ERP again.\n',
    );
    expect(message.html).toContain('<strong>Reason:</strong> Cost code 01-100 &lt;is&gt; wrong');
    expect(message.html).not.toContain('<is>');
  });

  it('when an export fails, gives the reason code and the message', () => {
    const { message } = planNotifications(failed)[0]!;

    expect(message.subject).toBe('Export of budget "Tower A" to CMiC failed');
    expect(message.text).toContain('Hello Sam Sender,');
    expect(message.text).toContain('Reason (cost_code_missing): Cost code 09-999 does not exist in job J-100');
  });

  it('when an export lands after the platform gave up on it, says the ERP holds it', () => {
    const { message } = planNotifications(landedLate)[0]!;

    expect(message.subject).toBe('Export of budget "Tower A" reached CMiC after all');
    expect(message.text).toContain(
      'The export of budget "Tower A" to CMiC (job J-100, total 1,250.00) reached CMiC after the platform had given up on it',
    );
    expect(message.text).toContain('CMiC holds it');
  });

  it('when entries are posted, tells the creator they may unlock, with the total grouped', () => {
    const { message } = planNotifications(posted)[0]!;

    expect(message.subject).toBe('Budget "Tower A" is posted in Sage 300 CRE: you may unlock it');
    expect(message.text).toContain('(job J-7, total 1,250,000.50) are posted in Sage 300 CRE');
    expect(message.text).toContain('you may unlock the budget');
  });

  it('when an import finishes or fails, tells who asked for it what happened', () => {
    const [done] = planNotifications(imported);
    const [failedImport] = planNotifications(importFailed);

    expect(done!.message.subject).toBe('Re-import of job Q-7 from QuickBooks Online finished');
    expect(done!.message.text).toContain('The re-import from QuickBooks Online job Q-7 finished: 1 line, total 1,000.00.');
    expect(failedImport!.message.subject).toBe('Import of your budget from the ERP failed');
    expect(failedImport!.message.text).toContain('Reason (erp_unavailable): QuickBooks Online did not answer');
    expect(failedImport!.dedupeKey).toBe('import_failed:i-2:u-sam');
  });

  it('when the budget name is unknown, speaks of "your budget"', () => {
    const { message } = planNotifications({ ...rejected, budgetName: null } as NotifiableFact)[0]!;

    expect(message.subject).toBe('Budget was rejected');
    expect(message.text).toContain('Bob Approver rejected your budget in ERP Integrations.');
  });

  it('escapes names in the HTML so a budget name cannot inject markup', () => {
    const { message } = planNotifications({ ...accepted, budgetName: '<script>x</script>' } as NotifiableFact)[0]!;

    expect(message.html).not.toContain('<script>');
    expect(message.html).toContain('&lt;script&gt;x&lt;/script&gt;');
  });
});
