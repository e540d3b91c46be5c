import { Module, type DynamicModule, type FactoryProvider, type ModuleMetadata } from '@nestjs/common';
import { TypeOrmModule, type TypeOrmModuleOptions } from '@nestjs/typeorm';
import { createRegistryDataSource } from './data-source-factory';
import { registryDataSourceOptions } from './data-source-options';
import type { RegistryDatabaseConfig } from './types';

export interface RegistryDatabaseModuleOptions<Args extends unknown[] = unknown[]> {
  imports?: ModuleMetadata['imports'];
  /** Providers whose instances are passed to `useFactory`, in order. */
  inject?: FactoryProvider['inject'];
  useFactory: (...args: Args) => RegistryDatabaseConfig | Promise<RegistryDatabaseConfig>;
}

/** Connection attempts at start: a PostgreSQL that is still starting gets a few seconds. */
const RETRY_ATTEMPTS = 5;
const RETRY_DELAY_MS = 2_000;

/**
 * The app's (global) TypeORM DataSource for the registry: migrations run at start under a
 * cross-worker lock, no synchronize, no query logging. Import once, in the root module.
 */
@Module({})
export class RegistryDatabaseModule {
  static forRootAsync<Args extends unknown[]>(options: RegistryDatabaseModuleOptions<Args>): DynamicModule {
    return {
      module: RegistryDatabaseModule,
      imports: [
        TypeOrmModule.forRootAsync({
          imports: options.imports,
          inject: options.inject,
          useFactory: async (...args: Args): Promise<TypeOrmModuleOptions> => ({
            ...registryDataSourceOptions(await options.useFactory(...args)),
            retryAttempts: RETRY_ATTEMPTS,
            retryDelay: RETRY_DELAY_MS,
          }),
          dataSourceFactory: createRegistryDataSource,
        }),
      ],
    };
  }
}
