import type { CatalogUpstream, UpstreamCatalog } from '../../src/mcp/upstream-catalog';
import type { UpstreamTarget } from '@app/registry';

/** An UpstreamCatalog held in memory, for tests that run the MCP layer without a registry. */
export class MemoryUpstreamCatalog implements UpstreamCatalog {
  private readonly upstreams = new Map<string, CatalogUpstream>();
  /** Registered and enabled, but not active (its health checks fail). */
  private readonly down = new Set<string>();

  constructor(upstreams: readonly CatalogUpstream[] = []) {
    for (const upstream of upstreams) this.put(upstream);
  }

  put(upstream: CatalogUpstream): void {
    this.upstreams.set(upstream.id, upstream);
  }

  remove(id: string): void {
    this.upstreams.delete(id);
  }

  setDown(id: string, down: boolean): void {
    if (down) this.down.add(id);
    else this.down.delete(id);
  }

  async listActive(): Promise<CatalogUpstream[]> {
    return [...this.upstreams.values()].filter((upstream) => !this.down.has(upstream.id));
  }

  async findByName(name: string): Promise<{ target: UpstreamTarget; active: boolean } | null> {
    const found = [...this.upstreams.values()].find((upstream) => upstream.name === name);
    if (!found) return null;
    const { tools: _tools, ...target } = found;
    return { target, active: !this.down.has(found.id) };
  }

  async get(id: string): Promise<UpstreamTarget | null> {
    const found = this.upstreams.get(id);
    if (!found) return null;
    const { tools: _tools, ...target } = found;
    return target;
  }
}
