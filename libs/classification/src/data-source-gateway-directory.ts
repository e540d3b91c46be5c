import type { ModuleRef } from '@nestjs/core';
import { TypeOrmGatewayDirectory } from '@app/registry';
import { DataSource } from 'typeorm';
import type { GatewayDirectory, GatewayRef } from './types';

/**
 * The default directory: enabled rows of the TypeORM `Gateway` repository. The DataSource is
 * looked up on first use, so the module can be imported before TypeORM is configured and an
 * app that passes its own directory needs no database at all.
 */
export class DataSourceGatewayDirectory implements GatewayDirectory {
  private directory: GatewayDirectory | null = null;

  constructor(private readonly moduleRef: ModuleRef) {}

  listEnabled(): Promise<GatewayRef[]> {
    this.directory ??= this.resolve();
    return this.directory.listEnabled();
  }

  private resolve(): GatewayDirectory {
    let dataSource: DataSource;
    try {
      dataSource = this.moduleRef.get(DataSource, { strict: false });
    } catch {
      throw new Error(
        'ClassificationModule has no gatewayDirectory and no TypeORM DataSource is registered: ' +
          'import TypeOrmModule.forRoot(...) with the registry entities, or pass gatewayDirectory',
      );
    }
    return TypeOrmGatewayDirectory.fromDataSource(dataSource);
  }
}
