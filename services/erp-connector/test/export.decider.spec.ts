import { applyAll, decide, type ExportCommand, type ExportData, type ExportEvent, type ExportState } from '../src/exports/domain/export';
import { linesToExport } from '../src/exports/domain/export-lines';
import { retryDelayMs } from '../src/exports/domain/retry-policy';
import { CircuitBreaker } from '../src/exports/domain/circuit-breaker';
import { cmicAdapter } from '../src/erp-adapters/cmic/cmic.adapter';
import { quickbooksAdapter } from '../src/erp-adapters/quickbooks/quickbooks.adapter';

const user = { userId: 'u1', name: 'Pat', email: 'pat@example.com' };
const data = (over: Partial<ExportData> = {}): ExportData => ({
  exportId: 'x1',
  budgetId: 'b1',
  projectId: 'p1',
  companyId: 'c1',
  system: 'cmic',
  jobNumber: 'J-1',
  kind: 'original',
  idempotencyKey: 'x1',
  description: null,
  revision: null,
  lines: [{ costCode: '01', costType: null, subJob: null, description: null, amount: '10.00' }],
  total: '10.00',
  sentBy: user,
  acceptedBy: user,
  createdBy: user,
  correlationId: 'corr-1',
  causationId: 'evt-1',
  ...over,
});
const now = '2026-11-23T10:00:00.000Z';
const requested: ExportEvent = { type: 'ExportRequested', data: data(), at: now };
const started = (attempt: number, checkErpFirst: boolean): ExportEvent => ({ type: 'AttemptStarted', attempt, checkErpFirst, at: now });
const transient = { kind: 'transient' as const, code: 'erp_unavailable' as const, message: 'CMiC answered HTTP 500' };

const given = (events: ExportEvent[]) => ({
  when: (command: ExportCommand) => decide(applyAll({ status: 'none' } as ExportState, events), command),
});

describe('export decider', () => {
  it('when requested for an ERP without sub jobs and a line has one, fails at once with sub_jobs_not_supported', () => {
    const lines = [{ costCode: 'Framing', costType: null, subJob: 'A', description: null, amount: '5.00' }];
    const result = given([]).when({ type: 'RequestExport', data: data({ system: 'quickbooks', lines }), capabilities: quickbooksAdapter.capabilities, erpName: 'QuickBooks Online', now });
    expect(result).toEqual({
      ok: true,
      events: [
        expect.objectContaining({ type: 'ExportRequested' }),
        expect.objectContaining({ type: 'ExportFailed', reasonCode: 'sub_jobs_not_supported', message: 'QuickBooks Online has no sub jobs; remove the sub job from these lines: Framing (sub job A)' }),
      ],
    });
  });

  it('when requested twice, refuses with EXPORT.ALREADY_REQUESTED', () => {
    const result = given([requested]).when({ type: 'RequestExport', data: data(), capabilities: cmicAdapter.capabilities, erpName: 'CMiC', now });
    expect(result).toMatchObject({ ok: false, error: { code: 'EXPORT.ALREADY_REQUESTED' } });
  });

  it.each([
    ['the first attempt', false, [requested]],
    ['a retry after a failure', true, [requested, started(1, false), { type: 'AttemptFailed', attempt: 1, error: transient, retryAt: now, at: now }]],
    ['a restart while an attempt was in flight', true, [requested, started(1, false)]],
  ] as [string, boolean, ExportEvent[]][])('on %s, asking the ERP whether the export landed first is %s', (_name, checkFirst, events) => {
    expect(given(events).when({ type: 'StartAttempt', now })).toMatchObject({ ok: true, events: [{ type: 'AttemptStarted', checkErpFirst: checkFirst }] });
  });

  it('a transient failure below the attempt limit schedules a retry; at the limit the export fails', () => {
    const inFlight = [requested, started(1, false)];
    expect(given(inFlight).when({ type: 'RecordFailure', error: transient, now, retryAt: 'later', maxAttempts: 3 })).toMatchObject({
      ok: true,
      events: [{ type: 'AttemptFailed', retryAt: 'later' }],
    });
    expect(given(inFlight).when({ type: 'RecordFailure', error: transient, now, retryAt: 'later', maxAttempts: 1 })).toMatchObject({
      ok: true,
      events: [{ type: 'ExportFailed', reasonCode: 'erp_unavailable' }],
    });
  });

  it('a permanent failure fails the export with the ERP message', () => {
    const error = { kind: 'permanent' as const, code: 'validation_rejected' as const, message: 'CMiC rejected the budget: Job J-1 is closed' };
    expect(given([requested, started(1, false)]).when({ type: 'RecordFailure', error, now, retryAt: now, maxAttempts: 9 })).toMatchObject({
      ok: true,
      events: [{ type: 'ExportFailed', reasonCode: 'validation_rejected', message: error.message }],
    });
  });

  it.each(['StartAttempt', 'RecordPostingCheck'] as const)('after the export failed, refuses %s', (type) => {
    const failed: ExportEvent[] = [requested, started(1, false), { type: 'ExportFailed', reasonCode: 'unknown', message: 'm', at: now }];
    const command: ExportCommand = type === 'StartAttempt' ? { type, now } : { type, found: 'posted', now, nextCheckAt: now };
    expect(given(failed).when(command).ok).toBe(false);
  });

  it('a landed export becomes posted once the posting is seen', () => {
    const landed: ExportEvent[] = [requested, started(1, false), { type: 'ExportLanded', erpReference: 'B1', at: now }];
    expect(given(landed).when({ type: 'RecordPostingCheck', found: 'posted', now, nextCheckAt: now })).toMatchObject({ ok: true, events: [{ type: 'ExportPosted' }] });
    expect(given([requested]).when({ type: 'RecordLanded', erpReference: 'B1', now })).toMatchObject({ ok: false, error: { code: 'EXPORT.NO_ATTEMPT_IN_FLIGHT' } });
  });
  it.each([
    ['unposted', { type: 'PostingNotYetSeen' }],
    ['missing', { type: 'ExportFailed', reasonCode: 'erp_record_missing', message: expect.stringContaining('The ERP no longer holds this export (B1): batch B1 belongs to another export') }],
  ] as const)('a landed export whose posting check finds it %s records %o', (found, event) => {
    const landed: ExportEvent[] = [requested, started(1, false), { type: 'ExportLanded', erpReference: 'B1', at: now }];
    const decision = given(landed).when({ type: 'RecordPostingCheck', found, reason: 'batch B1 belongs to another export', now, nextCheckAt: now });
    expect(decision).toMatchObject({ ok: true, events: [event] });
  });
});

describe('lines to export', () => {
  const snapshot = (kind: 'original' | 'revision') => ({
    name: 'B',
    origin: 'platform' as const,
    kind,
    erpSystem: 'cmic' as const,
    jobNumber: 'J',
    total: '0',
    syncedTotal: '0',
    modificationIds: [],
    lines: [
      { lineId: '1', costCode: 'A', costType: null, subJob: null, description: null, amount: '100.00', syncedAmount: '80.00' },
      { lineId: '2', costCode: 'B', costType: null, subJob: null, description: null, amount: '0.00', syncedAmount: '20.00' },
      { lineId: '3', costCode: 'C', costType: null, subJob: null, description: null, amount: '5.5', syncedAmount: '5.50' },
    ],
  });

  it('an original sends every non-zero line at its amount', () => {
    expect(linesToExport(snapshot('original')).map((l) => [l.costCode, l.amount])).toEqual([
      ['A', '100.00'],
      ['C', '5.50'],
    ]);
  });

  it('a revision sends only the moved amounts, negative ones included', () => {
    expect(linesToExport(snapshot('revision')).map((l) => [l.costCode, l.amount])).toEqual([
      ['A', '20.00'],
      ['B', '-20.00'],
    ]);
  });
});

describe('retry policy and circuit breaker', () => {
  it('backs off exponentially with jitter between half and all of the ceiling, capped', () => {
    expect(retryDelayMs(1, { baseMs: 100, maxMs: 1000 }, 0)).toBe(50);
    expect(retryDelayMs(3, { baseMs: 100, maxMs: 1000 }, 1)).toBe(400);
    expect(retryDelayMs(10, { baseMs: 100, maxMs: 1000 }, 0.5)).toBe(750);
  });

  it('opens after the threshold of failures, lets one trial through after the cool-down, closes on success', () => {
    const breaker = new CircuitBreaker({ threshold: 2, cooldownMs: 1000 });
    breaker.recordTransientFailure(0);
    expect(breaker.admit(0)).toEqual({ allowed: true });
    breaker.recordTransientFailure(0);
    expect(breaker.admit(500)).toEqual({ allowed: false, retryAt: 1000 });
    expect(breaker.admit(1000)).toEqual({ allowed: true });
    expect(breaker.admit(1001).allowed).toBe(false);
    breaker.recordSuccess();
    expect(breaker.current()).toEqual({ status: 'closed', failures: 0 });
  });

  it('a trial admitted but never sent (its step failed before the ERP call) is released, so the next trial may go', () => {
    const breaker = new CircuitBreaker({ threshold: 1, cooldownMs: 1000 });
    breaker.recordTransientFailure(0);
    expect(breaker.admit(1000)).toEqual({ allowed: true });
    expect(breaker.admit(1001).allowed).toBe(false);
    breaker.release();
    expect(breaker.admit(1002)).toEqual({ allowed: true });
    expect(breaker.current()).toEqual({ status: 'half_open', trialInFlight: true });
  });

  it('releasing a closed breaker changes nothing', () => {
    const breaker = new CircuitBreaker({ threshold: 3, cooldownMs: 1000 });
    breaker.recordTransientFailure(0);
    breaker.release();
    expect(breaker.current()).toEqual({ status: 'closed', failures: 1 });
  });
});
