import { createHash } from 'node:crypto';
import { AdminApi, type ClassificationView, type GatewayView } from './support/admin-api';
import { createSqliteDatabase, E2E_REDIS_URL, RedisNamespace, type E2eDatabase } from './support/e2e-stores';
import { FederationClient, federatedName } from './support/federation-client';
import { FAST_POLLING_ENV, GatewayProcess, stopAllGateways } from './support/gateway-process';
import { delay, pollUntil } from './support/poll-until';
import type { SampleServer } from './support/sample-mcp-server';
import { sameMembers } from './support/same-members';
import { toolListCount, UpstreamFleet } from './support/upstream-fleet';

const UPSTREAMS = 10;
const HOT_INTERVAL_MS = 2_000;
const COLD_INTERVAL_MS = 6_000;
// Two cold intervals and a little: every cold upstream is re-discovered at least twice.
const OBSERVATION_MS = 13_000;

describe('usage-aware polling with ten upstreams and skewed traffic', () => {
  const fleet = new UpstreamFleet();
  const namespace = new RedisNamespace();
  let database: E2eDatabase;
  let gateway: GatewayProcess;
  let admin: AdminApi;
  let mcp: FederationClient;
  let upstreams: SampleServer[];
  let registered: GatewayView[];

  beforeAll(async () => {
    database = await createSqliteDatabase();
    upstreams = await fleet.startMany(Array.from({ length: UPSTREAMS }, (_, i) => `up${i}`));
    gateway = await GatewayProcess.start({
      env: {
        ...FAST_POLLING_ENV,
        DATABASE_URL: database.url,
        REDIS_URL: E2E_REDIS_URL,
        REDIS_KEY_PREFIX: namespace.prefix,
      },
    });
    admin = new AdminApi(gateway.baseUrl, gateway.adminToken);
    registered = [];
    for (const upstream of upstreams) registered.push(await admin.createGateway(upstream.name, upstream.url));
    mcp = await FederationClient.connect(gateway.baseUrl);
    await pollUntil(
      'every upstream tool in /mcp',
      () => mcp.toolNames(),
      (names) => names.length === UPSTREAMS * 3,
    );
  });

  afterAll(async () => {
    await mcp?.close().catch(() => undefined);
    await stopAllGateways();
    await fleet.closeAll();
    await namespace.close();
    await database?.drop();
  });

  const busy = (): SampleServer[] => upstreams.slice(0, 2);
  const quiet = (): SampleServer[] => upstreams.slice(2);

  it('makes the two busy upstreams hot and the other eight cold', async () => {
    // One early call makes up2 eligible too; the busy ones are used after it, so they rank first.
    await mcp.callTool(federatedName('up2', 'whoami'));
    for (let round = 0; round < 15; round += 1) {
      await Promise.all(busy().map((u) => mcp.callTool(federatedName(u.name, 'echo'), { text: `call ${round}` })));
    }
    expect(busy().map((u) => u.stats().toolCalls['echo'])).toEqual([15, 15]);

    const view = await pollUntil(
      'the busy upstreams to be classified hot',
      () => admin.classification(),
      (v) => sameMembers(v.hot, urlsOf(busy())),
      { timeoutMs: 10_000, intervalMs: 200 },
    );
    expect(sameMembers(view.cold, urlsOf(quiet()))).toBe(true);
    // Eligible are the three upstreams clients used: the gateway's own health checks and
    // discoveries of all ten do not count as usage.
    expect(view.metadata).toMatchObject({ totalServers: 10, hotCap: 2, hotActual: 2, eligibleCount: 3 });
    expect(classOfEachGateway(view)).toEqual(
      Object.fromEntries(registered.map((g, i) => [g.name, i < 2 ? 'hot' : 'cold'])),
    );
    // The same sets are what every worker reads from Redis, by canonical URL.
    expect((await namespace.redis.smembers(`${namespace.prefix}:server_classification:hot`)).sort()).toEqual(
      urlsOf(busy()).sort(),
    );
  });

  it("publishes in the seed's Redis wire format, poll state keyed by canonical URL and gateway id", async () => {
    const key = (name: string): string => `${namespace.prefix}:server_classification:${name}`;
    const metadata = JSON.parse((await namespace.redis.get(key('metadata'))) ?? 'null') as Record<string, unknown>;
    expect(Object.keys(metadata)).toEqual([
      'total_servers',
      'hot_cap',
      'hot_actual',
      'eligible_count',
      'timestamp',
      'underutilized_reason',
    ]);
    expect(metadata).toMatchObject({
      total_servers: 10,
      hot_cap: 2,
      hot_actual: 2,
      eligible_count: 3,
      underutilized_reason: null,
    });
    expect(Math.abs(Number(await namespace.redis.get(key('timestamp'))) - Date.now() / 1000)).toBeLessThan(10);
    // Classification keys live 2 intervals, the leader lock 3.
    for (const name of ['hot', 'cold', 'metadata', 'timestamp']) {
      expect(await namespace.redis.ttl(key(name))).toBeLessThanOrEqual(4);
    }
    expect(await namespace.redis.ttl(key('leader'))).toBeLessThanOrEqual(6);

    // A poll record lives 2 of its class's intervals; the hot upstream's last one may date from
    // before it turned hot, so wait for its next discovery.
    const pollKey = (g: GatewayView): string =>
      `${namespace.prefix}:server_poll_state:${pollScopeHash(g.url, g.id)}:last_tool_discovery`;
    for (const [gateway, classTtl] of [
      [registered[0], 4],
      [registered[5], 12],
    ] as const) {
      await pollUntil(
        `a poll record of ${gateway.name} with a TTL of at most ${classTtl} s`,
        () => namespace.redis.ttl(pollKey(gateway)),
        (ttl) => ttl > 0 && ttl <= classTtl,
        { timeoutMs: 5_000 },
      );
      const last = Number(await namespace.redis.get(pollKey(gateway)));
      expect(Date.now() / 1000 - last).toBeLessThan(classTtl);
    }
  });

  it("skips a cold upstream's discovery until it is due while hot upstreams are re-discovered every interval", async () => {
    const before = (await admin.classification()).polls;
    const timelines = await recordDiscoveries(upstreams, OBSERVATION_MS);
    const after = await admin.classification();
    expect(sameMembers(after.hot, urlsOf(busy()))).toBe(true);

    const problems: string[] = [];
    for (const upstream of busy()) {
      const times = timelines.get(upstream) ?? [];
      // Due every 2 s; rounds run every second, so a hot upstream waits at most about 3 s.
      if (times.length < 4 || Math.max(...gaps(times)) > HOT_INTERVAL_MS + 2_000) {
        problems.push(`hot ${upstream.name}: discoveries at ${describeTimes(times)}`);
      }
    }
    for (const upstream of quiet()) {
      const times = timelines.get(upstream) ?? [];
      // Polled when due (so at least twice in 13 s), and never sooner than the cold interval.
      if (times.length < 2 || times.length > 3 || gaps(times).some((gap) => gap < COLD_INTERVAL_MS - 500)) {
        problems.push(`cold ${upstream.name}: discoveries at ${describeTimes(times)}`);
      }
    }
    expect(problems).toEqual([]);
    // The gateway counts the discoveries the classification saved.
    expect(after.polls.tool_discovery.skipped - before.tool_discovery.skipped).toBeGreaterThan(30);
  });

  it('health-checks every upstream every interval, hot or cold alike', async () => {
    const pingsBefore = upstreams.map((u) => u.stats().methods['ping'] ?? 0);
    await delay(3_000);
    const pingsAfter = upstreams.map((u) => u.stats().methods['ping'] ?? 0);
    const missed = upstreams.filter((_, i) => pingsAfter[i] - pingsBefore[i] < 2).map((u) => u.name);
    expect(missed).toEqual([]);
  });
});

function urlsOf(servers: readonly SampleServer[]): string[] {
  return servers.map((s) => s.url);
}

function classOfEachGateway(view: ClassificationView): Record<string, string | null> {
  return Object.fromEntries(view.servers.flatMap((s) => s.gateways.map((g) => [g.name, s.class])));
}

function describeTimes(times: readonly number[]): string {
  return times.length === 0 ? 'none' : times.map((t) => `+${t - times[0]} ms`).join(', ');
}

function gaps(times: readonly number[]): number[] {
  return times.slice(1).map((t, i) => t - times[i]);
}

/** When each server received a `tools/list`, sampled every 50 ms for `durationMs`. */
async function recordDiscoveries(
  servers: readonly SampleServer[],
  durationMs: number,
): Promise<Map<SampleServer, number[]>> {
  const timelines = new Map<SampleServer, number[]>(servers.map((s) => [s, []]));
  const counts = new Map<SampleServer, number>(servers.map((s) => [s, toolListCount(s)]));
  const end = Date.now() + durationMs;
  while (Date.now() < end) {
    await delay(50);
    const now = Date.now();
    for (const server of servers) {
      const count = toolListCount(server);
      for (let n = counts.get(server) ?? 0; n < count; n += 1) timelines.get(server)?.push(now);
      counts.set(server, count);
    }
  }
  return timelines;
}

/** DESIGN.md: the first 32 hex characters of SHA-256 of `url + "\0" + gatewayId`. */
function pollScopeHash(url: string, gatewayId: string): string {
  return createHash('sha256').update(`${url}\0${gatewayId}`, 'utf8').digest('hex').slice(0, 32);
}
