import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Gateway } from './entities/gateway.entity';
import { Tool } from './entities/tool.entity';
import { GatewayRepository } from './gateway.repository';
import { RegistryRevision } from './registry-revision';
import { RegistryWriteQueue } from './registry-write-queue';
import { ToolRepository } from './tool.repository';
import { UpstreamsService } from './upstreams.service';

/**
 * The upstream registry over the app's TypeORM DataSource (configured once, at the root, with
 * `RegistryDatabaseModule`): the two repositories, the SQLite write queue, the revision counter,
 * and the service that holds the rules. Every importer shares one instance of each.
 */
@Module({
  imports: [TypeOrmModule.forFeature([Gateway, Tool])],
  providers: [RegistryWriteQueue, RegistryRevision, GatewayRepository, ToolRepository, UpstreamsService],
  exports: [GatewayRepository, ToolRepository, UpstreamsService],
})
export class RegistryModule {}
