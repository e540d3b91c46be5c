import { AdminApi, type ClassificationView, type HealthView } from './support/admin-api';
import { createDatabase, E2E_REDIS_URL, RedisNamespace, type E2eDatabase } from './support/e2e-stores';
import { FederationClient, federatedName } from './support/federation-client';
import { FAST_POLLING_ENV, GatewayProcess, stopAllGateways } from './support/gateway-process';
import { delay, pollUntil } from './support/poll-until';
import type { SampleServer } from './support/sample-mcp-server';
import { sameMembers } from './support/same-members';
import { toolListCount, UpstreamFleet } from './support/upstream-fleet';

const INTERVAL_S = Number(FAST_POLLING_ENV['GATEWAY_AUTO_REFRESH_INTERVAL']);
const COLD_S = 3 * INTERVAL_S;
const JITTER = 0.1;
const ADMIN_TOKEN = 'e2e-fleet-admin-token-0123456789';
const NAMES = ['u0', 'u1', 'u2', 'u3', 'u4', 'u5', 'u6', 'u7', 'u8', 'u9'];

interface Worker {
  label: string;
  process: GatewayProcess;
  admin: AdminApi;
  instanceId: string;
}

/**
 * Four real gateway processes on one Redis and one PostgreSQL database, ten sample upstreams,
 * client traffic sent to chosen workers: what the fleet does with every worker's usage and how
 * often it polls.
 */
describe('a fleet of four gateway workers', () => {
  const upstreamFleet = new UpstreamFleet();
  let namespace: RedisNamespace;
  let database: E2eDatabase;
  let env: Record<string, string> & { DATABASE_URL: string };
  let upstreams: SampleServer[];
  let ids: Map<string, string>;
  let workers: Worker[];
  let leader: Worker;
  let followers: Worker[];

  const start = async (label: string): Promise<Worker> => {
    const process = await GatewayProcess.start({ label, env: { ...env, INSTANCE_ID: label } });
    const admin = new AdminApi(process.baseUrl, ADMIN_TOKEN);
    const reported = (h: HealthView): boolean => h.details.classification !== undefined;
    const health = await pollUntil('a classification status in /health', () => admin.health(), reported);
    return { label, process, admin, instanceId: health.details.classification?.instanceId ?? '' };
  };

  const views = (of: readonly Worker[] = workers): Promise<ClassificationView[]> =>
    Promise.all(of.map((w) => w.admin.classification()));

  const url = (name: string): string => upstreams[NAMES.indexOf(name)].url;

  /** Waits until every worker's /classification shows exactly `names` hot. */
  const waitForHot = (names: readonly string[], of: readonly Worker[] = workers): Promise<ClassificationView[]> =>
    pollUntil(
      `every worker to show ${names.join(', ') || 'nothing'} hot`,
      () => views(of),
      (vs) => vs.every((v) => sameMembers(v.hot, names.map(url))),
      { timeoutMs: 6 * INTERVAL_S * 1000, intervalMs: 200 },
    );

  const use = async (worker: Worker, name: string, calls = 3): Promise<void> => {
    const mcp = await FederationClient.connect(worker.process.baseUrl);
    try {
      for (let i = 0; i < calls; i += 1) await mcp.callTool(federatedName(name, 'echo'), { text: `${i}` });
    } finally {
      await mcp.close();
    }
  };

  const patch = async (name: string, body: Record<string, unknown>): Promise<void> => {
    const answer = await workers[0].admin.request('PATCH', `/gateways/${ids.get(name)}`, body);
    expect(answer.status).toBe(200);
  };

  beforeAll(async () => {
    namespace = new RedisNamespace();
    database = await createDatabase('postgres');
    upstreams = await upstreamFleet.startMany(NAMES);
    env = {
      ...FAST_POLLING_ENV,
      DATABASE_URL: database.url,
      REDIS_URL: E2E_REDIS_URL,
      REDIS_KEY_PREFIX: namespace.prefix,
      ADMIN_TOKEN,
      POLL_JITTER: String(JITTER),
    };
    workers = await Promise.all(['fleet-a', 'fleet-b', 'fleet-c', 'fleet-d'].map(start));
    ids = new Map();
    for (const upstream of upstreams) {
      // u1 asks for its own, long discovery interval from the start.
      const extra = upstream.name === 'u1' ? { discoveryIntervalSeconds: 600 } : {};
      ids.set(upstream.name, (await workers[0].admin.createGateway(upstream.name, upstream.url, extra)).id);
    }
    const flags = await pollUntil(
      'one leader',
      async () => (await Promise.all(workers.map((w) => w.admin.health()))).map((h) => h.details.classification?.leader),
      (f) => f.filter(Boolean).length === 1,
    );
    leader = workers[flags.indexOf(true)];
    followers = workers.filter((w) => w !== leader);
  }, 90_000);

  afterAll(async () => {
    await stopAllGateways();
    await upstreamFleet.closeAll();
    await namespace?.close();
    await database?.drop();
  });

  it('makes upstreams used only through followers hot, on every worker', async () => {
    await use(followers[0], 'u2');
    await use(followers[1], 'u7');
    const shown = await waitForHot(['u2', 'u7']);
    const u2 = shown[0].servers.find((s) => s.url === url('u2'));
    expect(u2?.usage?.reportedBy).toEqual([followers[0].instanceId]);
    expect(u2?.usage?.uses).toBe(3);
    expect(shown[0].fleet.workers.map((w) => w.instanceId).sort()).toEqual(workers.map((w) => w.instanceId).sort());
  });

  it('discovers each due upstream once across the fleet, not once per worker', async () => {
    const windowS = 2 * COLD_S;
    const before = upstreams.map(toolListCount);
    await delay(windowS * 1000);
    const polls = upstreams.map((u, i) => toolListCount(u) - before[i]);
    const hotView = (await leader.admin.classification()).hot;
    // Polls of one upstream are at least its (jittered) interval apart, so a window holds at most
    // floor(window / interval) + 1 of them; four workers each polling would be four times that.
    const outOfBounds = upstreams
      .map((upstream, i) => {
        const own = upstream.name === 'u1' ? 600 : null;
        const interval = (own ?? (hotView.includes(upstream.url) ? INTERVAL_S : COLD_S)) * (1 - JITTER);
        const least = interval * (1 + 2 * JITTER) < windowS ? 1 : 0;
        return { name: upstream.name, polls: polls[i], least, most: Math.floor(windowS / interval) + 1 };
      })
      .filter((u) => u.polls < u.least || u.polls > u.most);
    expect(outOfBounds).toEqual([]);
  });

  it('hands a failed discovery to another worker at once', async () => {
    const subject = upstreams[NAMES.indexOf('u5')];
    subject.addTool('translate');
    subject.failNext('tools/list', 1);
    const failed = await pollUntil(
      'one worker to report the failed discovery',
      async () => workers.filter((w) => w.process.output().includes('Tool discovery of u5 failed')),
      (ws) => ws.length > 0,
      { timeoutMs: 4 * COLD_S * 1000, intervalMs: 50 },
    );
    const failedAt = Date.now();
    const succeeded = await pollUntil(
      'another worker to discover the new tool',
      async () => workers.filter((w) => /Tools of u5 changed: added \[translate\]/.test(w.process.output())),
      (ws) => ws.length > 0,
      { timeoutMs: COLD_S * 1000, intervalMs: 50 },
    );
    // The worker that failed waits an interval before it tries again; the retry came sooner, from another.
    expect(Date.now() - failedAt).toBeLessThan(INTERVAL_S * 1000);
    expect(succeeded.map((w) => w.label)).not.toContain(failed[0].label);
    expect(succeeded).toHaveLength(1);
  });

  it('keeps the one busy upstream hot among four (HOT_SERVER_MIN=1 by default)', async () => {
    for (const name of ['u4', 'u5', 'u6', 'u7', 'u8', 'u9']) await patch(name, { enabled: false });
    try {
      const shown = await waitForHot(['u2']);
      expect(shown[0].metadata).toMatchObject({ totalServers: 4, hotCap: 1, hotActual: 1 });
      expect(shown[0].minHot).toBe(1);
    } finally {
      for (const name of ['u4', 'u5', 'u6', 'u7', 'u8', 'u9']) await patch(name, { enabled: true });
    }
  });

  it('keeps pins and own intervals across a restart, and polls by them', async () => {
    await patch('u8', { pin: 'hot' });
    await waitForHot(['u2', 'u7', 'u8']);
    const restarted = workers[3];
    await restarted.process.stop('SIGTERM');
    const again = await start(restarted.label);
    workers[3] = again;
    if (leader === restarted) leader = again;
    followers = followers.map((w) => (w === restarted ? again : w));
    const [view] = await waitForHot(['u2', 'u7', 'u8'], [again]);
    const gateway = (name: string) => view.servers.find((s) => s.url === url(name))?.gateways[0];
    expect(gateway('u8')?.pin).toBe('hot');
    expect(gateway('u1')?.discoveryIntervalSeconds).toBe(600);
    // u1 is cold (due every 6 s by class) but asked for 600 s: no discovery over two cold intervals.
    const u1 = upstreams[NAMES.indexOf('u1')];
    const before = toolListCount(u1);
    await delay(2 * COLD_S * 1000);
    expect(toolListCount(u1)).toBe(before);
  });

  it("stops counting a worker killed with SIGKILL once its summary expires", async () => {
    const doomed = followers.find((w) => w !== followers[0] && w !== followers[1]) as Worker;
    await use(doomed, 'u9');
    await waitForHot(['u9', 'u7', 'u8']);
    doomed.process.kill();
    const alive = workers.filter((w) => w !== doomed);
    const [view] = await waitForHot(['u2', 'u7', 'u8'], alive);
    expect(view.fleet.workers.map((w) => w.instanceId)).not.toContain(doomed.instanceId);
    expect(view.servers.find((s) => s.url === url('u9'))?.usage).toBeNull();
  });

  it('ignores a tampered usage summary with one warning, and keeps classifying', async () => {
    const forged = 'f'.repeat(32);
    await namespace.redis.sadd(`${namespace.prefix}:server_usage:workers`, forged);
    await namespace.redis.set(`${namespace.prefix}:server_usage:w:${forged}`, '{"v":1,"worker":"x","usage":7}', 'EX', 60);
    const current = leader;
    const published = (await current.admin.classification()).metadata?.timestamp ?? '';
    await pollUntil(
      'three more classifications',
      () => current.admin.classification(),
      (v) => v.metadata !== null && Date.parse(v.metadata.timestamp) >= Date.parse(published) + 3 * INTERVAL_S * 1000,
      { timeoutMs: 6 * INTERVAL_S * 1000, intervalMs: 250 },
    );
    const warnings = current.process.output().split('\n').filter((l) => l.includes(`usage summary of worker ${forged}`));
    expect(warnings).toHaveLength(1);
    expect((await current.admin.classification()).hot.length).toBeGreaterThan(0);
  });
});
