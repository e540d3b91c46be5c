import type { ClassificationResult, ClassifyInput } from './types';

export const DEFAULT_HOT_RATIO = 0.2;

/**
 * Ranks servers by how recently the session pool used them and splits them into hot and cold.
 * Pure and deterministic: same input (in any session order) gives the same output.
 * Runs in O(S + N log N) for S sessions and N servers, on typed arrays to stay allocation-light.
 */
export function classifyServers(input: ClassifyInput): ClassificationResult {
  const hotRatio = input.hotRatio ?? DEFAULT_HOT_RATIO;
  if (!Number.isFinite(hotRatio) || hotRatio < 0 || hotRatio > 1) {
    throw new RangeError(`hotRatio must be a number between 0 and 1, got ${String(hotRatio)}`);
  }

  // Gateway id -> canonical URL; a repeated id keeps its first position and last URL (as a dict would).
  const urlByGatewayId = new Map<string, string>();
  for (const gateway of input.gateways) urlByGatewayId.set(gateway.id, gateway.url);

  // Distinct servers in gateway order: several gateways may share one upstream URL.
  const servers: string[] = [];
  const indexByUrl = new Map<string, number>();
  for (const url of urlByGatewayId.values()) {
    if (!indexByUrl.has(url)) {
      indexByUrl.set(url, servers.length);
      servers.push(url);
    }
  }

  const n = servers.length;
  const hotCap = Math.floor(hotRatio * n);
  const lastUsed = new Float64Array(n);
  const activeCount = new Float64Array(n);
  const useCount = new Float64Array(n);

  for (const session of input.sessions) {
    // Resolve through the gateway id first, so a pool URL carrying credentials never becomes a server name.
    const known = session.gatewayId ? urlByGatewayId.get(session.gatewayId) : undefined;
    const index = indexByUrl.get(known ?? session.url);
    if (index === undefined) continue;
    if (session.active) activeCount[index] += 1;
    const used = session.lastUsed;
    if (used > 0 && Number.isFinite(used)) {
      if (used > lastUsed[index]) lastUsed[index] = used;
      if (Number.isFinite(session.useCount)) useCount[index] += session.useCount;
    }
  }

  const eligible: number[] = [];
  for (let i = 0; i < n; i++) if (lastUsed[i] > 0) eligible.push(i);
  const eligibleCount = eligible.length;
  const hotActual = Math.min(hotCap, eligibleCount);

  eligible.sort(
    (a, b) =>
      lastUsed[b] - lastUsed[a] ||
      activeCount[b] - activeCount[a] ||
      useCount[b] - useCount[a] ||
      compareCodePoints(servers[a], servers[b]),
  );

  const isHot = new Uint8Array(n);
  const hot: string[] = new Array<string>(hotActual);
  for (let k = 0; k < hotActual; k++) {
    isHot[eligible[k]] = 1;
    hot[k] = servers[eligible[k]];
  }
  const cold: string[] = [];
  for (let i = 0; i < n; i++) if (!isHot[i]) cold.push(servers[i]);

  return {
    hot,
    cold,
    metadata: {
      totalServers: n,
      hotCap,
      hotActual,
      eligibleCount,
      timestamp: input.now ?? Date.now(),
      ...(eligibleCount < hotCap && {
        underutilizedReason: `Only ${eligibleCount} servers have pooled sessions, below hot_cap=${hotCap}`,
      }),
    },
  };
}

/**
 * Orders strings by Unicode code point, as Python does. JavaScript's `<` compares UTF-16 code
 * units, which puts astral characters (surrogate pairs) before U+E000..U+FFFF.
 */
export function compareCodePoints(a: string, b: string): number {
  if (a === b) return 0;
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codePointRank(x) - codePointRank(y);
  }
  return a.length - b.length;
}

/** Moves surrogates above U+E000..U+FFFF so code-unit order becomes code-point order. */
function codePointRank(unit: number): number {
  if (unit >= 0xd800 && unit <= 0xdfff) return unit + 0x2000;
  if (unit >= 0xe000) return unit - 0x800;
  return unit;
}
