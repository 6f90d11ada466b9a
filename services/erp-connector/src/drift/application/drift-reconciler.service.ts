import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { Topics, type DriftCheckTrigger, type DriftLine } from '@budget-erp/contracts';
import { OutboxWriter, UnitOfWork } from '@budget-erp/messaging';
import { PollingLoop, SERVICE_CONFIG } from '@budget-erp/service-kit';
import type { ErpConnectorConfig } from '../../config';
import { ErpConnectionsService } from '../../connections/application/erp-connections.service';
import type { ErpError, ErpLine, ErpResult } from '../../erp-adapters/erp-adapter';
import { adapterFor } from '../../erp-adapters/erp-adapter.registry';
import { retryDelayMs } from '../../exports/domain/retry-policy';
import { decideDrift, differingLines, totalOf, type DriftState } from '../domain/drift';
import { DriftBaselines, type DriftBaseline } from '../infrastructure/drift-baseline.repository';

const BATCH = 10;

/** What one comparison found. */
export type DriftCheckOutcome =
  | { ok: true; state: DriftState; lines: DriftLine[]; platformTotal: string; erpTotal: string; checkedAt: string }
  | { ok: false; error: ErpError };

/**
 * Drift reconciliation: compares each synced budget's baseline (what its ERP job should hold) with
 * what the job holds, every `DRIFT_CHECK_INTERVAL_MS`, at once after a posting or an import, and on
 * demand; publishes `erp.budget.drift_detected` when they begin (or go on) to differ and
 * `erp.budget.drift_resolved` when they agree again, in the transaction that records the result.
 * The ERP is read outside any transaction, at most one read at a time per ERP and company and at
 * most one per `DRIFT_CHECK_SPACING_MS`.
 */
@Injectable()
export class DriftReconciler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('DriftReconciler');
  private readonly inProgress = new Map<string, Promise<void>>();
  private readonly loop: PollingLoop;

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: ErpConnectorConfig,
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(UnitOfWork) private readonly uow: UnitOfWork,
    @Inject(OutboxWriter) private readonly outbox: OutboxWriter,
    @Inject(ErpConnectionsService) private readonly connections: ErpConnectionsService,
  ) {
    this.loop = new PollingLoop(this.logger, 'drift reconciler', () => this.tick(), config.DRIFT_POLL_MS);
  }

  onApplicationBootstrap(): void {
    this.loop.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.loop.stop();
  }

  private get running(): boolean {
    return this.loop.running;
  }

  /** Looks for due comparisons now (after a posting or an import was committed). */
  nudge(): void {
    this.loop.nudge();
  }

  /** Compares the budget with its ERP job now, whatever the schedule says (the on-demand route). */
  async checkNow(baseline: DriftBaseline): Promise<DriftCheckOutcome> {
    return this.check(baseline, 'on_demand');
  }

  private async tick(): Promise<void> {
    const room = BATCH - this.inProgress.size;
    if (room <= 0) return;
    const leased = await this.dataSource.transaction((m) =>
      DriftBaselines.leaseDue(m, this.config.ERP_SYSTEMS, room, this.config.EXPORT_LEASE_MS, this.config.DRIFT_CHECK_SPACING_MS),
    );
    for (const baseline of leased) {
      const key = `${baseline.companyId}/${baseline.budgetId}`;
      if (this.inProgress.has(key)) continue;
      const work = this.check(baseline, baseline.pendingTrigger)
        .then(() => undefined)
        .catch((error: Error) => {
          if (this.running) this.logger.error(`drift check of budget ${baseline.budgetId}: ${error.message}`);
        })
        .finally(() => {
          this.inProgress.delete(key);
          // The next company's ERP may be due once this one's spacing has passed.
          const timer = setTimeout(() => this.running && this.nudge(), this.config.DRIFT_CHECK_SPACING_MS);
          timer.unref();
        });
      this.inProgress.set(key, work);
    }
  }

  private async check(leased: DriftBaseline, trigger: DriftCheckTrigger): Promise<DriftCheckOutcome> {
    let baseline = leased;
    for (;;) {
      const read = await this.readErp(baseline);
      if (!read.ok) {
        // A transient failure is retried with backoff (at least the ERP's Retry-After); a permanent one at the next interval.
        const backoff = retryDelayMs(baseline.checkFailures + 1, { baseMs: this.config.EXPORT_RETRY_BASE_MS, maxMs: this.config.EXPORT_RETRY_MAX_MS }, Math.random());
        const delay = read.error.kind === 'transient' ? Math.min(this.config.DRIFT_CHECK_INTERVAL_MS, Math.max(backoff, read.error.retryAfterMs ?? 0)) : this.config.DRIFT_CHECK_INTERVAL_MS;
        await this.dataSource.transaction((m) => DriftBaselines.retryLater(m, baseline, delay));
        if (read.error.kind === 'permanent') this.logger.warn(`drift check of budget ${baseline.budgetId}: ${read.error.code}: ${read.error.message}`);
        return { ok: false, error: read.error };
      }
      const outcome = await this.uow.run((m) => this.record(m, baseline, trigger, read.value));
      if ('moved' in outcome) {
        // A posting or an import moved the baseline while the ERP was read: that read may predate it, so read again.
        baseline = outcome.moved;
        continue;
      }
      return outcome;
    }
  }

  private async readErp(baseline: DriftBaseline): Promise<ErpResult<ErpLine[]>> {
    const resolved = await this.dataSource.transaction((m) => this.connections.connectionOrFailureFor(m, baseline.companyId));
    if (!resolved) return { ok: false, error: { kind: 'permanent', code: 'connection_missing', message: 'The company has no ERP connection' } };
    if ('failure' in resolved) return { ok: false, error: resolved.failure };
    return adapterFor(baseline.system).readBudget(resolved.connection, baseline.jobNumber);
  }

  /** Records the comparison and publishes what changed, against the baseline as it is now (a posting may have moved it meanwhile). */
  private async record(m: EntityManager, read: DriftBaseline, trigger: DriftCheckTrigger, erpLines: ErpLine[]): Promise<DriftCheckOutcome | { moved: DriftBaseline }> {
    const checkedAt = new Date().toISOString();
    const current = await DriftBaselines.find(m, read.companyId, read.budgetId, true);
    if (!current) return { ok: false, error: { kind: 'permanent', code: 'unknown', message: `Budget ${read.budgetId} is no longer compared with its ERP job` } };
    if (current.version !== read.version) return { moved: current };
    const lines = differingLines(current.lines, erpLines);
    const platformTotal = totalOf(current.lines);
    const erpTotal = totalOf(erpLines);
    const decision = decideDrift(current.state, lines, randomUUID);
    const base = {
      budgetId: current.budgetId,
      projectId: current.projectId,
      companyId: current.companyId,
      erpSystem: current.system,
      jobNumber: current.jobNumber,
      origin: current.origin,
      trigger,
    };
    if (decision.publish === 'detected') {
      await this.outbox.publish(m, {
        topic: Topics.ErpBudgetDriftDetected,
        subject: current.budgetId,
        companyId: current.companyId,
        payload: { ...base, driftId: decision.next.driftId, lines, platformTotal, erpTotal, detectedAt: checkedAt },
      });
      this.logger.warn(`budget ${current.budgetId} drifted from ${current.system} job ${current.jobNumber}: ${lines.length} line(s) differ`);
    } else if (decision.publish === 'resolved') {
      await this.outbox.publish(m, {
        topic: Topics.ErpBudgetDriftResolved,
        subject: current.budgetId,
        companyId: current.companyId,
        payload: { ...base, driftId: decision.driftId, total: erpTotal, resolvedAt: checkedAt },
      });
    }
    await DriftBaselines.recordCheck(m, current, decision.next, lines.length > 0 ? lines : null, erpTotal, this.config.DRIFT_CHECK_INTERVAL_MS);
    return { ok: true, state: decision.next, lines, platformTotal, erpTotal, checkedAt };
  }
}
