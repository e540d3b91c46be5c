import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { SerialQueue } from '@app/common';
import type { DataSource } from 'typeorm';
import { isRegistryDatabaseReady } from './data-source-factory';
import { DEFAULT_DATABASE_LIMITS } from './data-source-options';
import { RegistryUnavailableError } from './errors';
import { registryMessages as messages } from './registry.messages';
import { toUnavailable } from './storage-errors';
import { REGISTRY_DATABASE_LIMITS } from './tokens';
import type { RegistryDatabaseLimits } from './types';

/**
 * The one way registry work reaches the database, and where it waits its turn.
 *
 * - Bounded: at most `maxPending` operations of this worker run or wait at once; the next one
 *   fails at once with RegistryUnavailableError, so a database that hangs cannot pile up
 *   requests (each of them holding memory and a client) for as long as it hangs.
 * - Not connected yet (the gateway started without its database): fails at once, the same way.
 * - A database that refuses, drops or times out surfaces as RegistryUnavailableError (short
 *   message; the driver's text only in its `reason`), never as the driver's error.
 * - SQLite: `run` statements wait their turn. better-sqlite3 gives TypeORM one shared
 *   connection: a statement issued while another caller's transaction is open would become part
 *   of it (and concurrent transactions would nest as savepoints). On PostgreSQL, with a pool of
 *   connections, work runs at once.
 */
@Injectable()
export class RegistryWriteQueue {
  private readonly logger = new Logger(RegistryWriteQueue.name);
  private readonly queue: SerialQueue | null;
  private readonly maxPending: number;
  private pendingNow = 0;
  private full = false;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Optional() @Inject(REGISTRY_DATABASE_LIMITS) limits?: RegistryDatabaseLimits,
  ) {
    this.queue = dataSource.options.type === 'better-sqlite3' ? new SerialQueue() : null;
    this.maxPending = limits?.maxPending ?? DEFAULT_DATABASE_LIMITS.maxPending;
  }

  /** Operations running or waiting now. */
  get pending(): number {
    return this.pendingNow;
  }

  /** A write (or a read that must not interleave with one on SQLite): waits its turn on SQLite. */
  run<T>(work: () => Promise<T>): Promise<T> {
    const queue = this.queue;
    return this.admit(queue === null ? work : () => queue.run(work));
  }

  /** A read that needs no turn (SQLite's WAL lets it run beside the writer); bounded all the same. */
  read<T>(work: () => Promise<T>): Promise<T> {
    return this.admit(work);
  }

  private async admit<T>(work: () => Promise<T>): Promise<T> {
    if (!isRegistryDatabaseReady(this.dataSource)) throw new RegistryUnavailableError(messages.notConnected());
    if (this.pendingNow >= this.maxPending) {
      if (!this.full) this.logger.warn(messages.tooMuchWork(this.maxPending));
      this.full = true;
      throw new RegistryUnavailableError(messages.tooMuchWork(this.maxPending));
    }
    this.pendingNow += 1;
    try {
      return await work();
    } catch (error) {
      throw toUnavailable(error);
    } finally {
      this.pendingNow -= 1;
      if (this.pendingNow < this.maxPending / 2) this.full = false;
    }
  }
}
