import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { SerialQueue } from '@app/common';
import type { DataSource } from 'typeorm';

/**
 * Where registry statements wait their turn on SQLite. better-sqlite3 gives TypeORM one shared
 * connection: a statement issued while another caller's transaction is open would become part
 * of it (and concurrent transactions would nest as savepoints). On PostgreSQL, with a pool of
 * connections, work runs at once.
 */
@Injectable()
export class RegistryWriteQueue {
  private readonly queue: SerialQueue | null;

  constructor(@InjectDataSource() dataSource: DataSource) {
    this.queue = dataSource.options.type === 'better-sqlite3' ? new SerialQueue() : null;
  }

  run<T>(work: () => Promise<T>): Promise<T> {
    return this.queue === null ? work() : this.queue.run(work);
  }
}
