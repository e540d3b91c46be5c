import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { TcpFaultProxy } from '../../../libs/common/src/testing/tcp-fault-proxy';
import { AdminApi, type HttpAnswer } from './support/admin-api';
import { createPostgresDatabase, E2E_POSTGRES_URL, type E2eDatabase } from './support/e2e-stores';
import { FederationClient, federatedName } from './support/federation-client';
import { FAST_POLLING_ENV, GatewayProcess, stopAllGateways } from './support/gateway-process';
import { delay, pollUntil } from './support/poll-until';
import type { SampleServer } from './support/sample-mcp-server';
import { UpstreamFleet } from './support/upstream-fleet';

/** Every wait on the database is bounded by this; the e2e keeps it short. */
const DATABASE_TIMEOUT_MS = 1_000;
const POOL_MAX = 4;
const REFUSE_CALLS = 200;
const HANG_MS = Number(process.env['DB_OUTAGE_HANG_MS'] ?? 8_000);
const HANG_CLIENTS = 10;
const WARM_UP_MS = 3_000;
/**
 * A generous bound on the gateway's RSS growth through the hang (the adversarial run saw +163 MB
 * in 60 s). Call traffic alone grows it by a few MB a second until the heap is collected, with
 * the database up as much as down, so a longer hang (DB_OUTAGE_HANG_MS) gets a larger bound.
 */
const MAX_RSS_GROWTH_MB = 60 * Math.max(1, HANG_MS / 8_000);

/** A tool call through /mcp, answered well within what a client would wait. */
const CALL_TIMEOUT_MS = 5_000;

function rssMb(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmRSS:'));
  return Number(/(\d+)/.exec(line ?? '')?.[1] ?? NaN) / 1024;
}

/**
 * TCP sockets process `pid` holds open to `port` (the proxy): its socket fds matched against
 * /proc/<pid>/net/tcp. The proxy's own count cannot tell: a connection it holds paused ('hang')
 * does not see the gateway close it.
 */
function openConnections(pid: number, port: number): number {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (match) inodes.add(match[1]);
    } catch {
      // closed meanwhile
    }
  }
  const portHex = port.toString(16).toUpperCase().padStart(4, '0');
  let open = 0;
  for (const table of ['tcp', 'tcp6']) {
    let text = '';
    try {
      text = readFileSync(`/proc/${pid}/net/${table}`, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields.length < 10) continue;
      const remotePort = fields[2].split(':')[1];
      if (remotePort === portHex && inodes.has(fields[9])) open += 1;
    }
  }
  return open;
}

/** The gateway's DATABASE_URL with the proxy in front of the e2e PostgreSQL. */
function throughProxy(database: E2eDatabase, proxy: TcpFaultProxy): string {
  const url = new URL(database.url);
  url.host = `127.0.0.1:${proxy.port}`;
  return url.href;
}

async function startProxy(): Promise<TcpFaultProxy> {
  const target = new URL(E2E_POSTGRES_URL);
  return TcpFaultProxy.start(target.hostname, Number(target.port || 5432));
}

/** One raw JSON-RPC request to /mcp: the exact error text a client receives. */
async function rawRpc(baseUrl: string, method: string, params: unknown): Promise<{ ms: number; text: string }> {
  const started = Date.now();
  const response = await fetch(`${baseUrl}/mcp`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 7, method, params }),
    signal: AbortSignal.timeout(10_000),
  });
  return { ms: Date.now() - started, text: await response.text() };
}

function report(line: string): void {
  process.stdout.write(`[catalog-outage] ${line}\n`);
}

function expectRegistryUnavailable(answer: HttpAnswer): void {
  expect(answer.status).toBe(503);
  expect(answer.body).toEqual({ statusCode: 503, error: 'Service Unavailable', message: 'registry unavailable' });
  expect(answer.text).not.toMatch(/ECONN|timeout|127\.0\.0\.1|:\d{4,5}/i);
}

describe('a gateway on PostgreSQL whose database refuses, hangs and comes back', () => {
  const fleet = new UpstreamFleet();
  let database: E2eDatabase;
  let proxy: TcpFaultProxy;
  let gateway: GatewayProcess;
  let admin: AdminApi;
  let mcp: FederationClient;
  let upstream: SampleServer;

  /** Calls solo's echo `count` times, `parallel` at once; how many came back right. */
  async function callMany(count: number, parallel: number, tag: string): Promise<number> {
    let next = 0;
    let ok = 0;
    const worker = async (): Promise<void> => {
      while (next < count) {
        const i = next++;
        const text = `${tag} ${i}`;
        const outcome = await mcp.callTool(federatedName('solo', 'echo'), { text }, CALL_TIMEOUT_MS).catch(() => null);
        if (outcome?.isError === false && outcome.text === text) ok += 1;
      }
    };
    await Promise.all(Array.from({ length: parallel }, worker));
    return ok;
  }

  beforeAll(async () => {
    database = await createPostgresDatabase();
    proxy = await startProxy();
    upstream = await fleet.start('solo');
    gateway = await GatewayProcess.start({
      env: {
        ...FAST_POLLING_ENV,
        DATABASE_URL: throughProxy(database, proxy),
        DATABASE_TIMEOUT_MS: String(DATABASE_TIMEOUT_MS),
        DATABASE_POOL_MAX: String(POOL_MAX),
      },
    });
    admin = new AdminApi(gateway.baseUrl, gateway.adminToken);
    await admin.createGateway('solo', upstream.url);
    mcp = await FederationClient.connect(gateway.baseUrl);
    await pollUntil(
      'solo__echo in /mcp',
      () => mcp.toolNames(),
      (names) => names.includes('solo__echo'),
    );
    // Warm up the pool of upstream sessions and the catalog, and measure with the database up.
    expect(await callMany(50, 10, 'warm-up')).toBe(50);
    const started = Date.now();
    const ok = await callMany(REFUSE_CALLS, 10, 'baseline');
    report(`database up: ${ok}/${REFUSE_CALLS} tool calls succeeded in ${Date.now() - started} ms`);
  });

  afterAll(async () => {
    proxy?.setMode('pass');
    await mcp?.close().catch(() => undefined);
    await stopAllGateways();
    await fleet.closeAll();
    await proxy?.close();
    await database?.drop();
  });

  it('refusing: every tool call succeeds from the last good catalog, and the admin API answers 503', async () => {
    proxy.setMode('refuse');
    // Past the catalog's freshness, so every call below is served while reads fail.
    await delay(1_500);
    const started = Date.now();
    const ok = await callMany(REFUSE_CALLS, 10, 'refuse');
    report(`database refusing: ${ok}/${REFUSE_CALLS} tool calls succeeded in ${Date.now() - started} ms`);
    expect(ok).toBe(REFUSE_CALLS);
    expect(await mcp.toolNames()).toContain('solo__echo');

    const list = await admin.request('GET', '/gateways');
    expectRegistryUnavailable(list);
    const create = await admin.request('POST', '/gateways', { name: 'during-refuse', url: 'http://127.0.0.1:9/mcp' });
    expectRegistryUnavailable(create);
    proxy.setMode('pass');
  });

  /** HANG_CLIENTS callers in a loop until `until`: how many calls were made, how many came back right. */
  async function callFor(until: number): Promise<{ calls: number; ok: number }> {
    let calls = 0;
    let ok = 0;
    const worker = async (w: number): Promise<void> => {
      for (let i = 0; Date.now() < until; i += 1) {
        const text = `call ${w}.${i}`;
        calls += 1;
        const outcome = await mcp.callTool(federatedName('solo', 'echo'), { text }, CALL_TIMEOUT_MS).catch(() => null);
        if (outcome?.isError === false && outcome.text === text) ok += 1;
      }
    };
    await Promise.all(Array.from({ length: HANG_CLIENTS }, (_, w) => worker(w)));
    return { calls, ok };
  }

  it(
    'hanging: tool calls keep succeeding, RSS stays bounded and connections stay within the pool',
    async () => {
      // Let the pool reconnect after the refusal, so the hang freezes live connections too.
      await pollUntil(
        'the registry back',
        () => admin.request('GET', '/gateways'),
        (a) => a.status === 200,
      );
      // The same traffic with the database up first, so the heap has grown to its working size.
      await callFor(Date.now() + WARM_UP_MS);
      const rssBefore = rssMb(gateway.pid);
      proxy.setMode('hang');
      const hangStarted = Date.now();
      let maxConnections = openConnections(gateway.pid, proxy.port);
      const sampler = setInterval(
        () => (maxConnections = Math.max(maxConnections, openConnections(gateway.pid, proxy.port))),
        20,
      );

      // The admin API gives up within the database timeout and says why in two words.
      const adminStarted = Date.now();
      const list = await admin.request('GET', '/gateways');
      const adminMs = Date.now() - adminStarted;
      expectRegistryUnavailable(list);
      expect(adminMs).toBeLessThan(DATABASE_TIMEOUT_MS * 2 + 1_000);

      const { calls, ok } = await callFor(hangStarted + HANG_MS);
      clearInterval(sampler);
      const rssAfter = rssMb(gateway.pid);
      report(
        `database hanging ${Date.now() - hangStarted} ms: ${ok}/${calls} tool calls succeeded; ` +
          `RSS ${rssBefore.toFixed(1)} -> ${rssAfter.toFixed(1)} MB; ` +
          `most connections open to the database (proxy) ${maxConnections} (pool max ${POOL_MAX}); admin GET answered 503 in ${adminMs} ms`,
      );
      expect(calls).toBeGreaterThan(50);
      expect(ok).toBe(calls);
      expect(maxConnections).toBeLessThanOrEqual(POOL_MAX);
      expect(rssAfter - rssBefore).toBeLessThan(MAX_RSS_GROWTH_MB);
    },
    HANG_MS + 30_000,
  );

  it('recovering: a newly registered upstream shows up in /mcp', async () => {
    proxy.setMode('pass');
    const late = await fleet.start('late');
    const created = await pollUntil(
      'a registration accepted again',
      () => admin.request('POST', '/gateways', { name: 'late', url: late.url }),
      (a) => a.status === 201,
    );
    expect(created.status).toBe(201);
    await pollUntil(
      'late__echo in /mcp',
      () => mcp.toolNames(),
      (names) => names.includes('late__echo'),
    );
    const outcome = await mcp.callTool(federatedName('late', 'echo'), { text: 'back' });
    expect(outcome).toEqual({ text: 'back', isError: false });
    expect(await callMany(20, 5, 'after')).toBe(20);
  });
});

describe('a gateway started while its PostgreSQL refuses connections', () => {
  let database: E2eDatabase;
  let proxy: TcpFaultProxy;
  let gateway: GatewayProcess;

  beforeAll(async () => {
    database = await createPostgresDatabase();
    proxy = await startProxy();
    proxy.setMode('refuse');
    gateway = await GatewayProcess.start({
      env: {
        ...FAST_POLLING_ENV,
        DATABASE_URL: throughProxy(database, proxy),
        DATABASE_TIMEOUT_MS: String(DATABASE_TIMEOUT_MS),
      },
    });
  });

  afterAll(async () => {
    proxy?.setMode('pass');
    await stopAllGateways();
    await proxy?.close();
    await database?.drop();
  });

  it('starts, and /mcp tools/list promptly answers exactly "registry unavailable"', async () => {
    const raw = await rawRpc(gateway.baseUrl, 'tools/list', {});
    report(`cold start, database refusing: tools/list answered in ${raw.ms} ms: ${raw.text}`);
    expect(JSON.parse(raw.text)).toEqual({
      jsonrpc: '2.0',
      id: 7,
      error: { code: -32603, message: 'registry unavailable' },
    });
    // Promptly: no wait on the database (the first request of a fresh process pays its warm-up).
    expect(raw.ms).toBeLessThan(2_000);
    expect((await rawRpc(gateway.baseUrl, 'tools/list', {})).ms).toBeLessThan(DATABASE_TIMEOUT_MS);

    const mcp = await FederationClient.connect(gateway.baseUrl);
    try {
      const failure = await mcp.toolNames().then(
        () => null,
        (error: unknown) => error as Error,
      );
      expect(failure?.message).toMatch(/registry unavailable$/);
      expect(failure?.message).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|:\d{4,5}/);
      const call = await rawRpc(gateway.baseUrl, 'tools/call', { name: 'solo__echo', arguments: {} });
      expect(JSON.parse(call.text).error.message).toBe('registry unavailable');
    } finally {
      await mcp.close();
    }
    const admin = new AdminApi(gateway.baseUrl, gateway.adminToken);
    expectRegistryUnavailable(await admin.request('GET', '/gateways'));
    expect(gateway.output()).not.toContain('failed to start');
  });

  it('connects once the database is back, and serves the registry', async () => {
    proxy.setMode('pass');
    const admin = new AdminApi(gateway.baseUrl, gateway.adminToken);
    await pollUntil(
      'the admin API',
      () => admin.request('GET', '/gateways'),
      (a) => a.status === 200,
      {
        timeoutMs: 20_000,
      },
    );
    const mcp = await FederationClient.connect(gateway.baseUrl);
    try {
      await pollUntil(
        'an (empty) tools/list',
        () => mcp.toolNames(),
        (names) => names.length === 0,
      );
    } finally {
      await mcp.close();
    }
  });
});
