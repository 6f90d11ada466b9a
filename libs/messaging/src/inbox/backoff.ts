export interface RetryPolicy {
  /** Handler attempts before dead-lettering (default 5). */
  attempts: number;
  /** Delay before the second attempt (default 100 ms); doubles each time. */
  initialDelayMs: number;
  /** Longest delay between attempts (default 2 s). */
  maxDelayMs: number;
}

export const defaultRetryPolicy: RetryPolicy = { attempts: 5, initialDelayMs: 100, maxDelayMs: 2_000 };

/** Exponential backoff with equal jitter, so that consumers retrying together spread out. */
export function retryDelayMs(policy: RetryPolicy, failedAttempts: number, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** Math.max(0, failedAttempts - 1));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
