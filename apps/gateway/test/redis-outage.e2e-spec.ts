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

  it('reports Redis degraded, not down: live and ready 200, /health not 503, /mcp answers promptly', async () => {
    await redis.down();
    const health = await pollUntil(
      'Redis reported degraded',
      () => admin.health(),
      (h) => h.details.redis?.degraded === true,
    );
    expect(health.status).toBe('ok');
    expect(health.degraded).toContain('redis');
    expect(health.details.redis).toMatchObject({ status: 'up', degraded: true, message: expect.stringContaining('unreachable') });
    expect(health.details.database?.status).toBe('up');

    expect((await admin.probe('/health/live')).status).toBe(200);
    const ready = await admin.probe('/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body.details.redis).toMatchObject({ status: 'up', degraded: true });
    expect(ready.body.details.lifecycle).toMatchObject({ status: 'up', draining: false });

    for (let i = 0; i < 3; i += 1) {
      const call = await timed(() => mcp.callTool(federatedName('solo', 'echo'), { text: `no redis ${i}` }));
      expect(call.value).toEqual({ text: `no redis ${i}`, isError: false });
      expect(call.ms).toBeLessThan(PROMPT_MS);
    }
  });

  it('logs the outage once, not once per probe: 20 requests to /health are all 200', async () => {
    const before = gateway.output().length;
    for (let i = 0; i < 20; i += 1) {
      expect((await admin.probe('/health')).status).toBe(200);
    }
    // Terminus' own error log (a JSON dump per failed request) is off; state changes are logged once.
    expect(gateway.output().slice(before)).not.toMatch(/Health Check has failed|HealthCheckService/);
    // Since Redis went down: its own change, and at most the classifier's (degraded on Redis).
    const healthLines = gateway
      .output()
      .split('\n')
      .filter((line) => /\[Health\]/.test(line));
    expect(healthLines.length).toBeGreaterThanOrEqual(1);
    expect(healthLines.length).toBeLessThanOrEqual(2);
    expect(healthLines[0]).toContain('redis up -> degraded');
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
    const recovered = (h: HealthView): boolean =>
      h.status === 'ok' && h.degraded.length === 0 && h.details.classification?.leader === true;
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
