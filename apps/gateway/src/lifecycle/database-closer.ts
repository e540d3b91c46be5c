import { Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { closeRegistryDataSource } from '@app/registry';
import { GracefulShutdown } from './graceful-shutdown';

/**
 * Closes the registry's DataSource within the `database` step of the shutdown. TypeORM's own
 * hook (a global module's, so it runs after this one) would wait for every query in flight, for
 * ever when the database hangs; it finds the DataSource closed and has nothing left to do.
 */
@Injectable()
export class DatabaseCloser implements OnApplicationShutdown {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly shutdown: GracefulShutdown,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    const what = 'database close';
    try {
      const outcome = await closeRegistryDataSource(this.dataSource, this.shutdown.budgets.database);
      if (outcome === 'forced') this.shutdown.overran('database', what, 'its connections were dropped');
      if (outcome === 'abandoned') this.shutdown.overran('database', what, 'going on without it');
    } catch (error) {
      this.shutdown.failed(what, error);
    }
  }
}

/**
 * The database's step of the shutdown. Not global on purpose: Nest runs the shutdown hooks of
 * global modules (TypeORM's among them) after every other module's, and this one must come first.
 */
@Module({ providers: [DatabaseCloser] })
export class DatabaseShutdownModule {}
