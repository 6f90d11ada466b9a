import { DynamicModule, Module } from '@nestjs/common';
import { PlatformModule, RetentionPurger } from '@budget-erp/service-kit';
import { DataSource } from 'typeorm';
import type { ErpConnectorConfig } from './config';
import { ErpConnectionsService } from './connections/application/erp-connections.service';
import { ErpConnectionOrmEntity } from './connections/infrastructure/erp-connection.orm-entity';
import { ErpProjectLinkOrmEntity } from './project-links/infrastructure/erp-project-link.orm-entity';
import { CreateErpConnections1732390000000 } from './connections/infrastructure/migrations/1732390000000-create-erp-connections';
import { ErpConnectionHttpController } from './connections/transport/erp-connection.http-controller';
import { ExportIntakeHandler } from './exports/application/export-intake/export-intake.handler';
import { TestErpConnectionHandler } from './connections/application/test-erp-connection.handler';
import { AddErpConnectionBaseUrl1733430000000 } from './connections/infrastructure/migrations/1733430000000-add-erp-connection-base-url';
import { ExportWorkers } from './exports/application/export-worker/export-workers.service';
import { ErpExportAttemptOrmEntity, ErpExportOrmEntity } from './exports/infrastructure/erp-export.orm-entity';
import { ErpExportRepository } from './exports/infrastructure/erp-export.repository';
import { ErpSendRepository } from './exports/infrastructure/erp-send.repository';
import { CreateErpExports1732390000001 } from './exports/infrastructure/migrations/1732390000001-create-erp-exports';
import { RecordSendsAndFacts1764979200000 } from './exports/infrastructure/migrations/1764979200000-record-sends-and-facts';
import { FenceExportLeases1765000000000 } from './exports/infrastructure/migrations/1765000000000-fence-export-leases';
import { IndexSendChunksByAge1765200000001 } from './exports/infrastructure/migrations/1765200000001-index-send-chunks-by-age';
import { exportDataRetentionRules } from './exports/infrastructure/retention';
import { ErpExportEventsKafkaController } from './exports/transport/erp-export-events.kafka-controller';
import { ErpExportHttpController } from './exports/transport/erp-export.http-controller';
import { ImportErpBudgetHandler } from './imports/application/import-erp-budget.handler';
import { ImportWorker } from './imports/application/import-worker.service';
import { AddErpImportDigest1765100000001 } from './imports/infrastructure/migrations/1765100000001-add-erp-import-digest';
import { CreateErpImports1765100000000 } from './imports/infrastructure/migrations/1765100000000-create-erp-imports';
import { ImportEventsKafkaController } from './imports/transport/import-events.kafka-controller';
import { ImportHttpController } from './imports/transport/import.http-controller';
import { LinkProjectHandler } from './project-links/application/link-project.handler';
import { ProjectLinkHttpController } from './project-links/transport/project-link.http-controller';
import { ErpJobsHttpController } from './project-links/transport/erp-jobs.http-controller';
import { ProjectLinkQueries } from './project-links/application/project-links.queries';
import { UnlinkProjectHandler } from './project-links/application/unlink-project.handler';
import { DriftReconciler } from './drift/application/drift-reconciler.service';
import { CreateErpDriftBaselines1765200000000 } from './drift/infrastructure/migrations/1765200000000-create-erp-drift-baselines';
import { DriftHttpController } from './drift/transport/drift.http-controller';

export const SERVICE_NAME = 'erp-connector';

@Module({})
export class AppModule {
  static forRoot(config: ErpConnectorConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        PlatformModule.forRoot({
          serviceName: SERVICE_NAME,
          config,
          entities: [ErpConnectionOrmEntity, ErpProjectLinkOrmEntity, ErpExportOrmEntity, ErpExportAttemptOrmEntity],
          migrations: [CreateErpConnections1732390000000, CreateErpExports1732390000001, AddErpConnectionBaseUrl1733430000000, RecordSendsAndFacts1764979200000, FenceExportLeases1765000000000, CreateErpImports1765100000000, AddErpImportDigest1765100000001, CreateErpDriftBaselines1765200000000, IndexSendChunksByAge1765200000001],
          messaging: { relay: { pollIntervalMs: 200 } },
        }),
      ],
      controllers: [ErpConnectionHttpController, ProjectLinkHttpController, ErpJobsHttpController, ImportHttpController, ErpExportHttpController, ErpExportEventsKafkaController, ImportEventsKafkaController, DriftHttpController],
      providers: [
        ErpConnectionsService,
        TestErpConnectionHandler,
        LinkProjectHandler,
        UnlinkProjectHandler,
        ProjectLinkQueries,
        ImportErpBudgetHandler,
        ErpExportRepository,
        ErpSendRepository,
        ExportIntakeHandler,
        ExportWorkers,
        ImportWorker,
        DriftReconciler,
        {
          provide: RetentionPurger,
          inject: [DataSource],
          useFactory: (dataSource: DataSource) =>
            new RetentionPurger(dataSource, exportDataRetentionRules(config.EXPORT_DATA_RETAIN_MS), { intervalMs: config.RETENTION_PURGE_INTERVAL_MS }, 'export data retention purge'),
        },
      ],
    };
  }
}
