import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, type EntityManager, type Repository } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { Gateway } from './entities/gateway.entity';
import { Tool } from './entities/tool.entity';
import { UpstreamNotFoundError } from './errors';
import { RegistryWriteQueue } from './registry-write-queue';
import { planToolChanges } from './tool-diff';
import type { DiscoveredTool, StoredTool, ToolChanges, ToolInfo } from './types';

// Stays well below SQLite's bound-parameter limit however many tools an upstream reports.
const CHUNK = 100;

/** The `tools` table: the tools each upstream reported in its last successful discovery. */
@Injectable()
export class ToolRepository {
  constructor(
    @InjectRepository(Tool) private readonly rows: Repository<Tool>,
    private readonly writes: RegistryWriteQueue,
  ) {}

  async listByUpstream(upstreamId: string): Promise<ToolInfo[]> {
    const rows = await this.writes.run(() => this.rows.find({ where: { gatewayId: upstreamId }, order: { name: 'ASC' } }));
    return rows.map(toToolInfo);
  }

  /** The stored tools of many upstreams at once, with their definitions, by upstream id (ids without tools map to []). */
  async listByUpstreams(upstreamIds: readonly string[]): Promise<Map<string, StoredTool[]>> {
    const byUpstream = new Map<string, StoredTool[]>(upstreamIds.map((id) => [id, []]));
    for (const ids of chunks(upstreamIds, CHUNK)) {
      const rows = await this.writes.run(() =>
        this.rows.find({ where: { gatewayId: In(ids) }, order: { gatewayId: 'ASC', name: 'ASC' } }),
      );
      for (const row of rows) byUpstream.get(row.gatewayId)?.push({ ...toToolInfo(row), definition: row.definition });
    }
    return byUpstream;
  }

  /**
   * Makes the stored tools of an upstream exactly `tools`, in one transaction, and stamps the
   * upstream's last contact. Returns the names added, updated and removed.
   */
  replace(upstreamId: string, tools: readonly DiscoveredTool[]): Promise<ToolChanges> {
    return this.writes.run(() => this.rows.manager.transaction((manager) => this.write(manager, upstreamId, tools)));
  }

  private async write(manager: EntityManager, id: string, tools: readonly DiscoveredTool[]): Promise<ToolChanges> {
    const upstream = await manager.findOne(Gateway, { where: { id }, select: { id: true } });
    if (upstream === null) throw new UpstreamNotFoundError(id);
    const stored = await manager.find(Tool, {
      where: { gatewayId: id },
      select: { id: true, name: true, description: true, inputSchema: true, definition: true },
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
            definition: definitionOf(tool),
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
        toolValues({
          description: tool.description ?? null,
          inputSchema: tool.inputSchema,
          ...(tool.definition === undefined ? {} : { definition: definitionOf(tool) }),
          updatedAt: now,
        }),
      );
    }
    for (const chunk of chunks(plan.deleteIds, CHUNK)) {
      await manager.delete(Tool, { id: In(chunk) });
    }
    await manager.update(Gateway, { id }, { lastSeenAt: now });
    return { added: plan.added, updated: plan.updated, removed: plan.removed };
  }
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

function definitionOf(tool: DiscoveredTool): string | null {
  return tool.definition === undefined ? null : JSON.stringify(tool.definition);
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
