import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, type Repository } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { Gateway } from './entities/gateway.entity';
import { isUpstreamId } from './upstream-id';
import { RegistryWriteQueue } from './registry-write-queue';
import type { RegisteredUpstream, UpstreamRef } from './types';

const TARGET_SELECT = {
  id: true,
  name: true,
  url: true,
  connectionUrl: true,
  secretPath: true,
  transport: true,
  enabled: true,
  lastHealthOk: true,
  pin: true,
  discoveryIntervalSeconds: true,
} as const;
/** Stays well below SQLite's bound-parameter limit. */
const FEATURES_CHUNK = 100;
const REF_SELECT = { id: true, url: true, pin: true, discoveryIntervalSeconds: true } as const;
/** Directory order: registration time, then id. Classification and the pollers both rely on it. */
const ORDER = { createdAt: 'ASC', id: 'ASC' } as const;

/**
 * The `gateways` table: every query of upstream rows; reads and writes go through the registry's
 * write queue (bounded; writes wait their turn on SQLite). No rules here; the UpstreamsService holds them. Ids that are not UUIDs find nothing
 * (PostgreSQL would throw on them).
 */
@Injectable()
export class GatewayRepository {
  constructor(
    @InjectRepository(Gateway) private readonly rows: Repository<Gateway>,
    private readonly writes: RegistryWriteQueue,
  ) {}

  listAll(): Promise<Gateway[]> {
    return this.writes.read(() => this.rows.find({ order: ORDER }));
  }

  /**
   * The enabled upstreams as classification ranks them: id, canonical URL and polling
   * overrides, in directory order.
   */
  async listEnabledRefs(): Promise<UpstreamRef[]> {
    const rows = await this.writes.read(() =>
      this.rows.find({ select: REF_SELECT, where: { enabled: true }, order: ORDER }),
    );
    return rows.map((row) => ({
      id: row.id,
      url: row.url,
      pin: row.pin,
      discoveryIntervalSeconds: row.discoveryIntervalSeconds,
    }));
  }

  /** Everything needed to dial each enabled upstream, credentials included, in directory order. */
  async listEnabledTargets(): Promise<RegisteredUpstream[]> {
    const rows = await this.writes.read(() =>
      this.rows.find({ select: TARGET_SELECT, where: { enabled: true }, order: ORDER }),
    );
    return rows.map(toRegisteredUpstream);
  }

  /** The stored MCP features JSON of each of the upstreams, by id (absent rows are left out). */
  async findMcpFeatures(ids: readonly string[]): Promise<Map<string, string | null>> {
    const found = new Map<string, string | null>();
    for (let i = 0; i < ids.length; i += FEATURES_CHUNK) {
      const chunk = ids.slice(i, i + FEATURES_CHUNK);
      const rows = await this.writes.read(() =>
        this.rows.find({ select: { id: true, mcpFeatures: true }, where: { id: In(chunk) } }),
      );
      for (const row of rows) found.set(row.id, row.mcpFeatures ?? null);
    }
    return found;
  }

  findById(id: string): Promise<Gateway | null> {
    return isUpstreamId(id) ? this.writes.read(() => this.rows.findOne({ where: { id } })) : Promise.resolve(null);
  }

  /** The whole row plus its connection URL; never hand it out as is. */
  findWithConnectionUrl(id: string): Promise<Gateway | null> {
    if (!isUpstreamId(id)) return Promise.resolve(null);
    return this.writes.read(() =>
      this.rows
        .createQueryBuilder('gateway')
        .addSelect('gateway.connectionUrl')
        .where('gateway.id = :id', { id })
        .getOne(),
    );
  }

  async findTarget(id: string): Promise<RegisteredUpstream | null> {
    const row = isUpstreamId(id)
      ? await this.writes.read(() => this.rows.findOne({ where: { id }, select: TARGET_SELECT }))
      : null;
    return row === null ? null : toRegisteredUpstream(row);
  }

  /** The connection URL (and whether its path is secret) and last health result of one upstream, for redaction and health bookkeeping. */
  findHealthState(
    id: string,
  ): Promise<Pick<Gateway, 'id' | 'connectionUrl' | 'secretPath' | 'lastHealthOk' | 'healthFailures'> | null> {
    if (!isUpstreamId(id)) return Promise.resolve(null);
    return this.writes.read(() =>
      this.rows.findOne({
        where: { id },
        select: { id: true, connectionUrl: true, secretPath: true, lastHealthOk: true, healthFailures: true },
      }),
    );
  }

  async insert(row: Gateway): Promise<void> {
    await this.writes.run(() => this.rows.insert(row));
  }

  /** Returns whether a row was changed (false when it no longer exists). */
  async update(id: string, changes: QueryDeepPartialEntity<Gateway>): Promise<boolean> {
    const result = await this.writes.run(() => this.rows.update({ id }, changes));
    return Boolean(result.affected);
  }

  /** Deletes the row and, by cascade, its tools. Returns whether it existed. */
  async delete(id: string): Promise<boolean> {
    if (!isUpstreamId(id)) return false;
    const result = await this.writes.run(() => this.rows.delete({ id }));
    return Boolean(result.affected);
  }
}

function toRegisteredUpstream(row: Gateway): RegisteredUpstream {
  return {
    id: row.id,
    name: row.name,
    url: row.url,
    connectionUrl: row.connectionUrl,
    secretPath: row.secretPath,
    transport: row.transport,
    enabled: row.enabled,
    lastHealthOk: row.lastHealthOk,
    pin: row.pin,
    discoveryIntervalSeconds: row.discoveryIntervalSeconds,
  };
}
