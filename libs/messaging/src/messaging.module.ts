import { DynamicModule, Inject, Injectable, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { KafkaSecurity } from './kafka/kafka-client';
import { OutboxRelay } from './outbox/outbox-relay';
import { OutboxWriter } from './outbox/outbox-writer';
import { UnitOfWork } from './outbox/unit-of-work';

export interface MessagingModuleOptions {
  /** The service's name: CloudEvents source `/<serviceName>` and Kafka client id. */
  serviceName: string;
  brokers: string[];
  /** TLS and SASL settings of the brokers (default: plaintext, no SASL). */
  security?: KafkaSecurity;
  relay?: { pollIntervalMs?: number; batchSize?: number; enabled?: boolean };
}

export const MESSAGING_OPTIONS = Symbol('MESSAGING_OPTIONS');

/** Starts the relay when the application has bootstrapped and stops it on shutdown. */
@Injectable()
class OutboxRelayLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    @Inject(OutboxRelay) private readonly relay: OutboxRelay,
    @Inject(MESSAGING_OPTIONS) private readonly options: MessagingModuleOptions,
  ) {}

  onApplicationBootstrap(): void {
    if (this.options.relay?.enabled !== false) this.relay.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.relay.stop();
  }
}

@Module({})
export class MessagingModule {
  /** Outbox writer, unit of work and relay for a service; needs the TypeORM `DataSource` provider. */
  static forRoot(options: MessagingModuleOptions): DynamicModule {
    return {
      module: MessagingModule,
      global: true,
      providers: [
        { provide: MESSAGING_OPTIONS, useValue: options },
        { provide: OutboxWriter, useFactory: () => new OutboxWriter({ serviceName: options.serviceName }) },
        {
          provide: OutboxRelay,
          inject: [DataSource],
          useFactory: (dataSource: DataSource) =>
            new OutboxRelay(dataSource, {
              brokers: options.brokers,
              ...(options.security ? { security: options.security } : {}),
              clientId: `${options.serviceName}-outbox`,
              ...(options.relay?.pollIntervalMs !== undefined ? { pollIntervalMs: options.relay.pollIntervalMs } : {}),
              ...(options.relay?.batchSize !== undefined ? { batchSize: options.relay.batchSize } : {}),
            }),
        },
        {
          provide: UnitOfWork,
          inject: [DataSource, OutboxRelay],
          useFactory: (dataSource: DataSource, relay: OutboxRelay) => new UnitOfWork(dataSource, relay),
        },
        OutboxRelayLifecycle,
      ],
      exports: [OutboxWriter, UnitOfWork, OutboxRelay, MESSAGING_OPTIONS],
    };
  }
}
