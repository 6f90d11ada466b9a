import { Injectable } from '@nestjs/common';

/** Resolves when healthy; throws (or rejects) with the reason when not. */
export type HealthCheck = () => Promise<void>;

export interface CheckOutcome {
  status: 'up' | 'down';
  error?: string;
  durationMs: number;
}

export interface Readiness {
  ready: boolean;
  checks: Record<string, CheckOutcome>;
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Readiness checks: the platform registers `database` and `broker`; services may add their own. */
@Injectable()
export class HealthService {
  private readonly checks = new Map<string, HealthCheck>();

  register(name: string, check: HealthCheck): void {
    this.checks.set(name, check);
  }

  async readiness(timeoutMs = 3000): Promise<Readiness> {
    const entries = await Promise.all(
      [...this.checks].map(async ([name, check]): Promise<[string, CheckOutcome]> => {
        const started = Date.now();
        try {
          await withTimeout(check(), timeoutMs, name);
          return [name, { status: 'up', durationMs: Date.now() - started }];
        } catch (error) {
          return [name, { status: 'down', error: error instanceof Error ? error.message : String(error), durationMs: Date.now() - started }];
        }
      }),
    );
    const checks = Object.fromEntries(entries);
    return { ready: entries.every(([, outcome]) => outcome.status === 'up'), checks };
  }
}

/** Remembers the last outcome of an expensive check for `ttlMs`, and shares one in-flight run. */
export function cachedCheck(check: HealthCheck, ttlMs: number): HealthCheck {
  let last: { at: number; error?: unknown } | undefined;
  let running: Promise<void> | undefined;
  return async () => {
    if (last && Date.now() - last.at < ttlMs) {
      if (last.error !== undefined) throw last.error;
      return;
    }
    running ??= check()
      .then(() => {
        last = { at: Date.now() };
      })
      .catch((error: unknown) => {
        last = { at: Date.now(), error };
      })
      .finally(() => {
        running = undefined;
      });
    await running;
    if (last?.error !== undefined) throw last.error;
  };
}
