interface OutageLogger {
  warn(message: string): void;
  log(message: string): void;
}

/**
 * What a background loop (a worker, a dispatcher, a relay, a sweeper) logs about a failing
 * dependency: one line when the failures start, one when a pass succeeds again — not one per tick.
 *
 *   try { await pass(); outage.passed(); } catch (error) { outage.failed(error); }
 */
export class OutageLog {
  private since: number | null = null;
  private failures = 0;

  constructor(
    private readonly logger: OutageLogger,
    /** What fails, as the log lines name it: "email dispatch", "export timeout sweep". */
    private readonly what: string,
    private readonly now: () => number = Date.now,
  ) {}

  /** A pass failed: logs the first failure of an outage, counts the others. */
  failed(error: unknown): void {
    this.failures += 1;
    if (this.since !== null) return;
    this.since = this.now();
    this.logger.warn(`${this.what} failing: ${error instanceof Error ? error.message : String(error)} (logged again when it recovers)`);
  }

  /** A pass succeeded: ends the outage, if one was going on, with one line. */
  passed(): void {
    if (this.since === null) return;
    const seconds = ((this.now() - this.since) / 1000).toFixed(1);
    this.logger.log(`${this.what} recovered after ${seconds} s (${this.failures} failed pass${this.failures === 1 ? '' : 'es'})`);
    this.since = null;
    this.failures = 0;
  }

  /** When the current outage began (epoch ms), or null when the last pass succeeded. */
  get failingSince(): number | null {
    return this.since;
  }

  /** Whether the last pass failed. */
  get failing(): boolean {
    return this.since !== null;
  }
}
