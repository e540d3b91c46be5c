import { Injectable } from '@nestjs/common';
import type { SessionPoolSource, SessionUsage } from '@app/classification';
import { McpSessionPool } from './session-pool';

/**
 * The classification's view of the session pool: one SessionUsage per open session, idle or
 * checked out, with its pool key's URL and gateway id (the classifier resolves the URL through
 * the gateway id, so credentials in it never reach Redis).
 */
@Injectable()
export class PoolUsageSource implements SessionPoolSource {
  constructor(private readonly pool: McpSessionPool) {}

  snapshot(): SessionUsage[] {
    return this.pool.usage().map((session) => ({
      url: session.url,
      gatewayId: session.gatewayId,
      lastUsed: session.lastUsed,
      useCount: session.useCount,
      active: session.active,
    }));
  }
}
