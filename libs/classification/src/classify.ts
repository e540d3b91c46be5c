import { classificationMessages as messages } from './classification.messages';
import { indexServers, PINNED_HOT, UNPINNED, type ServerIndex } from './server-index';
import { ACTIVE, fillFromSessions, fillFromUsage, LAST_USED, STRIDE, USES, type UsageFill } from './server-usage';
import type { ClassificationResult, ClassifyInput, RankingOptions, UpstreamRef, UsageByUpstream } from './types';

export const DEFAULT_HOT_RATIO = 0.2;


/**
 * Ranks servers by how recently the session pool used them and splits them into hot and cold.
 * Pure and deterministic: same input (in any session order) gives the same output.
 * Runs in O(S + N log N) for S sessions and N servers. Only the hot servers need an order, so
 * they are picked by quickselect over plain recency values and only they meet the comparator.
 */
export function classifyServers(input: ClassifyInput): ClassificationResult {
  return classifyWith(indexServers(input.gateways), input, fillFromSessions(input.sessions));
}

/** What `classifyUsage` ranks: per-upstream usage summaries instead of the sessions behind them. */
export interface ClassifyUsageInput extends RankingOptions {
  gateways: readonly UpstreamRef[];
  /**
   * Usage by upstream (gateway) id: one merged summary (`mergeUsage`), or every worker's summary
   * (`summarizeSessions`), which are merged by the same rules on the way in.
   */
  usage: UsageByUpstream | readonly UsageByUpstream[];
}

/**
 * Classifies from usage summaries: O(U + N) to fill instead of O(S). For summaries of sessions,
 * the result equals `classifyServers` over those sessions (the merge keeps max, sum and sum).
 */
export function classifyUsage(input: ClassifyUsageInput): ClassificationResult {
  return classifyWith(indexServers(input.gateways), input, fillFromUsage(input.usage));
}

/** Classifies one input after another, like `classifyServers`, reusing work between them. */
export interface Classifier {
  classify(input: ClassifyInput): ClassificationResult;
  classifyUsage(input: ClassifyUsageInput): ClassificationResult;
}

/**
 * A classifier for a loop: the server index (gateway ids and URLs) is rebuilt only when the
 * gateway list differs from the previous call's, compared entry by entry, which costs a small
 * fraction of building it. The registry rarely changes between cycles; usage always does.
 * Results are exactly those of `classifyServers`.
 */
export function createClassifier(): Classifier {
  let last: { ids: string[]; urls: string[]; pins: (string | null)[]; index: ServerIndex } | null = null;
  const indexFor = (gateways: readonly UpstreamRef[]): ServerIndex => {
    if (!last || !sameGateways(last, gateways)) {
      // Copies of the strings, not the objects: the caller may reuse or change its objects.
      last = {
        ids: gateways.map((g) => g.id),
        urls: gateways.map((g) => g.url),
        pins: gateways.map((g) => g.pin ?? null),
        index: indexServers(gateways),
      };
    }
    return last.index;
  };
  return {
    classify: (input) => classifyWith(indexFor(input.gateways), input, fillFromSessions(input.sessions)),
    classifyUsage: (input) => classifyWith(indexFor(input.gateways), input, fillFromUsage(input.usage)),
  };
}

function sameGateways(
  last: { ids: readonly string[]; urls: readonly string[]; pins: readonly (string | null)[] },
  gateways: readonly UpstreamRef[],
): boolean {
  if (last.ids.length !== gateways.length) return false;
  for (let g = 0; g < gateways.length; g++) {
    const gateway = gateways[g];
    if (gateway.id !== last.ids[g] || gateway.url !== last.urls[g] || (gateway.pin ?? null) !== last.pins[g]) {
      return false;
    }
  }
  return true;
}

/** The hot cap: `max(minHot, floor(ratio × N))`, never more than N. */
export function hotCapFor(serverCount: number, hotRatio: number, minHot = 0): number {
  return Math.min(serverCount, Math.max(minHot, Math.floor(hotRatio * serverCount)));
}

function classifyWith(serverIndex: ServerIndex, input: RankingOptions, fill: UsageFill): ClassificationResult {
  const hotRatio = input.hotRatio ?? DEFAULT_HOT_RATIO;
  if (!Number.isFinite(hotRatio) || hotRatio < 0 || hotRatio > 1) {
    throw new RangeError(messages.invalidHotRatio(hotRatio));
  }
  const minHot = input.minHot ?? 0;
  if (!Number.isInteger(minHot) || minHot < 0) throw new RangeError(messages.invalidMinHot(minHot));

  const { servers, pins } = serverIndex;
  const n = servers.length;
  const hotCap = hotCapFor(n, hotRatio, minHot);
  const stats = new Float64Array(n * STRIDE);
  fill(stats, serverIndex);

  let eligibleCount = 0;
  let rankable = 0;
  for (let i = 0; i < n; i++) {
    if (stats[i * STRIDE + LAST_USED] > 0) {
      eligibleCount++;
      if (!pins || pins[i] === UNPINNED) rankable++;
    }
  }
  const rankedCount = Math.min(hotCap, rankable);

  const ranked = hotCandidates(stats, n, rankable, rankedCount, pins);
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

  // Pinned-hot servers come first, outside the ranking; the ranking fills the cap among the rest.
  const isHot = new Uint8Array(n);
  const hot: string[] = [];
  if (pins) {
    for (let i = 0; i < n; i++) {
      if (pins[i] === PINNED_HOT) {
        isHot[i] = 1;
        hot.push(servers[i]);
      }
    }
  }
  for (let k = 0; k < rankedCount; k++) {
    isHot[ranked[k]] = 1;
    hot.push(servers[ranked[k]]);
  }
  const cold = new Array<string>(n - hot.length);
  for (let i = 0, k = 0; i < n; i++) if (!isHot[i]) cold[k++] = servers[i];

  return {
    hot,
    cold,
    metadata: {
      totalServers: n,
      hotCap,
      hotActual: hot.length,
      eligibleCount,
      timestamp: input.now ?? Date.now(),
      ...(eligibleCount < hotCap && {
        underutilizedReason: messages.underutilizedReason(eligibleCount, hotCap),
      }),
    },
  };
}

/**
 * The eligible servers that can be hot: all of them tied with or above the `hotActual`-th most
 * recent lastUsed. Ties at that threshold stay in, so sorting the candidates ranks the hot ones
 * exactly as a full sort would.
 */
function hotCandidates(
  stats: Float64Array,
  n: number,
  rankable: number,
  hotActual: number,
  pins: Uint8Array | null,
): Int32Array {
  if (hotActual === 0) return new Int32Array(0);
  // Pinned servers are outside the ranking.
  const recency = new Float64Array(rankable);
  for (let i = 0, k = 0; i < n; i++) {
    const used = stats[i * STRIDE + LAST_USED];
    if (used > 0 && (pins === null || pins[i] === UNPINNED)) recency[k++] = used;
  }
  const threshold = kthLargest(recency, hotActual);
  let count = 0;
  for (let i = 0; i < n; i++) {
    const used = stats[i * STRIDE + LAST_USED];
    if (used >= threshold && used > 0 && (pins === null || pins[i] === UNPINNED)) count++;
  }
  const candidates = new Int32Array(count);
  for (let i = 0, k = 0; i < n; i++) {
    const used = stats[i * STRIDE + LAST_USED];
    if (used >= threshold && used > 0 && (pins === null || pins[i] === UNPINNED)) candidates[k++] = i;
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
