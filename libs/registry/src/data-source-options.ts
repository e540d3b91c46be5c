import type { DataSourceOptions } from 'typeorm';
import { REGISTRY_ENTITIES, REGISTRY_MIGRATIONS } from './registry-schema';
import { RegistryTypeOrmLogger } from './typeorm-logger';
import type { RegistryDatabaseConfig } from './types';

/** How long a SQLite writer waits for another worker's write lock before SQLITE_BUSY. */
export const SQLITE_BUSY_TIMEOUT_MS = 5_000;

/**
 * DataSource options of the registry: schema from migrations (run at start), never from
 * synchronize; no query logging, because TypeORM logs query parameters.
 */
export function registryDataSourceOptions(database: RegistryDatabaseConfig): DataSourceOptions {
  const common = {
    entities: REGISTRY_ENTITIES,
    migrations: REGISTRY_MIGRATIONS,
    migrationsRun: true,
    synchronize: false,
    logging: ['warn', 'migration'] as ('warn' | 'migration')[],
    logger: new RegistryTypeOrmLogger(),
  };
  if (database.type === 'sqlite') {
    return {
      ...common,
      type: 'better-sqlite3',
      // The driver creates the parent directory of the file when it is missing.
      database: database.path,
      // WAL lets readers proceed beside the writer; the busy timeout makes concurrent writers
      // from a second worker wait instead of failing with SQLITE_BUSY.
      enableWAL: true,
      timeout: SQLITE_BUSY_TIMEOUT_MS,
    };
  }
  return {
    ...common,
    type: 'postgres',
    url: database.url,
    // gen_random_uuid() is built into PostgreSQL 13+, so no extension has to be installed.
    uuidExtension: 'pgcrypto',
    installExtensions: false,
    applicationName: 'mcp-gateway',
  };
}
