import type { UpstreamRef, SessionUsage } from '@app/classification';

/** Fixed clock so every run of the bench sees the same input. */
export const WORKLOAD_NOW = Date.UTC(2025, 0, 1);

export interface Workload {
  gateways: UpstreamRef[];
  sessions: SessionUsage[];
  /** Distinct canonical URLs, i.e. the expected server count. */
  servers: number;
}

export interface WorkloadOptions {
  servers: number;
  seed: number;
  /** Mean sessions per server over all servers (used or not). */
  sessionsPerServer?: number;
  /** Share of servers with at least one used session. */
  usedShare?: number;
  /** Zipf exponent of popularity over used servers. */
  zipfExponent?: number;
}

/** mulberry32: small, fast and seedable, so workloads are reproducible across runs and machines. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A session pool shaped like production: a few servers carry most of the traffic and are used
 * most recently, 40% are registered but idle, some sessions were never used, some are checked
 * out, some pool URLs carry credentials and some pool keys belong to removed gateways.
 */
export function generateWorkload(options: WorkloadOptions): Workload {
  const { servers: n, seed } = options;
  const sessionsPerServer = options.sessionsPerServer ?? 2.4;
  const usedShare = options.usedShare ?? 0.6;
  const exponent = options.zipfExponent ?? 1.1;
  const random = seededRandom(seed);
  const int = (bound: number): number => Math.floor(random() * bound);

  const urls = new Array<string>(n);
  for (let i = 0; i < n; i++) urls[i] = `https://mcp-${i.toString(36)}.example.com/mcp`;

  // Ids look like the seed's (uuid4().hex, 32 hex digits).
  const uuid = (): string => {
    let hex = '';
    for (let k = 0; k < 4; k++)
      hex += Math.floor(random() * 2 ** 32)
        .toString(16)
        .padStart(8, '0');
    return hex;
  };
  const ids = Array.from({ length: n }, uuid);
  const gateways: UpstreamRef[] = urls.map((url, i) => ({ id: ids[i], url }));
  // 2% extra gateways share an upstream with another one (different credentials or scopes).
  const aliases = Math.floor(n / 50);
  for (let k = 0; k < aliases; k++) gateways.splice(int(gateways.length + 1), 0, { id: uuid(), url: urls[int(n)] });

  // Popularity rank -> gateway; a shuffle so popularity is unrelated to registration order.
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = int(i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  const used = Math.round(n * usedShare);

  const cdf = new Float64Array(used);
  let total = 0;
  for (let r = 0; r < used; r++) cdf[r] = total += 1 / Math.pow(r + 1, exponent);
  const zipfRank = (): number => {
    const target = random() * total;
    let lo = 0;
    let hi = used - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cdf[mid] < target) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };

  const sessions: SessionUsage[] = [];
  const addSession = (rank: number, mustBeUsed: boolean): void => {
    const index = order[rank];
    // Popular servers were used recently; the tail drifts back over hours.
    const ageMs = Math.floor(-Math.log(1 - random()) * 2_000 * Math.pow(rank + 1, 0.8));
    const neverUsed = !mustBeUsed && random() < 0.05;
    const roll = random();
    let url = urls[index];
    let gatewayId: string | undefined = ids[index];
    if (roll < 0.1) url = `${url}?api_key=secret-${int(1e9)}`;
    else if (roll < 0.11) gatewayId = uuid();
    else if (roll < 0.12) gatewayId = undefined;
    sessions.push({
      url,
      gatewayId,
      lastUsed: neverUsed ? 0 : WORKLOAD_NOW - ageMs,
      useCount: neverUsed ? 0 : 1 + int(Math.ceil(200 / Math.sqrt(rank + 1))),
      active: random() < 0.15,
    });
  };

  // Every used server has one used session; the rest of the pool follows popularity.
  for (let rank = 0; rank < used; rank++) addSession(rank, true);
  const target = Math.round(n * sessionsPerServer);
  while (sessions.length < target) addSession(zipfRank(), false);

  // A snapshot lists sessions in no useful order for the classifier.
  for (let i = sessions.length - 1; i > 0; i--) {
    const j = int(i + 1);
    [sessions[i], sessions[j]] = [sessions[j], sessions[i]];
  }
  // Real inputs come from a database driver or a parser: flat strings, objects allocated in list
  // order. Built strings would stay ropes, which no real input has and which slow every lookup.
  const parsed = JSON.parse(JSON.stringify({ gateways, sessions })) as Pick<Workload, 'gateways' | 'sessions'>;
  return { ...parsed, servers: n };
}
