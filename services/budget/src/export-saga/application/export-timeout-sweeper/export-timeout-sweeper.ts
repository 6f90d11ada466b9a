import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { OutageLog } from '@budget-erp/service-kit';
import { Clock, CLOCK, TransactionRunner, TRANSACTION_RUNNER } from '../../../budgets/application/ports';
import { BudgetConfig, BUDGET_CONFIG } from '../../../config';
import { BudgetCommands } from '../../../budgets/application/budget-commands';
import { loadBudgetForExportOutcome } from '../../../budgets/infrastructure/budget.repository';
import { overdueExports, unpublishableSends } from '../../infrastructure/export-saga.repository';
import { OUTCOME_BACKLOG, type OutcomeBacklog, type OutcomeEnds } from '../../infrastructure/outcome-backlog';
import { AdvanceExportSagaHandler } from '../advance-export-saga/advance-export-saga.handler';

/** The reason code of a send whose events the broker can never take. */
export const UNPUBLISHABLE = 'unpublishable';

/**
 * Marks accepted exports that heard nothing from the ERP in time as failed (reason `timeout`), and
 * takes back sends whose events can never be published (the outbox relay set them aside), their
 * failure recorded with the reason `unpublishable`, so neither waits forever.
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
    @Inject(BudgetCommands) private readonly commands: BudgetCommands,
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

  /** One pass; answers how many exports it marked failed (timed out) or took back (unpublishable). */
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
    const stuck = await this.tx.run((manager) => unpublishableSends(manager, 100));
    for (const { exportId, budgetId, companyId, reason } of stuck) {
      const message = `The send's events could not be published, so nobody can accept it: ${reason}`;
      const at = now.toISOString();
      const outcome = await this.tx.run(async (manager) => {
        // The platform takes the send back (budget.retrieved tells anyone who heard part of it), then
        // records why on the export: its status is retrieved, its failure names the reason.
        const loaded = await loadBudgetForExportOutcome(manager, companyId, budgetId, { syncedLines: false });
        if (loaded) {
          await this.commands.apply(manager, loaded.budget, loaded.version, {
            type: 'WithdrawSend',
            exportId,
            because: 'its events could not be published',
            at,
          });
        }
        return this.saga.execute(manager, exportId, companyId, { type: 'export.failed', at, reasonCode: UNPUBLISHABLE, message });
      });
      if (outcome === 'advanced') {
        timedOut += 1;
        this.logger.error(`export ${exportId} of budget ${budgetId} withdrawn: ${message}`);
      }
    }
    return timedOut;
  }
}
