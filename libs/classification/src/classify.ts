import { classificationMessages as messages } from './classification.messages';
import type { ClassificationResult, ClassifyInput, UpstreamRef } from './types';

export const DEFAULT_HOT_RATIO = 0.2;

// Per-server usage lives in one Float64Array, three slots per server, so a server's figures share
// a cache line: at 100k servers separate arrays cost a cache miss each per session.
const LAST_USED = 0;
const ACTIVE = 1;
const USES = 2;
const STRIDE = 3;

/**
 * Ranks servers by how recently the session pool used them and splits them into hot and cold.
 * Pure and deterministic: same input (in any session order) gives the same output.
 * Runs in O(S + N log N) for S sessions and N servers. Only the hot servers need an order, so
 * they are picked by quickselect over plain recency values and only they meet the comparator.
 */
export function classifyServers(input: ClassifyInput): ClassificationResult {
  return classifyWith(indexServers(input.gateways), input);
}

/** Classifies one input after another, like `classifyServers`, reusing work between them. */
export interface Classifier {
  classify(input: ClassifyInput): ClassificationResult;
}

/**
 * A classifier for a loop: the server index (gateway ids and URLs) is rebuilt only when the
 * gateway list differs from the previous call's, compared entry by entry, which costs a small
 * fraction of building it. The registry rarely changes between cycles; usage always does.
 * Results are exactly those of `classifyServers`.
 */
export function createClassifier(): Classifier {
  let last: { ids: string[]; urls: string[]; index: ServerIndex } | null = null;
  return {
    classify(input: ClassifyInput): ClassificationResult {
      const gateways = input.gateways;
      if (!last || !sameGateways(last.ids, last.urls, gateways)) {
        // Copies of the strings, not the objects: the caller may reuse or change its objects.
        last = { ids: gateways.map((g) => g.id), urls: gateways.map((g) => g.url), index: indexServers(gateways) };
      }
      return classifyWith(last.index, input);
    },
  };
}

function sameGateways(ids: readonly string[], urls: readonly string[], gateways: readonly UpstreamRef[]): boolean {
  if (ids.length !== gateways.length) return false;
  for (let g = 0; g < gateways.length; g++) {
    if (gateways[g].id !== ids[g] || gateways[g].url !== urls[g]) return false;
  }
  return true;
}

function classifyWith(serverIndex: ServerIndex, input: ClassifyInput): ClassificationResult {
  const hotRatio = input.hotRatio ?? DEFAULT_HOT_RATIO;
  if (!Number.isFinite(hotRatio) || hotRatio < 0 || hotRatio > 1) {
    throw new RangeError(messages.invalidHotRatio(hotRatio));
  }

  const { servers, indexByUrl, indexByGatewayId } = serverIndex;
  const n = servers.length;
  const hotCap = Math.floor(hotRatio * n);
  const stats = new Float64Array(n * STRIDE);

  const sessions = input.sessions;
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

  let eligibleCount = 0;
  for (let i = 0; i < n; i++) if (stats[i * STRIDE + LAST_USED] > 0) eligibleCount++;
  const hotActual = Math.min(hotCap, eligibleCount);

  const ranked = hotCandidates(stats, n, eligibleCount, hotActual);
  ranked.sort((a, b) => {
    const x = a * STRIDE;
    const y = b * STRIDE;
    return (
      stats[y + LAST_USED] - stats[x + LAST_USED] ||
      stats[y + ACTIVE] - stats[x + ACTIVE] ||
      stats[y + USES] - stats[x + USES] ||
      compareCodePoints(servers[a], servers[b])
    );
  });

  const isHot = new Uint8Array(n);
  const hot = new Array<string>(hotActual);
  for (let k = 0; k < hotActual; k++) {
    isHot[ranked[k]] = 1;
    hot[k] = servers[ranked[k]];
  }
  const cold = new Array<string>(n - hotActual);
  for (let i = 0, k = 0; i < n; i++) if (!isHot[i]) cold[k++] = servers[i];

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
        underutilizedReason: messages.underutilizedReason(eligibleCount, hotCap),
      }),
    },
  };
}

interface ServerIndex {
  /** Distinct canonical URLs in gateway order. */
  servers: string[];
  indexByUrl: Map<string, number>;
  indexByGatewayId: Map<string, number>;
}

/** Distinct servers in gateway order (several gateways may share one upstream URL). */
function indexServers(gateways: readonly UpstreamRef[]): ServerIndex {
  let index = buildIndex(gateways);
  if (index.indexByGatewayId.size !== gateways.length) {
    // A repeated id keeps its first position and its last URL, as the seed's dict does; an earlier
    // URL of that id may then be no server at all, so index the dict's view instead.
    const urlByGatewayId = new Map<string, string>();
    for (const gateway of gateways) urlByGatewayId.set(gateway.id, gateway.url);
    index = buildIndex(Array.from(urlByGatewayId, ([id, url]) => ({ id, url })));
  }
  return index;
}

function buildIndex(gateways: readonly UpstreamRef[]): ServerIndex {
  const servers: string[] = [];
  const indexByUrl = new Map<string, number>();
  const serverOf = new Int32Array(gateways.length);
  for (let g = 0; g < gateways.length; g++) {
    const url = gateways[g].url;
    let index = indexByUrl.get(url);
    if (index === undefined) {
      index = servers.length;
      indexByUrl.set(url, index);
      servers.push(url);
    }
    serverOf[g] = index;
  }
  // One map per pass keeps each loop's working set small.
  const indexByGatewayId = new Map<string, number>();
  for (let g = 0; g < gateways.length; g++) indexByGatewayId.set(gateways[g].id, serverOf[g]);
  return { servers, indexByUrl, indexByGatewayId };
}

/**
 * The eligible servers that can be hot: all of them tied with or above the `hotActual`-th most
 * recent lastUsed. Ties at that threshold stay in, so sorting the candidates ranks the hot ones
 * exactly as a full sort would.
 */
function hotCandidates(stats: Float64Array, n: number, eligibleCount: number, hotActual: number): Int32Array {
  if (hotActual === 0) return new Int32Array(0);
  const recency = new Float64Array(eligibleCount);
  for (let i = 0, k = 0; i < n; i++) {
    const used = stats[i * STRIDE + LAST_USED];
    if (used > 0) recency[k++] = used;
  }
  const threshold = kthLargest(recency, hotActual);
  let count = 0;
  for (let i = 0; i < n; i++) {
    const used = stats[i * STRIDE + LAST_USED];
    if (used > 0 && used >= threshold) count++;
  }
  const candidates = new Int32Array(count);
  for (let i = 0, k = 0; i < n; i++) {
    const used = stats[i * STRIDE + LAST_USED];
    if (used > 0 && used >= threshold) candidates[k++] = i;
  }
  return candidates;
}

/**
 * The k-th largest of `values` (no NaN; 1 ≤ k ≤ length) by quickselect, which reorders them. After
 * `rounds` partitions (2·log2 n by default) the pivots are evidently bad, so the range left is
 * sorted natively instead: linear on average, O(n log n) at worst.
 */
export function kthLargest(
  values: Float64Array,
  k: number,
  rounds = 2 * Math.ceil(Math.log2(values.length + 1)),
): number {
  const target = k - 1;
  let lo = 0;
  let hi = values.length - 1;
  while (lo < hi) {
    if (rounds-- <= 0) {
      // Ascending, so the target's place counts from the end of the range.
      values.subarray(lo, hi + 1).sort();
      return values[hi - (target - lo)];
    }
    // Hoare partition around the middle value: larger values to the left, smaller to the right.
    const pivot = values[(lo + hi) >>> 1];
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (values[i] > pivot) i++;
      while (values[j] < pivot) j--;
      if (i <= j) {
        const swap = values[i];
        values[i] = values[j];
        values[j] = swap;
        i++;
        j--;
      }
    }
    if (target <= j) hi = j;
    else if (target >= i) lo = i;
    else return values[target];
  }
  return values[target];
}

/**
 * Orders strings by Unicode code point, as Python does. JavaScript's `<` compares UTF-16 code
 * units, which puts astral characters (surrogate pairs) before U+E000..U+FFFF. A lone surrogate
 * counts as its own code point, as in a Python str.
 */
export function compareCodePoints(a: string, b: string): number {
  if (a === b) return 0;
  const length = Math.min(a.length, b.length);
  let i = 0;
  while (i < length && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  // One string is a prefix of the other in code units, and so in code points.
  if (i === length) return a.length - b.length;
  // A shared high surrogate followed by a low one in either string starts the differing code point.
  if (
    i > 0 &&
    isHighSurrogate(a.charCodeAt(i - 1)) &&
    (isLowSurrogate(a.charCodeAt(i)) || isLowSurrogate(b.charCodeAt(i)))
  )
    i--;
  return (a.codePointAt(i) as number) - (b.codePointAt(i) as number);
}

function isHighSurrogate(unit: number): boolean {
  return unit >= 0xd800 && unit <= 0xdbff;
}

function isLowSurrogate(unit: number): boolean {
  return unit >= 0xdc00 && unit <= 0xdfff;
}
