import type { DataSourceOptions } from 'typeorm';
import { REGISTRY_ENTITIES, REGISTRY_MIGRATIONS } from './registry-schema';
import { RegistryTypeOrmLogger } from './typeorm-logger';
import type { RegistryDatabaseConfig, RegistryDatabaseLimits } from './types';

/** The limits a registry database gets when its config leaves them out. */
export const DEFAULT_DATABASE_LIMITS: Required<RegistryDatabaseLimits> = {
  timeoutMs: 5_000,
  poolMax: 10,
  maxPending: 100,
};

/** How long a SQLite writer waits for another worker's write lock before SQLITE_BUSY (the default timeout). */
export const SQLITE_BUSY_TIMEOUT_MS = DEFAULT_DATABASE_LIMITS.timeoutMs;

/** The config's limits, defaults filled in. */
export function databaseLimits(database: RegistryDatabaseConfig): Required<RegistryDatabaseLimits> {
  return {
    timeoutMs: database.timeoutMs ?? DEFAULT_DATABASE_LIMITS.timeoutMs,
    poolMax: database.poolMax ?? DEFAULT_DATABASE_LIMITS.poolMax,
    maxPending: database.maxPending ?? DEFAULT_DATABASE_LIMITS.maxPending,
  };
}

/**
 * DataSource options of the registry: schema from migrations (run at start), never from
 * synchronize; no query logging, because TypeORM logs query parameters. Every wait on the
 * database is bounded by the config's `timeoutMs`, so a database that hangs turns into errors
 * within that time instead of requests that wait for ever.
 */
export function registryDataSourceOptions(database: RegistryDatabaseConfig): DataSourceOptions {
  const limits = databaseLimits(database);
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
      timeout: limits.timeoutMs,
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
    // node-postgres and pg-pool settings. connectionTimeoutMillis bounds a new connection and,
    // once the pool is full, the wait for a free one; query_timeout bounds the wait for an
    // answer on a connection that hangs (the client gives up); statement_timeout makes the
    // server cancel a statement that runs too long; max bounds the connections.
    extra: {
      max: limits.poolMax,
      connectionTimeoutMillis: limits.timeoutMs,
      query_timeout: limits.timeoutMs,
      statement_timeout: limits.timeoutMs,
    },
  };
}
