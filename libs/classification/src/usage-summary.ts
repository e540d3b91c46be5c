import { indexServers } from './server-index';
import { ACTIVE, fillFromSessions, LAST_USED, STRIDE, USES } from './server-usage';
import type { SessionUsage, UpstreamRef, UpstreamUsage, UsageByUpstream } from './types';

/**
 * One worker's sessions summed up per upstream, by the seed's rules: a session counts for the
 * upstream of its gateway id, else for the upstream whose canonical URL it has, else not at all.
 * An upstream shared by several gateways is reported under the first of their ids, so the
 * summary never names a URL. Upstreams without sessions are left out.
 */
export function summarizeSessions(
  gateways: readonly UpstreamRef[],
  sessions: readonly SessionUsage[],
): Map<string, UpstreamUsage> {
  const index = indexServers(gateways);
  const stats = new Float64Array(index.servers.length * STRIDE);
  fillFromSessions(sessions)(stats, index);
  const summary = new Map<string, UpstreamUsage>();
  const reported = new Uint8Array(index.servers.length);
  for (const [id, server] of index.indexByGatewayId) {
    if (reported[server]) continue;
    reported[server] = 1;
    const at = server * STRIDE;
    if (stats[at + ACTIVE] === 0 && stats[at + LAST_USED] === 0) continue;
    summary.set(id, { lastUsed: stats[at + LAST_USED], active: stats[at + ACTIVE], uses: stats[at + USES] });
  }
  return summary;
}

/** The fleet's usage: per upstream, the latest lastUsed, and active sessions and uses summed. */
export function mergeUsage(summaries: Iterable<UsageByUpstream>): Map<string, UpstreamUsage> {
  const merged = new Map<string, UpstreamUsage>();
  for (const summary of summaries) {
    for (const [id, usage] of summary) {
      const into = merged.get(id);
      if (!into) {
        merged.set(id, { ...usage });
        continue;
      }
      if (usage.lastUsed > into.lastUsed) into.lastUsed = usage.lastUsed;
      into.active += usage.active;
      into.uses += usage.uses;
    }
  }
  return merged;
}
