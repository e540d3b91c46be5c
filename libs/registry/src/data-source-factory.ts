import { DataSource, type DataSourceOptions } from 'typeorm';
import { withMigrationLock } from './migration-lock';
import { registryMessages as messages } from './registry.messages';

/**
 * Creates and initializes the registry's DataSource (running its migrations) under the
 * cross-worker migration lock. Fits `TypeOrmModule.forRootAsync({ dataSourceFactory })`.
 */
export async function createRegistryDataSource(options?: DataSourceOptions): Promise<DataSource> {
  if (options === undefined) throw new Error(messages.missingDataSourceOptions());
  const dataSource = new DataSource(options);
  return withMigrationLock(options, () => dataSource.initialize());
}
