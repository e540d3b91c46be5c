import {
  Injectable,
  Module,
  type DynamicModule,
  type FactoryProvider,
  type ModuleMetadata,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { InjectDataSource, TypeOrmModule, type TypeOrmModuleOptions } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { startRegistryDataSource, stopRegistryDataSource } from './data-source-factory';
import { databaseLimits, registryDataSourceOptions } from './data-source-options';
import { REGISTRY_DATABASE_LIMITS } from './tokens';
import type { RegistryDatabaseConfig } from './types';

export interface RegistryDatabaseModuleOptions<Args extends unknown[] = unknown[]> {
  imports?: ModuleMetadata['imports'];
  /** Providers whose instances are passed to `useFactory`, in order. */
  inject?: FactoryProvider['inject'];
  useFactory: (...args: Args) => RegistryDatabaseConfig | Promise<RegistryDatabaseConfig>;
}

/**
 * Start-up attempts for failures other than an unreachable database (which the gateway starts
 * without, connecting in the background): a few, a couple of seconds apart.
 */
const RETRY_ATTEMPTS = 5;
const RETRY_DELAY_MS = 2_000;

/** Stops the background connection attempts of a DataSource the gateway started without its database. */
@Injectable()
class RegistryDatabaseLifecycle implements OnApplicationShutdown {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async onApplicationShutdown(): Promise<void> {
    await stopRegistryDataSource(this.dataSource);
  }
}

/**
 * The app's (global) TypeORM DataSource for the registry: migrations run at start under a
 * cross-worker lock, no synchronize, no query logging, every database wait bounded by the
 * config's timeout. A database that cannot be reached at start does not stop the app: it
 * connects in the background while the registry answers "registry unavailable". Also provides
 * REGISTRY_DATABASE_LIMITS (global). Import once, in the root module.
 */
@Module({})
export class RegistryDatabaseModule {
  static forRootAsync<Args extends unknown[]>(options: RegistryDatabaseModuleOptions<Args>): DynamicModule {
    return {
      module: RegistryDatabaseModule,
      global: true,
      imports: [
        ...(options.imports ?? []),
        TypeOrmModule.forRootAsync({
          imports: options.imports,
          inject: options.inject,
          useFactory: async (...args: Args): Promise<TypeOrmModuleOptions> => ({
            ...registryDataSourceOptions(await options.useFactory(...args)),
            retryAttempts: RETRY_ATTEMPTS,
            retryDelay: RETRY_DELAY_MS,
            // startRegistryDataSource connects (or keeps trying in the background) itself.
            manualInitialization: true,
          }),
          dataSourceFactory: (dataSourceOptions) => startRegistryDataSource(dataSourceOptions),
        }),
      ],
      providers: [
        {
          provide: REGISTRY_DATABASE_LIMITS,
          inject: options.inject ?? [],
          useFactory: async (...args: Args) => databaseLimits(await options.useFactory(...args)),
        },
        RegistryDatabaseLifecycle,
      ],
      exports: [REGISTRY_DATABASE_LIMITS],
    };
  }
}
