import { retryDelayMs } from '../src';

describe('retry backoff', () => {
  const policy = { attempts: 5, initialDelayMs: 100, maxDelayMs: 2_000 };

  it.each([
    [1, 50, 100],
    [2, 100, 200],
    [3, 200, 400],
    [5, 800, 1_600],
    [6, 1_000, 2_000],
    [20, 1_000, 2_000],
  ])('after %i failed attempt(s), waits between %i and %i ms (doubling, capped, jittered)', (failed, low, high) => {
    expect(retryDelayMs(policy, failed, () => 0)).toBe(low);
    expect(retryDelayMs(policy, failed, () => 1)).toBe(high);
  });
});
