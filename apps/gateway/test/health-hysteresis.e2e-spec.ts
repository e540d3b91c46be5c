import { AdminApi, type GatewayView } from './support/admin-api';
import { createSqliteDatabase, type E2eDatabase } from './support/e2e-stores';
import { FederationClient, federatedName } from './support/federation-client';
import { FAST_POLLING_ENV, GatewayProcess, stopAllGateways } from './support/gateway-process';
import { pollUntil } from './support/poll-until';
import type { SampleServer } from './support/sample-mcp-server';
import { UpstreamFleet } from './support/upstream-fleet';

const FLAKY_TOOLS = ['flaky__add', 'flaky__echo', 'flaky__whoami'];
const UNHEALTHY_LINE = 'flaky is unhealthy';

describe('health hysteresis (UPSTREAM_DOWN_AFTER=3)', () => {
  const fleet = new UpstreamFleet();
  let database: E2eDatabase;
  let gateway: GatewayProcess;
  let admin: AdminApi;
  let mcp: FederationClient;
  let flaky: SampleServer;
  let flakyGateway: GatewayView;

  /** Health checks the upstream has answered (each one a `ping`). */
  const pings = (): number => flaky.stats().methods['ping'] ?? 0;
  const unhealthyLines = (): number => gateway.output().split(UNHEALTHY_LINE).length - 1;

  /** Keeps listing /mcp until `until` holds; returns every list seen on the way. */
  async function watchTools(until: () => Promise<boolean>, timeoutMs = 15_000): Promise<string[][]> {
    const seen: string[][] = [];
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      seen.push(await mcp.toolNames());
      if (await until()) return seen;
      if (Date.now() > deadline) throw new Error(`condition not reached within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  beforeAll(async () => {
    database = await createSqliteDatabase();
    flaky = await fleet.start('flaky');
    gateway = await GatewayProcess.start({
      env: { ...FAST_POLLING_ENV, UPSTREAM_DOWN_AFTER: '3', DATABASE_URL: database.url },
    });
    admin = new AdminApi(gateway.baseUrl, gateway.adminToken);
    flakyGateway = await admin.createGateway('flaky', flaky.url);
    mcp = await FederationClient.connect(gateway.baseUrl);
    await admin.waitForHealthResult(flakyGateway.id, true);
    await pollUntil('its tools in /mcp', () => mcp.toolNames(), (names) => names.length === 3);
  });

  afterAll(async () => {
    await mcp?.close().catch(() => undefined);
    await stopAllGateways();
    await fleet.closeAll();
    await database?.drop();
  });

  it('keeps the tools of an upstream that fails two checks in a row listed, and its calls answered', async () => {
    const start = pings();
    flaky.failNext('ping', 2);
    let called = false;
    const seen = await watchTools(async () => {
      if (!called && pings() >= start + 1) {
        // Suspect (one or two failures): the call is still tried, and answered.
        await expect(mcp.callTool(federatedName('flaky', 'echo'), { text: 'still tried' })).resolves.toEqual({
          text: 'still tried',
          isError: false,
        });
        called = true;
      }
      // Two failed checks, then a successful one.
      return pings() >= start + 3 && (await admin.getGateway(flakyGateway.id)).lastHealthError === null;
    });
    expect(called).toBe(true);
    for (const names of seen) expect(names).toEqual(FLAKY_TOOLS);
    const after = await admin.getGateway(flakyGateway.id);
    expect(after.lastHealthOk).toBe(true);
    expect(unhealthyLines()).toBe(0);
  });

  it('records the reason of a failed check while the upstream still counts as up', async () => {
    flaky.failNext('ping', 1);
    const suspect = await pollUntil(
      'a failed check on record',
      () => admin.getGateway(flakyGateway.id),
      (g) => g.lastHealthError !== null,
    );
    expect(suspect.lastHealthOk).toBe(true);
    expect(suspect.lastHealthError).toContain('injected failure');
    await pollUntil('the next check to pass', () => admin.getGateway(flakyGateway.id), (g) => g.lastHealthError === null);
  });

  it('takes the tools out at the third failure in a row, and brings them back after one success', async () => {
    flaky.failNext('ping', 3);
    await admin.waitForHealthResult(flakyGateway.id, false, { timeoutMs: 15_000 });
    await pollUntil('its tools gone from /mcp', () => mcp.toolNames(), (names) => names.length === 0);
    expect(unhealthyLines()).toBe(1);
    // The fourth check passes: one success is enough.
    await admin.waitForHealthResult(flakyGateway.id, true, { timeoutMs: 15_000 });
    await pollUntil('its tools back in /mcp', () => mcp.toolNames(), (names) => names.length === 3);
    expect(gateway.output()).toContain('flaky is healthy again');
    expect(unhealthyLines()).toBe(1);
  });
});
