import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { AddressInfo } from 'node:net';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ErrorCode, McpError, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { waitUntil } from '../../test/support/async-helpers';
import { targetFor } from '../../test/support/sample-targets';
import { CaptureLogger } from '../../test/support/capture-logger';
import { MemoryUpstreamCatalog } from '../../test/support/memory-upstream-catalog';
import { startSampleServer, type SampleServer } from '../../test/support/sample-mcp-server';
import { testAppConfig } from '../../test/support/test-app-config';
import { AppConfigModule } from '../config/app-config.module';
import { TOOL_TABLE_TTL_MS } from './federation.service';
import { McpModule } from './mcp.module';
import { McpSessionPool } from './session-pool';
import type { CatalogUpstream } from './upstream-catalog';
import { UpstreamConnector } from './upstream-connector';
import { UpstreamControlClient } from './upstream-control.client';
import type { UpstreamTarget } from '@app/registry';

const CANARY = 'CANARY123';

const textOf = (result: CallToolResult): string =>
  result.content.map((c) => (c.type === 'text' ? c.text : '')).join('');

describe('Federation endpoint /mcp', () => {
  const logs = new CaptureLogger();
  /** Every HTTP response body the test client received. */
  const responses: string[] = [];
  const catalog = new MemoryUpstreamCatalog();
  let alpha: SampleServer;
  let beta: SampleServer;
  let app: INestApplication;
  let endpoint: URL;
  let client: Client;

  /** An upstream as the registry would list it, with the tools discovery found on it. */
  async function discovered(target: UpstreamTarget): Promise<CatalogUpstream> {
    const control = new UpstreamControlClient({ timeoutMs: 2_000 }, new UpstreamConnector());
    const tools = await control.listTools(target);
    return {
      ...target,
      tools: tools.map(({ name, description, inputSchema }) => ({ name, description, inputSchema })),
    };
  }

  async function connectClient(headers: Record<string, string> = {}): Promise<Client> {
    const recordingFetch = async (input: string | URL, init?: RequestInit): Promise<Response> => {
      const response = await fetch(input, init);
      responses.push(await response.clone().text());
      return response;
    };
    const c = new Client({ name: 'federation-spec', version: '1.0.0' });
    await c.connect(new StreamableHTTPClientTransport(endpoint, { fetch: recordingFetch, requestInit: { headers } }));
    return c;
  }

  beforeAll(async () => {
    [alpha, beta] = await Promise.all([startSampleServer({ name: 'alpha' }), startSampleServer({ name: 'beta' })]);
    const gone = await startSampleServer({ name: 'gamma' });
    const gonePort = gone.port;
    await gone.close();

    catalog.put(await discovered(targetFor(alpha)));
    catalog.put(
      await discovered({
        id: 'gw-beta',
        name: 'beta',
        url: beta.url,
        connectionUrl: `${beta.url}?api_key=${CANARY}`,
        secretPath: false,
        transport: 'streamablehttp',
      }),
    );
    catalog.put({
      id: 'gw-gamma',
      name: 'gamma',
      url: `http://127.0.0.1:${gonePort}/mcp`,
      connectionUrl: `http://svc:pa55word@127.0.0.1:${gonePort}/mcp?api_key=${CANARY}`,
      secretPath: false,
      transport: 'streamablehttp',
      tools: [
        {
          name: 'echo',
          description: 'Echo',
          inputSchema: { type: 'object', properties: { text: { type: 'string' } } },
        },
      ],
    });

    const moduleRef = await Test.createTestingModule({
      imports: [
        AppConfigModule.forRoot(testAppConfig({ upstreamTimeoutMs: 2_000 })),
        McpModule.register({ catalog: { useValue: catalog } }),
      ],
    }).compile();
    app = moduleRef.createNestApplication({ logger: logs });
    await app.listen(0, '127.0.0.1');
    const { port } = app.getHttpServer().address() as AddressInfo;
    endpoint = new URL(`http://127.0.0.1:${port}/mcp`);
    client = await connectClient();
  });

  afterAll(async () => {
    await client?.close();
    await app?.close().catch(() => undefined);
    await Promise.all([alpha?.close(), beta?.close()]);
  });

  it('lists the tools of every active upstream under collision-free prefixed names', async () => {
    const { tools } = await client.listTools();

    expect(tools.map((t) => t.name).sort()).toEqual([
      'alpha__add',
      'alpha__echo',
      'alpha__whoami',
      'beta__add',
      'beta__echo',
      'beta__whoami',
      'gamma__echo',
    ]);
    expect(tools.find((t) => t.name === 'beta__add')).toMatchObject({
      description: 'Adds two numbers',
      inputSchema: { type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } } },
    });
  });

  it('shows a tool within a second of the catalog listing it, without reconnecting', async () => {
    alpha.addTool('weather');
    catalog.put(await discovered(targetFor(alpha)));

    const started = Date.now();
    let names: string[] = [];
    while (!names.includes('alpha__weather') && Date.now() - started < TOOL_TABLE_TTL_MS + 1000) {
      names = (await client.listTools()).tools.map((t) => t.name);
      if (!names.includes('alpha__weather')) await new Promise((r) => setTimeout(r, 100));
    }

    expect(names).toContain('alpha__weather');
    expect(await client.callTool({ name: 'alpha__weather' })).toMatchObject({
      content: [{ type: 'text', text: 'weather from alpha' }],
    });
  });

  it('serves a burst of requests from one read of the catalog', async () => {
    await new Promise((r) => setTimeout(r, TOOL_TABLE_TTL_MS));
    const reads = jest.spyOn(catalog, 'listActive');
    await Promise.all(Array.from({ length: 10 }, () => client.listTools()));
    await client.callTool({ name: 'alpha__echo', arguments: { text: 'x' } });
    // At most one: while a stateful session is open the catalog is also re-read on its own clock.
    expect(reads.mock.calls.length).toBeLessThanOrEqual(1);
    reads.mockRestore();
  });

  it('forwards a call to the upstream that owns the tool and returns its result', async () => {
    const sum = (await client.callTool({ name: 'alpha__add', arguments: { a: 2, b: 3 } })) as CallToolResult;
    const who = (await client.callTool({ name: 'beta__whoami' })) as CallToolResult;

    expect(textOf(sum)).toBe('5');
    expect(who.isError).toBeFalsy();
    expect(textOf(who)).toBe('beta');
    expect(alpha.stats().toolCalls['add']).toBeGreaterThanOrEqual(1);
    expect(beta.stats().toolCalls['whoami']).toBe(1);
  });

  it('sends calls through the session pool, reusing its session and counting them as usage', async () => {
    const pool = app.get(McpSessionPool);
    const opened = beta.stats().sessionsOpened;

    await client.callTool({ name: 'beta__echo', arguments: { text: 'one' } });
    await client.callTool({ name: 'beta__echo', arguments: { text: 'two' } });

    expect(beta.stats().sessionsOpened).toBe(opened);
    const betaUsage = pool.usage().filter((s) => s.gatewayId === 'gw-beta');
    expect(betaUsage).toHaveLength(1);
    // Usage names the upstream by its canonical URL: the credential stays out of it.
    expect(betaUsage[0]).toMatchObject({ url: beta.url, active: false });
    expect(JSON.stringify(betaUsage)).not.toContain(CANARY);
    expect(betaUsage[0].useCount).toBeGreaterThanOrEqual(3);
    expect(betaUsage[0].lastUsed).toBeGreaterThan(Date.now() - 60_000);
  });

  it('keeps the sessions of users named in the x-mcp-user header apart', async () => {
    const pool = app.get(McpSessionPool);
    const carol = await connectClient({ 'x-mcp-user': 'carol' });
    try {
      await carol.callTool({ name: 'alpha__echo', arguments: { text: 'hi' } });
      await client.callTool({ name: 'alpha__echo', arguments: { text: 'hi' } });
    } finally {
      await carol.close();
    }

    expect(pool.usage().filter((s) => s.gatewayId === 'gw-alpha')).toHaveLength(2);
  });

  it('passes an error result from the upstream through unchanged', async () => {
    const result = (await client.callTool({ name: 'alpha__add', arguments: { a: 'two', b: 3 } })) as CallToolResult;

    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/Input validation error/);
  });

  it('answers an unknown tool with an MCP invalid-params error', async () => {
    const failure = await client.callTool({ name: 'nobody__echo', arguments: {} }).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(McpError);
    expect(failure).toMatchObject({ code: ErrorCode.InvalidParams });
    expect((failure as Error).message).toMatch(/Unknown tool: nobody__echo/);
  });

  it('reports an upstream that is down as an error result that names it but carries no credential', async () => {
    const result = (await client.callTool({ name: 'gamma__echo', arguments: { text: 'hello?' } })) as CallToolResult;

    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/upstream "gamma" \(http:\/\/127\.0\.0\.1:\d+\/mcp\) failed/);
    expect(textOf(result)).not.toMatch(/CANARY123|pa55word|api_key/);
  });

  it('refuses GET and DELETE without a session id: there is no session to stream or end', async () => {
    const get = await fetch(endpoint, { headers: { accept: 'text/event-stream' } });
    const del = await fetch(endpoint, { method: 'DELETE' });

    expect(get.status).toBe(400);
    expect(del.status).toBe(400);
  });

  it('never lets a registered credential reach a response or a log line', () => {
    expect(responses.length).toBeGreaterThan(5);
    for (const body of responses) {
      expect(body).not.toContain(CANARY);
      expect(body).not.toContain('pa55word');
    }
    expect(logs.lines.length).toBeGreaterThan(0);
    expect(logs.text()).not.toContain(CANARY);
    expect(logs.text()).not.toContain('pa55word');
  });

  it('closes every pooled session when the application shuts down', async () => {
    const pool = app.get(McpSessionPool);
    expect(pool.metrics().sessions).toBeGreaterThan(0);
    await client.close();

    await app.close();

    expect(pool.metrics().sessions).toBe(0);
    await waitUntil(
      () => alpha.stats().openSessions === 0 && beta.stats().openSessions === 0,
      5_000,
      'upstream sessions to end',
    );
  });
});
