import { Budget, BudgetCommand, BudgetEvent, BudgetState, decide, evolve, fold, holdOf, syncedLinesAfterLanding, UserRef, budgetTotal } from './budget';
import { ErpContext } from './erp-system';
import { readiness } from './erp-readiness';

const pm: UserRef = { userId: 'u-pm', name: 'Pat Manager', email: 'pat@example.com' };
const at = '2026-11-23T10:00:00.000Z';
const cmic: ErpContext = {
  connection: { erpSystem: 'cmic', estimatesEnabled: true },
  link: { erpSystem: 'cmic', jobNumber: 'J-100', costCodes: ['01-100', '02-200'], supportsSubJobs: true, subJobs: ['A'] },
};

const created: BudgetEvent = {
  type: 'BudgetCreated',
  budgetId: 'b1',
  companyId: 'c1',
  projectId: 'p1',
  name: 'Tower',
  origin: 'platform',
  lines: [{ id: 'l1', costCode: '01-100', costType: null, subJob: null, description: 'Concrete', amount: '1250.00' }],
  createdBy: pm,
  at,
};
const locked: BudgetEvent = { type: 'BudgetLocked', by: pm, at };
const sentHold = (state: BudgetState): BudgetEvent => {
  const decision = decide(state, { type: 'SendToErp', exportId: 'x1', by: pm, at, erp: cmic });
  if (!decision.ok) throw new Error(decision.error.code);
  return decision.events[0];
};

/** States of the lifecycle table, built only from events. */
function given(name: string): BudgetState {
  const unlocked = fold([created]);
  const lockedState = fold([locked], unlocked);
  const awaiting = fold([sentHold(lockedState)], lockedState);
  const status = (s: BudgetState, erpStatus: 'exporting' | 'failed_to_export' | 'awaiting_posting') =>
    evolve(s, { type: 'ExportStatusChanged', exportId: 'x1', erpStatus, at });
  const hold = holdOf(awaiting as Budget)!;
  const { snapshot } = sentHold(lockedState) as Extract<BudgetEvent, { type: 'BudgetSent' }>;
  switch (name) {
    case 'not_sent (unlocked)':
      return unlocked;
    case 'not_sent (locked)':
      return lockedState;
    case 'awaiting_acceptance':
      return awaiting;
    case 'exporting':
      return status(awaiting, 'exporting');
    case 'failed_to_export':
      return status(status(awaiting, 'exporting'), 'failed_to_export');
    case 'awaiting_posting':
      return status(status(awaiting, 'exporting'), 'awaiting_posting');
    case 'synced':
      return fold(
        [
          { type: 'ExportLanded', exportId: 'x1', syncedLines: syncedLinesAfterLanding([], snapshot.lines), at },
          { type: 'ExportPosted', exportId: 'x1', modificationIds: hold.modificationIds, at },
        ],
        status(status(awaiting, 'exporting'), 'awaiting_posting'),
      );
    default:
      throw new Error(name);
  }
}

const cmd = {
  lock: { type: 'LockBudget', by: pm, at } as BudgetCommand,
  unlock: { type: 'UnlockBudget', by: pm, at } as BudgetCommand,
  send: { type: 'SendToErp', exportId: 'x2', by: pm, at, erp: cmic } as BudgetCommand,
  retrieve: { type: 'RetrieveFromErp', by: pm, at } as BudgetCommand,
  reject: { type: 'ApplyExportOutcome', exportId: 'x1', outcome: 'rejected', at } as BudgetCommand,
  accept: { type: 'ApplyExportOutcome', exportId: 'x1', outcome: 'exporting', at } as BudgetCommand,
  succeed: { type: 'ApplyExportOutcome', exportId: 'x1', outcome: 'awaiting_posting', at } as BudgetCommand,
  fail: { type: 'ApplyExportOutcome', exportId: 'x1', outcome: 'failed_to_export', at } as BudgetCommand,
  post: { type: 'ApplyExportOutcome', exportId: 'x1', outcome: 'synced', at } as BudgetCommand,
  addLine: {
    type: 'AddLine',
    line: { id: 'l2', costCode: '02-200', costType: null, subJob: null, description: null, amount: '10' },
    at,
  } as BudgetCommand,
  modify: {
    type: 'CreateModification',
    modification: {
      id: 'm1',
      description: 'Move money',
      status: 'approved',
      changes: [{ lineId: 'l1', costCode: '01-100', costType: null, subJob: null, description: null, amount: '100' }],
      createdBy: pm,
      createdAt: at,
    },
    at,
  } as BudgetCommand,
};

function outcome(state: BudgetState, command: BudgetCommand) {
  const decision = decide(state, command);
  if (!decision.ok) return { error: decision.error.code };
  const next = fold(decision.events, state) as Budget;
  return { erpStatus: next.erp.status, locked: next.locked, held: holdOf(next) !== null };
}

describe('budget lifecycle: every allowed move of the lifecycle table', () => {
  it.each([
    ['not_sent (unlocked)', 'lock', { erpStatus: 'not_sent', locked: true, held: false }],
    ['not_sent (locked)', 'unlock', { erpStatus: 'not_sent', locked: false, held: false }],
    ['not_sent (locked)', 'send', { erpStatus: 'awaiting_acceptance', locked: true, held: true }],
    ['awaiting_acceptance', 'retrieve', { erpStatus: 'not_sent', locked: true, held: false }],
    ['awaiting_acceptance', 'reject', { erpStatus: 'not_sent', locked: false, held: false }],
    ['awaiting_acceptance', 'accept', { erpStatus: 'exporting', locked: true, held: true }],
    ['exporting', 'succeed', { erpStatus: 'awaiting_posting', locked: true, held: true }],
    ['exporting', 'fail', { erpStatus: 'failed_to_export', locked: true, held: true }],
    ['failed_to_export', 'reject', { erpStatus: 'not_sent', locked: false, held: false }],
    ['awaiting_posting', 'post', { erpStatus: 'synced', locked: true, held: false }],
    ['synced', 'unlock', { erpStatus: 'synced', locked: false, held: false }],
    ['synced', 'modify', { erpStatus: 'synced', locked: true, held: false }],
    ['synced', 'send', { erpStatus: 'awaiting_acceptance', locked: true, held: true }],
  ] as const)('from %s, %s moves the budget to %j', (from, action, expected) => {
    const state = action === 'send' && from === 'synced' ? fold([cmd.modify].flatMap((c) => (decide(given(from), c) as { events: BudgetEvent[] }).events), given(from)) : given(from);
    expect(outcome(state, cmd[action])).toEqual(expected);
  });

  it('when a synced budget is unlocked, gets a new line and is re-sent, exports a revision carrying the synced amounts', () => {
    const synced = given('synced');
    const edited = fold(
      [cmd.unlock, cmd.addLine, cmd.lock].reduce<BudgetEvent[]>((events, c) => {
        const d = decide(fold(events, synced), c);
        if (!d.ok) throw new Error(d.error.code);
        return [...events, ...d.events];
      }, []),
      synced,
    );
    const sent = decide(edited, cmd.send);
    expect(sent.ok && sent.events[0].type === 'BudgetSent' && sent.events[0].snapshot).toMatchObject({
      kind: 'revision',
      total: '1260.00',
      syncedTotal: '1250.00',
      lines: [
        { lineId: 'l1', amount: '1250.00', syncedAmount: '1250.00' },
        { lineId: 'l2', amount: '10.00', syncedAmount: null },
      ],
    });
  });
});

describe('budget lifecycle: every forbidden move answers a stable code', () => {
  it.each([
    ['not_sent (locked)', 'lock', 'BUDGET.ALREADY_LOCKED'],
    ['not_sent (unlocked)', 'unlock', 'BUDGET.NOT_LOCKED'],
    ['not_sent (unlocked)', 'send', 'BUDGET.NOT_LOCKED'],
    ['not_sent (unlocked)', 'retrieve', 'BUDGET.NOT_SENT'],
    ['not_sent (locked)', 'retrieve', 'BUDGET.NOT_SENT'],
    ['not_sent (locked)', 'addLine', 'BUDGET.LOCKED'],
    ['not_sent (unlocked)', 'modify', 'BUDGET.NOT_LOCKED'],
    ['awaiting_acceptance', 'unlock', 'BUDGET.AWAITING_ACCEPTANCE'],
    ['awaiting_acceptance', 'send', 'BUDGET.AWAITING_ACCEPTANCE'],
    ['awaiting_acceptance', 'addLine', 'BUDGET.AWAITING_ACCEPTANCE'],
    ['awaiting_acceptance', 'modify', 'BUDGET.AWAITING_ACCEPTANCE'],
    ['exporting', 'unlock', 'BUDGET.EXPORT_IN_PROGRESS'],
    ['exporting', 'send', 'BUDGET.EXPORT_IN_PROGRESS'],
    ['exporting', 'retrieve', 'BUDGET.ALREADY_ACCEPTED'],
    ['exporting', 'addLine', 'BUDGET.EXPORT_IN_PROGRESS'],
    ['failed_to_export', 'unlock', 'BUDGET.EXPORT_FAILED'],
    ['failed_to_export', 'send', 'BUDGET.EXPORT_FAILED'],
    ['failed_to_export', 'retrieve', 'BUDGET.ALREADY_ACCEPTED'],
    ['failed_to_export', 'addLine', 'BUDGET.EXPORT_FAILED'],
    ['awaiting_posting', 'unlock', 'BUDGET.EXPORT_NOT_POSTED'],
    ['awaiting_posting', 'send', 'BUDGET.EXPORT_NOT_POSTED'],
    ['awaiting_posting', 'retrieve', 'BUDGET.ALREADY_ACCEPTED'],
    ['awaiting_posting', 'addLine', 'BUDGET.EXPORT_NOT_POSTED'],
    ['awaiting_posting', 'modify', 'BUDGET.EXPORT_NOT_POSTED'],
    ['synced', 'send', 'BUDGET.NO_CHANGES'],
    ['synced', 'retrieve', 'BUDGET.NOT_SENT'],
    ['synced', 'addLine', 'BUDGET.LOCKED'],
    ['awaiting_acceptance', 'lock', 'BUDGET.ALREADY_LOCKED'],
    ['exporting', 'modify', 'BUDGET.EXPORT_IN_PROGRESS'],
    ['failed_to_export', 'modify', 'BUDGET.EXPORT_FAILED'],
    ['synced', 'lock', 'BUDGET.ALREADY_LOCKED'],
  ] as const)('from %s, %s is refused with %s', (from, action, code) => {
    expect(outcome(given(from), cmd[action])).toEqual({ error: code });
  });

  it('when the export is not posted yet, the refusal names the ERP in words a PM understands', () => {
    const decision = decide(given('awaiting_posting'), cmd.unlock);
    expect(decision).toEqual({
      ok: false,
      error: { code: 'BUDGET.EXPORT_NOT_POSTED', message: expect.stringContaining('exported entries have not been posted in CMiC yet') },
    });
  });
});

describe('modifications', () => {
  const withModification = (): BudgetState => {
    const synced = given('synced');
    const d = decide(synced, cmd.modify);
    if (!d.ok) throw new Error(d.error.code);
    return fold(d.events, synced);
  };

  it('when a synced budget with an approved modification is re-sent, the revision carries the modification', () => {
    const d = decide(withModification(), cmd.send);
    expect(d.ok && d.events[0].type === 'BudgetSent' && d.events[0].snapshot).toMatchObject({
      kind: 'revision',
      modificationIds: ['m1'],
      lines: [{ lineId: 'l1', amount: '1350.00', syncedAmount: '1250.00' }],
    });
  });

  it('when unlocking with modifications and no choice, asks to preserve or delete', () => {
    expect(outcome(withModification(), cmd.unlock)).toEqual({ error: 'BUDGET.MODIFICATIONS_DECISION_REQUIRED' });
  });

  it('when the budget has been synced, refuses to delete its modifications on unlock and preserves them on request', () => {
    expect(outcome(withModification(), { type: 'UnlockBudget', by: pm, at, modifications: 'delete' })).toEqual({
      error: 'BUDGET.MODIFICATIONS_SYNCED',
    });
    const d = decide(withModification(), { type: 'UnlockBudget', by: pm, at, modifications: 'preserve' });
    expect(d.ok && d.events).toEqual([expect.objectContaining({ type: 'BudgetUnlocked', modifications: 'preserved' })]);
  });

  it('when a never-synced budget is unlocked with delete, its modifications are deleted', () => {
    const lockedState = given('not_sent (locked)');
    const withMod = fold((decide(lockedState, cmd.modify) as { events: BudgetEvent[] }).events, lockedState);
    const d = decide(withMod, { type: 'UnlockBudget', by: pm, at, modifications: 'delete' });
    const after = fold(d.ok ? d.events : [], withMod) as Budget;
    expect(after.modifications).toEqual([]);
    expect(after.locked).toBe(false);
  });

  it('when a sent modification is posted, it becomes synced and immutable', () => {
    const sentState = fold([(decide(withModification(), cmd.send) as { events: BudgetEvent[] }).events[0]], withModification());
    const hold = holdOf(sentState as Budget)!;
    const posted = fold(
      [
        { type: 'ExportStatusChanged', exportId: hold.exportId, erpStatus: 'awaiting_posting', at },
        { type: 'ExportPosted', exportId: hold.exportId, modificationIds: hold.modificationIds, at },
      ],
      sentState,
    );
    expect((posted as Budget).modifications[0]).toMatchObject({ synced: true, sentIn: null });
    expect(outcome(posted, { type: 'DeleteModification', modificationId: 'm1', at })).toEqual({ error: 'BUDGET.MODIFICATION_SYNCED' });
    expect(budgetTotal(posted as Budget)).toBe('1350.00');
  });

  it('when a sent modification is retrieved, it can be changed again', () => {
    const sentState = fold([(decide(withModification(), cmd.send) as { events: BudgetEvent[] }).events[0]], withModification());
    const retrieved = fold((decide(sentState, cmd.retrieve) as { events: BudgetEvent[] }).events, sentState);
    expect((retrieved as Budget).modifications[0]).toMatchObject({ synced: false, sentIn: null });
    expect(outcome(retrieved, { type: 'DeleteModification', modificationId: 'm1', at })).toEqual({ erpStatus: 'synced', locked: true, held: false });
  });
});

describe('origin rules and re-import', () => {
  const reimport = (erp: ErpContext = cmic): BudgetCommand => ({ type: 'RequestReimport', importId: 'i1', by: pm, at, erp });

  it('when a platform budget has been exported, refuses re-import with BUDGET.EXPORTED_PLATFORM_BUDGET', () => {
    const synced = given('synced');
    const unlocked = fold((decide(synced, cmd.unlock) as { events: BudgetEvent[] }).events, synced);
    expect(outcome(unlocked, reimport())).toEqual({ error: 'BUDGET.EXPORTED_PLATFORM_BUDGET' });
  });

  it('when a platform budget was never exported, refuses re-import with BUDGET.NOT_ERP_ORIGIN', () => {
    expect(outcome(given('not_sent (unlocked)'), reimport())).toEqual({ error: 'BUDGET.NOT_ERP_ORIGIN' });
  });

  const erpBudget = (): BudgetState =>
    evolve(given('not_sent (unlocked)'), {
      type: 'ImportCompleted',
      importId: 'i0',
      mode: 'initial_overwrite',
      lines: [{ id: 'e1', costCode: '01-100', costType: null, subJob: null, description: null, amount: '500.00' }],
      at,
    });

  it('when an ERP-origin budget is unlocked, re-import runs and its result replaces the amounts', () => {
    const start = erpBudget();
    expect((start as Budget).origin).toBe('erp');
    const requested = fold((decide(start, reimport()) as { events: BudgetEvent[] }).events, start) as Budget;
    expect(requested.erp.status).toBe('importing');
    expect(outcome(requested, cmd.addLine)).toEqual({ error: 'BUDGET.IMPORT_IN_PROGRESS' });
    const done = decide(requested, {
      type: 'CompleteImport',
      importId: 'i1',
      mode: 'reimport',
      lines: [{ id: 'e2', costCode: '01-100', costType: null, subJob: null, description: null, amount: '750.5' }],
      at,
    });
    const after = fold(done.ok ? done.events : [], requested) as Budget;
    expect(after).toMatchObject({ erp: { status: 'not_sent' }, lastImport: { importId: 'i1', outcome: 'succeeded' } });
    expect(budgetTotal(after)).toBe('750.50');
  });

  it('when an ERP-origin budget is locked, refuses re-import with BUDGET.LOCKED', () => {
    const lockedErp = evolve(erpBudget(), locked);
    expect(outcome(lockedErp, reimport())).toEqual({ error: 'BUDGET.LOCKED' });
  });

  it('when the re-import fails, the budget returns to its status and shows why', () => {
    const requested = fold((decide(erpBudget(), reimport()) as { events: BudgetEvent[] }).events, erpBudget());
    const d = decide(requested, { type: 'FailImport', importId: 'i1', message: 'CMiC is down', at });
    expect(fold(d.ok ? d.events : [], requested)).toMatchObject({ erp: { status: 'not_sent' }, lastImport: { outcome: 'failed', message: 'CMiC is down' } });
  });
});

describe('send-to-ERP readiness', () => {
  const codes = (state: BudgetState, erp: ErpContext) => readiness(state as Budget, erp).reasons.map((r) => r.code);

  it('when everything is in order, the budget can be sent', () => {
    expect(readiness(given('not_sent (locked)') as Budget, cmic)).toEqual({ canSend: true, reasons: [] });
  });

  it('when nothing is set up, answers every reason at once', () => {
    const empty = fold([{ ...created, lines: [] } as BudgetEvent]);
    expect(codes(empty, { connection: null, link: null })).toEqual([
      'BUDGET.NOT_LOCKED',
      'ERP.NOT_CONNECTED',
      'ERP.PROJECT_NOT_LINKED',
      'BUDGET.NO_LINES',
    ]);
  });

  it.each([
    ['a zero total', 'BUDGET.ZERO_TOTAL', { ...created, lines: [{ ...(created as { lines: object[] }).lines[0], amount: '0.00' }] }, cmic],
    ['a cost code missing from the ERP job', 'ERP.COST_CODE_NOT_IN_JOB', created, { ...cmic, link: { ...cmic.link!, costCodes: ['02-200'] } }],
    [
      'sub jobs on QuickBooks',
      'ERP.SUB_JOBS_NOT_SUPPORTED',
      { ...created, lines: [{ ...(created as { lines: object[] }).lines[0], subJob: 'A' }] },
      {
        connection: { erpSystem: 'quickbooks', estimatesEnabled: true },
        link: { erpSystem: 'quickbooks', jobNumber: 'Q1', costCodes: ['01-100'], supportsSubJobs: false, subJobs: [] },
      },
    ],
    [
      'QuickBooks estimates off',
      'ERP.ESTIMATES_DISABLED',
      created,
      {
        connection: { erpSystem: 'quickbooks', estimatesEnabled: false },
        link: { erpSystem: 'quickbooks', jobNumber: 'Q1', costCodes: ['01-100'], supportsSubJobs: false, subJobs: [] },
      },
    ],
  ] as const)('when the budget has %s, the only reason is %s', (_label, code, createdEvent, erp) => {
    const state = fold([createdEvent as BudgetEvent, locked]);
    const result = readiness(state as Budget, erp as ErpContext);
    expect(result.canSend).toBe(false);
    expect(result.reasons.map((r) => r.code)).toEqual([code]);
    expect(result.reasons[0].message.length).toBeGreaterThan(10);
  });

  it.each([
    ['awaiting_acceptance', 'BUDGET.AWAITING_ACCEPTANCE'],
    ['awaiting_posting', 'BUDGET.EXPORT_NOT_POSTED'],
  ])('when the budget is %s, answers %s', (from, code) => {
    expect(codes(given(from), cmic)).toEqual([code]);
  });
});

describe('the export snapshot of a revision', () => {
  const line = (id: string, amount: string) => ({ id, costCode: '01-100', costType: null, subJob: null, description: null, amount });
  const syncedBudget = (lines: ReturnType<typeof line>[]): Budget => {
    const base = fold([{ ...created, lines } as BudgetEvent, locked]);
    const event = sentHold(base) as Extract<BudgetEvent, { type: 'BudgetSent' }>;
    const sent = fold([event], base) as Budget;
    return fold(
      [
        { type: 'ExportLanded', exportId: 'x1', syncedLines: syncedLinesAfterLanding([], event.snapshot.lines), at },
        { type: 'ExportPosted', exportId: 'x1', modificationIds: event.hold.modificationIds, at },
      ],
      sent,
    ) as Budget;
  };

  it('exports each synced line that was removed once, at zero, after the current lines, among thousands of lines', () => {
    const lines = Array.from({ length: 3000 }, (_, i) => line(`l${i}`, '10.00'));
    const synced = syncedBudget(lines);
    const edited: Budget = { ...synced, locked: true, lines: synced.lines.filter((l) => l.id !== 'l5' && l.id !== 'l2999') };
    const d = decide(edited, { type: 'SendToErp', exportId: 'x2', by: pm, at, erp: cmic });
    const snapshot = d.ok && d.events[0].type === 'BudgetSent' ? d.events[0].snapshot : null;
    expect(snapshot?.kind).toBe('revision');
    expect(snapshot?.lines).toHaveLength(3000);
    expect(snapshot?.lines.slice(-2)).toEqual([
      expect.objectContaining({ lineId: 'l5', amount: '0.00', syncedAmount: '10.00' }),
      expect.objectContaining({ lineId: 'l2999', amount: '0.00', syncedAmount: '10.00' }),
    ]);
    expect(snapshot?.total).toBe('29980.00');
    expect(snapshot?.syncedTotal).toBe('30000.00');
  });

  it('adds a later approved change to a line that an earlier modification created, instead of creating it twice', () => {
    const base = fold([created, locked]) as Budget;
    const change = { lineId: 'new-1', costCode: '02-200', costType: null, subJob: null, description: 'Steel', amount: '5.00' };
    const modification = (id: string, amount: string) => ({
      id, description: null, status: 'approved' as const, changes: [{ ...change, amount }], sentIn: null, synced: false, createdBy: pm, createdAt: at,
    });
    const withTwo: Budget = { ...base, modifications: [modification('m1', '5.00'), modification('m2', '2.50')] };
    const d = decide(withTwo, { type: 'SendToErp', exportId: 'x1', by: pm, at, erp: cmic });
    const lines = d.ok && d.events[0].type === 'BudgetSent' ? d.events[0].snapshot.lines : [];
    expect(lines.map((l) => [l.lineId, l.amount])).toEqual([
      ['l1', '1250.00'],
      ['new-1', '7.50'],
    ]);
  });
});

describe('an export that reaches the ERP after the platform gave it up', () => {
  type Sent = Extract<BudgetEvent, { type: 'BudgetSent' }>;
  const apply = (state: BudgetState, command: BudgetCommand): { state: Budget; events: BudgetEvent[] } => {
    const d = decide(state, command);
    if (!d.ok) throw new Error(d.error.code);
    return { state: fold(d.events, state) as Budget, events: d.events };
  };
  const send = (state: BudgetState, exportId: string) => {
    const { state: next, events } = apply(state, { type: 'SendToErp', exportId, by: pm, at, erp: cmic });
    const sent = events[0] as Sent;
    return { state: next, landing: { hold: sent.hold, lines: sent.snapshot.lines } };
  };
  const outcomeOf = (exportId: string, outcome: Extract<BudgetCommand, { type: 'ApplyExportOutcome' }>['outcome'], landing?: { hold: Sent['hold']; lines: Sent['snapshot']['lines'] }): BudgetCommand => ({
    type: 'ApplyExportOutcome', exportId, outcome, at, ...(landing ? { landing } : {}),
  });
  /** Sent as x1, accepted, timed out, rejected; the line fixed from 1,250.00 to 1,300.00 and re-sent as x2. */
  const resent = () => {
    const first = send(given('not_sent (locked)'), 'x1');
    let state = apply(first.state, outcomeOf('x1', 'exporting')).state;
    state = apply(state, outcomeOf('x1', 'failed_to_export')).state;
    state = apply(state, outcomeOf('x1', 'rejected')).state;
    state = apply(state, { type: 'UpdateLine', lineId: 'l1', changes: { amount: '1300.00' }, at }).state;
    state = apply(state, cmd.lock).state;
    const second = send(state, 'x2');
    return { state: second.state, x1: first.landing, x2: second.landing };
  };

  it('when the rejected export lands while the re-send awaits acceptance, the re-send is withdrawn and the landed export holds the budget until posted', () => {
    const { state, x1, x2 } = resent();
    expect(x2.lines).toEqual([expect.objectContaining({ lineId: 'l1', amount: '1300.00', syncedAmount: null })]);
    const landed = apply(state, outcomeOf('x1', 'awaiting_posting', x1));
    expect(landed.events.map((e) => e.type)).toEqual(['ExportLanded', 'SendWithdrawn', 'ExportHoldRetaken']);
    expect(landed.state.erp).toEqual({ status: 'awaiting_posting', hold: expect.objectContaining({ exportId: 'x1' }) });
    expect(landed.state.syncedLines.map((l) => [l.lineId, l.amount])).toEqual([['l1', '1250.00']]);
    // The withdrawn send's own outcomes no longer move the budget.
    expect(apply(landed.state, outcomeOf('x2', 'exporting')).events).toEqual([]);
  });

  it('after the late export is posted, the next send is a revision moving only what the ERP does not hold yet', () => {
    const { state, x1 } = resent();
    const landed = apply(state, outcomeOf('x1', 'awaiting_posting', x1)).state;
    const posted = apply(landed, outcomeOf('x1', 'synced')).state;
    expect(posted.erp).toEqual({ status: 'synced' });
    const again = send(posted, 'x3');
    expect(again.state.erp.status).toBe('awaiting_acceptance');
    expect(again.landing.hold.kind).toBe('revision');
    expect(again.landing.lines).toEqual([expect.objectContaining({ lineId: 'l1', amount: '1300.00', syncedAmount: '1250.00' })]);
  });

  it('when both the late export and the re-send landed, what the ERP holds counts each exactly once', () => {
    const { state, x1, x2 } = resent();
    let next = apply(state, outcomeOf('x2', 'exporting')).state;
    next = apply(next, outcomeOf('x2', 'awaiting_posting', x2)).state;
    const late = apply(next, outcomeOf('x1', 'awaiting_posting', x1));
    expect(late.events.map((e) => e.type)).toEqual(['ExportLanded']);
    expect(late.state.erp).toEqual({ status: 'awaiting_posting', hold: expect.objectContaining({ exportId: 'x2' }) });
    // Two originals of 1,250.00 and 1,300.00 landed: the ERP holds 2,550.00 on the line.
    expect(late.state.syncedLines.map((l) => [l.lineId, l.amount])).toEqual([['l1', '2550.00']]);
  });

  it('when the late export is posted while the budget is free, the budget is synced and locked, as after any posting', () => {
    const first = send(given('not_sent (locked)'), 'x1');
    const rejected = apply(first.state, outcomeOf('x1', 'rejected')).state;
    expect(rejected).toMatchObject({ erp: { status: 'not_sent' }, locked: false });
    const posted = apply(rejected, outcomeOf('x1', 'synced', first.landing));
    expect(posted.events.map((e) => e.type)).toEqual(['ExportLanded', 'ExportHoldRetaken', 'ExportPosted']);
    expect(posted.state).toMatchObject({ erp: { status: 'synced' }, locked: true, exported: true });
  });
});
