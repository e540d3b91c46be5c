import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, Repository, type EntityManager } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { Gateway } from './entities/gateway.entity';
import { Tool } from './entities/tool.entity';
import { GatewayNameTakenError, GatewayNotFoundError } from './errors';
import { isGatewayId } from './gateway-id';
import { toGatewayInfo } from './gateway-info';
import { errorText, redactSecrets } from './redact-secrets';
import { SerialQueue } from './serial-queue';
import { isUniqueViolation, toStorageError } from './storage-errors';
import { planToolChanges } from './tool-diff';
import type {
  CreateGatewayInput,
  DiscoveredTool,
  GatewayConnection,
  GatewayConnectionWithTools,
  GatewayInfo,
  ToolChanges,
  ToolInfo,
  UpdateGatewayInput,
} from './types';
import { parseUpstreamUrl } from './upstream-url';

const CONNECTION_SELECT = {
  id: true,
  name: true,
  url: true,
  connectionUrl: true,
  transport: true,
  enabled: true,
  lastHealthOk: true,
} as const;
const ORDER = { createdAt: 'ASC', id: 'ASC' } as const;
// Stays well below SQLite's bound-parameter limit however many tools an upstream reports.
const CHUNK = 100;
const TOOL_WRITE_ATTEMPTS = 3;

/** The gateway registry: registrations, their health results and their discovered tools. */
@Injectable()
export class GatewaysService {
  private readonly logger = new Logger(GatewaysService.name);
  // better-sqlite3 gives TypeORM one shared connection: a statement issued while another
  // caller's transaction is open would become part of it (and concurrent transactions would
  // nest as savepoints). Writes and tool reads are queued there instead.
  private readonly sqliteQueue: SerialQueue | null;
  private changes = 0;
  private lastCreatedAt = 0;

  constructor(
    @InjectRepository(Gateway) private readonly gateways: Repository<Gateway>,
    @InjectRepository(Tool) private readonly tools: Repository<Tool>,
  ) {
    this.sqliteQueue = gateways.manager.connection.options.type === 'better-sqlite3' ? new SerialQueue() : null;
  }

  /**
   * Grows with every change this process makes to what upstreams are served and with which
   * tools, so readers can cache and still see their own writes at once.
   */
  get revision(): number {
    return this.changes;
  }

  async create(input: CreateGatewayInput): Promise<GatewayInfo> {
    const target = parseUpstreamUrl(input.url);
    // Registration order is the directory order: two registrations in one millisecond must
    // not fall back to the (random) id to decide it.
    const now = new Date(Math.max(Date.now(), this.lastCreatedAt + 1));
    this.lastCreatedAt = now.getTime();
    const id = randomUUID();
    try {
      const row = {
        id,
        name: input.name,
        url: target.url,
        connectionUrl: target.connectionUrl,
        hasCredentials: target.hasCredentials,
        transport: input.transport ?? 'streamablehttp',
        enabled: input.enabled ?? true,
        createdAt: now,
        updatedAt: now,
        lastHealthOk: null,
        lastHealthError: null,
        lastHealthAt: null,
        lastSeenAt: null,
      };
      await this.serialized(() => this.gateways.insert(row));
    } catch (error) {
      if (isUniqueViolation(error)) throw new GatewayNameTakenError(input.name);
      throw toStorageError('create', error, target.connectionUrl);
    }
    this.changes += 1;
    this.logger.log(`registered gateway ${id} "${input.name}" at ${target.url}`);
    return this.get(id);
  }

  async list(): Promise<GatewayInfo[]> {
    const rows = await this.gateways.find({ order: ORDER });
    return rows.map(toGatewayInfo);
  }

  async get(id: string): Promise<GatewayInfo> {
    return toGatewayInfo(await this.findRow(id));
  }

  /** Renames, enables/disables, or moves a gateway. A new address or transport resets its health. */
  async update(id: string, patch: UpdateGatewayInput): Promise<GatewayInfo> {
    const existing = await this.findRowWithConnection(id);
    const changes: QueryDeepPartialEntity<Gateway> = {};
    let connectionUrl = existing.connectionUrl;
    if (patch.name !== undefined && patch.name !== existing.name) changes.name = patch.name;
    if (patch.enabled !== undefined && patch.enabled !== existing.enabled) changes.enabled = patch.enabled;
    let moved = false;
    if (patch.transport !== undefined && patch.transport !== existing.transport) {
      changes.transport = patch.transport;
      moved = true;
    }
    if (patch.url !== undefined) {
      const target = parseUpstreamUrl(patch.url);
      if (target.connectionUrl !== existing.connectionUrl) {
        changes.url = target.url;
        changes.connectionUrl = target.connectionUrl;
        changes.hasCredentials = target.hasCredentials;
        connectionUrl = target.connectionUrl;
        // Rotated credentials alone leave the server, and so its last health result, the same.
        moved ||= target.url !== existing.url;
      }
    }
    const fields = Object.keys(changes).filter((field) => field !== 'connectionUrl');
    if (fields.length === 0) return toGatewayInfo(existing);
    if (moved) Object.assign(changes, { lastHealthOk: null, lastHealthError: null, lastHealthAt: null });
    changes.updatedAt = new Date();
    try {
      await this.serialized(() => this.gateways.update({ id }, changes));
    } catch (error) {
      if (isUniqueViolation(error) && typeof changes.name === 'string') throw new GatewayNameTakenError(changes.name);
      throw toStorageError('update', error, connectionUrl);
    }
    this.changes += 1;
    this.logger.log(`updated gateway ${id}: ${fields.join(', ')}`);
    return this.get(id);
  }

  /** Deletes a gateway and, by cascade, its tools. */
  async delete(id: string): Promise<void> {
    if (!isGatewayId(id)) throw new GatewayNotFoundError(id);
    const result = await this.serialized(() => this.gateways.delete({ id }));
    if (!result.affected) throw new GatewayNotFoundError(id);
    this.changes += 1;
    this.logger.log(`deleted gateway ${id}`);
  }

  /** Everything needed to dial the upstream, credentials included. */
  async getConnection(id: string): Promise<GatewayConnection> {
    const row = await this.findConnectionRow(id);
    return toConnection(row);
  }

  /** Connections of every enabled gateway, in directory order. */
  async listEnabledConnections(): Promise<GatewayConnection[]> {
    const rows = await this.gateways.find({ select: CONNECTION_SELECT, where: { enabled: true }, order: ORDER });
    return rows.map(toConnection);
  }

  /**
   * Stores the result of a health check; the error text is redacted against the gateway's own
   * credentials first. Returns whether the health state changed (first result, or ok flipped),
   * so callers can log transitions only; false as well when the gateway was deleted meanwhile.
   */
  async recordHealth(id: string, ok: boolean, error?: unknown): Promise<boolean> {
    if (!isGatewayId(id)) return false;
    const row = await this.gateways.findOne({
      where: { id },
      select: { id: true, connectionUrl: true, lastHealthOk: true },
    });
    if (row === null) return false;
    const now = new Date();
    const changes: QueryDeepPartialEntity<Gateway> = ok
      ? { lastHealthOk: true, lastHealthError: null, lastHealthAt: now, lastSeenAt: now }
      : {
          lastHealthOk: false,
          lastHealthError: redactSecrets(
            error === undefined ? 'health check failed' : errorText(error),
            row.connectionUrl,
          ),
          lastHealthAt: now,
        };
    const result = await this.serialized(() => this.gateways.update({ id }, changes));
    const changed = Boolean(result.affected) && row.lastHealthOk !== ok;
    if (changed) this.changes += 1;
    return changed;
  }

  /** The message of an error about this gateway, with its credentials and URLs redacted. */
  async redactError(id: string, error: unknown): Promise<string> {
    const row = isGatewayId(id)
      ? await this.gateways.findOne({ where: { id }, select: { id: true, connectionUrl: true } })
      : null;
    return redactSecrets(errorText(error), row?.connectionUrl);
  }

  /**
   * Makes the stored tools of a gateway exactly `tools` (one transaction) and counts the
   * discovery as a successful contact. Returns the names added, updated and removed.
   */
  async replaceTools(id: string, tools: readonly DiscoveredTool[]): Promise<ToolChanges> {
    if (!isGatewayId(id)) throw new GatewayNotFoundError(id);
    for (let attempt = 1; ; attempt += 1) {
      try {
        const written = await this.transaction((manager) => this.writeTools(manager, id, tools));
        if (written.added.length + written.updated.length + written.removed.length > 0) this.changes += 1;
        return written;
      } catch (error) {
        // Another worker's concurrent refresh of the same gateway won the race: start over on its result.
        if (attempt < TOOL_WRITE_ATTEMPTS && (isUniqueViolation(error) || isBusy(error))) continue;
        throw toStorageError('tool update', error);
      }
    }
  }

  /** Every enabled gateway's connection with its stored tools, in directory order. */
  async listEnabledWithTools(): Promise<GatewayConnectionWithTools[]> {
    const connections = await this.listEnabledConnections();
    const byGateway = new Map<string, ToolInfo[]>(connections.map((c) => [c.id, []]));
    for (const ids of chunks([...byGateway.keys()], CHUNK)) {
      const rows = await this.serialized(() =>
        this.tools.find({ where: { gatewayId: In(ids) }, order: { gatewayId: 'ASC', name: 'ASC' } }),
      );
      for (const row of rows) byGateway.get(row.gatewayId)?.push(toToolInfo(row));
    }
    return connections.map((connection) => ({ ...connection, tools: byGateway.get(connection.id) ?? [] }));
  }

  /** The stored tools of a gateway, by name. */
  async listTools(id: string): Promise<ToolInfo[]> {
    await this.findRow(id);
    const rows = await this.serialized(() => this.tools.find({ where: { gatewayId: id }, order: { name: 'ASC' } }));
    return rows.map(toToolInfo);
  }

  private async writeTools(manager: EntityManager, id: string, tools: readonly DiscoveredTool[]): Promise<ToolChanges> {
    const gateway = await manager.findOne(Gateway, { where: { id }, select: { id: true } });
    if (gateway === null) throw new GatewayNotFoundError(id);
    const stored = await manager.find(Tool, {
      where: { gatewayId: id },
      select: { id: true, name: true, description: true, inputSchema: true },
    });
    const plan = planToolChanges(stored, tools);
    const now = new Date();
    for (const chunk of chunks(plan.insert, CHUNK)) {
      await manager.insert(
        Tool,
        chunk.map((tool) =>
          toolValues({
            id: randomUUID(),
            gatewayId: id,
            name: tool.name,
            description: tool.description ?? null,
            inputSchema: tool.inputSchema,
            createdAt: now,
            updatedAt: now,
          }),
        ),
      );
    }
    for (const { id: toolId, tool } of plan.update) {
      await manager.update(
        Tool,
        { id: toolId },
        toolValues({ description: tool.description ?? null, inputSchema: tool.inputSchema, updatedAt: now }),
      );
    }
    for (const chunk of chunks(plan.deleteIds, CHUNK)) {
      await manager.delete(Tool, { id: In(chunk) });
    }
    await manager.update(Gateway, { id }, { lastSeenAt: now });
    return { added: plan.added, updated: plan.updated, removed: plan.removed };
  }

  private transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.serialized(() => this.gateways.manager.transaction(work));
  }

  private serialized<T>(work: () => Promise<T>): Promise<T> {
    return this.sqliteQueue === null ? work() : this.sqliteQueue.run(work);
  }

  private async findRow(id: string): Promise<Gateway> {
    const row = isGatewayId(id) ? await this.gateways.findOne({ where: { id } }) : null;
    if (row === null) throw new GatewayNotFoundError(id);
    return row;
  }

  /** The whole row plus its connection URL; never hand it out as is. */
  private async findRowWithConnection(id: string): Promise<Gateway> {
    const row = isGatewayId(id)
      ? await this.gateways
          .createQueryBuilder('gateway')
          .addSelect('gateway.connectionUrl')
          .where('gateway.id = :id', { id })
          .getOne()
      : null;
    if (row === null) throw new GatewayNotFoundError(id);
    return row;
  }

  private async findConnectionRow(id: string): Promise<Gateway> {
    const row = isGatewayId(id) ? await this.gateways.findOne({ where: { id }, select: CONNECTION_SELECT }) : null;
    if (row === null) throw new GatewayNotFoundError(id);
    return row;
  }
}

function toConnection(row: Gateway): GatewayConnection {
  return {
    id: row.id,
    name: row.name,
    url: row.url,
    connectionUrl: row.connectionUrl,
    transport: row.transport,
    enabled: row.enabled,
    lastHealthOk: row.lastHealthOk,
  };
}

function toToolInfo(row: Tool): ToolInfo {
  return {
    name: row.name,
    description: row.description,
    inputSchema: row.inputSchema,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

/**
 * TypeORM's deep-partial write type cannot express free-form JSON (`Record<string, unknown>`),
 * although the simple-json column stores it as is; this narrows the cast to tool columns.
 */
function toolValues(values: Partial<Tool>): QueryDeepPartialEntity<Tool> {
  return values as QueryDeepPartialEntity<Tool>;
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function isBusy(error: unknown): boolean {
  const code = (error as { driverError?: { code?: unknown } }).driverError?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_BUSY');
}
