import type { ServerIndex } from './server-index';
import type { SessionUsage, UpstreamUsage, UsageByUpstream } from './types';

// Per-server usage lives in one Float64Array, three slots per server, so a server's figures share
// a cache line: at 100k servers separate arrays cost a cache miss each per session.
export const LAST_USED = 0;
export const ACTIVE = 1;
export const USES = 2;
export const STRIDE = 3;

/** Fills the per-server usage slots (STRIDE per server) from whatever the caller ranks on. */
export type UsageFill = (stats: Float64Array, index: ServerIndex) => void;

/** Per-server usage from the pool's sessions: the seed's rules (steps 2 and 3 of DESIGN.md). */
export function fillFromSessions(sessions: readonly SessionUsage[]): UsageFill {
  return (stats, { indexByUrl, indexByGatewayId }) => {
    for (let s = 0; s < sessions.length; s++) {
      const session = sessions[s];
      // Resolve through the gateway id first, so a pool URL carrying credentials never becomes a server name.
      let index = session.gatewayId ? indexByGatewayId.get(session.gatewayId) : undefined;
      if (index === undefined) {
        index = indexByUrl.get(session.url);
        if (index === undefined) continue;
      }
      const at = index * STRIDE;
      if (session.active) stats[at + ACTIVE] += 1;
      const used = session.lastUsed;
      if (used > 0 && Number.isFinite(used)) {
        if (used > stats[at + LAST_USED]) stats[at + LAST_USED] = used;
        if (Number.isFinite(session.useCount)) stats[at + USES] += session.useCount;
      }
    }
  };
}

/**
 * Per-server usage from per-upstream summaries, merged by the same rules (max, sum, sum): one
 * merged summary, or every worker's, merged here without building a merged map first.
 */
export function fillFromUsage(usage: UsageByUpstream | readonly UsageByUpstream[]): UsageFill {
  const summaries: readonly UsageByUpstream[] = isSummaryList(usage) ? usage : [usage];
  return (stats, { serverOfId }) => {
    for (const summary of summaries) {
      for (const [id, figures] of summary) {
        const index = serverOfId[id];
        if (index === undefined) continue;
        mergeInto(stats, index * STRIDE, figures);
      }
    }
  };
}

function isSummaryList(usage: UsageByUpstream | readonly UsageByUpstream[]): usage is readonly UsageByUpstream[] {
  return Array.isArray(usage);
}

export function mergeInto(stats: Float64Array, at: number, figures: UpstreamUsage): void {
  stats[at + ACTIVE] += figures.active;
  if (figures.lastUsed > stats[at + LAST_USED]) stats[at + LAST_USED] = figures.lastUsed;
  stats[at + USES] += figures.uses;
}
