/** Exponential backoff with jitter: attempt n waits between half and all of base·2^(n-1), capped. */
export function retryDelayMs(attempt: number, options: { baseMs: number; maxMs: number }, random: number): number {
  const ceiling = Math.min(options.maxMs, options.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (ceiling / 2) * random);
}

/** The wait before a retry: the backoff with jitter, or longer when the ERP said how long to wait (429/503 `Retry-After`). */
export function retryDelayHonouringErpMs(attempt: number, options: { baseMs: number; maxMs: number }, error: { retryAfterMs?: number }, random: number): number {
  return Math.max(retryDelayMs(attempt, options, random), error.retryAfterMs ?? 0);
}

/**
 * Posting checks start quick (the accountant may post at once) and back off exponentially, with
 * jitter, toward the cap (hours by default), so an entry that stays unposted costs the ERP a few
 * calls a day; an ERP that asked to be left alone (`Retry-After`) is not asked sooner.
 */
export function postingCheckDelayMs(checks: number, options: { firstMs: number; maxMs: number }, random: number, retryAfterMs = 0): number {
  return retryDelayHonouringErpMs(checks + 1, { baseMs: options.firstMs, maxMs: options.maxMs }, { retryAfterMs }, random);
}
