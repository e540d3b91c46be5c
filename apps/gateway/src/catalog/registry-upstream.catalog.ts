import { Injectable } from '@nestjs/common';
import { UpstreamNotFoundError, UpstreamsService } from '@app/registry';
import type { UpstreamTarget } from '@app/registry';
import type { CatalogUpstream, UpstreamCatalog } from '../mcp';

/**
 * The MCP layer's view of the registry: enabled upstreams not known to be unhealthy (a new one
 * is served as soon as its first discovery stored tools), with their stored tools.
 */
@Injectable()
export class RegistryUpstreamCatalog implements UpstreamCatalog {
  /** The last catalog read that succeeded; null until one has. */
  private lastGood: CatalogUpstream[] | null = null;

  constructor(private readonly gateways: UpstreamsService) {}

  /** True once a catalog read has succeeded and a copy of it is held. */
  hasLastGood(): boolean {
    return this.lastGood !== null;
  }

  async listActive(): Promise<CatalogUpstream[]> {
    const upstreams = await this.gateways.listEnabledWithTools();
    const active = upstreams
      .filter((u) => u.lastHealthOk !== false)
      .map((u) => ({
        id: u.id,
        name: u.name,
        url: u.url,
        connectionUrl: u.connectionUrl,
        transport: u.transport,
        tools: u.tools.map((t) => ({ name: t.name, description: t.description, inputSchema: t.inputSchema })),
      }));
    this.lastGood = active;
    return active;
  }

  revision(): number {
    return this.gateways.revision;
  }

  async get(id: string): Promise<UpstreamTarget | null> {
    try {
      const c = await this.gateways.getTarget(id);
      return c.enabled
        ? { id: c.id, name: c.name, url: c.url, connectionUrl: c.connectionUrl, transport: c.transport }
        : null;
    } catch (error) {
      if (error instanceof UpstreamNotFoundError) return null;
      throw error;
    }
  }
}
