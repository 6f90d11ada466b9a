import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { OutageLog } from '@budget-erp/service-kit';
import { Clock, CLOCK, TransactionRunner, TRANSACTION_RUNNER } from '../../../budgets/application/ports';
import { BudgetConfig, BUDGET_CONFIG } from '../../../config';
import { overdueExports } from '../../infrastructure/export-saga.repository';
import { AdvanceExportSagaHandler } from '../advance-export-saga/advance-export-saga.handler';

/** Marks accepted exports that heard nothing from the ERP in time as failed (reason `timeout`). */
@Injectable()
export class ExportTimeoutSweeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('ExportTimeoutSweeper');
  private readonly outage = new OutageLog(this.logger, 'export timeout sweep');
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;

  constructor(
    @Inject(TRANSACTION_RUNNER) private readonly tx: TransactionRunner,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(BUDGET_CONFIG) private readonly config: BudgetConfig,
    @Inject(AdvanceExportSagaHandler) private readonly saga: AdvanceExportSagaHandler,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.sweep(), this.config.exportTimeoutSweepMs);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  /** One pass; answers how many exports it marked failed. */
  sweep(): Promise<number> {
    this.running ??= this.sweepOnce()
      .then((timedOut) => {
        this.outage.passed();
        return timedOut;
      })
      .catch((error: unknown) => {
        this.outage.failed(error);
        return 0;
      })
      .finally(() => (this.running = undefined));
    return this.running;
  }

  private async sweepOnce(): Promise<number> {
    const now = this.clock.now();
    const due = await this.tx.run((manager) => overdueExports(manager, now, 100));
    let timedOut = 0;
    for (const { exportId, companyId } of due) {
      // The saga step locks and re-reads the saga: one that moved on since is left unchanged.
      const outcome = await this.tx.run((manager) => this.saga.execute(manager, exportId, companyId, { type: 'timeout.check', at: now.toISOString() }));
      if (outcome === 'advanced') timedOut += 1;
    }
    return timedOut;
  }
}
