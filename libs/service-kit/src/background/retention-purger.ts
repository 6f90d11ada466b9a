import { Logger } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { OutageLog } from '@budget-erp/messaging';

/**
 * One table's retention: `deleteBatch` deletes at most `$2` rows that are past their retention of
 * `$1` milliseconds and no longer needed, and returns one row per row deleted (`RETURNING 1`).
 */
export interface RetentionRule {
  /** What goes, for logs and results (e.g. `email_deliveries`). */
  name: string;
  retainMs: number;
  deleteBatch: string;
}

export interface RetentionPurgerOptions {
  /** How often a purge runs (whatever the traffic: on its own timer). */
  intervalMs: number;
  /** Rows deleted per statement (default 1,000), so no statement holds locks for long. */
  batchSize?: number;
  /** Statements per rule and run (default 20): a backlog is worked off over several runs. */
  maxBatchesPerRun?: number;
}

/**
 * Deletes what a service keeps only for a while (old notifications, export data of finished
 * exports, ...) on its own interval, in bounded batches, each rule's statement saying which rows
 * are still needed. Several replicas may run it at once: each deletes what the others left.
 */
export class RetentionPurger {
  private readonly logger: Logger;
  private readonly outage: OutageLog;
  private timer: NodeJS.Timeout | null = null;
  private current: Promise<unknown> | null = null;

  constructor(
    private readonly dataSource: DataSource,
    private readonly rules: readonly RetentionRule[],
    private readonly options: RetentionPurgerOptions,
    name = 'retention purge',
  ) {
    this.logger = new Logger('RetentionPurger');
    this.outage = new OutageLog(this.logger, name);
  }

  /** Nest starts it with the application (when it is a provider)… */
  onApplicationBootstrap(): void {
    this.start();
  }

  /** …and stops it, waiting for a run in progress, with the application. */
  async onApplicationShutdown(): Promise<void> {
    await this.stop();
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.tick(), this.options.intervalMs);
    this.timer.unref();
    void this.tick();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.current;
  }

  private async tick(): Promise<void> {
    if (this.current) return;
    this.current = this.runOnce().then(
      (deleted) => {
        this.outage.passed();
        const total = Object.values(deleted).reduce((sum, n) => sum + n, 0);
        if (total > 0) this.logger.log(`retention purge deleted ${Object.entries(deleted).filter(([, n]) => n > 0).map(([rule, n]) => `${n} ${rule}`).join(', ')}`);
      },
      (error: unknown) => this.outage.failed(error),
    );
    await this.current;
    this.current = null;
  }

  /** One run of every rule, in order; the rows deleted per rule. */
  async runOnce(): Promise<Record<string, number>> {
    const batchSize = this.options.batchSize ?? 1000;
    const maxBatches = this.options.maxBatchesPerRun ?? 20;
    const deleted: Record<string, number> = {};
    for (const rule of this.rules) {
      deleted[rule.name] = 0;
      for (let batch = 0; batch < maxBatches; batch += 1) {
        const rows = (await this.dataSource.query(rule.deleteBatch, [Math.max(0, Math.floor(rule.retainMs)), batchSize])) as unknown;
        // DELETE … RETURNING answers [rows, count] through TypeORM's pg driver.
        const count = Array.isArray(rows) && Array.isArray(rows[0]) ? (rows[0] as unknown[]).length : Array.isArray(rows) ? rows.length : 0;
        deleted[rule.name] += count;
        if (count < batchSize) break;
      }
    }
    return deleted;
  }
}
