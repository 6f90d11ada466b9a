export type BreakerState = { status: 'closed'; failures: number } | { status: 'open'; until: number } | { status: 'half_open'; trialInFlight: boolean };

/**
 * One per ERP: after `threshold` transient failures in a row the ERP is left alone for
 * `cooldownMs`, then one trial call decides whether to close again.
 */
export class CircuitBreaker {
  private state: BreakerState = { status: 'closed', failures: 0 };

  constructor(private readonly options: { threshold: number; cooldownMs: number }) {}

  /** Whether a call may go out now; when not, the earliest time to ask again. */
  admit(now: number): { allowed: true } | { allowed: false; retryAt: number } {
    switch (this.state.status) {
      case 'closed':
        return { allowed: true };
      case 'open':
        if (now < this.state.until) return { allowed: false, retryAt: this.state.until };
        this.state = { status: 'half_open', trialInFlight: true };
        return { allowed: true };
      case 'half_open':
        if (this.state.trialInFlight) return { allowed: false, retryAt: now + Math.min(this.options.cooldownMs, 500) };
        this.state = { status: 'half_open', trialInFlight: true };
        return { allowed: true };
      default:
        return assertNever(this.state);
    }
  }

  /** An admitted call that never went out (its step failed before the ERP was called): a trial may go again. */
  release(): void {
    if (this.state.status === 'half_open') this.state = { status: 'half_open', trialInFlight: false };
  }

  recordSuccess(): void {
    this.state = { status: 'closed', failures: 0 };
  }

  recordTransientFailure(now: number): void {
    if (this.state.status === 'half_open') {
      this.state = { status: 'open', until: now + this.options.cooldownMs };
      return;
    }
    const failures = this.state.status === 'closed' ? this.state.failures + 1 : this.options.threshold;
    this.state = failures >= this.options.threshold ? { status: 'open', until: now + this.options.cooldownMs } : { status: 'closed', failures };
  }

  current(): BreakerState {
    return this.state;
  }
}

function assertNever(value: never): never {
  throw new Error(`Unhandled ${JSON.stringify(value)}`);
}
