import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { AdminApi } from './support/admin-api';
import { createSqliteDatabase, type E2eDatabase } from './support/e2e-stores';
import { FAST_POLLING_ENV, GatewayProcess, stopAllGateways } from './support/gateway-process';
import { INITIALIZE, postJsonRpc } from './support/mcp-test-app';
import { pollUntil } from './support/poll-until';
import { UpstreamFleet } from './support/upstream-fleet';

/** Only the test's wait limit past the grace period, never a bound the gateway is held to. */
const WAIT_MARGIN_MS = 8_000;

const textOf = (result: unknown): string =>
  ((result as CallToolResult).content ?? []).map((c) => (c.type === 'text' ? c.text : '')).join('');

describe('a gateway shutting down with a call in flight on a stateful client session', () => {
  // Grace 20 s: the sessions' share (a quarter) lets requests in flight drain for 3.75 s.
  const GRACE_MS = 20_000;
  const SLEEP_MS = 3_000;
  const fleet = new UpstreamFleet();
  let database: E2eDatabase;
  let gateway: GatewayProcess;
  const clients: Client[] = [];

  async function connect(path: string): Promise<{ client: Client; transport: StreamableHTTPClientTransport }> {
    const transport = new StreamableHTTPClientTransport(new URL(`${gateway.baseUrl}${path}`));
    const client = new Client({ name: 'e2e-sessions', version: '1.0.0' });
    await client.connect(transport, { timeout: 10_000 });
    clients.push(client);
    return { client, transport };
  }

  beforeAll(async () => {
    database = await createSqliteDatabase();
    const upstream = await fleet.start('slow', ['echo', 'sleep']);
    gateway = await GatewayProcess.start({
      // /mcp forwards calls under UPSTREAM_TIMEOUT_MS; /servers/<name>/mcp under the client's own deadline.
      env: {
        ...FAST_POLLING_ENV,
        UPSTREAM_TIMEOUT_MS: '10000',
        SHUTDOWN_GRACE_MS: String(GRACE_MS),
        DATABASE_URL: database.url,
      },
    });
    const admin = new AdminApi(gateway.baseUrl, gateway.adminToken);
    await admin.createGateway('slow', upstream.url);
    const { client } = await connect('/mcp');
    await pollUntil(
      'slow__sleep in /mcp',
      async () => (await client.listTools()).tools.map((tool) => tool.name),
      (names) => names.includes('slow__sleep'),
    );
  });

  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close().catch(() => undefined)));
    await stopAllGateways();
    await fleet.closeAll();
    await database?.drop();
  });

  it('lets the call finish on SIGTERM, refuses new sessions meanwhile, then exits 0', async () => {
    const federated = await connect('/mcp');
    const perUpstream = await connect('/servers/slow/mcp');
    expect(federated.transport.sessionId).toBeDefined();
    expect(perUpstream.transport.sessionId).toBeDefined();

    const calls = [
      federated.client.callTool({ name: 'slow__sleep', arguments: { ms: SLEEP_MS } }, undefined, { timeout: 20_000 }),
      perUpstream.client.callTool({ name: 'sleep', arguments: { ms: SLEEP_MS } }, undefined, { timeout: 20_000 }),
    ];
    await new Promise((resolve) => setTimeout(resolve, 300));
    process.kill(gateway.pid, 'SIGTERM');

    const refused = await pollUntil(
      'a new session to be refused',
      () => postJsonRpc(new URL(`${gateway.baseUrl}/mcp`), { id: 1, ...INITIALIZE }),
      (answer) => answer.status === 503,
      { timeoutMs: 2_000, intervalMs: 50 },
    );
    expect(refused.body).toMatchObject({ jsonrpc: '2.0', error: { message: 'The gateway is shutting down' } });

    const results = await Promise.all(calls);
    expect(results.map(textOf)).toEqual([`slept ${SLEEP_MS} ms`, `slept ${SLEEP_MS} ms`]);

    const started = Date.now();
    const timer = setTimeout(() => gateway.kill(), GRACE_MS + WAIT_MARGIN_MS);
    try {
      const exit = await gateway.exited;
      process.stdout.write(
        `[client sessions] exit ${JSON.stringify(exit)} ${Date.now() - started} ms after the calls\n`,
      );
      expect(exit).toEqual({ code: 0, signal: null });
    } finally {
      clearTimeout(timer);
    }
    expect(gateway.output()).not.toMatch(/overran|did not finish/);
  });
});
