import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Logger } from '@nestjs/common';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { ListToolsRequestSchema, type Tool } from '@modelcontextprotocol/sdk/types.js';
import { CaptureLogger } from '../../test/support/capture-logger';
import { waitUntil } from '../../test/support/async-helpers';
import { startSampleServer, type SampleServer } from '../../test/support/sample-mcp-server';
import { targetFor, testPoolOptions } from '../../test/support/sample-targets';
import { ANONYMOUS_IDENTITY } from './session-identity';
import { McpSessionPool } from './session-pool';
import { UpstreamConnector } from './upstream-connector';
import { UpstreamControlClient } from './upstream-control.client';
import { UpstreamError } from './upstream-error';
import type { UpstreamTarget } from '@app/registry';

/** An upstream whose tools/list hands out `pageSize` tools per page; `loop` makes it repeat a cursor forever. */
async function startPagedUpstream(
  toolCount: number,
  pageSize: number,
  loop = false,
): Promise<{ url: string; close(): Promise<void> }> {
  const tools: Tool[] = Array.from({ length: toolCount }, (_, i) => ({
    name: `tool_${i}`,
    inputSchema: { type: 'object' },
  }));
  const http: HttpServer = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const server = new McpServer({ name: 'paged', version: '1.0.0' }, { capabilities: { tools: {} } });
        server.server.setRequestHandler(ListToolsRequestSchema, (request) => {
          const start = loop ? 0 : Number(request.params?.cursor ?? '0');
          const next = start + pageSize;
          return {
            tools: tools.slice(start, next),
            ...(loop || next < tools.length ? { nextCursor: loop ? 'again' : String(next) } : {}),
          };
        });
        const transport = new StreamableHTTPServerTransport({
          sessionIdGenerator: undefined,
          enableJsonResponse: true,
        });
        res.on('close', () => void server.close());
        await server.connect(transport);
        const body = chunks.length ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown) : undefined;
        await transport.handleRequest(req, res, body);
      })();
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const port = (http.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    close: async () => {
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}

function pagedTarget(url: string): UpstreamTarget {
  return { id: 'gw-paged', name: 'paged', url, connectionUrl: url, secretPath: false, transport: 'streamablehttp' };
}

describe('UpstreamControlClient', () => {
  const logs = new CaptureLogger();
  let server: SampleServer;
  const control = (timeoutMs = 2_000, maxPages?: number): UpstreamControlClient =>
    new UpstreamControlClient({ timeoutMs, maxPages }, new UpstreamConnector());

  beforeAll(() => Logger.overrideLogger(logs));

  beforeEach(async () => {
    server = await startSampleServer({ name: 'alpha' });
  });

  afterEach(async () => {
    await server.close();
  });

  it('pings an upstream and ends its short-lived session afterwards', async () => {
    const result = await control().ping(targetFor(server));

    expect(result.latencyMs).toBeGreaterThanOrEqual(0);
    expect(server.stats().methods['ping']).toBe(1);
    expect(server.stats().sessionsOpened).toBe(1);
    await waitUntil(() => server.stats().openSessions === 0, 5_000, 'the control session to end');
  });

  it('lists the tools of an upstream with their schemas', async () => {
    const tools = await control().listTools(targetFor(server));

    expect(tools.map((t) => t.name).sort()).toEqual(['add', 'echo', 'whoami']);
    expect(tools.find((t) => t.name === 'add')?.inputSchema).toMatchObject({
      type: 'object',
      properties: { a: { type: 'number' }, b: { type: 'number' } },
    });
  });

  it('sees a tool added or removed upstream at the next listing', async () => {
    const client = control();
    server.addTool('weather');
    server.removeTool('add');

    const names = (await client.listTools(targetFor(server))).map((t) => t.name).sort();

    expect(names).toEqual(['echo', 'weather', 'whoami']);
  });

  it('follows nextCursor across every page of tools/list', async () => {
    const paged = await startPagedUpstream(7, 3);
    try {
      const target = pagedTarget(paged.url);
      const tools = await control().listTools(target);
      expect(tools.map((t) => t.name)).toEqual(['tool_0', 'tool_1', 'tool_2', 'tool_3', 'tool_4', 'tool_5', 'tool_6']);
    } finally {
      await paged.close();
    }
  });

  it('gives up on an upstream that repeats a cursor instead of looping forever', async () => {
    const paged = await startPagedUpstream(2, 1, true);
    try {
      const target = pagedTarget(paged.url);
      await expect(control().listTools(target)).rejects.toThrow(/cursor it had already returned/);
    } finally {
      await paged.close();
    }
  });

  it('times out on a hanging upstream within its deadline, for ping and for discovery', async () => {
    server.setHang(true);
    const client = control(300);

    for (const call of [() => client.ping(targetFor(server)), () => client.listTools(targetFor(server))]) {
      const started = Date.now();
      const failure = await call().catch((error: unknown) => error);
      const elapsed = Date.now() - started;

      expect(failure).toBeInstanceOf(UpstreamError);
      expect(failure).toMatchObject({ kind: 'timeout', upstreamId: 'gw-alpha' });
      expect((failure as Error).message).toMatch(/timed out after \d+ ms/);
      expect(elapsed).toBeGreaterThanOrEqual(250);
      expect(elapsed).toBeLessThan(1_500);
    }
  });

  it('times out on a hanging HTTP+SSE upstream, whose stream set-up takes no abort signal', async () => {
    server.setHang(true);
    const target = targetFor(server, { url: server.sseUrl, connectionUrl: server.sseUrl, transport: 'sse' });

    const started = Date.now();
    await expect(control(300).ping(target)).rejects.toMatchObject({ kind: 'timeout' });
    expect(Date.now() - started).toBeLessThan(1_500);
  });

  it('reports an unreachable upstream with a redacted message and no cause attached', async () => {
    const port = server.port;
    await server.close();
    const target = targetFor(server, {
      connectionUrl: `http://probe:hunter2-secret@127.0.0.1:${port}/mcp?api_key=CANARY123&region=eu`,
    });

    const failure = await control()
      .ping(target)
      .catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(UpstreamError);
    expect(failure).toMatchObject({ kind: 'unreachable' });
    expect((failure as Error).message).toMatch(
      /^Connect on upstream "alpha" \(http:\/\/127\.0\.0\.1:\d+\/mcp\) failed: /,
    );
    expect((failure as Error).message).not.toMatch(/CANARY123|hunter2|probe:/);
    expect((failure as Error).cause).toBeUndefined();
    server = await startSampleServer({ name: 'alpha' });
  });

  it('never touches the session pool, so health checks and discovery leave lastUsed and useCount alone', async () => {
    const clock = { now: 1_700_000_000_000 };
    const pool = new McpSessionPool(testPoolOptions(clock), new UpstreamConnector());
    const target = targetFor(server);
    try {
      await pool.withSession(target, ANONYMOUS_IDENTITY, (s) =>
        s.callTool({ name: 'echo', arguments: { text: 'hi' } }),
      );
      const before = pool.usage();
      expect(before).toEqual([expect.objectContaining({ useCount: 1, lastUsed: clock.now })]);

      clock.now += 5_000;
      const client = control();
      await client.ping(target);
      await client.listTools(target);
      await client.ping(target);

      expect(server.stats().methods['ping']).toBe(2);
      expect(pool.usage()).toEqual(before);
      expect(pool.metrics().totals.opened).toBe(1);
    } finally {
      await pool.beforeApplicationShutdown();
    }
  });

  it('never logs the credentials of a connection URL', () => {
    expect(logs.text()).not.toMatch(/CANARY123|hunter2/);
  });

  it('rejects a non-positive timeout at construction', () => {
    expect(() => control(0)).toThrow(/timeoutMs must be a positive number/);
  });
});
