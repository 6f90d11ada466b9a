import { afterFailedAttempt, messageIdFor, retryDelayMs } from './email-delivery';

const policy = { baseDelayMs: 1000, maxDelayMs: 60_000, maxPermanentFailures: 5 };

describe('email delivery rules', () => {
  it.each([
    [1, 1000],
    [2, 2000],
    [3, 4000],
    [6, 32000],
    [7, 60000],
    [500, 60000],
  ])('after %i failed attempts waits %i ms', (attempts, delay) => {
    expect(retryDelayMs(attempts, policy)).toBe(delay);
  });

  it('when the server is unreachable, retries however many attempts failed: an outage never loses mail', () => {
    expect(afterFailedAttempt(10_000, false, policy)).toEqual({ type: 'retry', delayMs: 60000 });
  });

  it('when the server keeps refusing the mail permanently, abandons it after the allowed attempts', () => {
    expect(afterFailedAttempt(4, true, policy).type).toBe('retry');
    expect(afterFailedAttempt(5, true, policy)).toEqual({ type: 'abandon', reason: 'refused permanently 5 times' });
  });

  it('gives one notification the same Message-ID on every attempt, and another a different one', () => {
    const id = messageIdFor('budget_rejected:evt-1:u-1', 'budget-erp.local');

    expect(id).toMatch(/^<[0-9a-f]{32}@budget-erp\.local>$/);
    expect(messageIdFor('budget_rejected:evt-1:u-1', 'budget-erp.local')).toBe(id);
    expect(messageIdFor('budget_rejected:evt-1:u-2', 'budget-erp.local')).not.toBe(id);
  });
});
