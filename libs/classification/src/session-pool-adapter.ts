import type { SessionPoolSource, SessionUsage, SessionUsageReporter } from './types';

/**
 * The classification's view of whatever the app passed as `sessionPool`: a SessionPoolSource
 * as it is, or a pool that reports `usage()`, copied field by field so nothing else the pool
 * keeps about a session (connection details, identities) travels further.
 */
export function adaptSessionPool(pool: SessionPoolSource | SessionUsageReporter): SessionPoolSource {
  if ('snapshot' in pool) return pool;
  return {
    snapshot: (): SessionUsage[] =>
      pool.usage().map((session) => ({
        url: session.url,
        gatewayId: session.gatewayId,
        lastUsed: session.lastUsed,
        useCount: session.useCount,
        active: session.active,
      })),
  };
}
