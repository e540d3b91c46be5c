import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
  CallToolResultSchema,
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  LoggingMessageNotificationSchema,
  type CallToolResult,
  type LoggingMessageNotification,
  type Progress,
} from '@modelcontextprotocol/sdk/types.js';
import { waitUntil } from '../../../test/support/async-helpers';
import { EverythingServer, type EverythingTransport } from '../../../test/support/everything-server';
import { INITIALIZE, McpTestApp, postJsonRpc } from '../../../test/support/mcp-test-app';
import { MemoryUpstreamCatalog } from '../../../test/support/memory-upstream-catalog';
import { targetFor } from '../../../test/support/sample-targets';
import { startSampleServer, type SampleServer } from '../../../test/support/sample-mcp-server';
import { McpSessionHost } from './mcp-session-host';

const textOf = (result: unknown): string =>
  ((result as CallToolResult).content ?? []).map((c) => (c.type === 'text' ? c.text : '')).join('');

/** What a request ended in, comparable between a direct and a proxied client. */
async function outcome(work: Promise<unknown>): Promise<unknown> {
  try {
    return { result: await work };
  } catch (error) {
    const { code, message } = error as { code?: unknown; message?: unknown };
    return { error: { code, message } };
  }
}

describe.each<EverythingTransport>(['streamableHttp', 'sse'])(
  '/servers/<name>/mcp in front of server-everything over %s',
  (transport) => {
    const catalog = new MemoryUpstreamCatalog();
    let everything: EverythingServer;
    let gateway: McpTestApp;
    let direct: Client;
    let proxied: Client;

    beforeAll(async () => {
      everything = await EverythingServer.start(transport);
      catalog.put({
        id: 'gw-everything',
        name: 'every thing',
        url: everything.url,
        connectionUrl: everything.url,
        secretPath: false,
        transport: transport === 'sse' ? 'sse' : 'streamablehttp',
        tools: [],
      });
      gateway = await McpTestApp.start(catalog);
      direct = new Client({ name: 'direct', version: '1.0.0' });
      const url = new URL(everything.url);
      await direct.connect(transport === 'sse' ? new SSEClientTransport(url) : new StreamableHTTPClientTransport(url));
      proxied = (await gateway.connect('/servers/every%20thing/mcp')).client;
    }, 30_000);

    afterAll(async () => {
      await proxied?.close();
      await direct?.close();
      await gateway?.close();
      await everything?.close();
    });

    it('answers initialize with the upstream capabilities, server info and instructions', () => {
      expect(proxied.getServerCapabilities()).toEqual(direct.getServerCapabilities());
      expect(proxied.getServerVersion()).toEqual(direct.getServerVersion());
      expect(proxied.getInstructions()).toEqual(direct.getInstructions());
      expect(proxied.getInstructions()).toBeTruthy();
    });

    it('lists tools, prompts, resources and templates as the upstream does', async () => {
      expect(await proxied.listTools()).toEqual(await direct.listTools());
      expect(await proxied.listPrompts()).toEqual(await direct.listPrompts());
      expect(await proxied.listResources()).toEqual(await direct.listResources());
      expect(await proxied.listResourceTemplates()).toEqual(await direct.listResourceTemplates());
    });

    it('gets prompts, reads resources and calls tools as the upstream answers them', async () => {
      const { prompts } = await direct.listPrompts();
      const simple = prompts.find((p) => (p.arguments ?? []).length === 0);
      expect(simple).toBeDefined();
      expect(await proxied.getPrompt({ name: simple!.name })).toEqual(await direct.getPrompt({ name: simple!.name }));

      const { resources } = await direct.listResources();
      const uri = resources[0].uri;
      expect(await proxied.readResource({ uri })).toEqual(await direct.readResource({ uri }));

      const args = { name: 'get-sum', arguments: { a: 2, b: 40 } };
      expect(await proxied.callTool(args)).toEqual(await direct.callTool(args));
    });

    it('returns the upstream JSON-RPC errors with their own code and message', async () => {
      const unknownPrompt = { name: 'no-such-prompt' };
      const viaGateway = await outcome(proxied.getPrompt(unknownPrompt));
      expect(viaGateway).toEqual(await outcome(direct.getPrompt(unknownPrompt)));
      expect(viaGateway).toMatchObject({ error: { code: -32602, message: expect.stringContaining('no-such-prompt') } });

      const unknownMethod = await outcome(proxied.request({ method: 'no/such-method' }, CallToolResultSchema));
      expect(unknownMethod).toEqual(await outcome(direct.request({ method: 'no/such-method' }, CallToolResultSchema)));
    });

    it('relays progress notifications under the client progress token, as a direct client gets them', async () => {
      const call = { name: 'trigger-long-running-operation', arguments: { duration: 1, steps: 4 } };
      const steps = async (client: Client): Promise<Set<number>> => {
        const progress: Progress[] = [];
        const result = await client.callTool(call, undefined, {
          onprogress: (p) => progress.push(p),
          timeout: 15_000,
        });
        expect(textOf(result)).toMatch(/Long running operation completed/);
        return new Set(progress.map((p) => p.progress));
      };

      const [viaGateway, directly] = await Promise.all([steps(proxied), steps(direct)]);
      // server-everything's event store replays later events when one of its GET streams
      // reconnects, so a step may come twice; over SSE its last step races the result.
      expect(viaGateway).toEqual(directly);
      expect([...viaGateway]).toEqual(expect.arrayContaining([1, 2, 3]));
    });
  },
);

describe('/servers/<name>/mcp relaying the upstream requests and notifications to its client', () => {
  const catalog = new MemoryUpstreamCatalog();
  let everything: EverythingServer;
  let gateway: McpTestApp;
  let client: Client;
  const logs: LoggingMessageNotification['params'][] = [];

  beforeAll(async () => {
    everything = await EverythingServer.start('streamableHttp');
    catalog.put({
      id: 'gw-everything',
      name: 'everything',
      url: everything.url,
      connectionUrl: everything.url,
      secretPath: false,
      transport: 'streamablehttp',
      tools: [],
    });
    gateway = await McpTestApp.start(catalog);
    client = (
      await gateway.connect('/servers/everything/mcp', { capabilities: { sampling: {}, elicitation: { form: {} } } })
    ).client;
    client.setRequestHandler(CreateMessageRequestSchema, async () => ({
      role: 'assistant',
      content: { type: 'text', text: 'sampled by the test client' },
      model: 'test-model',
    }));
    client.setRequestHandler(ElicitRequestSchema, async () => ({
      action: 'accept',
      content: { name: 'Ada Lovelace' },
    }));
    client.setNotificationHandler(LoggingMessageNotificationSchema, (notification) => {
      logs.push(notification.params);
    });
  }, 30_000);

  afterAll(async () => {
    await client?.close();
    await gateway?.close();
    await everything?.close();
  });

  it('relays a sampling request to the client and its answer back', async () => {
    const result = await client.callTool({ name: 'trigger-sampling-request', arguments: { prompt: 'hello' } });

    expect(textOf(result)).toContain('sampled by the test client');
  });

  it('relays an elicitation request to the client and its answer back', async () => {
    const result = await client.callTool({ name: 'trigger-elicitation-request', arguments: {} });

    expect(textOf(result)).toContain('Name: Ada Lovelace');
  });

  it('delivers the upstream log messages on the session GET stream', async () => {
    await client.setLoggingLevel('debug');
    await client.callTool({ name: 'toggle-simulated-logging', arguments: {} });
    try {
      await waitUntil(() => logs.length > 0, 15_000, 'a log message from the upstream');
    } finally {
      await client.callTool({ name: 'toggle-simulated-logging', arguments: {} });
    }
    expect(logs[0]).toMatchObject({ level: expect.any(String) });
  }, 20_000);
});

describe('/servers/<name>/mcp resolving and cancelling', () => {
  const catalog = new MemoryUpstreamCatalog();
  let alpha: SampleServer;
  let gateway: McpTestApp;

  beforeAll(async () => {
    alpha = await startSampleServer({ name: 'alpha', tools: ['echo', 'sleep'] });
    catalog.put({ ...targetFor(alpha), tools: [] });
    catalog.put({
      id: 'gw-down',
      name: 'down\u0007',
      url: 'http://127.0.0.1:9/mcp',
      connectionUrl: 'http://127.0.0.1:9/mcp',
      secretPath: false,
      transport: 'streamablehttp',
      tools: [],
    });
    catalog.setDown('gw-down', true);
    gateway = await McpTestApp.start(catalog);
  });

  afterAll(async () => {
    await gateway?.close();
    await alpha?.close();
  });

  const host = (): McpSessionHost => gateway.app.get(McpSessionHost);

  it('answers 404 with a JSON-RPC error for an upstream nobody registered', async () => {
    const answer = await postJsonRpc(gateway.url('/servers/nobody/mcp'), { id: 1, ...INITIALIZE });

    expect(answer.status).toBe(404);
    expect(answer.body).toMatchObject({ jsonrpc: '2.0', id: 1, error: { message: 'Unknown upstream: nobody' } });
  });

  it('answers 503 "upstream <name> is unavailable" for a registered upstream that is down, its name escaped', async () => {
    const answer = await postJsonRpc(gateway.url('/servers/down%07/mcp'), { id: 1, ...INITIALIZE });

    expect(answer.status).toBe(503);
    expect(answer.body).toMatchObject({ error: { code: -32603, message: 'upstream down\\u0007 is unavailable' } });
  });

  it('serves stateless requests (no session id) through the shared pool', async () => {
    const answer = await postJsonRpc(gateway.url('/servers/alpha/mcp'), {
      id: 3,
      method: 'tools/call',
      params: { name: 'echo', arguments: { text: 'stateless' } },
    });

    expect(answer.status).toBe(200);
    expect(textOf((answer.body as { result: unknown }).result)).toBe('stateless');
  });

  /** Starts a 3 s upstream call, drops the client once the upstream has it, and waits for the upstream's cancellation. */
  async function abandonSleepCall(url: URL, id: number, headers: Record<string, string>): Promise<void> {
    const cancelledBefore = alpha.stats().methods['notifications/cancelled'] ?? 0;
    const callsBefore = alpha.stats().toolCalls['sleep'] ?? 0;
    const abort = new AbortController();
    const call = postJsonRpc(
      url,
      { id, method: 'tools/call', params: { name: 'sleep', arguments: { ms: 3_000 } } },
      headers,
      abort.signal,
    ).catch((error: unknown) => error);
    await waitUntil(
      () => (alpha.stats().toolCalls['sleep'] ?? 0) > callsBefore,
      5_000,
      'the call to reach the upstream',
    );
    abort.abort();
    await call;
    await waitUntil(
      () => (alpha.stats().methods['notifications/cancelled'] ?? 0) > cancelledBefore,
      5_000,
      'the upstream to be told the call was cancelled',
    );
  }

  it('cancels the upstream call of a stateless request when its client disconnects', async () => {
    await abandonSleepCall(gateway.url('/servers/alpha/mcp'), 4, {});
    await waitUntil(() => host().stats().inFlight === 0, 5_000, 'nothing left in flight');
  });

  it('keeps nothing per request once requests and sessions are done', async () => {
    const url = gateway.url('/servers/alpha/mcp');
    const before = host().stats().sessions;
    await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        postJsonRpc(url, { id: i, method: 'tools/call', params: { name: 'echo', arguments: { text: `n${i}` } } }),
      ),
    );
    const ids = await Promise.all(Array.from({ length: 10 }, () => postJsonRpc(url, { id: 1, ...INITIALIZE })));
    expect(host().stats().sessions).toBe(before + 10);
    await Promise.all(
      ids.map((opened) =>
        fetch(url, {
          method: 'DELETE',
          headers: { 'mcp-session-id': opened.sessionId as string, 'mcp-protocol-version': '2025-06-18' },
        }),
      ),
    );

    expect(host().stats()).toEqual({ sessions: before, inFlight: 0 });
  });

  it('cancels the upstream call when the client disconnects before the answer', async () => {
    const url = gateway.url('/servers/alpha/mcp');
    const opened = await postJsonRpc(url, { id: 1, ...INITIALIZE });
    const sessionId = opened.sessionId as string;
    await postJsonRpc(url, { method: 'notifications/initialized' }, { 'mcp-session-id': sessionId });
    await abandonSleepCall(url, 5, { 'mcp-session-id': sessionId });
  });
});
