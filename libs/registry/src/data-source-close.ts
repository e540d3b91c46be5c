import { settlesWithin } from '@app/common';
import type { DataSource } from 'typeorm';

/** How a bounded close went: cleanly, after dropping the driver's sockets, or left behind. */
export type DataSourceCloseOutcome = 'closed' | 'forced' | 'abandoned';

/** Share of the time a clean close gets before the sockets are dropped. */
const CLEAN_SHARE = 0.75;

/**
 * Destroys the registry's DataSource within `timeoutMs`. A clean destroy waits for every query
 * in flight, so a database that hangs would hold it for ever: past three quarters of the time
 * the driver's sockets are dropped (dropDatabaseConnections), which fails those queries at once
 * and lets the destroy finish; if even that does not end it in time, it is left behind
 * ('abandoned': it ends with the process). Rejects only when the destroy itself fails in time.
 */
export async function closeRegistryDataSource(
  dataSource: DataSource,
  timeoutMs: number,
): Promise<DataSourceCloseOutcome> {
  if (!dataSource.isInitialized) return 'closed';
  const destroying = dataSource.destroy();
  const cleanMs = Math.floor(timeoutMs * CLEAN_SHARE);
  if (await settlesWithin(destroying, cleanMs)) {
    await destroying;
    return 'closed';
  }
  dropDatabaseConnections(dataSource);
  if (await settlesWithin(destroying, timeoutMs - cleanMs)) {
    // A failure now is the dropped sockets' doing, and the DataSource is closed all the same.
    await destroying.catch(() => undefined);
    return 'forced';
  }
  return 'abandoned';
}

/**
 * Destroys the socket of every PostgreSQL connection of `dataSource` (connected, busy or still
 * connecting), so whatever waits on them fails at once. Reaches into node-postgres' pool, which
 * offers no forced close; SQLite has no sockets (its close is synchronous). Returns how many.
 */
export function dropDatabaseConnections(dataSource: DataSource): number {
  const driver = dataSource.driver as { master?: PgPoolLike; slaves?: PgPoolLike[] };
  let dropped = 0;
  for (const pool of [driver.master, ...(driver.slaves ?? [])]) {
    for (const client of pool?._clients ?? []) {
      client.connection?.stream?.destroy();
      dropped += 1;
    }
  }
  return dropped;
}

interface PgPoolLike {
  _clients?: Array<{ connection?: { stream?: { destroy(): void } } }>;
}
