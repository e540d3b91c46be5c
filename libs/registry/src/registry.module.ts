import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Gateway } from './entities/gateway.entity';
import { Tool } from './entities/tool.entity';
import { TypeOrmGatewayDirectory } from './gateway-directory';
import { GatewaysService } from './gateways.service';

/**
 * The registry's services over the app's TypeORM DataSource (configured once, at the root,
 * with `RegistryDatabaseModule` or `TypeOrmModule.forRootAsync` + `registryDataSourceOptions`).
 */
@Module({
  imports: [TypeOrmModule.forFeature([Gateway, Tool])],
  providers: [GatewaysService, TypeOrmGatewayDirectory],
  exports: [GatewaysService, TypeOrmGatewayDirectory],
})
export class RegistryModule {}
