import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { OutageLog } from '@budget-erp/service-kit';
import { Clock, CLOCK, TransactionRunner, TRANSACTION_RUNNER } from '../../../budgets/application/ports';
import { BudgetConfig, BUDGET_CONFIG } from '../../../config';
import { overdueExports } from '../../infrastructure/export-saga.repository';
import { OUTCOME_BACKLOG, type OutcomeBacklog, type OutcomeEnds } from '../../infrastructure/outcome-backlog';
import { AdvanceExportSagaHandler } from '../advance-export-saga/advance-export-saga.handler';

/**
 * Marks accepted exports that heard nothing from the ERP in time as failed (reason `timeout`).
 * It judges by what the service has applied, not by the clock alone: a look at time t times out
 * only once every outcome published before t was applied by the service's consumer group. After
 * the service was down, the outcomes that arrived meanwhile wait in their topics; they are applied
 * before any export is judged overdue, so an export that landed during the outage is never timed out.
 */
@Injectable()
export class ExportTimeoutSweeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('ExportTimeoutSweeper');
  private readonly outage = new OutageLog(this.logger, 'export timeout sweep');
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;
  /** The look waiting for the outcomes published before it to be applied. */
  private look: { at: Date; ends: OutcomeEnds } | null = null;

  constructor(
    @Inject(TRANSACTION_RUNNER) private readonly tx: TransactionRunner,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(BUDGET_CONFIG) private readonly config: BudgetConfig,
    @Inject(AdvanceExportSagaHandler) private readonly saga: AdvanceExportSagaHandler,
    @Inject(OUTCOME_BACKLOG) private readonly backlog: OutcomeBacklog,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.sweep(), this.config.exportTimeoutSweepMs);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
    await this.backlog.close();
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
    this.look ??= { at: this.clock.now(), ends: await this.backlog.ends() };
    // Outcomes published before the look still wait to be applied: judge at a later pass.
    if (!(await this.backlog.consumedUpTo(this.look.ends))) return 0;
    const now = this.look.at;
    this.look = null;
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
