import type { CatalogUpstream, UpstreamCatalog } from '../../src/mcp/upstream-catalog';
import type { UpstreamTarget } from '@app/registry';

/** An UpstreamCatalog held in memory, for tests that run the MCP layer without a registry. */
export class MemoryUpstreamCatalog implements UpstreamCatalog {
  private readonly upstreams = new Map<string, CatalogUpstream>();

  constructor(upstreams: readonly CatalogUpstream[] = []) {
    for (const upstream of upstreams) this.put(upstream);
  }

  put(upstream: CatalogUpstream): void {
    this.upstreams.set(upstream.id, upstream);
  }

  remove(id: string): void {
    this.upstreams.delete(id);
  }

  async listActive(): Promise<CatalogUpstream[]> {
    return [...this.upstreams.values()];
  }

  async get(id: string): Promise<UpstreamTarget | null> {
    const found = this.upstreams.get(id);
    if (!found) return null;
    const { tools: _tools, ...target } = found;
    return target;
  }
}
