import { AdminApi, type GatewayView, type HealthView } from './support/admin-api';
import { createSqliteDatabase, type E2eDatabase } from './support/e2e-stores';
import { FederationClient, federatedName } from './support/federation-client';
import { FAST_POLLING_ENV, GatewayProcess, stopAllGateways } from './support/gateway-process';
import { pollUntil, timed } from './support/poll-until';
import { PrivateRedis } from '../../../libs/classification/test/private-redis';
import type { SampleServer } from './support/sample-mcp-server';
import { UpstreamFleet } from './support/upstream-fleet';

// Redis down must cost a poll decision about a second at most, never the upstream timeout or more.
const PROMPT_MS = 1_000;

describe('a gateway whose Redis goes down and comes back', () => {
  const fleet = new UpstreamFleet();
  let redis: PrivateRedis;
  let database: E2eDatabase;
  let gateway: GatewayProcess;
  let admin: AdminApi;
  let mcp: FederationClient;
  let upstream: SampleServer;
  let registered: GatewayView;

  beforeAll(async () => {
    redis = await PrivateRedis.start();
    database = await createSqliteDatabase();
    upstream = await fleet.start('solo');
    gateway = await GatewayProcess.start({
      // HOT_SERVER_MIN=0: the seed's cap, so the one upstream here is cold.
      env: {
        ...FAST_POLLING_ENV,
        HOT_SERVER_MIN: '0',
        DATABASE_URL: database.url,
        REDIS_URL: redis.url,
        REDIS_KEY_PREFIX: 'e2e-outage',
      },
    });
    admin = new AdminApi(gateway.baseUrl, gateway.adminToken);
    registered = await admin.createGateway('solo', upstream.url);
    mcp = await FederationClient.connect(gateway.baseUrl);
    await pollUntil(
      'a published classification',
      () => admin.classification(),
      (v) => v.leader && v.metadata !== null,
    );
  });

  afterAll(async () => {
    await mcp?.close().catch(() => undefined);
    await stopAllGateways();
    await fleet.closeAll();
    await redis?.down();
    await database?.drop();
  });

  it('reports Redis down in /health (503) while /mcp calls keep answering promptly', async () => {
    await redis.down();
    const health = await pollUntil(
      'Redis reported down',
      () => admin.health(),
      (h) => h.details.redis?.status === 'down',
    );
    expect(health.status).toBe('error');
    expect(health.details.database?.status).toBe('up');

    for (let i = 0; i < 3; i += 1) {
      const call = await timed(() => mcp.callTool(federatedName('solo', 'echo'), { text: `no redis ${i}` }));
      expect(call.value).toEqual({ text: `no redis ${i}`, isError: false });
      expect(call.ms).toBeLessThan(PROMPT_MS);
    }
  });

  it('keeps health-checking upstreams without Redis', async () => {
    const seen = new Set<string>();
    await pollUntil(
      'two fresh health checks',
      async () => {
        const g = await admin.getGateway(registered.id);
        if (g.lastHealthOk === true && g.lastHealthAt !== null) seen.add(g.lastHealthAt);
        return seen.size;
      },
      (count) => count >= 3,
      { timeoutMs: 8_000, intervalMs: 200 },
    );
  });

  it('fails open: discovery goes on without Redis, so a tool added upstream still shows up', async () => {
    upstream.addTool('outage_tool');
    // Every poll decision says "poll" now; one discovery round plus a decision timeout at most.
    await pollUntil(
      'outage_tool in /mcp',
      () => mcp.toolNames(),
      (names) => names.includes('solo__outage_tool'),
      {
        timeoutMs: 5_000,
      },
    );
  });

  it('fails safe: the worker stops claiming leadership', async () => {
    await pollUntil(
      'leadership given up',
      () => admin.health(),
      (h) => h.details.classification?.leader === false,
      {
        timeoutMs: 10_000,
      },
    );
  });

  it('recovers when Redis returns: healthy, leading and publishing again', async () => {
    await redis.up();
    const recovered = (h: HealthView): boolean => h.status === 'ok' && h.details.classification?.leader === true;
    await pollUntil('a healthy /health', () => admin.health(), recovered, { timeoutMs: 15_000, intervalMs: 200 });
    // The restarted Redis is empty; the leader publishes into it again.
    const view = await pollUntil(
      'a classification republished',
      () => admin.classification(),
      (v) => v.metadata !== null,
      {
        timeoutMs: 10_000,
        intervalMs: 200,
      },
    );
    expect(view.cold).toEqual([upstream.url]);
  });
});
