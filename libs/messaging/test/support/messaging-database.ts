import { DataSource, MigrationInterface } from 'typeorm';
import { messagingEntities, messagingMigrations } from '../../src';

type MigrationClass = new () => MigrationInterface;

/** A data source on the given database with the messaging tables migrated, as a service would have it. */
export async function openMigratedDataSource(url: string, extraMigrations: MigrationClass[] = [], poolSize = 10): Promise<DataSource> {
  const dataSource = new DataSource({
    type: 'postgres',
    url,
    entities: [...messagingEntities],
    migrations: [...messagingMigrations, ...extraMigrations],
    synchronize: false,
    extra: { max: poolSize },
  });
  await dataSource.initialize();
  await dataSource.runMigrations();
  return dataSource;
}
