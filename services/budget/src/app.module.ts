import { DynamicModule, Module } from '@nestjs/common';
import { OutboxWriter, UnitOfWork } from '@budget-erp/messaging';
import { kafkaSecurityOf, PlatformModule, RetentionPurger } from '@budget-erp/service-kit';
import { DataSource } from 'typeorm';
import { snapshotRetentionRules } from './budgets/infrastructure/snapshot-retention';
import { BudgetCommands } from './budgets/application/budget-commands';
import { BudgetQueries } from './budgets/application/budget-queries/budget-queries';
import { CreateBudgetHandler } from './budgets/application/create-budget/create-budget.handler';
import { EditLinesHandler } from './budgets/application/edit-lines/edit-lines.handler';
import { LockBudgetHandler } from './budgets/application/lock-budget/lock-budget.handler';
import { ManageModificationsHandler } from './budgets/application/manage-modifications/manage-modifications.handler';
import { CLOCK, EVENT_PUBLISHER, TRANSACTION_RUNNER } from './budgets/application/ports';
import { ReimportBudgetHandler } from './budgets/application/reimport-budget/reimport-budget.handler';
import { RetrieveBudgetFromErpHandler } from './budgets/application/retrieve-budget-from-erp/retrieve-budget-from-erp.handler';
import { SendBudgetToErpHandler } from './budgets/application/send-budget-to-erp/send-budget-to-erp.handler';
import { budgetEntities, budgetMigrations } from './persistence';
import { BudgetEventsKafkaController } from './budgets/transport/budget-events.kafka-controller';
import { BudgetHttpController } from './budgets/transport/budget.http-controller';
import { BUDGET_CONFIG, BUDGET_LIMITS, budgetConfigOf, budgetLimitsOf, BudgetServiceConfig } from './config';
import { ErpContextEventsKafkaController } from './erp-readiness/transport/erp-context-events.kafka-controller';
import { AdvanceExportSagaHandler } from './export-saga/application/advance-export-saga/advance-export-saga.handler';
import { ExportTimeoutSweeper } from './export-saga/application/export-timeout-sweeper/export-timeout-sweeper';
import { ExportSagaEventsKafkaController } from './export-saga/transport/export-saga-events.kafka-controller';
import { KafkaOutcomeBacklog, OUTCOME_BACKLOG } from './export-saga/infrastructure/outcome-backlog';

export const SERVICE_NAME = 'budget';

@Module({})
export class AppModule {
  static forRoot(config: BudgetServiceConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        PlatformModule.forRoot({
          serviceName: SERVICE_NAME,
          config,
          entities: budgetEntities,
          migrations: budgetMigrations,
          ...(config.OUTBOX_POLL_MS ? { messaging: { relay: { pollIntervalMs: config.OUTBOX_POLL_MS } } } : {}),
        }),
      ],
      controllers: [BudgetHttpController, BudgetEventsKafkaController, ExportSagaEventsKafkaController, ErpContextEventsKafkaController],
      providers: [
        { provide: BUDGET_CONFIG, useValue: budgetConfigOf(config) },
        { provide: BUDGET_LIMITS, useValue: budgetLimitsOf(config) },
        { provide: TRANSACTION_RUNNER, useExisting: UnitOfWork },
        { provide: EVENT_PUBLISHER, useExisting: OutboxWriter },
        { provide: CLOCK, useValue: { now: () => new Date() } },
        BudgetCommands,
        BudgetQueries,
        CreateBudgetHandler,
        EditLinesHandler,
        ManageModificationsHandler,
        LockBudgetHandler,
        SendBudgetToErpHandler,
        RetrieveBudgetFromErpHandler,
        ReimportBudgetHandler,
        AdvanceExportSagaHandler,
        ExportTimeoutSweeper,
        // The inbox's consumer group is the service's name (start.ts).
        { provide: OUTCOME_BACKLOG, useFactory: () => new KafkaOutcomeBacklog(config.KAFKA_BROKERS, SERVICE_NAME, kafkaSecurityOf(config)) },
        {
          provide: RetentionPurger,
          inject: [DataSource],
          useFactory: (dataSource: DataSource) =>
            new RetentionPurger(dataSource, snapshotRetentionRules(config.EXPORT_SNAPSHOT_RETAIN_MS), { intervalMs: config.RETENTION_PURGE_INTERVAL_MS }, 'export snapshot retention purge'),
        },
      ],
    };
  }
}
