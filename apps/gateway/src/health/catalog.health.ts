import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import type { RegistryUpstreamCatalog } from '../catalog/registry-upstream.catalog';
import { UPSTREAM_CATALOG } from '../mcp/upstream-catalog';
import { DatabaseHealthIndicator } from './database.health';

/**
 * Whether this worker has a catalog to serve /mcp from: the database (up), else the last good
 * copy of the last catalog read that succeeded (degraded), else none (down). This is what
 * readiness asks: "database reachable, or the catalog holds a last good copy".
 */
@Injectable()
export class CatalogHealthIndicator {
  constructor(
    private readonly health: HealthIndicatorService,
    private readonly database: DatabaseHealthIndicator,
    // The app registers the MCP layer over RegistryUpstreamCatalog (UpstreamMcpModule).
    @Inject(UPSTREAM_CATALOG) private readonly catalog: RegistryUpstreamCatalog,
  ) {}

  async isHealthy<const Key extends string>(key: Key): Promise<HealthIndicatorResult<Key>> {
    const indicator = this.health.check(key);
    const ping = await this.database.ping();
    if (ping.ok) return indicator.up({ source: 'database' });
    if (this.catalog.hasLastGood()) {
      return indicator.up({
        source: 'last good copy',
        degraded: true,
        message: 'the database is unreachable; the last good copy of the catalog stands in',
      });
    }
    return indicator.down({
      source: null,
      message: 'no catalog: the database is unreachable and no catalog read has succeeded yet',
    });
  }
}
