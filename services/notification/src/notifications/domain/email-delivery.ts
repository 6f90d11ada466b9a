import { createHash } from 'node:crypto';

export interface RetryPolicy {
  baseDelayMs: number;
  maxDelayMs: number;
  /** Attempts after which a mail the server refuses permanently (5xx) is abandoned. */
  maxPermanentFailures: number;
}

export type AfterFailure = { type: 'retry'; delayMs: number } | { type: 'abandon'; reason: string };

/** Delay before the next attempt after `failedAttempts` failures: exponential, capped. */
export function retryDelayMs(failedAttempts: number, policy: Pick<RetryPolicy, 'baseDelayMs' | 'maxDelayMs'>): number {
  const exponent = Math.min(Math.max(failedAttempts - 1, 0), 30);
  return Math.min(policy.baseDelayMs * 2 ** exponent, policy.maxDelayMs);
}

/**
 * An outage (no connection, timeouts, 4xx) only delays a mail: it is retried for as long as it takes.
 * Only a mail the server keeps refusing as permanently undeliverable (5xx) is given up, and even
 * then it stays in the feed.
 */
export function afterFailedAttempt(failedAttempts: number, permanent: boolean, policy: RetryPolicy): AfterFailure {
  if (permanent && failedAttempts >= policy.maxPermanentFailures) {
    return { type: 'abandon', reason: `refused permanently ${failedAttempts} times` };
  }
  return { type: 'retry', delayMs: retryDelayMs(failedAttempts, policy) };
}

/** A Message-ID that is the same for every attempt of one notification, so receivers can drop resends. */
export function messageIdFor(dedupeKey: string, domain: string): string {
  const digest = createHash('sha256').update(dedupeKey).digest('hex').slice(0, 32);
  return `<${digest}@${domain}>`;
}
