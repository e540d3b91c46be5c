import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { AdminApi, type GatewayView } from './support/admin-api';
import { createSqliteDatabase, type E2eDatabase } from './support/e2e-stores';
import { FederationClient, federatedName } from './support/federation-client';
import { FAST_POLLING_ENV, GatewayProcess, stopAllGateways } from './support/gateway-process';
import { pollUntil, timed } from './support/poll-until';
import type { SampleServer } from './support/sample-mcp-server';
import { UpstreamFleet, unusedPort } from './support/upstream-fleet';

const ID_HEADER = 'mcp-gateway-id';
const VIA_HEADER = 'Mcp-Gateway-Via';
// A refusal is answered at once; a loop that ran until a timeout would take UPSTREAM_TIMEOUT_MS or more per hop.
const PROMPT_MS = 3_000;

interface RawAnswer {
  status: number;
  gatewayId: string | null;
  body: { result?: { tools?: { name: string }[] }; error?: { code: number; message: string }; id?: unknown };
}

/** One JSON-RPC request to a gateway's stateless /mcp, with the headers given. */
async function rawMcp(baseUrl: string, method: string, headers: Record<string, string> = {}): Promise<RawAnswer> {
  const res = await fetch(`${baseUrl}/mcp`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
    body: JSON.stringify({ jsonrpc: '2.0', id: 7, method, params: {} }),
    signal: AbortSignal.timeout(10_000),
  });
  return { status: res.status, gatewayId: res.headers.get(ID_HEADER), body: (await res.json()) as RawAnswer['body'] };
}

/** An MCP client that claims to come through the gateways in `via`, as a gateway forwarding a request would. */
async function clientVia(baseUrl: string, via: string): Promise<Client> {
  const transport = new StreamableHTTPClientTransport(new URL(`${baseUrl}/mcp`), {
    requestInit: { headers: { [VIA_HEADER]: via } },
  });
  const client = new Client({ name: 'e2e-via-client', version: '1.0.0' });
  await client.connect(transport, { timeout: 10_000 });
  return client;
}

const names = (prefix: string, tools: readonly string[]): string[] => tools.map((t) => `${prefix}${t}`);
const SAMPLE_TOOLS = ['add', 'echo', 'whoami'];

describe('gateway loops', () => {
  const fleet = new UpstreamFleet();
  const databases: E2eDatabase[] = [];
  let alpha: SampleServer;
  let beta: SampleServer;
  let gatewayA: GatewayProcess;
  let gatewayB: GatewayProcess;
  let adminA: AdminApi;
  let adminB: AdminApi;
  let idA: string;
  let idB: string;

  beforeAll(async () => {
    [alpha, beta] = await fleet.startMany(['alpha', 'beta']);
    const [dbA, dbB] = await Promise.all([createSqliteDatabase(), createSqliteDatabase()]);
    databases.push(dbA, dbB);
    [gatewayA, gatewayB] = await Promise.all([
      GatewayProcess.start({ label: 'A', env: { ...FAST_POLLING_ENV, DATABASE_URL: dbA.url } }),
      GatewayProcess.start({ label: 'B', env: { ...FAST_POLLING_ENV, DATABASE_URL: dbB.url } }),
    ]);
    adminA = new AdminApi(gatewayA.baseUrl, gatewayA.adminToken);
    adminB = new AdminApi(gatewayB.baseUrl, gatewayB.adminToken);
    await adminA.createGateway('alpha', alpha.url);
    await adminB.createGateway('beta', beta.url);
    idA = (await rawMcp(gatewayA.baseUrl, 'ping')).gatewayId ?? '';
    idB = (await rawMcp(gatewayB.baseUrl, 'ping')).gatewayId ?? '';
  });

  afterAll(async () => {
    await stopAllGateways();
    await fleet.closeAll();
    await Promise.all(databases.map((db) => db.drop()));
  });

  it('names itself on every MCP answer with a fleet id of its own', async () => {
    expect(idA).toMatch(/^[0-9a-f]{16}$/);
    expect(idB).toMatch(/^[0-9a-f]{16}$/);
    expect(idA).not.toBe(idB);
    // Stable across requests (and workers of one deployment: it derives from the shared registry).
    expect((await rawMcp(gatewayA.baseUrl, 'tools/list')).gatewayId).toBe(idA);
  });

  it("refuses a request that has already passed through it with 508 and a JSON-RPC error, and one that passed too many gateways", async () => {
    const before = alpha.stats().methods['tools/list'] ?? 0;
    const looped = await rawMcp(gatewayA.baseUrl, 'tools/list', { [VIA_HEADER]: `${idB}, ${idA}` });
    expect(looped.status).toBe(508);
    expect(looped.gatewayId).toBe(idA);
    expect(looped.body).toEqual({ jsonrpc: '2.0', id: 7, error: { code: expect.any(Number), message: 'gateway loop detected' } });

    const chain = Array.from({ length: 9 }, (_, i) => `hop${i}`).join(', ');
    expect((await rawMcp(gatewayA.baseUrl, 'tools/list', { [VIA_HEADER]: chain })).status).toBe(508);
    expect((await rawMcp(gatewayA.baseUrl, 'tools/list', { [VIA_HEADER]: 'not an id!' })).status).toBe(400);
    // A chain of other gateways within the limit is served.
    expect((await rawMcp(gatewayA.baseUrl, 'tools/list', { [VIA_HEADER]: 'hop1, hop2' })).status).toBe(200);
    expect(alpha.stats().methods['tools/list'] ?? 0).toBe(before);
  });

  it("refuses to register the gateway's own /mcp endpoint", async () => {
    const answer = await adminA.request('POST', '/gateways', { name: 'self', url: `${gatewayA.baseUrl}/mcp` });
    expect(answer.status).toBe(409);
    expect(answer.body).toMatchObject({ message: 'upstream self is this gateway' });
    expect((await adminA.listGateways()).map((g) => g.name)).toEqual(['alpha']);
  });

  it('refuses to move a registered upstream onto the gateway itself', async () => {
    const later = await adminA.createGateway('later', `http://127.0.0.1:${await unusedPort()}/mcp`);
    const moved = await adminA.request('PATCH', `/gateways/${later.id}`, { url: `${gatewayA.baseUrl}/mcp` });
    expect(moved.status).toBe(409);
    expect(moved.body).toMatchObject({ message: 'upstream later is this gateway' });
    expect((await adminA.getGateway(later.id)).url).toBe(later.url);
    await adminA.request('DELETE', `/gateways/${later.id}`);
  });

  describe('two gateways registered with each other', () => {
    let bOnA: GatewayView;
    let aOnB: GatewayView;
    let mcpA: FederationClient;
    let mcpB: FederationClient;
    const expectedA = [...names('alpha__', SAMPLE_TOOLS), ...names('b__beta__', SAMPLE_TOOLS)];
    const expectedB = [...names('a__alpha__', SAMPLE_TOOLS), ...names('beta__', SAMPLE_TOOLS)];

    beforeAll(async () => {
      bOnA = await adminA.createGateway('b', `${gatewayB.baseUrl}/mcp`);
      aOnB = await adminB.createGateway('a', `${gatewayA.baseUrl}/mcp`);
      mcpA = await FederationClient.connect(gatewayA.baseUrl);
      mcpB = await FederationClient.connect(gatewayB.baseUrl);
    });

    afterAll(async () => {
      await mcpA?.close().catch(() => undefined);
      await mcpB?.close().catch(() => undefined);
    });

    it("each lists the other's own tools once, however many discovery rounds run", async () => {
      await pollUntil('A to list B', () => mcpA.toolNames(), (n) => n.length === expectedA.length);
      await pollUntil('B to list A', () => mcpB.toolNames(), (n) => n.length === expectedB.length);
      for (let round = 0; round < 4; round += 1) {
        await adminA.refresh(bOnA.id);
        await adminB.refresh(aOnB.id);
      }
      // And a few rounds of the pollers of their own (hot every 2 s).
      await new Promise((r) => setTimeout(r, 5_000));
      expect(await mcpA.toolNames()).toEqual(expectedA.sort());
      expect(await mcpB.toolNames()).toEqual(expectedB.sort());
      expect((await adminA.listTools(bOnA.id)).map((t) => t.name).sort()).toEqual(names('beta__', SAMPLE_TOOLS));
    });

    it("serves a call through the other gateway to its upstream", async () => {
      await expect(mcpA.callTool(federatedName('b', 'beta__echo'), { text: 'across' })).resolves.toEqual({
        text: 'across',
        isError: false,
      });
      await expect(mcpB.callTool(federatedName('a', 'alpha__whoami'))).resolves.toEqual({
        text: 'alpha',
        isError: false,
      });
    });

    it("leaves a gateway's own tools out of the list it is given back", async () => {
      const asB = await rawMcp(gatewayA.baseUrl, 'tools/list', { [VIA_HEADER]: idB });
      expect(asB.status).toBe(200);
      expect((asB.body.result?.tools ?? []).map((t) => t.name).sort()).toEqual(names('alpha__', SAMPLE_TOOLS));
    });

    it('answers a call that would loop back with "gateway loop detected" at once, not after a timeout', async () => {
      const callsBefore = beta.stats().toolCalls['echo'] ?? 0;
      // A request that came through B, sent by A back to B: B refuses it before reaching beta.
      const client = await clientVia(gatewayA.baseUrl, idB);
      try {
        const { value, ms } = await timed(() =>
          client
            .callTool({ name: 'b__beta__echo', arguments: { text: 'round and round' } }, undefined, { timeout: 20_000 })
            .then(
              (result) => ({ failed: result.isError === true, text: JSON.stringify(result.content) }),
              (error: Error) => ({ failed: true, text: error.message }),
            ),
        );
        expect(value.failed).toBe(true);
        expect(value.text).toContain('gateway loop detected');
        expect(ms).toBeLessThan(PROMPT_MS);
      } finally {
        await client.close();
      }
      expect(beta.stats().toolCalls['echo'] ?? 0).toBe(callsBefore);
      // Both gateways keep serving.
      await expect(mcpA.callTool(federatedName('b', 'beta__echo'), { text: 'still' })).resolves.toEqual({
        text: 'still',
        isError: false,
      });
    });
  });
});
