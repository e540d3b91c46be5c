import { AdminApi, type GatewayView } from './support/admin-api';
import { createSqliteDatabase, type E2eDatabase } from './support/e2e-stores';
import { FederationClient, federatedName } from './support/federation-client';
import { GatewayProcess, runGatewayToExit, stopAllGateways } from './support/gateway-process';
import { delay, pollUntil } from './support/poll-until';
import {
  childProcessesOf,
  exitAtOnceSpec,
  processExists,
  serverEverythingSpec,
  STDIO_ENV_CANARY,
  STUBBORN_MARKER,
  stubbornSpec,
} from './support/stdio-servers';

// Every connection starts a process (about half a second of CPU for server-everything), so
// health checks run every 2 s and deadlines leave room for a loaded machine.
const STDIO_ENV = {
  GATEWAY_AUTO_REFRESH_INTERVAL: '2',
  HEALTH_CHECK_INTERVAL: '2',
  UPSTREAM_TIMEOUT_MS: '15000',
  SHUTDOWN_GRACE_MS: '8000',
  LOG_LEVEL: 'verbose',
  STDIO_SERVERS: JSON.stringify({ everything: serverEverythingSpec(), 'exits-at-once': exitAtOnceSpec() }),
};

const everythingChildrenOf = (pid: number): number[] =>
  childProcessesOf(pid)
    .filter((child) => child.args.includes('server-everything'))
    .map((child) => child.pid);

describe('stdio upstreams (server-everything over stdio)', () => {
  let database: E2eDatabase;
  let gateway: GatewayProcess;
  let admin: AdminApi;
  let mcp: FederationClient;
  let everything: GatewayView;
  const answers: string[] = [];

  beforeAll(async () => {
    database = await createSqliteDatabase();
    gateway = await GatewayProcess.start({ env: { ...STDIO_ENV, DATABASE_URL: database.url } });
    admin = new AdminApi(gateway.baseUrl, gateway.adminToken);
    mcp = await FederationClient.connect(gateway.baseUrl);
  });

  afterAll(async () => {
    await mcp?.close().catch(() => undefined);
    await stopAllGateways();
    await database?.drop();
  });

  it('registers an allow-listed server as stdio:<name>, discovers its tools and calls them through /mcp', async () => {
    everything = await admin.createGateway('everything', 'stdio:everything');
    expect(everything).toMatchObject({ url: 'stdio:everything', transport: 'stdio', hasCredentials: false });

    const tools = await pollUntil(
      'the first discovery of the stdio server',
      () => admin.listTools(everything.id),
      (found) => found.length > 0,
      { timeoutMs: 30_000 },
    );
    expect(tools.map((t) => t.name)).toEqual(expect.arrayContaining(['echo', 'get-sum']));
    expect(await mcp.toolNames()).toEqual(expect.arrayContaining(['everything__echo', 'everything__get-sum']));

    const echoed = await mcp.callTool(federatedName('everything', 'echo'), { message: 'over stdio' }, 30_000);
    expect(echoed).toEqual({ text: 'Echo: over stdio', isError: false });
    const sum = await mcp.callTool(federatedName('everything', 'get-sum'), { a: 2, b: 40 }, 30_000);
    expect(sum.text).toContain('42');

    const healthy = await admin.waitForHealthResult(everything.id, true, { timeoutMs: 30_000 });
    expect(healthy.lastHealthError).toBeNull();
  });

  it('marks a command that exits at once unhealthy, with a clear reason and no secret', async () => {
    const broken = await admin.createGateway('exits', 'stdio:exits-at-once');
    const unhealthy = await admin.waitForHealthResult(broken.id, false, { timeoutMs: 30_000 });
    expect(unhealthy.lastHealthError).toContain(
      'stdio server "exits-at-once" exited before completing the MCP handshake (stderr: fatal: bad key ***)',
    );
    expect(await admin.listTools(broken.id)).toEqual([]);
    answers.push(JSON.stringify(unhealthy));
  });

  it('answers 400 naming the allowed servers to an unknown name or a mismatched transport', async () => {
    const unknown = await admin.request('POST', '/gateways', { name: 'shell', url: 'stdio:sh' });
    expect(unknown.status).toBe(400);
    expect(unknown.body).toMatchObject({
      message: 'url: stdio server "sh" is not configured (STDIO_SERVERS allows: everything, exits-at-once)',
    });
    const mismatched = await admin.request('POST', '/gateways', {
      name: 'web',
      url: 'https://example.com/mcp',
      transport: 'stdio',
    });
    expect(mismatched.status).toBe(400);
    answers.push(unknown.text, mismatched.text);
  });

  it('never shows the env of a stdio server in the admin API or the logs', async () => {
    answers.push((await admin.request('GET', '/gateways')).text);
    answers.push((await admin.request('GET', `/gateways/${everything.id}/tools`)).text);
    expect(answers.join('\n')).not.toContain(STDIO_ENV_CANARY);
    // stderr reaches the debug log, masked.
    expect(gateway.output()).toMatch(/stdio server "exits-at-once" \(pid \d+\) stderr: fatal: bad key \*\*\*/);
    expect(gateway.output()).not.toContain(STDIO_ENV_CANARY);
  });

  it('leaves no stdio process behind after shutdown', async () => {
    // The pooled session of the calls above keeps one process running.
    await mcp.callTool(federatedName('everything', 'echo'), { message: 'again' }, 30_000);
    const running = everythingChildrenOf(gateway.pid);
    expect(running.length).toBeGreaterThanOrEqual(1);

    // Health checks and discoveries start processes of their own at any time, also during the
    // shutdown: every child seen until the gateway has exited must be gone afterwards.
    const seen = new Set(running);
    const stopping = gateway.stop('SIGTERM', 15_000);
    while (gateway.exitInfo() === null) {
      for (const pid of everythingChildrenOf(gateway.pid)) seen.add(pid);
      await delay(20);
    }
    const exit = await stopping;
    expect(exit).toMatchObject({ code: 0, signal: null });
    await pollUntil(
      'the stdio processes to be gone',
      async () => [...seen].filter(processExists),
      (left) => left.length === 0,
      { timeoutMs: 10_000 },
    );
    expect(gateway.output()).not.toContain(STDIO_ENV_CANARY);
  });
});

describe('a stdio server that ignores the end of its stdin', () => {
  afterAll(() => stopAllGateways());

  it('is stopped when the gateway exits during its health check', async () => {
    const database = await createSqliteDatabase();
    try {
      const gateway = await GatewayProcess.start({
        env: {
          ...STDIO_ENV,
          STDIO_SERVERS: JSON.stringify({ stubborn: stubbornSpec() }),
          SHUTDOWN_GRACE_MS: '2000',
          DATABASE_URL: database.url,
        },
      });
      const admin = new AdminApi(gateway.baseUrl, gateway.adminToken);
      await admin.createGateway('stubborn', 'stdio:stubborn');
      // It never answers initialize, so its health check waits out UPSTREAM_TIMEOUT_MS (15 s).
      const started = await pollUntil(
        'a health check or discovery to start the stubborn server',
        async () => childProcessesOf(gateway.pid).filter((child) => child.args.includes(STUBBORN_MARKER)),
        (found) => found.length > 0,
        { timeoutMs: 15_000 },
      );
      const exit = await gateway.stop('SIGTERM', 15_000);
      expect(exit.code).toBe(0);
      await pollUntil(
        'the stubborn server to be stopped',
        async () => started.map((child) => child.pid).filter(processExists),
        (left) => left.length === 0,
        { timeoutMs: 10_000 },
      );
    } finally {
      await database.drop();
    }
  });
});

describe('STDIO_SERVERS at start-up', () => {
  it('refuses to start with a clear message that withholds the value', async () => {
    const database = await createSqliteDatabase();
    try {
      const bad = JSON.stringify({ everything: { ...serverEverythingSpec(), args: 'not-a-list' } });
      const run = await runGatewayToExit({ DATABASE_URL: database.url, STDIO_SERVERS: bad });
      expect(run.code).toBe(1);
      expect(run.output).toContain('STDIO_SERVERS: server "everything": args must be an array of strings');
      expect(run.output).not.toContain(STDIO_ENV_CANARY);
    } finally {
      await database.drop();
    }
  });
});
