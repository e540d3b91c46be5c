import { DataSource, type DataSourceOptions } from 'typeorm';
import { withMigrationLock } from './migration-lock';

/**
 * Creates and initializes the registry's DataSource (running its migrations) under the
 * cross-worker migration lock. Fits `TypeOrmModule.forRootAsync({ dataSourceFactory })`.
 */
export async function createRegistryDataSource(options?: DataSourceOptions): Promise<DataSource> {
  if (options === undefined) throw new Error('createRegistryDataSource needs DataSource options');
  const dataSource = new DataSource(options);
  return withMigrationLock(options, () => dataSource.initialize());
}
