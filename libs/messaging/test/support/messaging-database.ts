import { DataSource } from 'typeorm';
import { messagingEntities, messagingMigrations } from '../../src';

/** A data source on the given database with the messaging tables migrated (as a service would have). */
export async function openMigratedDataSource(url: string, extraEntities: Function[] = [], extraMigrations: Function[] = []): Promise<DataSource> {
  const dataSource = new DataSource({
    type: 'postgres',
    url,
    entities: [...messagingEntities, ...extraEntities],
    migrations: [...messagingMigrations, ...extraMigrations],
    synchronize: false,
    extra: { max: 10 },
  });
  await dataSource.initialize();
  await dataSource.runMigrations();
  return dataSource;
}
