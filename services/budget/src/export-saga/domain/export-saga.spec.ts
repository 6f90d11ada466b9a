import { Budget, BudgetState, decide, fold, UserRef } from '../../budgets/domain/budget';
import { ErpContext } from '../../budgets/domain/erp-system';
import { ExportSaga, react, SagaEffect, SagaMessage, SagaStatus, startSaga } from './export-saga';

const timeoutMs = 60_000;
const t = (seconds: number) => new Date(Date.UTC(2026, 10, 23, 10, 0, seconds)).toISOString();
const pm: UserRef = { userId: 'u-pm', name: 'Pat Manager', email: 'pat@example.com' };
const cmic: ErpContext = {
  connection: { erpSystem: 'cmic', estimatesEnabled: true },
  link: { erpSystem: 'cmic', jobNumber: 'J-1', costCodes: ['01-100'], supportsSubJobs: true, subJobs: [] },
};

const accepted: SagaMessage = { type: 'budget.accepted', at: t(1), by: 'Ann Approver' };
const rejected: SagaMessage = { type: 'budget.rejected', at: t(2), by: 'Ann Approver', reason: 'Wrong cost code' };
const retrieved: SagaMessage = { type: 'budget.retrieved', at: t(1), by: 'Pat Manager' };
const succeeded: SagaMessage = { type: 'export.succeeded', at: t(3), erpReference: 'BATCH-7' };
const failed: SagaMessage = { type: 'export.failed', at: t(3), reasonCode: 'erp_unavailable', message: 'CMiC is down' };
const posted: SagaMessage = { type: 'erp.posted', at: t(9) };
const lostByTheErp: SagaMessage = { type: 'export.failed', at: t(6), reasonCode: 'erp_record_missing', message: 'CMiC budget batch BATCH-7 belongs to another export' };

/** A sent budget and its saga, as the send use case leaves them. */
function sent(): { budget: BudgetState; saga: ExportSaga } {
  const created = decide({ status: 'absent' }, {
    type: 'CreateBudget', budgetId: 'b1', companyId: 'c1', projectId: 'p1', name: 'Tower', createdBy: pm, at: t(0),
    lines: [{ id: 'l1', costCode: '01-100', costType: null, subJob: null, description: null, amount: '100.00' }],
  });
  let budget = fold(created.ok ? created.events : []);
  for (const command of [{ type: 'LockBudget', by: pm, at: t(0) }, { type: 'SendToErp', exportId: 'x1', by: pm, at: t(0), erp: cmic }] as const) {
    const d = decide(budget, command);
    if (!d.ok) throw new Error(d.error.code);
    budget = fold(d.events, budget);
  }
  const saga = startSaga({ hold: (budget as Budget).hold!, exportId: 'x1', budgetId: 'b1', companyId: 'c1', projectId: 'p1', erpSystem: 'cmic', kind: 'original', sentBy: 'Pat Manager', at: t(0) });
  return { budget, saga };
}

/** Runs messages through the saga and applies its effects to the budget, as the service does. */
function run(messages: SagaMessage[]) {
  let { budget, saga } = sent();
  const effects: SagaEffect[] = [];
  for (const message of messages) {
    if (message.type === 'budget.retrieved') {
      // The PM's retrieval is a command on the budget; the saga hears of it in the same transaction.
      const d = decide(budget, { type: 'RetrieveFromErp', by: pm, at: message.at });
      if (d.ok) budget = fold(d.events, budget);
    }
    const reaction = react(saga, message, { timeoutMs });
    saga = reaction.saga;
    effects.push(...reaction.effects);
    for (const effect of reaction.effects) {
      if (effect.type !== 'ApplyToBudget') continue;
      const d = decide(budget, {
        type: 'ApplyExportOutcome',
        exportId: saga.exportId,
        outcome: effect.status,
        at: message.at,
        ...(saga.hold ? { sentHold: saga.hold } : {}),
      });
      if (!d.ok) throw new Error(d.error.code);
      budget = fold(d.events, budget);
    }
  }
  const b = budget as Budget;
  return { saga, effects, budget: { erpStatus: b.erpStatus, locked: b.locked, held: b.hold !== null } };
}

function permutations<T>(items: T[]): T[][] {
  if (items.length <= 1) return [items];
  return items.flatMap((item, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]));
}

const histories: [string, SagaMessage[], SagaStatus, { erpStatus: string; locked: boolean; held: boolean }][] = [
  ['accepted, succeeded, posted', [accepted, succeeded, posted], 'posted', { erpStatus: 'synced', locked: true, held: false }],
  ['accepted, succeeded', [accepted, succeeded], 'awaiting_posting', { erpStatus: 'awaiting_posting', locked: true, held: true }],
  ['accepted, failed', [accepted, failed], 'failed_to_export', { erpStatus: 'failed_to_export', locked: true, held: true }],
  ['accepted, failed, rejected', [accepted, failed, rejected], 'rejected', { erpStatus: 'not_sent', locked: false, held: false }],
  ['accepted, succeeded, then the ERP lost it', [accepted, succeeded, lostByTheErp], 'failed_to_export', { erpStatus: 'failed_to_export', locked: true, held: true }],
  ['accepted, succeeded, the ERP lost it, rejected', [accepted, succeeded, lostByTheErp, rejected], 'rejected', { erpStatus: 'not_sent', locked: false, held: false }],
  ['rejected', [rejected], 'rejected', { erpStatus: 'not_sent', locked: false, held: false }],
  ['accepted', [accepted], 'exporting', { erpStatus: 'exporting', locked: true, held: true }],
  ['retrieved', [retrieved], 'retrieved', { erpStatus: 'not_sent', locked: true, held: false }],
];

describe('export saga: given these events in any order, with duplicates, it ends in the same state', () => {
  const cases = histories.flatMap(([name, messages, status, budget]) =>
    permutations(messages).flatMap((order) => [
      [`${name} arriving as ${order.map((m) => m.type).join(' → ')}`, order, status, budget] as const,
      [`${name} arriving as ${order.map((m) => m.type).join(' → ')} with every event twice`, order.flatMap((m) => [m, m]), status, budget] as const,
    ]),
  );

  it.each(cases)('%s ends %s', (_name, order, status, budget) => {
    const result = run([...order]);
    expect(result.saga.status).toBe(status);
    expect(result.budget).toEqual(budget);
  });

  it('when erp.posted arrives before export.succeeded and budget.accepted, the budget is synced once and stays synced', () => {
    const result = run([posted, succeeded, accepted]);
    expect(result.effects).toEqual([{ type: 'ApplyToBudget', status: 'posted' }]);
    expect(result.budget).toEqual({ erpStatus: 'synced', locked: true, held: false });
    expect(result.saga.timeline.map((entry) => entry.event)).toEqual(['budget.sent', 'erp.posted', 'export.succeeded', 'budget.accepted']);
  });

  it('when export.succeeded arrives before budget.accepted, the budget waits for posting and no timeout is armed', () => {
    const result = run([succeeded, accepted, { type: 'timeout.check', at: t(3600) }]);
    expect(result.saga.status).toBe('awaiting_posting');
    expect(result.effects.filter((e) => e.type === 'PublishTimedOut')).toEqual([]);
  });

  it('when a duplicate arrives, the saga emits nothing and its state is unchanged', () => {
    const once = run([accepted, succeeded]);
    const reaction = react(once.saga, succeeded, { timeoutMs });
    expect(reaction.effects).toEqual([]);
    expect(reaction.saga).toBe(once.saga);
  });

  it('when the budget is retrieved before acceptance, the hold is released and the budget stays locked', () => {
    let { budget } = sent();
    const d = decide(budget, { type: 'RetrieveFromErp', by: pm, at: t(1) });
    budget = fold(d.ok ? d.events : [], budget);
    const reaction = react(sent().saga, retrieved, { timeoutMs });
    expect(reaction.saga.status).toBe('retrieved');
    expect(budget).toMatchObject({ erpStatus: 'not_sent', locked: true, hold: null });
    // the saga's own effect after the retrieval is a no-op on the budget
    const again = decide(budget, { type: 'ApplyExportOutcome', exportId: 'x1', outcome: 'retrieved', at: t(2) });
    expect(again).toEqual({ ok: true, events: [] });
  });
});

describe('export saga: timeout', () => {
  it('when an accepted export hears nothing within the timeout, it is marked failed with reason timeout, once', () => {
    const early = run([accepted, { type: 'timeout.check', at: t(30) }]);
    expect(early.saga.status).toBe('exporting');

    const late = run([accepted, { type: 'timeout.check', at: t(61) }, { type: 'timeout.check', at: t(120) }]);
    expect(late.saga.status).toBe('failed_to_export');
    expect(late.budget).toEqual({ erpStatus: 'failed_to_export', locked: true, held: true });
    expect(late.effects.filter((e) => e.type === 'PublishTimedOut')).toHaveLength(1);
    expect(late.saga.timeline.at(-1)).toMatchObject({ event: 'timeout', status: 'failed_to_export' });
  });

  it('when the export succeeds after the timeout, the saga follows the ERP: entries await posting', () => {
    const result = run([accepted, { type: 'timeout.check', at: t(61) }, succeeded]);
    expect(result.saga.status).toBe('awaiting_posting');
    expect(result.budget).toEqual({ erpStatus: 'awaiting_posting', locked: true, held: true });
  });

  it('when the export is still awaiting acceptance, no timeout applies', () => {
    const result = run([{ type: 'timeout.check', at: t(10_000) }]);
    expect(result.saga.status).toBe('awaiting_acceptance');
    expect(result.effects).toEqual([]);
  });
});

describe('export saga: a send that reaches the ERP after it was released', () => {
  it('when the acceptance races the retrieval and the export then succeeds, the budget is held again until posting', () => {
    const result = run([retrieved, accepted, succeeded]);
    expect(result.saga.status).toBe('awaiting_posting');
    expect(result.budget).toEqual({ erpStatus: 'awaiting_posting', locked: true, held: true });
  });

  it('when a timed-out export was rejected and the ERP then reports success, the budget is locked and held again', () => {
    const result = run([accepted, { type: 'timeout.check', at: t(61) }, rejected, succeeded]);
    expect(result.budget).toEqual({ erpStatus: 'awaiting_posting', locked: true, held: true });
    const posted = run([accepted, { type: 'timeout.check', at: t(61) }, rejected, succeeded, { type: 'erp.posted', at: t(90) }]);
    expect(posted.budget).toEqual({ erpStatus: 'synced', locked: true, held: false });
  });
});
