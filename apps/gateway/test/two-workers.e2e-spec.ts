import { AdminApi, type ClassificationView, type HealthView } from './support/admin-api';
import { createDatabase, E2E_REDIS_URL, RedisNamespace, type E2eDatabase } from './support/e2e-stores';
import { FederationClient, federatedName } from './support/federation-client';
import { FAST_POLLING_ENV, GatewayProcess, stopAllGateways } from './support/gateway-process';
import { delay, pollUntil } from './support/poll-until';
import type { SampleServer } from './support/sample-mcp-server';
import { sameMembers } from './support/same-members';
import { UpstreamFleet } from './support/upstream-fleet';

const INTERVAL_MS = Number(FAST_POLLING_ENV['GATEWAY_AUTO_REFRESH_INTERVAL']) * 1000;
// The leader lock lives 3 intervals; a takeover sooner than that means the lock was released, not expired.
const LOCK_TTL_MS = 3 * INTERVAL_MS;
const SHARED_ADMIN_TOKEN = 'e2e-shared-admin-token-0123456789';

interface Worker {
  process: GatewayProcess;
  admin: AdminApi;
  instanceId: string;
}

// Two workers share the registry either way: one PostgreSQL database, or one SQLite file on one host.
describe.each(['postgres', 'sqlite'] as const)('two gateway workers on one Redis and one %s database', (kind) => {
  const fleet = new UpstreamFleet();
  let namespace: RedisNamespace;
  let database: E2eDatabase;
  let workers: Worker[];
  let upstreams: SampleServer[];
  let leader: Worker;
  let follower: Worker;

  beforeAll(async () => {
    namespace = new RedisNamespace();
    database = await createDatabase(kind);
    upstreams = await fleet.startMany(['w0', 'w1', 'w2', 'w3', 'w4']);
    const env = {
      ...FAST_POLLING_ENV,
      DATABASE_URL: database.url,
      REDIS_URL: E2E_REDIS_URL,
      REDIS_KEY_PREFIX: namespace.prefix,
    };
    // Started together, as a deployment starts them: both run migrations on the same empty database.
    const processes = await Promise.all(
      ['worker-a', 'worker-b'].map((name) =>
        GatewayProcess.start({ label: name, env: { ...env, INSTANCE_ID: name, ADMIN_TOKEN: SHARED_ADMIN_TOKEN } }),
      ),
    );
    workers = await Promise.all(
      processes.map(async (gateway) => {
        const admin = new AdminApi(gateway.baseUrl, gateway.adminToken);
        const reported = (h: HealthView): boolean => h.details.classification !== undefined;
        const health = await pollUntil('a classification status in /health', () => admin.health(), reported);
        return { process: gateway, admin, instanceId: health.details.classification?.instanceId ?? '' };
      }),
    );
    for (const upstream of upstreams) await workers[0].admin.createGateway(upstream.name, upstream.url);
  });

  afterAll(async () => {
    await stopAllGateways();
    await fleet.closeAll();
    await namespace?.close();
    await database?.drop();
  });

  it('elect exactly one leader, named by the Redis leader key and by its own /health', async () => {
    const elected = await pollUntil(
      'one leader',
      () => leaderFlags(workers),
      (flags) => flags.filter(Boolean).length === 1,
    );
    leader = workers[elected.indexOf(true)];
    follower = workers[elected.indexOf(false)];
    expect(await namespace.redis.get(namespace.leaderKey)).toBe(leader.instanceId);
    expect(leader.instanceId).toMatch(/^worker-[ab]_/);
    expect(follower.instanceId).not.toBe(leader.instanceId);

    // And it stays that way over more than one cycle.
    for (let sample = 0; sample < 6; sample += 1) {
      await delay(INTERVAL_MS / 4);
      expect(await leaderFlags([leader, follower])).toEqual([true, false]);
    }
    expect(await namespace.redis.get(namespace.leaderKey)).toBe(leader.instanceId);
  });

  it('share the tools registered through either worker', async () => {
    for (const worker of workers) {
      const mcp = await FederationClient.connect(worker.process.baseUrl);
      try {
        await pollUntil(
          `every tool through ${worker.process.label}`,
          () => mcp.toolNames(),
          (names) => names.length === 15,
        );
      } finally {
        await mcp.close();
      }
    }
  });

  it('both honour the classification the leader publishes: the same hot set, and both skip polls', async () => {
    // Usage is the leader's own session pool (aggregation across workers is not built yet), so traffic goes there.
    const mcp = await FederationClient.connect(leader.process.baseUrl);
    try {
      for (let i = 0; i < 10; i += 1) await mcp.callTool(federatedName('w0', 'echo'), { text: `busy ${i}` });
    } finally {
      await mcp.close();
    }
    const hotSet = [upstreams[0].url];
    const views = await pollUntil(
      'both workers to show w0 hot',
      () => Promise.all([leader.admin.classification(), follower.admin.classification()]),
      (vs) => vs.every((v) => sameMembers(v.hot, hotSet)),
      { timeoutMs: 10_000, intervalMs: 200 },
    );
    for (const view of views) {
      expect(
        sameMembers(
          view.cold,
          upstreams.slice(1).map((u) => u.url),
        ),
      ).toBe(true);
      expect(view.metadata).toMatchObject({ totalServers: 5, hotCap: 1, hotActual: 1 });
    }
    expect(views.map((v) => v.leader)).toEqual([true, false]);

    const skippedBefore = views.map(skipped);
    const later = await pollUntil(
      'both workers to skip discoveries that are not due',
      () => Promise.all([leader.admin.classification(), follower.admin.classification()]),
      (vs) => vs.every((v, i) => skipped(v) > skippedBefore[i]),
      { timeoutMs: 8_000, intervalMs: 250 },
    );
    expect(later.every((v) => sameMembers(v.hot, hotSet))).toBe(true);
  });

  it('SIGTERM makes the leader exit 0 within seconds, log its shutdown and release the leader lock', async () => {
    const exit = await leader.process.stop('SIGTERM');
    expect({ code: exit.code, signal: exit.signal }).toEqual({ code: 0, signal: null });
    expect(exit.ms).toBeLessThan(5_000);

    const output = leader.process.output();
    expect(output).toContain('SIGTERM received: shutting down');
    expect(output).toContain('Leader lock released');
    expect(output).toContain('Classification scheduler stopped');
    expect(output).not.toMatch(/ERROR/);

    // Gone, or already taken by the follower's next cycle; never still the old leader's.
    const holder = await namespace.redis.get(namespace.leaderKey);
    expect([null, follower.instanceId]).toContain(holder);
  });

  it('the other worker takes over leadership at its next cycle, long before the lock would have expired', async () => {
    const stoppedAt = Date.now();
    await pollUntil(
      'the follower to lead',
      async () => ({ flags: await leaderFlags([follower]), holder: await namespace.redis.get(namespace.leaderKey) }),
      ({ flags, holder }) => flags[0] && holder === follower.instanceId,
      { timeoutMs: LOCK_TTL_MS + 2_000, intervalMs: 100 },
    );
    // The follower's cycle comes every interval; allow for the exit above and a busy machine.
    expect(Date.now() - stoppedAt).toBeLessThan(LOCK_TTL_MS - 1_000);

    // The new leader publishes, and keeps serving /mcp.
    const view = await pollUntil(
      'a classification published by the new leader',
      () => follower.admin.classification(),
      (v) => v.leader && v.metadata !== null && Date.parse(v.metadata.timestamp) >= stoppedAt - 1_000,
      { timeoutMs: INTERVAL_MS * 2 + 2_000, intervalMs: 200 },
    );
    expect(view.instanceId).toBe(follower.instanceId);
    const mcp = await FederationClient.connect(follower.process.baseUrl);
    try {
      await expect(mcp.callTool(federatedName('w1', 'whoami'))).resolves.toEqual({ text: 'w1', isError: false });
    } finally {
      await mcp.close();
    }
  });

  it('the last worker, stopped too, leaves no leader key behind', async () => {
    const exit = await follower.process.stop('SIGTERM');
    expect({ code: exit.code, signal: exit.signal }).toEqual({ code: 0, signal: null });
    expect(await namespace.redis.get(namespace.leaderKey)).toBeNull();
    expect(follower.process.output()).toContain('Leader lock released');
    expect(follower.process.output()).not.toMatch(/ERROR/);
  });
});

async function leaderFlags(workers: readonly Worker[]): Promise<boolean[]> {
  const healths = await Promise.all(workers.map((w) => w.admin.health()));
  return healths.map((h) => h.details.classification?.leader === true);
}

function skipped(view: ClassificationView): number {
  return view.polls.tool_discovery.skipped;
}
