import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { ErpSystem } from '@budget-erp/contracts';
import { OutboxWriter, UnitOfWork } from '@budget-erp/messaging';
import { MetricsService, SERVICE_CONFIG } from '@budget-erp/service-kit';
import type { ErpConnectorConfig } from '../../../config';
import { ErpConnectionsService } from '../../../connections/application/erp-connections.service';
import { adapterFor, erpAdapters } from '../../../erp-adapters/erp-adapter.registry';
import { ErpExportRepository } from '../../infrastructure/erp-export.repository';
import { ExportMetrics } from '../../infrastructure/export-metrics';
import { ErpSendRepository } from '../../infrastructure/erp-send.repository';
import { ExportWorker } from './export-worker';

/** Runs one export worker per ERP named in `ERP_SYSTEMS`. */
@Injectable()
export class ExportWorkers implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly workers = new Map<ErpSystem, ExportWorker>();

  constructor(
    @Inject(SERVICE_CONFIG) config: ErpConnectorConfig,
    @Inject(DataSource) dataSource: DataSource,
    @Inject(UnitOfWork) uow: UnitOfWork,
    @Inject(OutboxWriter) outbox: OutboxWriter,
    @Inject(ErpExportRepository) exports: ErpExportRepository,
    @Inject(ErpSendRepository) sends: ErpSendRepository,
    @Inject(ErpConnectionsService) connections: ErpConnectionsService,
    @Inject(MetricsService) metricsService: MetricsService,
  ) {
    // Every ERP the connector knows, not only this process's: the backlog of each is in the shared table.
    const metrics = new ExportMetrics(metricsService.registry, Object.keys(erpAdapters), () => dataSource.transaction((m) => exports.pendingBySystem(m)));
    for (const system of config.ERP_SYSTEMS) {
      this.workers.set(system, new ExportWorker(adapterFor(system), { dataSource, uow, outbox, exports, sends, connections, config, metrics }));
    }
  }

  onApplicationBootstrap(): void {
    for (const worker of this.workers.values()) worker.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([...this.workers.values()].map((w) => w.stop()));
  }

  runsFor(system: ErpSystem): boolean {
    return this.workers.has(system);
  }

  /** Wakes the ERP's worker after an export was committed (it also polls, so this is only a speed-up). */
  nudge(system: ErpSystem): void {
    this.workers.get(system)?.nudge();
  }
}
