import { TcpFaultProxy } from '../../../libs/common/src/testing/tcp-fault-proxy';
import { PrivateRedis } from '../../../libs/classification/test/private-redis';
import { AdminApi, type HealthView } from './support/admin-api';
import { createPostgresDatabase, createSqliteDatabase, E2E_POSTGRES_URL, type E2eDatabase } from './support/e2e-stores';
import { FederationClient, federatedName } from './support/federation-client';
import { FAST_POLLING_ENV, GatewayProcess, stopAllGateways, type ExitInfo } from './support/gateway-process';
import { delay, pollUntil } from './support/poll-until';
import { UpstreamFleet } from './support/upstream-fleet';

/** Only the test's wait limit past the grace period, never a bound the gateway is held to. */
const WAIT_MARGIN_MS = 8_000;

/** Waits for the exit the gateway makes by itself; SIGKILL (a failed test) after `timeoutMs`. */
async function exitWithin(gateway: GatewayProcess, timeoutMs: number): Promise<ExitInfo & { ms: number }> {
  const started = Date.now();
  const timer = setTimeout(() => gateway.kill(), timeoutMs);
  try {
    return { ...(await gateway.exited), ms: Date.now() - started };
  } finally {
    clearTimeout(timer);
  }
}

describe('a gateway shutting down with a slow client call in flight', () => {
  // Grace 8 s: the pooled sessions' share (a quarter) lets calls in flight drain for 1.5 s.
  const GRACE_MS = 8_000;
  const SLEEP_MS = 1_000;
  const fleet = new UpstreamFleet();
  let database: E2eDatabase;
  let gateway: GatewayProcess;
  let admin: AdminApi;
  let mcp: FederationClient;

  beforeAll(async () => {
    database = await createSqliteDatabase();
    const upstream = await fleet.start('slow', ['echo', 'sleep']);
    gateway = await GatewayProcess.start({
      env: { ...FAST_POLLING_ENV, SHUTDOWN_GRACE_MS: String(GRACE_MS), DATABASE_URL: database.url },
    });
    admin = new AdminApi(gateway.baseUrl, gateway.adminToken);
    await admin.createGateway('slow', upstream.url);
    mcp = await FederationClient.connect(gateway.baseUrl);
    await pollUntil(
      'slow__sleep in /mcp',
      () => mcp.toolNames(),
      (names) => names.includes('slow__sleep'),
    );
  });

  afterAll(async () => {
    await mcp?.close().catch(() => undefined);
    await stopAllGateways();
    await fleet.closeAll();
    await database?.drop();
  });

  it('answers /health/ready 503 (draining) while the call finishes, then exits 0', async () => {
    expect((await admin.probe('/health/ready')).status).toBe(200);
    const call = mcp.callTool(federatedName('slow', 'sleep'), { ms: SLEEP_MS });
    // The call is in flight once the gateway holds a pooled session for it.
    await delay(200);
    process.kill(gateway.pid, 'SIGTERM');

    const draining = await pollUntil(
      '/health/ready to answer 503',
      () => admin.probe('/health/ready'),
      (answer) => answer.status === 503,
      { timeoutMs: 3_000, intervalMs: 20 },
    );
    expect(draining.body.details.lifecycle).toMatchObject({ status: 'down', draining: true });
    // Liveness is about the process, which still serves.
    expect((await admin.probe('/health/live')).status).toBe(200);

    // The call in flight finishes: the drain waited for it.
    await expect(call).resolves.toEqual({ text: `slept ${SLEEP_MS} ms`, isError: false });
    const exit = await exitWithin(gateway, GRACE_MS + WAIT_MARGIN_MS);
    expect({ code: exit.code, signal: exit.signal }).toEqual({ code: 0, signal: null });
    expect(gateway.output()).not.toMatch(/overran|did not finish/);
  });
});

describe('a gateway shutting down with its database hung and its Redis frozen', () => {
  const GRACE_MS = 2_000;
  const fleet = new UpstreamFleet();
  let redis: PrivateRedis;
  let database: E2eDatabase;
  let proxy: TcpFaultProxy;
  let gateway: GatewayProcess;
  let mcp: FederationClient;

  beforeAll(async () => {
    redis = await PrivateRedis.start();
    database = await createPostgresDatabase();
    const server = new URL(E2E_POSTGRES_URL);
    proxy = await TcpFaultProxy.start(server.hostname, Number(server.port || 5432));
    const throughProxy = new URL(database.url);
    throughProxy.host = `127.0.0.1:${proxy.port}`;
    const upstream = await fleet.start('solo');
    gateway = await GatewayProcess.start({
      env: {
        ...FAST_POLLING_ENV,
        SHUTDOWN_GRACE_MS: String(GRACE_MS),
        DATABASE_URL: throughProxy.href,
        REDIS_URL: redis.url,
        REDIS_KEY_PREFIX: 'e2e-hung-shutdown',
      },
    });
    const admin = new AdminApi(gateway.baseUrl, gateway.adminToken);
    await admin.createGateway('solo', upstream.url);
    mcp = await FederationClient.connect(gateway.baseUrl);
    await pollUntil(
      'solo__echo in /mcp',
      () => mcp.toolNames(),
      (names) => names.includes('solo__echo'),
    );
    // A pooled session to close, and a leader lock to release.
    await expect(mcp.callTool(federatedName('solo', 'echo'), { text: 'before' })).resolves.toEqual({
      text: 'before',
      isError: false,
    });
    await pollUntil(
      'leadership',
      () => admin.health(),
      (h: HealthView) => h.details.classification?.leader === true,
    );
  });

  afterAll(async () => {
    await mcp?.close().catch(() => undefined);
    await stopAllGateways();
    await fleet.closeAll();
    redis?.thaw();
    await redis?.down();
    await proxy?.close();
    await database?.drop();
  });

  it('exits 0 within SHUTDOWN_GRACE_MS, naming the steps that overran', async () => {
    proxy.setMode('hang');
    redis.freeze();
    // Long enough for poll rounds, a classification cycle and health checks to hang on both.
    await delay(1_500);
    process.kill(gateway.pid, 'SIGTERM');
    const exit = await exitWithin(gateway, GRACE_MS + WAIT_MARGIN_MS);
    const output = gateway.output();
    process.stdout.write(`[shutdown] hung database and frozen Redis: exit ${JSON.stringify(exit)}\n`);
    expect({ code: exit.code, signal: exit.signal }).toEqual({ code: 0, signal: null });
    expect(output).toContain('SIGTERM received: shutting down');
    expect(output).not.toContain('Shutdown did not finish');
    expect(output).toMatch(/Shutdown step "[^"]+" overran its \d+ ms budget/);
  });
});
