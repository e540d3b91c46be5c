import { DataSource, type DataSourceOptions, type QueryRunner } from 'typeorm';
import { registryMessages as messages } from './registry.messages';

const LOCK_TIMEOUT_MS = 60_000;
const RETRY_DELAY_MS = 50;
// Arbitrary but fixed: every worker of this gateway must agree on it.
const PG_ADVISORY_LOCK_KEY = '7311234501';

/**
 * Runs `work` while holding a lock shared by every worker on the same database, so that two
 * workers starting together do not both run the migrations (TypeORM takes no lock itself).
 * PostgreSQL: a session advisory lock. SQLite: an exclusive transaction on a sidecar file
 * (`<database>.lock`), which the OS releases if the process dies. Waiting polls, so it
 * never blocks the event loop.
 */
export async function withMigrationLock<T>(options: DataSourceOptions, work: () => Promise<T>): Promise<T> {
  const lock = lockFor(options);
  if (lock === null) return work();
  const dataSource = await new DataSource(lock.options).initialize();
  const runner = dataSource.createQueryRunner();
  try {
    await runner.connect();
    await acquire(() => lock.tryAcquire(runner));
    try {
      return await work();
    } finally {
      await lock.release(runner);
    }
  } finally {
    await runner.release();
    await dataSource.destroy();
  }
}

interface Lock {
  options: DataSourceOptions;
  tryAcquire(runner: QueryRunner): Promise<boolean>;
  release(runner: QueryRunner): Promise<void>;
}

function lockFor(options: DataSourceOptions): Lock | null {
  if (options.type === 'postgres') {
    return {
      options: { ...schemaless(options), extra: { ...options.extra, max: 1 } },
      async tryAcquire(runner) {
        const rows: { locked: boolean }[] = await runner.query('SELECT pg_try_advisory_lock($1::bigint) AS locked', [
          PG_ADVISORY_LOCK_KEY,
        ]);
        return rows[0]?.locked === true;
      },
      async release(runner) {
        await runner.query('SELECT pg_advisory_unlock($1::bigint)', [PG_ADVISORY_LOCK_KEY]);
      },
    };
  }
  if (options.type === 'better-sqlite3' && options.database !== ':memory:') {
    return {
      options: {
        ...schemaless(options),
        database: `${options.database}.lock`,
        timeout: 0,
        enableWAL: false,
        prepareDatabase: undefined,
      },
      async tryAcquire(runner) {
        try {
          await runner.query('BEGIN EXCLUSIVE');
          return true;
        } catch (error) {
          if (isSqliteBusy(error)) return false;
          throw error;
        }
      },
      async release(runner) {
        await runner.query('COMMIT');
      },
    };
  }
  return null;
}

/** The lock's own connection: same database settings, nothing of the schema. */
function schemaless<T extends DataSourceOptions>(options: T): T {
  return {
    ...options,
    entities: [],
    migrations: [],
    subscribers: [],
    migrationsRun: false,
    synchronize: false,
    dropSchema: false,
  };
}

async function acquire(tryAcquire: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + LOCK_TIMEOUT_MS;
  while (!(await tryAcquire())) {
    if (Date.now() >= deadline) {
      throw new Error(messages.migrationLockTimeout(LOCK_TIMEOUT_MS));
    }
    await new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MS));
  }
}

function isSqliteBusy(error: unknown): boolean {
  const driverError = (error as { driverError?: { code?: unknown } }).driverError ?? error;
  const code = (driverError as { code?: unknown }).code;
  return typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'));
}
