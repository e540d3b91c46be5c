import type { GatewayDirectory, GatewayRef } from '@app/classification';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { DataSource, Repository } from 'typeorm';
import { Gateway } from './entities/gateway.entity';

/** The enabled gateways in database order (creation time, then id), as classification reads them. */
@Injectable()
export class TypeOrmGatewayDirectory implements GatewayDirectory {
  constructor(@InjectRepository(Gateway) private readonly gateways: Repository<Gateway>) {}

  static fromDataSource(dataSource: DataSource): TypeOrmGatewayDirectory {
    return new TypeOrmGatewayDirectory(dataSource.getRepository(Gateway));
  }

  async listEnabled(): Promise<GatewayRef[]> {
    const rows = await this.gateways.find({
      select: { id: true, url: true },
      where: { enabled: true },
      order: { createdAt: 'ASC', id: 'ASC' },
    });
    return rows.map((row) => ({ id: row.id, url: row.url }));
  }
}
