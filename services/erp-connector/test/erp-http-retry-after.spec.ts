import { retryAfterMsOf } from '../src/erp-adapters/erp-http';
import { retryDelayHonouringErpMs } from '../src/exports/domain/retry-policy';

describe('retryAfterMsOf (the Retry-After of a 429 or 503)', () => {
  const now = Date.parse('2026-12-06T01:00:00Z');

  it('reads delay-seconds as milliseconds', () => {
    expect(retryAfterMsOf('2', now)).toBe(2000);
    expect(retryAfterMsOf(' 0 ', now)).toBe(0);
  });

  it('reads an HTTP date as the time left until it, and a past date as no wait', () => {
    expect(retryAfterMsOf('Sun, 06 Dec 2026 01:00:30 GMT', now)).toBe(30_000);
    expect(retryAfterMsOf('Sun, 06 Dec 2026 00:59:00 GMT', now)).toBe(0);
  });

  it('caps a wait longer than an hour, and ignores a missing or unreadable header', () => {
    expect(retryAfterMsOf('86400', now)).toBe(3_600_000);
    expect(retryAfterMsOf(null, now)).toBeNull();
    expect(retryAfterMsOf('soon', now)).toBeNull();
  });
});

describe('retryDelayHonouringErpMs (the wait before an export or import attempt)', () => {
  const options = { baseMs: 50, maxMs: 400 };
  const transient: { kind: 'transient'; code: 'erp_unavailable'; message: string; retryAfterMs?: number } = { kind: 'transient', code: 'erp_unavailable', message: 'HTTP 429' };

  it('waits the ERP’s Retry-After when it is longer than the backoff', () => {
    expect(retryDelayHonouringErpMs(1, options, { ...transient, retryAfterMs: 1000 }, 1)).toBe(1000);
  });

  it('keeps the backoff when the ERP said nothing or asked for less', () => {
    expect(retryDelayHonouringErpMs(4, options, transient, 1)).toBe(400);
    expect(retryDelayHonouringErpMs(4, options, { ...transient, retryAfterMs: 10 }, 1)).toBe(400);
  });
});
