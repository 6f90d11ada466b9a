import { DynamicModule, Module } from '@nestjs/common';
import { OutboxWriter, UnitOfWork } from '@budget-erp/messaging';
import { PlatformModule } from '@budget-erp/service-kit';
import type { ApprovalConfig } from './config';
import { DecideOnBudget } from './review/application/decide-on-budget/decide-on-budget.handler';
import { CLOCK, type Clock, type EventPublisher, type TransactionRunner } from './review/application/ports';
import { ReviewQueries } from './review/application/review-queries/review-queries';
import { approvalEntities, approvalMigrations } from './review/infrastructure/approval-persistence';
import { ReviewEventsKafkaController } from './review/transport/review-events.kafka-controller';
import { ReviewHttpController } from './review/transport/review.http-controller';
import { BudgetDriftHandlers } from './drift/application/budget-drift.handlers';
import { BudgetDriftHttpController } from './drift/transport/budget-drift.http-controller';

export const SERVICE_NAME = 'approval';

export interface ApprovalModuleOverrides {
  clock?: Clock;
}

const systemClock: Clock = { now: () => new Date() };

@Module({})
export class AppModule {
  static forRoot(config: ApprovalConfig, overrides: ApprovalModuleOverrides = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [
        PlatformModule.forRoot({
          serviceName: SERVICE_NAME,
          config,
          entities: approvalEntities,
          migrations: approvalMigrations,
        }),
      ],
      controllers: [ReviewHttpController, BudgetDriftHttpController, ReviewEventsKafkaController],
      providers: [
        { provide: CLOCK, useValue: overrides.clock ?? systemClock },
        {
          provide: DecideOnBudget,
          inject: [UnitOfWork, OutboxWriter, CLOCK],
          useFactory: (uow: TransactionRunner, outbox: EventPublisher, clock: Clock) => new DecideOnBudget(uow, outbox, clock),
        },
        {
          provide: ReviewQueries,
          inject: [UnitOfWork],
          useFactory: (uow: TransactionRunner) => new ReviewQueries(uow),
        },
        {
          provide: BudgetDriftHandlers,
          inject: [UnitOfWork],
          useFactory: (uow: TransactionRunner) => new BudgetDriftHandlers(uow),
        },
      ],
    };
  }
}
