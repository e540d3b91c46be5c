import { randomUUID } from 'node:crypto';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { waitUntil } from '../../../test/support/async-helpers';
import { INITIALIZE, McpTestApp, postJsonRpc } from '../../../test/support/mcp-test-app';
import { MemoryUpstreamCatalog } from '../../../test/support/memory-upstream-catalog';
import { startSampleServer, type SampleServer } from '../../../test/support/sample-mcp-server';
import { targetFor } from '../../../test/support/sample-targets';
import type { CatalogUpstream } from '../upstream-catalog';
import { McpSessionHost as McpSessionHostRef } from './mcp-session-host';

const ECHO_SCHEMA = { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] };
const SLEEP_SCHEMA = { type: 'object', properties: { ms: { type: 'number' } }, required: ['ms'] };

function upstreamOf(server: SampleServer): CatalogUpstream {
  return {
    ...targetFor(server),
    tools: [
      { name: 'echo', inputSchema: ECHO_SCHEMA },
      { name: 'sleep', inputSchema: SLEEP_SCHEMA },
    ],
  };
}

const textOf = (result: unknown): string =>
  ((result as CallToolResult).content ?? []).map((c) => (c.type === 'text' ? c.text : '')).join('');

/** Opens a session with a raw initialize (and the initialized notification); returns its id. */
async function openSession(url: URL, headers: Record<string, string> = {}): Promise<string> {
  const opened = await postJsonRpc(url, { id: 1, ...INITIALIZE }, headers);
  expect(opened.status).toBe(200);
  const sessionId = opened.sessionId;
  if (!sessionId) throw new Error('no session id issued');
  await postJsonRpc(url, { method: 'notifications/initialized' }, { ...headers, 'mcp-session-id': sessionId });
  return sessionId;
}

function listTools(url: URL, sessionId: string, headers: Record<string, string> = {}) {
  return postJsonRpc(url, { id: 2, method: 'tools/list' }, { ...headers, 'mcp-session-id': sessionId });
}

describe('client sessions on /mcp (MCP_SESSIONS=stateful)', () => {
  const catalog = new MemoryUpstreamCatalog();
  let alpha: SampleServer;
  let gateway: McpTestApp;

  beforeAll(async () => {
    alpha = await startSampleServer({ name: 'alpha', tools: ['echo', 'sleep'] });
    catalog.put(upstreamOf(alpha));
    gateway = await McpTestApp.start(catalog);
  });

  afterAll(async () => {
    await gateway?.close();
    await alpha?.close();
  });

  it('issues a session id on initialize and serves the session through an SDK client', async () => {
    const { client, transport } = await gateway.connect('/mcp');
    try {
      expect(transport.sessionId).toMatch(/^[0-9a-f-]{36}$/);
      const result = await client.callTool({ name: 'alpha__echo', arguments: { text: 'hello' } });
      expect(textOf(result)).toBe('hello');
      expect(gateway.app.get(McpSessionHostRef).stats().sessions).toBeGreaterThanOrEqual(1);
    } finally {
      await client.close();
    }
  });

  it('answers an unknown session id 404 with a JSON-RPC error, so the client re-initializes', async () => {
    const answer = await listTools(gateway.url('/mcp'), randomUUID());

    expect(answer.status).toBe(404);
    expect(answer.body).toMatchObject({ jsonrpc: '2.0', error: { code: -32001, message: 'Session not found' } });
  });

  it('answers 404 to another principal presenting the session id', async () => {
    const url = gateway.url('/mcp');
    const sessionId = await openSession(url, { 'x-mcp-user': 'alice' });

    expect((await listTools(url, sessionId, { 'x-mcp-user': 'bob' })).status).toBe(404);
    expect((await listTools(url, sessionId)).status).toBe(404);
    expect((await listTools(url, sessionId, { 'x-mcp-user': 'alice' })).status).toBe(200);
  });

  it('answers 404 for a session id of another endpoint', async () => {
    const sessionId = await openSession(gateway.url('/mcp'));

    expect((await listTools(gateway.url('/servers/alpha/mcp'), sessionId)).status).toBe(404);
  });

  it('ends the session on DELETE, with its upstream sessions', async () => {
    const closed: string[] = [];
    const pool = gateway.pool;
    const original = pool.closeClientSession.bind(pool);
    const spy = jest.spyOn(pool, 'closeClientSession').mockImplementation(async (id: string) => {
      closed.push(id);
      await original(id);
    });
    try {
      const { client, transport } = await gateway.connect('/mcp');
      const sessionId = transport.sessionId as string;
      await client.callTool({ name: 'alpha__echo', arguments: { text: 'x' } });
      await transport.terminateSession();

      expect(closed).toContain(sessionId);
      expect((await listTools(gateway.url('/mcp'), sessionId)).status).toBe(404);
      await client.close();
    } finally {
      spy.mockRestore();
    }
  });

  it('answers a POST without a session id statelessly (one-shot calls)', async () => {
    const answer = await postJsonRpc(gateway.url('/mcp'), { id: 7, method: 'tools/list' });

    expect(answer.status).toBe(200);
    expect(answer.sessionId).toBeNull();
    const tools = (answer.body as { result: { tools: { name: string }[] } }).result.tools.map((t) => t.name);
    expect(tools).toEqual(expect.arrayContaining(['alpha__echo', 'alpha__sleep']));
  });

  it('refuses GET and DELETE without a session id', async () => {
    const get = await fetch(gateway.url('/mcp'), { headers: { accept: 'text/event-stream' } });
    expect(get.status).toBe(400);
    expect(await get.json()).toMatchObject({
      jsonrpc: '2.0',
      error: { message: expect.stringMatching(/Mcp-Session-Id/) },
    });
  });
});

describe('client session expiry and the session cap', () => {
  const catalog = new MemoryUpstreamCatalog();
  let alpha: SampleServer;

  beforeAll(async () => {
    alpha = await startSampleServer({ name: 'alpha', tools: ['echo', 'sleep'] });
    catalog.put(upstreamOf(alpha));
  });

  afterAll(async () => {
    await alpha?.close();
  });

  it('ends a session idle past MCP_SESSION_IDLE_TTL', async () => {
    const gateway = await McpTestApp.start(catalog, {
      mcp: { ...baseMcp(), sessionIdleTtlSeconds: 1 },
    });
    try {
      const url = gateway.url('/mcp');
      const idle = await openSession(url);
      const busy = await openSession(url);
      // One session keeps being used; the other is left alone past the TTL.
      for (let i = 0; i < 6; i += 1) {
        await new Promise((resolve) => setTimeout(resolve, 300));
        expect((await listTools(url, busy)).status).toBe(200);
      }
      expect((await listTools(url, idle)).status).toBe(404);
      expect((await listTools(url, busy)).status).toBe(200);
    } finally {
      await gateway.close();
    }
  });

  it('makes room past MCP_MAX_CLIENT_SESSIONS by ending the least recently active idle session, and answers 503 when all are busy', async () => {
    const gateway = await McpTestApp.start(catalog, { mcp: { ...baseMcp(), maxClientSessions: 2 } });
    try {
      const url = gateway.url('/mcp');
      const first = await openSession(url);
      const second = await openSession(url);
      expect((await listTools(url, first)).status).toBe(200); // `second` is now the least recently active
      const third = await openSession(url);

      expect((await listTools(url, second)).status).toBe(404);
      expect((await listTools(url, first)).status).toBe(200);

      // Both remaining sessions have a call in flight: no session may be ended for a new one.
      const calls = [first, third].map((sessionId) =>
        postJsonRpc(
          url,
          { id: 9, method: 'tools/call', params: { name: 'alpha__sleep', arguments: { ms: 1_500 } } },
          { 'mcp-session-id': sessionId },
        ),
      );
      await waitUntil(() => (alpha.stats().toolCalls['sleep'] ?? 0) >= 2, 5_000, 'both calls upstream');
      const refused = await postJsonRpc(url, { id: 1, ...INITIALIZE });
      expect(refused.status).toBe(503);
      expect(refused.body).toMatchObject({ error: { message: expect.stringMatching(/Too many client sessions/) } });

      const answers = await Promise.all(calls);
      expect(answers.map((a) => textOf((a.body as { result: unknown }).result))).toEqual([
        'slept 1500 ms',
        'slept 1500 ms',
      ]);
    } finally {
      await gateway.close();
    }
  });
});

describe('MCP_SESSIONS=stateless', () => {
  const catalog = new MemoryUpstreamCatalog();
  let alpha: SampleServer;
  let gateway: McpTestApp;

  beforeAll(async () => {
    alpha = await startSampleServer({ name: 'alpha', tools: ['echo'] });
    catalog.put(upstreamOf(alpha));
    gateway = await McpTestApp.start(catalog, { mcp: { ...baseMcp(), sessions: 'stateless' } });
  });

  afterAll(async () => {
    await gateway?.close();
    await alpha?.close();
  });

  it('issues no session id, serves an SDK client, and answers GET and DELETE 405', async () => {
    const { client, transport } = await gateway.connect('/mcp');
    try {
      expect(transport.sessionId).toBeUndefined();
      expect(textOf(await client.callTool({ name: 'alpha__echo', arguments: { text: 'one-shot' } }))).toBe('one-shot');
    } finally {
      await client.close();
    }
    const get = await fetch(gateway.url('/mcp'), { headers: { accept: 'text/event-stream' } });
    const del = await fetch(gateway.url('/mcp'), { method: 'DELETE' });
    expect([get.status, del.status]).toEqual([405, 405]);
    expect(get.headers.get('allow')).toBe('POST');
  });
});

function baseMcp() {
  return {
    sessions: 'stateful' as const,
    sessionIdleTtlSeconds: 600,
    maxClientSessions: 1000,
    callMaxMs: 60_000,
    maxConcurrentPerSession: 32,
    auth: { disabled: true },
  };
}
