import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { UnitOfWork } from '@budget-erp/messaging';
import { PollingLoop, SERVICE_CONFIG } from '@budget-erp/service-kit';
import type { ErpConnectorConfig } from '../../config';
import { retryDelayHonouringErpMs } from '../../exports/domain/retry-policy';
import { ErpImportQueue, type QueuedImport } from '../infrastructure/erp-import.repository';
import { erpBudgetOf, ImportErpBudgetHandler, previewedOrChanged } from './import-erp-budget.handler';
import { resyncAfterImport } from '../../drift/application/resync-baseline';

const BATCH = 10;


/**
 * Works the `erp_imports` queue of the ERPs this process runs (`ERP_SYSTEMS`): leases an import,
 * reads the ERP outside any transaction, then records the outcome and publishes it in one
 * transaction. A transient ERP error (network, timeout, 5xx) is retried with exponential backoff
 * and jitter (`EXPORT_RETRY_BASE_MS` .. `EXPORT_RETRY_MAX_MS`), or after the ERP's `Retry-After` when
 * it is longer; after `EXPORT_MAX_ATTEMPTS`
 * attempts, or at once for a permanent one, `erp.budget.import.failed` carries its reason code.
 * A crashed worker's lease expires after `EXPORT_LEASE_MS` and another resumes the import.
 */
@Injectable()
export class ImportWorker implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('ImportWorker');
  private readonly inProgress = new Map<string, Promise<void>>();
  private readonly loop: PollingLoop;

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: ErpConnectorConfig,
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(UnitOfWork) private readonly uow: UnitOfWork,
    @Inject(ImportErpBudgetHandler) private readonly importBudget: ImportErpBudgetHandler,
  ) {
    this.loop = new PollingLoop(this.logger, 'import worker', () => this.tick(), config.EXPORT_POLL_MS);
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

  /** Wakes the worker after an import was committed (it also polls every `EXPORT_POLL_MS`). */
  nudge(): void {
    this.loop.nudge();
  }

  private async tick(): Promise<void> {
    const room = BATCH - this.inProgress.size;
    if (room <= 0) return;
    const leased = await this.dataSource.transaction((m) => ErpImportQueue.leaseDue(m, this.config.ERP_SYSTEMS, room, this.config.EXPORT_LEASE_MS));
    for (const queued of leased) {
      const id = queued.request.importId;
      if (this.inProgress.has(id)) continue;
      const work = this.attempt(queued)
        .catch((error: Error) => {
          if (this.running) this.logger.error(`import ${id}: ${error.message}`);
        })
        .finally(() => this.inProgress.delete(id));
      this.inProgress.set(id, work);
    }
  }

  private async attempt({ request, attempts }: QueuedImport): Promise<void> {
    const read = previewedOrChanged(request, await this.importBudget.read(this.dataSource, request));
    if (!read.ok && read.error.kind === 'transient' && attempts < this.config.EXPORT_MAX_ATTEMPTS) {
      const delay = retryDelayHonouringErpMs(attempts, { baseMs: this.config.EXPORT_RETRY_BASE_MS, maxMs: this.config.EXPORT_RETRY_MAX_MS }, read.error, Math.random());
      this.logger.warn(`import ${request.importId}: attempt ${attempts} failed (${read.error.code}: ${read.error.message}); retrying in ${delay} ms`);
      await this.dataSource.transaction((m) => ErpImportQueue.retryLater(m, request.importId, delay, read.error));
      this.nudgeAfter(delay);
      return;
    }
    await this.uow.run(async (manager) => {
      if (!(await ErpImportQueue.finish(manager, request.importId, read.ok ? 'imported' : 'failed', read.ok ? null : read.error))) return;
      const outcome = await this.importBudget.publish(manager, request, read);
      if (outcome.status === 'imported' && read.ok) await resyncAfterImport(manager, request, erpBudgetOf(read.value).lines);
    });
  }

  private nudgeAfter(delayMs: number): void {
    const timer = setTimeout(() => this.running && this.nudge(), delayMs);
    timer.unref();
  }
}
