import { Logger } from '@nestjs/common';
import { errorMessage, redactSecrets } from '@app/common';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { withMigrationLock } from './migration-lock';
import { registryMessages as messages } from './registry.messages';
import { isDatabaseUnavailable } from './storage-errors';

/**
 * Creates and initializes the registry's DataSource (running its migrations) under the
 * cross-worker migration lock; throws when it cannot.
 */
export async function createRegistryDataSource(options?: DataSourceOptions): Promise<DataSource> {
  if (options === undefined) throw new Error(messages.missingDataSourceOptions());
  const dataSource = new DataSource(options);
  return withMigrationLock(options, () => dataSource.initialize());
}

/** How a DataSource from startRegistryDataSource is getting on. */
interface Connecting {
  /** Connected and migrated: repositories may use it. */
  ready: boolean;
  stopped: boolean;
  attempts: number;
  timer: NodeJS.Timeout | null;
}

const connecting = new WeakMap<DataSource, Connecting>();
const logger = new Logger('RegistryDatabase');

/** Delay between background connection attempts when the database was unavailable at start. */
export const REGISTRY_CONNECT_RETRY_MS = 2_000;

/**
 * Whether the registry may query `dataSource` now: connected and migrated. A DataSource that
 * startRegistryDataSource still connects in the background is not; any other is when initialized.
 */
export function isRegistryDatabaseReady(dataSource: DataSource): boolean {
  return connecting.get(dataSource)?.ready ?? dataSource.isInitialized;
}

/**
 * Like createRegistryDataSource, but a database that cannot be reached (refused, timed out:
 * isDatabaseUnavailable) does not stop the gateway from starting: the DataSource is returned
 * unconnected and connects in the background, every `retryMs`, until it succeeds or
 * stopRegistryDataSource is called. Meanwhile the registry answers RegistryUnavailableError at
 * once. Any other failure (a migration that fails, a bad path) is thrown as before.
 * Fits `TypeOrmModule.forRootAsync({ dataSourceFactory })` with `manualInitialization: true`.
 */
export async function startRegistryDataSource(
  options?: DataSourceOptions,
  retryMs = REGISTRY_CONNECT_RETRY_MS,
): Promise<DataSource> {
  if (options === undefined) throw new Error(messages.missingDataSourceOptions());
  const dataSource = new DataSource(options);
  const state: Connecting = { ready: false, stopped: false, attempts: 0, timer: null };
  connecting.set(dataSource, state);
  const error = await attempt(dataSource, options, state);
  if (error === null) return dataSource;
  if (!isDatabaseUnavailable(error)) {
    connecting.delete(dataSource);
    throw error;
  }
  logger.warn(messages.databaseStartFailed(reasonOf(error), retryMs));
  const retry = (): void => {
    state.timer = setTimeout(() => {
      state.timer = null;
      void attempt(dataSource, options, state).then((failure) => {
        if (failure === null) {
          if (!state.stopped) logger.log(messages.databaseConnected(state.attempts));
          return;
        }
        if (state.stopped) return;
        logger.warn(messages.databaseRetryFailed(state.attempts, reasonOf(failure)));
        retry();
      });
    }, retryMs);
    state.timer.unref();
  };
  retry();
  return dataSource;
}

/** Ends the background connection attempts of a DataSource from startRegistryDataSource. */
export async function stopRegistryDataSource(dataSource: DataSource): Promise<void> {
  const state = connecting.get(dataSource);
  if (state === undefined) return;
  state.stopped = true;
  if (state.timer !== null) clearTimeout(state.timer);
  state.timer = null;
}

/** One attempt: connect and migrate under the lock. Null on success, else the error. */
async function attempt(dataSource: DataSource, options: DataSourceOptions, state: Connecting): Promise<unknown> {
  state.attempts += 1;
  try {
    await withMigrationLock(options, () => dataSource.initialize());
  } catch (error) {
    // Initialized means migrated: only releasing the lock failed, and the database is usable.
    if (!dataSource.isInitialized) return error;
  }
  if (state.stopped) {
    // Shut down meanwhile: nobody will close it.
    await dataSource.destroy().catch(() => undefined);
    return null;
  }
  state.ready = true;
  return null;
}

function reasonOf(error: unknown): string {
  return redactSecrets(errorMessage(error));
}
