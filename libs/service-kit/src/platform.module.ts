import { DynamicModule, Inject, Injectable, Module, ModuleMetadata, OnModuleInit } from '@nestjs/common';
import { APP_FILTER, ModuleRef } from '@nestjs/core';
import { DataSource } from 'typeorm';
import { AuthModule, DEV_JWT_SECRET } from '@budget-erp/auth';
import { MessagingModule, MessagingModuleOptions, messagingEntities, messagingMigrations, OutboxRelay } from '@budget-erp/messaging';
import { BaseServiceConfig, kafkaSecurityOf } from './config/load-config';
import { DatabaseModule, DatabaseOptions } from './database/database.module';
import { AllExceptionsFilter } from './errors/all-exceptions.filter';
import { HealthController } from './health/health.controller';
import { HealthService } from './health/health.service';
import { outboxRelayCheck } from './health/messaging-checks';
import { brokerCheck, databaseCheck } from './health/platform-checks';
import { MetricsController } from './metrics/metrics.controller';
import { MetricsService } from './metrics/metrics.service';

/** Injection token of the service's validated config: `@Inject(SERVICE_CONFIG) config: MyConfig`. */
export const SERVICE_CONFIG = Symbol('SERVICE_CONFIG');
export const SERVICE_NAME = Symbol('SERVICE_NAME');

export interface PlatformOptions {
  serviceName: string;
  /** The result of `loadConfig(...)` on a schema built with `serviceConfigSchema(...)`. */
  config: BaseServiceConfig;
  /** The service's own entities and migrations; the messaging tables are added for it. */
  entities: DatabaseOptions['entities'];
  migrations: DatabaseOptions['migrations'];
  poolSize?: number;
  /** Outbox relay tuning; `false` leaves the messaging module out (a service that neither publishes nor consumes). */
  messaging?: Pick<MessagingModuleOptions, 'relay'> | false;
  /** Extra modules that need the platform's providers (e.g. the messaging module). */
  imports?: ModuleMetadata['imports'];
}

function asArray<T>(list: T[] | Record<string, T>): T[] {
  return Array.isArray(list) ? list : Object.values(list);
}

@Injectable()
class PlatformChecks implements OnModuleInit {
  constructor(
    private readonly health: HealthService,
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(SERVICE_CONFIG) private readonly config: BaseServiceConfig,
    @Inject(SERVICE_NAME) private readonly serviceName: string,
    private readonly moduleRef: ModuleRef,
  ) {}

  onModuleInit(): void {
    this.health.register('database', databaseCheck(this.dataSource));
    this.health.register('broker', brokerCheck(this.config.KAFKA_BROKERS, this.serviceName, { security: kafkaSecurityOf(this.config) }));
    const relay = this.relay();
    if (relay) this.health.register('outbox', outboxRelayCheck(relay));
  }

  /** The outbox relay, unless the service runs without messaging. */
  private relay(): OutboxRelay | undefined {
    try {
      return this.moduleRef.get(OutboxRelay, { strict: false });
    } catch {
      return undefined;
    }
  }
}

/**
 * Everything a service shares with the others: config, database, auth guard, error mapping,
 * health, metrics. Import once in the AppModule; start with `startService()`.
 */
@Module({})
export class PlatformModule {
  static forRoot(options: PlatformOptions): DynamicModule {
    const { config, serviceName } = options;
    return {
      module: PlatformModule,
      global: true,
      imports: [
        DatabaseModule.forRoot({
          url: config.DATABASE_URL,
          entities: options.messaging === false ? options.entities : [...messagingEntities, ...asArray(options.entities)],
          migrations: options.messaging === false ? options.migrations : [...messagingMigrations, ...asArray(options.migrations)],
          applicationName: serviceName,
          connectTimeoutMs: config.DATABASE_CONNECT_TIMEOUT_MS,
          ...(options.poolSize ? { poolSize: options.poolSize } : {}),
        }),
        AuthModule.forRoot({
          ...(config.JWKS_URL ? { jwksUrl: config.JWKS_URL } : { secret: config.JWT_SECRET ?? DEV_JWT_SECRET }),
          ...(config.JWT_ISSUER ? { issuer: config.JWT_ISSUER } : {}),
          ...(config.JWT_AUDIENCE ? { audience: config.JWT_AUDIENCE } : {}),
        }),
        ...(options.messaging === false
          ? []
          : [MessagingModule.forRoot({ serviceName, brokers: config.KAFKA_BROKERS, security: kafkaSecurityOf(config), ...(options.messaging ?? {}) })]),
        ...(options.imports ?? []),
      ],
      controllers: [HealthController, MetricsController],
      providers: [
        { provide: SERVICE_CONFIG, useValue: config },
        { provide: SERVICE_NAME, useValue: serviceName },
        { provide: MetricsService, useFactory: () => new MetricsService(serviceName) },
        { provide: APP_FILTER, useClass: AllExceptionsFilter },
        HealthService,
        PlatformChecks,
      ],
      exports: [SERVICE_CONFIG, SERVICE_NAME, HealthService, MetricsService],
    };
  }
}
