import { applyAll, decide, type ExportCommand, type ExportData, type ExportEvent, type ExportState, type SendLinesCheck } from '../src/exports/domain/export';
import { erpLinesOf, ExportLinesTally } from '../src/exports/domain/export-lines';
import { postingCheckDelayMs, retryDelayMs } from '../src/exports/domain/retry-policy';
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
  chunkCount: 1,
  lineCount: 1,
  exportedLineCount: 1,
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
const started = (attempt: number, checkErpFirst: boolean, verifyOnly = false): ExportEvent => ({ type: 'AttemptStarted', attempt, checkErpFirst, verifyOnly, at: now });
const intact: SendLinesCheck = { digestMatches: true, withSubJobs: 0, namedWithSubJobs: [] };
const transient = { kind: 'transient' as const, code: 'erp_unavailable' as const, message: 'CMiC answered HTTP 500' };

const given = (events: ExportEvent[]) => ({
  when: (command: ExportCommand) => decide(applyAll({ status: 'none' } as ExportState, events), command),
});

describe('export decider', () => {
  it('when requested for an ERP without sub jobs and a line has one, fails at once with sub_jobs_not_supported', () => {
    const lines: SendLinesCheck = { digestMatches: true, withSubJobs: 1, namedWithSubJobs: ['Framing (sub job A)'] };
    const result = given([]).when({ type: 'RequestExport', data: data({ system: 'quickbooks' }), lines, capabilities: quickbooksAdapter.capabilities, erpName: 'QuickBooks Online', now });
    expect(result).toEqual({
      ok: true,
      events: [
        expect.objectContaining({ type: 'ExportRequested' }),
        expect.objectContaining({ type: 'ExportFailed', reasonCode: 'sub_jobs_not_supported', message: 'QuickBooks Online has no sub jobs; remove the sub job from these lines: Framing (sub job A)' }),
      ],
    });
  });

  it('when more lines carry sub jobs than a message names, names the first 20 and counts the rest', () => {
    const lines: SendLinesCheck = { digestMatches: true, withSubJobs: 25, namedWithSubJobs: Array.from({ length: 20 }, (_, i) => `C${i} (sub job A)`) };
    const result = given([]).when({ type: 'RequestExport', data: data({ system: 'quickbooks' }), lines, capabilities: quickbooksAdapter.capabilities, erpName: 'QuickBooks Online', now });
    expect(result).toMatchObject({ ok: true, events: [{ type: 'ExportRequested' }, { type: 'ExportFailed', message: expect.stringMatching(/C19 \(sub job A\) and 5 more$/) }] });
  });

  it('when the ERP has sub jobs, lines with sub jobs are requested as they are', () => {
    const lines: SendLinesCheck = { digestMatches: true, withSubJobs: 1, namedWithSubJobs: ['Framing (sub job A)'] };
    expect(given([]).when({ type: 'RequestExport', data: data(), lines, capabilities: cmicAdapter.capabilities, erpName: 'CMiC', now })).toMatchObject({ ok: true, events: [{ type: 'ExportRequested' }] });
  });

  it('when the stored lines do not match the send\'s digest, fails at once without reaching the ERP', () => {
    const result = given([]).when({ type: 'RequestExport', data: data(), lines: { ...intact, digestMatches: false }, capabilities: cmicAdapter.capabilities, erpName: 'CMiC', now });
    expect(result).toMatchObject({ ok: true, events: [{ type: 'ExportRequested' }, { type: 'ExportFailed', reasonCode: 'validation_rejected', message: expect.stringContaining('do not match') }] });
  });

  it('when nothing changed in a revision, fails at once with nothing to export', () => {
    const result = given([]).when({ type: 'RequestExport', data: data({ kind: 'revision', exportedLineCount: 0 }), lines: intact, capabilities: cmicAdapter.capabilities, erpName: 'CMiC', now });
    expect(result).toMatchObject({ ok: true, events: [{ type: 'ExportRequested' }, { type: 'ExportFailed', message: 'There are no changed amounts to export' }] });
  });

  it('when requested twice, refuses with EXPORT.ALREADY_REQUESTED', () => {
    const result = given([requested]).when({ type: 'RequestExport', data: data(), lines: intact, capabilities: cmicAdapter.capabilities, erpName: 'CMiC', now });
    expect(result).toMatchObject({ ok: false, error: { code: 'EXPORT.ALREADY_REQUESTED' } });
  });

  it.each([
    ['the first attempt', false, [requested]],
    ['a retry after a failure', true, [requested, started(1, false), { type: 'AttemptFailed', attempt: 1, error: transient, retryAt: now, at: now }]],
    ['a restart while an attempt was in flight', true, [requested, started(1, false)]],
  ] as [string, boolean, ExportEvent[]][])('on %s, asking the ERP whether the export landed first is %s', (_name, checkFirst, events) => {
    expect(given(events).when({ type: 'StartAttempt', now, givenUp: null })).toMatchObject({ ok: true, events: [{ type: 'AttemptStarted', checkErpFirst: checkFirst, verifyOnly: false }] });
  });

  it.each(['superseded', 'rejected', 'retrieved', 'timed_out'] as const)('when %s before any attempt, the export is cancelled without reaching the ERP', (givenUp) => {
    const result = given([requested]).when({ type: 'StartAttempt', now, givenUp });
    expect(result).toEqual({ ok: true, events: [{ type: 'ExportCancelled', reason: givenUp, at: now }] });
    expect(applyAll(applyAll({ status: 'none' }, [requested]), (result as { events: ExportEvent[] }).events)).toMatchObject({ status: 'cancelled', reason: givenUp });
  });

  it('when given up after an attempt failed transiently (it may have landed), only asks the ERP whether it holds it', () => {
    const failedOnce: ExportEvent[] = [requested, started(1, false), { type: 'AttemptFailed', attempt: 1, error: transient, retryAt: now, at: now }];
    expect(given(failedOnce).when({ type: 'StartAttempt', now, givenUp: 'rejected' })).toMatchObject({ ok: true, events: [{ type: 'AttemptStarted', attempt: 2, checkErpFirst: true, verifyOnly: true }] });
  });

  it('a given-up export the ERP does not hold ends cancelled; one it holds landed and is recorded as succeeded', () => {
    const verifying: ExportEvent[] = [requested, started(1, false), { type: 'AttemptFailed', attempt: 1, error: transient, retryAt: now, at: now }, started(2, true, true)];
    expect(given(verifying).when({ type: 'RecordNotInErp', givenUp: 'timed_out', now })).toEqual({ ok: true, events: [{ type: 'ExportCancelled', reason: 'timed_out', at: now }] });
    expect(given(verifying).when({ type: 'RecordLanded', erpReference: 'B7', now })).toMatchObject({ ok: true, events: [{ type: 'ExportLanded', erpReference: 'B7' }] });
  });

  it('after the export was cancelled, refuses another attempt', () => {
    const cancelled: ExportEvent[] = [requested, { type: 'ExportCancelled', reason: 'superseded', at: now }];
    expect(given(cancelled).when({ type: 'StartAttempt', now, givenUp: null })).toMatchObject({ ok: false, error: { code: 'EXPORT.ATTEMPT_NOT_ALLOWED' } });
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
    const command: ExportCommand = type === 'StartAttempt' ? { type, now, givenUp: null } : { type, found: 'posted', now, nextCheckAt: now };
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
  const lines = [
    { lineId: '1', costCode: 'A', costType: null, subJob: null, description: null, amount: '100.00', syncedAmount: '80.00' },
    { lineId: '2', costCode: 'B', costType: null, subJob: 'S1', description: null, amount: '0.00', syncedAmount: '20.00' },
    { lineId: '3', costCode: 'C', costType: null, subJob: 'S2', description: null, amount: '5.5', syncedAmount: '5.50' },
  ];

  it('an original sends every non-zero line at its amount', () => {
    expect(erpLinesOf('original', lines).map((l) => [l.costCode, l.amount])).toEqual([
      ['A', '100.00'],
      ['C', '5.50'],
    ]);
  });

  it('a revision sends only the moved amounts, negative ones included', () => {
    expect(erpLinesOf('revision', lines).map((l) => [l.costCode, l.amount])).toEqual([
      ['A', '20.00'],
      ['B', '-20.00'],
    ]);
  });

  it('the tally over slices counts the exported lines and names the exported ones with sub jobs only', () => {
    const tally = new ExportLinesTally('original');
    tally.add(lines.slice(0, 2));
    tally.add(lines.slice(2));
    expect(tally.exported).toBe(2);
    expect(tally.check(true)).toEqual({ digestMatches: true, withSubJobs: 1, namedWithSubJobs: ['C (sub job S2)'] });
  });
});

describe('retry policy and circuit breaker', () => {
  it('backs off exponentially with jitter between half and all of the ceiling, capped', () => {
    expect(retryDelayMs(1, { baseMs: 100, maxMs: 1000 }, 0)).toBe(50);
    expect(retryDelayMs(3, { baseMs: 100, maxMs: 1000 }, 1)).toBe(400);
    expect(retryDelayMs(10, { baseMs: 100, maxMs: 1000 }, 0.5)).toBe(750);
  });

  it('backs posting checks off exponentially toward the cap of hours, jittered, and never sooner than the ERP\'s Retry-After', () => {
    const options = { firstMs: 500, maxMs: 3_600_000 };
    expect(postingCheckDelayMs(0, options, 1)).toBe(500);
    expect(postingCheckDelayMs(4, options, 1)).toBe(8000);
    expect(postingCheckDelayMs(4, options, 0)).toBe(4000);
    expect(postingCheckDelayMs(30, options, 1)).toBe(3_600_000);
    expect(postingCheckDelayMs(30, options, 0)).toBe(1_800_000);
    expect(postingCheckDelayMs(0, options, 1, 120_000)).toBe(120_000);
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
