import { Inject, Injectable } from '@nestjs/common';
import type { CallLimits } from '../call-forwarding';
import { McpSessionPool } from '../session-pool';
import { UPSTREAM_CATALOG, type UpstreamCatalog } from '../upstream-catalog';
import { CALL_LIMITS } from '../mcp-options';
import { UpstreamEndpoint } from './upstream-endpoint';

/** Builds the endpoint of one upstream, by its registered name. */
@Injectable()
export class UpstreamEndpoints {
  constructor(
    private readonly pool: McpSessionPool,
    @Inject(UPSTREAM_CATALOG) private readonly catalog: UpstreamCatalog,
    @Inject(CALL_LIMITS) private readonly limits: CallLimits,
  ) {}

  forName(name: string): UpstreamEndpoint {
    return new UpstreamEndpoint(name, { pool: this.pool, catalog: this.catalog, limits: this.limits });
  }
}
