import { randomUUID } from 'node:crypto';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Logger } from '@nestjs/common';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { CallToolRequestSchema, type Progress } from '@modelcontextprotocol/sdk/types.js';
import { waitUntil } from '../../test/support/async-helpers';
import { CaptureLogger } from '../../test/support/capture-logger';
import { targetFor, testPoolOptions } from '../../test/support/sample-targets';
import { startStatefulUpstream, type StatefulUpstream } from '../../test/support/stateful-upstream';
import { forwardingOptions, type CallLimits } from './call-forwarding';
import { ANONYMOUS_IDENTITY } from './session-identity';
import { McpSessionPool } from './session-pool';
import { UpstreamConnector } from './upstream-connector';

const textOf = (result: Record<string, unknown>): string | undefined =>
  (result['content'] as Array<{ type: string; text?: string }> | undefined)?.find((c) => c.type === 'text')?.text;

/**
 * A minimal gateway endpoint: a real SDK Server over HTTP whose tools/call forwards through the
 * pool with the client's own deadline, cancellation and progress token.
 */
async function startForwarder(pool: McpSessionPool, upstreamUrl: string, limits: CallLimits) {
  const target = targetFor({ name: 'stateful', url: upstreamUrl } as never, { id: 'gw-stateful' });
  const server = new Server({ name: 'gateway', version: '1.0.0' }, { capabilities: { tools: {} } });
  server.setRequestHandler(CallToolRequestSchema, (request, extra) =>
    pool.withSession(target, ANONYMOUS_IDENTITY, (s) => s.callTool(request.params, forwardingOptions(extra, limits))),
  );
  const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: () => randomUUID() });
  await server.connect(transport);
  const http: HttpServer = createServer((req, res) => void transport.handleRequest(req, res));
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`;
  const client = new Client({ name: 'test-client', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  return {
    client,
    async close() {
      await client.close();
      await server.close();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}

describe('Forwarded calls following the client', () => {
  let upstream: StatefulUpstream;
  let pool: McpSessionPool;
  let forwarder: Awaited<ReturnType<typeof startForwarder>>;

  const start = async (limits: CallLimits): Promise<Client> => {
    pool = new McpSessionPool(testPoolOptions({ now: Date.now() }, { callTimeoutMs: 30_000 }), new UpstreamConnector());
    forwarder = await startForwarder(pool, upstream.url, limits);
    return forwarder.client;
  };

  beforeAll(() => Logger.overrideLogger(new CaptureLogger()));

  beforeEach(async () => {
    upstream = await startStatefulUpstream();
  });

  afterEach(async () => {
    await forwarder?.close();
    await pool?.beforeApplicationShutdown();
    await upstream.close();
  });

  /** The session survived: the next call goes over the same upstream session. */
  const expectSessionStillUsable = async (client: Client): Promise<void> => {
    const result = await client.callTool({ name: 'count', arguments: {} });
    expect(textOf(result)).toBe('1');
    expect(upstream.stats().sessionsOpened).toBe(1);
    expect(pool.metrics().totals.closedBroken).toBe(0);
  };

  it('cancels the call upstream when the client cancels it, and keeps the session', async () => {
    const client = await start({ idleTimeoutMs: 10_000, maxCallMs: 60_000 });
    const controller = new AbortController();

    const call = client
      .callTool({ name: 'wait_for_cancel', arguments: {} }, undefined, { signal: controller.signal })
      .catch((error: unknown) => error);
    await waitUntil(() => upstream.stats().started['wait_for_cancel'] === 1, 5_000, 'the call to start upstream');
    controller.abort('the user gave up');

    expect(await call).toBeDefined();
    await waitUntil(
      () => upstream.stats().cancelled['wait_for_cancel'] === 1,
      5_000,
      'the upstream call to be cancelled',
    );
    await waitUntil(() => pool.metrics().inFlight === 0, 5_000, 'the checkout to return');
    await expectSessionStillUsable(client);
  });

  it('lets a long call run while it reports progress, relaying it under the client token', async () => {
    const client = await start({ idleTimeoutMs: 1_000, maxCallMs: 60_000 });
    const progress: Progress[] = [];

    const result = await client.callTool({ name: 'progress', arguments: { ms: 3_000, every: 300 } }, undefined, {
      timeout: 30_000,
      onprogress: (p) => progress.push(p),
    });

    expect(textOf(result)).toBe('worked 3000 ms');
    expect(progress.length).toBeGreaterThanOrEqual(5);
    expect(progress.at(-1)).toMatchObject({ total: 3_000 });
  });

  it('lets a long call run while it reports progress even when the client asked for none', async () => {
    const client = await start({ idleTimeoutMs: 1_000, maxCallMs: 60_000 });

    const result = await client.callTool({ name: 'progress', arguments: { ms: 3_000, every: 300 } }, undefined, {
      timeout: 30_000,
    });

    expect(textOf(result)).toBe('worked 3000 ms');
  });

  it('fails a silent call after the idle timeout with a clear message, cancelling it upstream', async () => {
    const client = await start({ idleTimeoutMs: 1_000, maxCallMs: 60_000 });

    const failure = await client
      .callTool({ name: 'silent', arguments: { ms: 3_000 } }, undefined, { timeout: 30_000 })
      .catch((error: unknown) => error);

    expect(String(failure)).toMatch(
      /Tool call "silent" on upstream "stateful" \(http:\/\/127\.0\.0\.1:\d+\/mcp\) failed: no answer or progress within 1000 ms/,
    );
    await waitUntil(() => upstream.stats().cancelled['silent'] === 1, 5_000, 'the upstream call to be cancelled');
    await expectSessionStillUsable(client);
  });

  it('stops a call that keeps reporting progress at the maximum call time, cancelling it upstream', async () => {
    const client = await start({ idleTimeoutMs: 1_000, maxCallMs: 1_500 });
    const progress: Progress[] = [];

    const failure = await client
      .callTool({ name: 'progress', arguments: { ms: 10_000, every: 200 } }, undefined, {
        timeout: 30_000,
        onprogress: (p) => progress.push(p),
      })
      .catch((error: unknown) => error);

    expect(String(failure)).toMatch(/Tool call "progress" .* failed: no result within the 1500 ms limit of a call/);
    expect(progress.length).toBeGreaterThanOrEqual(1);
    await waitUntil(() => upstream.stats().cancelled['progress'] === 1, 5_000, 'the upstream call to be cancelled');
    await expectSessionStillUsable(client);
  });
});
