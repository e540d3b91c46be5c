import { AdminApi, type GatewayView } from './support/admin-api';
import { createDatabase, RedisNamespace, E2E_REDIS_URL, type E2eDatabase } from './support/e2e-stores';
import { FederationClient, federatedName } from './support/federation-client';
import { FAST_POLLING_ENV, GatewayProcess, stopAllGateways } from './support/gateway-process';
import { pollUntil } from './support/poll-until';
import type { SampleServer } from './support/sample-mcp-server';
import { UpstreamFleet } from './support/upstream-fleet';

// SQLite without Redis is what `npm start` runs; PostgreSQL with Redis is the fleet set-up.
const SETUPS = [
  { title: 'on SQLite without Redis', kind: 'sqlite', redis: false },
  { title: 'on PostgreSQL with Redis', kind: 'postgres', redis: true },
] as const;

const MAX_SESSIONS_PER_USER = 2;

describe.each(SETUPS)('a gateway $title', ({ kind, redis }) => {
  const fleet = new UpstreamFleet();
  let database: E2eDatabase;
  let namespace: RedisNamespace | undefined;
  let gateway: GatewayProcess;
  let admin: AdminApi;
  let mcp: FederationClient;
  let upstream: SampleServer;
  let registered: GatewayView;

  beforeAll(async () => {
    database = await createDatabase(kind);
    namespace = redis ? new RedisNamespace() : undefined;
    upstream = await fleet.start('alpha');
    gateway = await GatewayProcess.start({ label: `gateway (${kind})`, env: gatewayEnv() });
    admin = new AdminApi(gateway.baseUrl, gateway.adminToken);
    mcp = await FederationClient.connect(gateway.baseUrl);
  });

  const gatewayEnv = () => ({
    ...FAST_POLLING_ENV,
    // The seed's cap (floor(0.2 × N)), so the one upstream here stays cold however busy it is.
    HOT_SERVER_MIN: '0',
    SESSION_POOL_MAX_PER_KEY: String(MAX_SESSIONS_PER_USER),
    DATABASE_URL: database.url,
    ...(namespace ? { REDIS_URL: E2E_REDIS_URL, REDIS_KEY_PREFIX: namespace.prefix } : {}),
  });

  afterAll(async () => {
    await mcp?.close().catch(() => undefined);
    await stopAllGateways();
    await fleet.closeAll();
    await namespace?.close();
    await database?.drop();
  });

  it('registers an upstream, discovers its tools at once and forwards tool calls through /mcp', async () => {
    registered = await admin.createGateway('alpha', upstream.url);
    expect(registered).toMatchObject({ name: 'alpha', url: upstream.url, hasCredentials: false, enabled: true });

    const tools = await pollUntil(
      'the first discovery to store the upstream tools',
      () => admin.listTools(registered.id),
      (found) => found.length === 3,
    );
    expect(tools.map((t) => t.name).sort()).toEqual(['add', 'echo', 'whoami']);
    expect(await mcp.toolNames()).toEqual(['alpha__add', 'alpha__echo', 'alpha__whoami']);

    await expect(mcp.callTool(federatedName('alpha', 'echo'), { text: 'hello through the gateway' })).resolves.toEqual({
      text: 'hello through the gateway',
      isError: false,
    });
    await expect(mcp.callTool(federatedName('alpha', 'add'), { a: 2, b: 40 })).resolves.toEqual({
      text: '42',
      isError: false,
    });
    expect(upstream.stats().toolCalls).toEqual({ echo: 1, add: 1 });

    const healthy = await admin.waitForHealthResult(registered.id, true);
    expect(healthy.lastHealthError).toBeNull();
  });

  it("answers an unknown tool with an MCP error and passes the upstream's tool errors on", async () => {
    await expect(mcp.callTool('alpha__no_such_tool')).rejects.toThrow(/Unknown tool: alpha__no_such_tool/);
    // Argument validation is the upstream's job; its failed result comes back as a tool error.
    const outcome = await mcp.callTool(federatedName('alpha', 'add'), { a: 'two', b: 3 });
    expect(outcome.isError).toBe(true);
    expect(outcome.text).toMatch(/Invalid arguments for tool add/);
  });

  it('serves concurrent calls of two users through a bounded session pool', async () => {
    const users = await Promise.all(['ann', 'bob'].map((user) => FederationClient.connect(gateway.baseUrl, user)));
    try {
      const echo = federatedName('alpha', 'echo');
      const calls = Array.from({ length: 40 }, (_, i) => users[i % 2].callTool(echo, { text: `call ${i}` }));
      const results = await Promise.all(calls);
      expect(results.filter((r) => r.isError)).toEqual([]);
      expect(results.map((r) => r.text)).toEqual(Array.from({ length: 40 }, (_, i) => `call ${i}`));
    } finally {
      await Promise.all(users.map((u) => u.close()));
    }
    // Pooled sessions stay open for reuse, at most the maximum per user (ann, bob and the anonymous
    // client of the earlier tests); one more may be a health check in flight.
    expect(upstream.stats().openSessions).toBeLessThanOrEqual(3 * MAX_SESSIONS_PER_USER + 1);
  });

  it('shows a tool added upstream in /mcp after the next due discovery, not before', async () => {
    // One upstream: hotCap = floor(0.2 × 1) = 0, so it is cold and re-discovered every 3 intervals.
    const due = await pollUntil(
      'a cold classification with the next discovery at least 2 s away',
      () => nextDiscoveryOf(registered.id),
      ({ serverClass, nextAt }) => serverClass === 'cold' && nextAt !== null && nextAt - Date.now() > 2_000,
      { timeoutMs: 20_000, intervalMs: 200 },
    );
    upstream.addTool('late_tool');

    await pollUntil(
      'late_tool in /mcp tools/list',
      () => mcp.toolNames(),
      (names) => names.includes('alpha__late_tool'),
      { timeoutMs: 15_000, intervalMs: 100 },
    );
    const seenAt = Date.now();
    const nextAt = due.nextAt ?? 0;
    expect(seenAt).toBeGreaterThanOrEqual(nextAt - 500);
    // Discovery rounds run ten times an interval; allow a round, the jitter and some slack.
    expect(seenAt).toBeLessThanOrEqual(nextAt + 3_000);
    await expectLogLine('Tools of alpha changed: added [late_tool]');
  });

  it('picks up tool changes upstream at once on POST /gateways/:id/refresh', async () => {
    upstream.addTool('urgent_tool');
    upstream.removeTool('late_tool');
    const refreshed = await admin.refresh(registered.id);
    expect(refreshed).toEqual({ added: ['urgent_tool'], updated: [], removed: ['late_tool'], total: 4 });
    expect(await mcp.toolNames()).toEqual(['alpha__add', 'alpha__echo', 'alpha__urgent_tool', 'alpha__whoami']);
    await expectLogLine('Tools of alpha changed: added [urgent_tool] removed [late_tool]');

    // A manual refresh counts as the completed discovery: the next periodic one moves a cold interval away.
    const { nextAt } = await nextDiscoveryOf(registered.id);
    expect(nextAt).not.toBeNull();
    expect((nextAt ?? 0) - Date.now()).toBeGreaterThan(4_000);

    await expect(mcp.callTool(federatedName('alpha', 'urgent_tool'))).resolves.toEqual({
      text: 'urgent_tool from alpha',
      isError: false,
    });
  });

  it('keeps its registrations and tools across a restart on the same database', async () => {
    await mcp.close();
    const exit = await gateway.stop('SIGTERM');
    expect({ code: exit.code, signal: exit.signal }).toEqual({ code: 0, signal: null });

    gateway = await GatewayProcess.start({ label: `restarted gateway (${kind})`, env: gatewayEnv() });
    admin = new AdminApi(gateway.baseUrl, gateway.adminToken);
    mcp = await FederationClient.connect(gateway.baseUrl);
    expect((await admin.listGateways()).map((g) => g.id)).toEqual([registered.id]);
    // Served from the registry at once, before any poll of the upstream.
    expect(await mcp.toolNames()).toEqual(['alpha__add', 'alpha__echo', 'alpha__urgent_tool', 'alpha__whoami']);
    await expect(mcp.callTool(federatedName('alpha', 'whoami'))).resolves.toEqual({ text: 'alpha', isError: false });
  });

  /** The line is written right after the change is stored, so it may trail what /mcp shows by a moment. */
  async function expectLogLine(line: string): Promise<void> {
    await pollUntil(
      `"${line}" in the log`,
      async () => gateway.output(),
      (output) => output.includes(line),
      {
        timeoutMs: 2_000,
      },
    );
  }

  async function nextDiscoveryOf(id: string): Promise<{ serverClass: string | null; nextAt: number | null }> {
    const view = await admin.classification();
    for (const server of view.servers) {
      const entry = server.gateways.find((g) => g.id === id);
      if (entry) {
        const nextAt = entry.nextDiscoveryAt === null ? null : Date.parse(entry.nextDiscoveryAt);
        return { serverClass: server.class, nextAt };
      }
    }
    throw new Error(`gateway ${id} is not in /classification`);
  }
});
