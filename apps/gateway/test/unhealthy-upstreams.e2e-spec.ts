import { AdminApi, type GatewayView } from './support/admin-api';
import { createSqliteDatabase, type E2eDatabase } from './support/e2e-stores';
import { FederationClient, federatedName } from './support/federation-client';
import { FAST_POLLING_ENV, GatewayProcess, stopAllGateways } from './support/gateway-process';
import { delay, pollUntil, timed } from './support/poll-until';
import type { SampleServer } from './support/sample-mcp-server';
import { UpstreamFleet, unusedPort } from './support/upstream-fleet';

const UPSTREAM_TIMEOUT_MS = Number(FAST_POLLING_ENV['UPSTREAM_TIMEOUT_MS']);
// A prompt answer from a healthy upstream on loopback, even on a busy 2-core machine.
const PROMPT_MS = 1_000;

describe('upstreams that are down or hang', () => {
  const fleet = new UpstreamFleet();
  let database: E2eDatabase;
  let gateway: GatewayProcess;
  let admin: AdminApi;
  let mcp: FederationClient;
  let steady: SampleServer;
  let hanging: SampleServer;
  let steadyGateway: GatewayView;
  let hangingGateway: GatewayView;
  let downGateway: GatewayView;

  beforeAll(async () => {
    database = await createSqliteDatabase();
    [steady, hanging] = await fleet.startMany(['steady', 'hanging']);
    gateway = await GatewayProcess.start({ env: { ...FAST_POLLING_ENV, DATABASE_URL: database.url } });
    admin = new AdminApi(gateway.baseUrl, gateway.adminToken);
    steadyGateway = await admin.createGateway('steady', steady.url);
    hangingGateway = await admin.createGateway('hanging', hanging.url);
    downGateway = await admin.createGateway('down', `http://127.0.0.1:${await unusedPort()}/mcp`);
    mcp = await FederationClient.connect(gateway.baseUrl);
    await pollUntil(
      'both live upstreams discovered',
      () => mcp.toolNames(),
      (names) => names.length === 6,
    );
  });

  afterAll(async () => {
    hanging?.setHang(false);
    await mcp?.close().catch(() => undefined);
    await stopAllGateways();
    await fleet.closeAll();
    await database?.drop();
  });

  it('reports an upstream that is down as unhealthy, with the reason', async () => {
    const down = await admin.waitForHealthResult(downGateway.id, false);
    expect(down.lastHealthError).toEqual(expect.any(String));
    expect(down.lastSeenAt).toBeNull();
    expect(await admin.listTools(downGateway.id)).toEqual([]);
    expect((await mcp.toolNames()).filter((name) => name.startsWith('down__'))).toEqual([]);
  });

  it('fails a call to a hanging upstream after the timeout while calls to a healthy one answer promptly', async () => {
    hanging.setHang(true);
    const stuck = timed(() => mcp.callTool(federatedName('hanging', 'echo'), { text: 'anyone there?' }));
    const prompt = await timed(() => mcp.callTool(federatedName('steady', 'echo'), { text: 'still here' }));
    expect(prompt.value).toEqual({ text: 'still here', isError: false });
    expect(prompt.ms).toBeLessThan(PROMPT_MS);

    const { value, ms } = await stuck;
    expect(value.isError).toBe(true);
    expect(ms).toBeGreaterThanOrEqual(UPSTREAM_TIMEOUT_MS - 100);
    expect(ms).toBeLessThan(UPSTREAM_TIMEOUT_MS + 2_000);
  });

  it('reports a hanging upstream as unhealthy and takes its tools out of /mcp', async () => {
    const hung = await admin.waitForHealthResult(hangingGateway.id, false, { timeoutMs: 10_000 });
    expect(hung.lastHealthError).toMatch(/time|abort/i);
    expect(await mcp.toolNames()).toEqual(['steady__add', 'steady__echo', 'steady__whoami']);
  });

  it('keeps health-checking the healthy upstream and answering its calls promptly meanwhile', async () => {
    const seen = new Set<string>();
    await pollUntil(
      'three fresh health checks of the healthy upstream',
      async () => {
        const g = await admin.getGateway(steadyGateway.id);
        if (g.lastHealthOk === true && g.lastHealthAt !== null) seen.add(g.lastHealthAt);
        return seen.size;
      },
      (count) => count >= 3,
      { timeoutMs: 12_000, intervalMs: 200 },
    );
    for (let i = 0; i < 5; i += 1) {
      const call = await timed(() => mcp.callTool(federatedName('steady', 'add'), { a: i, b: 1 }));
      expect(call.value).toEqual({ text: String(i + 1), isError: false });
      expect(call.ms).toBeLessThan(PROMPT_MS);
    }
    // The hanging upstream is still being checked (and still failing), not given up on.
    expect((await admin.getGateway(hangingGateway.id)).lastHealthOk).toBe(false);
  });

  it('brings an upstream that recovers back into /mcp', async () => {
    hanging.setHang(false);
    await admin.waitForHealthResult(hangingGateway.id, true);
    await pollUntil(
      'its tools back in /mcp',
      () => mcp.toolNames(),
      (names) => names.includes('hanging__echo'),
    );
    await expect(mcp.callTool(federatedName('hanging', 'whoami'))).resolves.toEqual({
      text: 'hanging',
      isError: false,
    });
  });

  it('exits 0 within seconds on SIGTERM even with a call to a hanging upstream in flight', async () => {
    hanging.setHang(true);
    const inFlight = mcp
      .callTool(federatedName('hanging', 'echo'), { text: 'never answered' })
      .catch((error: Error) => error);
    // A moment for the call to reach the upstream (a hanging server counts nothing it holds).
    await delay(300);
    const exit = await gateway.stop('SIGTERM');
    expect({ code: exit.code, signal: exit.signal }).toEqual({ code: 0, signal: null });
    expect(exit.ms).toBeLessThan(5_000);
    expect(gateway.output()).toContain('SIGTERM received: shutting down');
    await inFlight;
  });
});
