/**
 * `npm run bench:fleet`: real gateway worker processes (4, then 8) on one Redis and one
 * PostgreSQL database, 2000 upstream MCP servers, skewed tool-call traffic spread at random over
 * the workers. Prints, per fleet size: how well the leader's hot set matches the fleet-wide truth
 * (and what the leader's own pool alone would give, the seed's way), discovery polls per due
 * upstream, duplicate polls, and Redis round trips per worker per discovery round; then the
 * classification time from summaries at 100k upstreams beside classifyServers on the same usage.
 * Figures are printed, not asserted.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import Redis from 'ioredis';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
  createClassifier,
  hotCapFor,
  jitterFactor,
  mergeUsage,
  parseUsageSummary,
  serializeUsageSummary,
  summarizeSessions,
  type UpstreamRef,
  type UsageByUpstream,
} from '@app/classification';
import { createPostgresDatabase, type E2eDatabase } from '../apps/gateway/test/support/e2e-stores';
import { buildIfStale, entryPath } from '../scripts/build-if-stale';
import { startGateway, type GatewayProcess } from '../scripts/demo/gateway-process';
import { RoundTripCounter, type RoundTrips } from './fleet/redis-commands';
import { UpstreamFarm } from './fleet/upstream-farm';
import { generateWorkload, seededRandom, WORKLOAD_NOW } from './workload';

const ROOT = `${__dirname}/..`;
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const UPSTREAMS = Number(process.env.BENCH_UPSTREAMS ?? 2000);
/** Fleet sizes to run; `none` measures only the classification time. */
const FLEETS = (process.env.BENCH_FLEETS ?? '4,8')
  .split(',')
  .filter((size) => size !== 'none')
  .map(Number);
const CALLS = Number(process.env.BENCH_CALLS ?? 1500);
const INTERVAL_S = 4;
const COLD_MULTIPLIER = 3;
const JITTER = 0.1;
const HOT_RATIO = 0.2;
const ADMIN_TOKEN = `bench-${randomBytes(12).toString('hex')}`;

interface Worker {
  label: string;
  process: GatewayProcess;
  mcp: Client;
}

interface FleetFigures {
  workers: number;
  overlap: number;
  seedOverlap: number;
  pollsPerDue: number;
  duplicates: number;
  roundTrips: RoundTrips;
}

async function admin(baseUrl: string, method: string, path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 200)}`);
  return JSON.parse(text) as unknown;
}

interface ClassificationAnswer {
  leader: boolean;
  hot: string[];
  metadata: { timestamp: string } | null;
}

const classification = (w: Worker): Promise<ClassificationAnswer> =>
  admin(w.process.baseUrl, 'GET', '/classification') as Promise<ClassificationAnswer>;

async function startWorkers(count: number, database: E2eDatabase, prefix: string): Promise<Worker[]> {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NO_COLOR: '1',
    PORT: '0',
    DATABASE_URL: database.url,
    REDIS_URL,
    REDIS_KEY_PREFIX: prefix,
    ADMIN_TOKEN,
    GATEWAY_AUTO_REFRESH_INTERVAL: String(INTERVAL_S),
    HEALTH_CHECK_INTERVAL: '600',
    POLL_JITTER: String(JITTER),
    POLL_CONCURRENCY: '16',
  };
  return Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const label = `bench-w${i}`;
      const process = await startGateway(entryPath(ROOT), ROOT, { ...env, INSTANCE_ID: label }, 60_000);
      const mcp = new Client({ name: 'bench', version: '1.0.0' });
      await mcp.connect(new StreamableHTTPClientTransport(new URL(`${process.baseUrl}/mcp`)));
      return { label, process, mcp };
    }),
  );
}

async function waitFor<T>(what: string, read: () => Promise<T>, done: (value: T) => boolean, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read().catch(() => undefined);
    if (value !== undefined && done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(250);
  }
}

/** The hot set a classifier ranking on last use would pick from these calls (sequential, so no ties). */
function hotFrom(calls: readonly { upstream: number }[], cap: number): Set<number> {
  const lastCall = new Map<number, number>();
  calls.forEach((c, order) => lastCall.set(c.upstream, order));
  const ranked = [...lastCall.entries()].sort((a, b) => b[1] - a[1]).map(([u]) => u);
  return new Set(ranked.slice(0, cap));
}

async function runFleet(count: number, farm: UpstreamFarm, database: E2eDatabase, ids: string[]): Promise<FleetFigures> {
  const prefix = `bench-fleet-${randomBytes(4).toString('hex')}`;
  const workers = await startWorkers(count, database, prefix);
  const redis = new Redis(REDIS_URL);
  try {
    const leader = await waitFor(
      'a leader',
      async () => {
        const views = await Promise.all(workers.map(classification));
        return workers[views.findIndex((v) => v.leader)];
      },
      (w) => w !== undefined,
      30_000,
    );

    // Skewed traffic: Zipf popularity over the upstreams, each call to a random worker, one after another.
    const random = seededRandom(count);
    const weights = Array.from({ length: farm.count }, (_, i) => 1 / (i + 1) ** 0.9);
    const total = weights.reduce((a, b) => a + b, 0);
    const pick = (): number => {
      let r = random() * total;
      for (let i = 0; i < weights.length; i++) if ((r -= weights[i]) <= 0) return i;
      return weights.length - 1;
    };
    const calls: { upstream: number; worker: number }[] = [];
    for (let k = 0; k < CALLS; k++) {
      const upstream = pick();
      const worker = Math.floor(random() * count);
      await workers[worker].mcp.callTool({ name: `b${upstream}__echo`, arguments: { text: String(k) } });
      calls.push({ upstream, worker });
      await delay(1);
    }
    const trafficEnd = Date.now();
    // Every worker publishes within an interval, and the leader classifies within the next.
    const published = await waitFor(
      'a classification of all the traffic',
      () => classification(leader),
      (v) => v.metadata !== null && Date.parse(v.metadata.timestamp) > trafficEnd + INTERVAL_S * 1000 + 500,
      6 * INTERVAL_S * 1000,
    );
    const cap = hotCapFor(farm.count, HOT_RATIO, 1);
    const truth = hotFrom(calls, cap);
    const leaderIndex = workers.indexOf(leader);
    const seedView = hotFrom(
      calls.filter((c) => c.worker === leaderIndex),
      cap,
    );
    const published_ = new Set(published.hot.map((url) => Number(/\/u\/(\d+)\/mcp$/.exec(url)?.[1])));
    const overlap = [...truth].filter((u) => published_.has(u)).length / truth.size;
    const seedOverlap = [...truth].filter((u) => seedView.has(u)).length / truth.size;

    // Polls over three cold intervals, and the round trips the discovery rounds took.
    const windowMs = 3 * COLD_MULTIPLIER * INTERVAL_S * 1000;
    const counter = await RoundTripCounter.start(redis);
    const from = Date.now();
    await delay(windowMs);
    const to = Date.now();
    const roundTrips = await counter.stop();
    const hot = published_;
    let polls = 0;
    let due = 0;
    let duplicates = 0;
    for (let i = 0; i < farm.count; i++) {
      const interval =
        (hot.has(i) ? INTERVAL_S : COLD_MULTIPLIER * INTERVAL_S) * 1000 * jitterFactor(ids[i], JITTER);
      const times = farm.toolLists[i].filter((t) => t >= from && t < to);
      polls += times.length;
      due += (to - from) / interval;
      for (let k = 1; k < times.length; k++) if (times[k] - times[k - 1] < interval / 2) duplicates++;
    }
    return { workers: count, overlap, seedOverlap, pollsPerDue: polls / due, duplicates, roundTrips };
  } finally {
    await Promise.all(workers.map((w) => w.mcp.close().catch(() => undefined)));
    await Promise.all(workers.map((w) => w.process.stop(10_000)));
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

interface ClassificationTimes {
  /** Steady state of the leader's cycle: the registry unchanged, every worker's summary read back. */
  fromSummariesMs: number;
  fromSessionsMs: number;
  /** Reading the eight summaries back from their wire text. */
  parseMs: number;
  upstreamsWithUsage: number;
}

/** Classification time at 100k upstreams from eight workers' summaries, and classifyServers on the sessions behind them. */
function classificationTimes(): ClassificationTimes {
  const workload = generateWorkload({ servers: 100_000, seed: 7 });
  const gateways: UpstreamRef[] = workload.gateways;
  // Eight workers, each with an eighth of the sessions: what the leader reads back and merges.
  const parts = Array.from({ length: 8 }, (_, w) => workload.sessions.filter((_, i) => i % 8 === w));
  const wire = parts.map((sessions, w) =>
    serializeUsageSummary({ instanceId: `w${w}`, at: WORKLOAD_NOW, usage: summarizeSessions(gateways, sessions) }),
  );
  const read = (): UsageByUpstream[] =>
    wire.map((text) => {
      const parsed = parseUsageSummary(text, WORKLOAD_NOW);
      if (typeof parsed === 'string') throw new Error(parsed);
      return parsed.usage;
    });
  const summaries = read();
  const classifier = createClassifier();
  const time = (work: () => void): number => {
    for (let i = 0; i < 3; i++) work();
    const runs: number[] = [];
    for (let i = 0; i < 15; i++) {
      const started = process.hrtime.bigint();
      work();
      runs.push(Number(process.hrtime.bigint() - started) / 1e6);
    }
    return median(runs);
  };
  return {
    fromSummariesMs: time(() => classifier.classifyUsage({ gateways, usage: summaries, minHot: 1, now: WORKLOAD_NOW })),
    fromSessionsMs: time(() => classifier.classify({ gateways, sessions: workload.sessions, minHot: 1, now: WORKLOAD_NOW })),
    parseMs: time(() => void read()),
    upstreamsWithUsage: mergeUsage(summaries).size,
  };
}

async function main(): Promise<void> {
  if (buildIfStale(ROOT, { quiet: true })) console.log('built the gateway');
  const times = classificationTimes();
  const rows: FleetFigures[] = [];
  if (FLEETS.length > 0) await runFleets(rows);
  const pct = (x: number): string => `${(100 * x).toFixed(0)}%`;
  if (rows.length > 0) {
    console.log(`\nFleet of gateway workers, ${UPSTREAMS} upstreams, ${CALLS} tool calls, interval ${INTERVAL_S} s`);
    console.table(
      rows.map((r) => ({
        workers: r.workers,
        'hot-set overlap': pct(r.overlap),
        'leader pool only (seed)': pct(r.seedOverlap),
        'polls per due upstream': r.pollsPerDue.toFixed(2),
        'duplicate polls': r.duplicates,
        'round trips / round (avg)': r.roundTrips.perRound.toFixed(2),
        'round trips / round (max)': r.roundTrips.maxPerRound,
        rounds: r.roundTrips.rounds,
      })),
    );
  }
  reportTimes(times);
}

async function runFleets(rows: FleetFigures[]): Promise<void> {
  const farm = await UpstreamFarm.start(UPSTREAMS);
  const database = await createPostgresDatabase();
  try {
    // Register once through a worker of its own; the fleets then share the registry.
    const [registrar] = await startWorkers(1, database, `bench-reg-${randomBytes(4).toString('hex')}`);
    const ids: string[] = [];
    try {
      for (let i = 0; i < farm.count; i++) {
        const created = (await admin(registrar.process.baseUrl, 'POST', '/gateways', { name: `b${i}`, url: farm.url(i) })) as {
          id: string;
        };
        ids.push(created.id);
      }
    } finally {
      await registrar.mcp.close().catch(() => undefined);
      await registrar.process.stop(10_000);
    }
    for (const count of FLEETS) {
      console.log(`fleet of ${count} workers: traffic, then ${3 * COLD_MULTIPLIER * INTERVAL_S} s of polling…`);
      const row = await runFleet(count, farm, database, ids);
      rows.push(row);
      // Printed at once too: a long run interrupted still leaves its figures.
      console.log(JSON.stringify(row));
    }
  } finally {
    await farm.close();
    await database.drop();
  }
}

function reportTimes(times: ClassificationTimes): void {
  console.log(
    `\nClassification at 100k upstreams (${times.upstreamsWithUsage} with usage, 8 workers' summaries), median:\n` +
      `  from the summaries  ${times.fromSummariesMs.toFixed(2)} ms (target ≤ 10 ms)\n` +
      `  classifyServers     ${times.fromSessionsMs.toFixed(2)} ms on the same sessions\n` +
      `  reading the 8 summaries back from Redis text: ${times.parseMs.toFixed(2)} ms`,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
