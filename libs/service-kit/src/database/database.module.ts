import { DynamicModule, Global, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { DataSource, MixedList } from 'typeorm';
import { ensureDatabaseExists } from './ensure-database';

type EntityList = MixedList<string | (new (...args: never[]) => unknown) | import('typeorm').EntitySchema>;
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
type MigrationList = MixedList<Function | string>;

export interface DatabaseOptions {
  url: string;
  entities: EntityList;
  migrations: MigrationList;
  /** Connections in the pool; small by default (several services share one server). */
  poolSize?: number;
  applicationName?: string;
}

export async function createDataSource(options: DatabaseOptions): Promise<DataSource> {
  await ensureDatabaseExists(options.url);
  const dataSource = new DataSource({
    type: 'postgres',
    url: options.url,
    entities: options.entities,
    migrations: options.migrations,
    migrationsRun: true,
    synchronize: false,
    logging: false,
    ...(options.applicationName ? { applicationName: options.applicationName } : {}),
    extra: { max: options.poolSize ?? 5, connectionTimeoutMillis: 5000 },
  });
  return dataSource.initialize();
}

class DataSourceCloser implements OnApplicationShutdown {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  async onApplicationShutdown(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}

/** Provides the service's TypeORM `DataSource` (inject it by its class), migrated on start, never synchronized. */
@Global()
@Module({})
export class DatabaseModule {
  static forRoot(options: DatabaseOptions): DynamicModule {
    return {
      module: DatabaseModule,
      providers: [{ provide: DataSource, useFactory: () => createDataSource(options) }, DataSourceCloser],
      exports: [DataSource],
    };
  }
}
