/**
 * A small upstream MCP server for tests and the demo: the SDK's McpServer over Streamable HTTP
 * (`/mcp`, stateful sessions) and the older HTTP+SSE transport (`/sse` + `/messages`).
 *
 * Importable: `startSampleServer({ name, port?, tools? })`.
 * Runnable:   `node -r ts-node/register/transpile-only apps/gateway/test/support/sample-mcp-server.ts
 *              --port 0 --name alpha [--host 127.0.0.1] [--tools echo,add]`
 *             prints one JSON line `{"name","url","sseUrl","controlUrl","port"}` and runs until SIGTERM.
 *
 * Spawned servers are steered over HTTP: `POST /control/tools {"name"}` adds a tool,
 * `DELETE /control/tools/<name>` removes it, `POST /control/hang {"hang": true}` makes every MCP
 * request go unanswered, `GET /control/stats` returns the counters.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { McpServer, type RegisteredTool } from '@modelcontextprotocol/sdk/server/mcp.js';
import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod/v4';

export const BUILT_IN_TOOLS = ['echo', 'add', 'whoami'] as const;

export interface SampleServerOptions {
  name: string;
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  /** Tools offered from the start; defaults to every built-in. Unknown names get a generic tool. */
  tools?: readonly string[];
  /** Serve HTTPS with this certificate (PEM) instead of plain HTTP. */
  tls?: { key: string; cert: string };
}

export interface SampleServerStats {
  /** JSON-RPC requests and notifications received, by method. */
  methods: Record<string, number>;
  /** Tool calls executed, by tool name. */
  toolCalls: Record<string, number>;
  sessionsOpened: number;
  openSessions: number;
  /** TCP connections accepted since start, and those still open. */
  connectionsAccepted: number;
  connectionsOpen: number;
}

export interface SampleServer {
  readonly name: string;
  /** Streamable HTTP endpoint. */
  readonly url: string;
  /** HTTP+SSE endpoint. */
  readonly sseUrl: string;
  readonly controlUrl: string;
  readonly port: number;
  /**
   * Adds a tool to every session, live or new. Live sessions are told (tools/list_changed) only
   * with `announce`: a silent change is one only polling can find.
   */
  addTool(name: string, options?: { announce?: boolean }): void;
  removeTool(name: string): void;
  /** While on, MCP requests are accepted and never answered. */
  setHang(hang: boolean): void;
  /** The next `count` requests of `method` answer a JSON-RPC error (the server itself stays up). */
  failNext(method: string, count: number): void;
  toolNames(): string[];
  stats(): SampleServerStats;
  close(): Promise<void>;
}

type ToolInstaller = (server: McpServer) => RegisteredTool;

interface Session {
  server: McpServer;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 1_000_000;

export async function startSampleServer(options: SampleServerOptions): Promise<SampleServer> {
  const name = options.name;
  const installers = new Map<string, ToolInstaller>();
  const registered = new Map<McpServer, Map<string, RegisteredTool>>();
  const streamable = new Map<string, { transport: StreamableHTTPServerTransport; session: Session }>();
  const sse = new Map<string, { transport: SSEServerTransport; session: Session }>();
  const held = new Set<ServerResponse>();
  const stats: SampleServerStats = {
    methods: {},
    toolCalls: {},
    sessionsOpened: 0,
    openSessions: 0,
    connectionsAccepted: 0,
    connectionsOpen: 0,
  };
  let hang = false;

  const countCall = (tool: string): void => {
    stats.toolCalls[tool] = (stats.toolCalls[tool] ?? 0) + 1;
  };

  const installerFor = (tool: string): ToolInstaller => {
    switch (tool) {
      case 'echo':
        return (s) =>
          s.registerTool(
            'echo',
            { description: 'Returns its text unchanged', inputSchema: { text: z.string() } },
            async ({ text }) => {
              countCall('echo');
              return { content: [{ type: 'text', text }] };
            },
          );
      case 'add':
        return (s) =>
          s.registerTool(
            'add',
            { description: 'Adds two numbers', inputSchema: { a: z.number(), b: z.number() } },
            async ({ a, b }) => {
              countCall('add');
              return { content: [{ type: 'text', text: String(a + b) }] };
            },
          );
      case 'sleep':
        // Not built in: a slow call for shutdown tests, offered when a test names it.
        return (s) =>
          s.registerTool(
            'sleep',
            { description: 'Answers after ms milliseconds', inputSchema: { ms: z.number().int().min(0).max(60_000) } },
            async ({ ms }) => {
              countCall('sleep');
              await new Promise((resolve) => setTimeout(resolve, ms));
              return { content: [{ type: 'text', text: `slept ${ms} ms` }] };
            },
          );
      case 'whoami':
        return (s) =>
          s.registerTool('whoami', { description: 'Names the server that answered' }, async () => {
            countCall('whoami');
            return { content: [{ type: 'text', text: name }] };
          });
      default:
        return (s) =>
          s.registerTool(tool, { description: `Added at run time to ${name}` }, async () => {
            countCall(tool);
            return { content: [{ type: 'text', text: `${tool} from ${name}` }] };
          });
    }
  };

  const buildServer = (): McpServer => {
    const server = new McpServer({ name, version: '1.0.0' });
    const tools = new Map<string, RegisteredTool>();
    if (installers.size === 0) {
      // The tools capability can only be declared before connecting; a tool added later
      // needs it, so declare it through a placeholder.
      installerFor('placeholder')(server).remove();
    }
    for (const [tool, install] of installers) {
      tools.set(tool, install(server));
    }
    registered.set(server, tools);
    return server;
  };

  const openSession = (server: McpServer, closeTransport: () => Promise<void>): Session => {
    stats.sessionsOpened += 1;
    stats.openSessions += 1;
    let closed = false;
    return {
      server,
      close: async () => {
        if (closed) return;
        closed = true;
        stats.openSessions -= 1;
        registered.delete(server);
        await closeTransport().catch(() => undefined);
      },
    };
  };

  const failures = new Map<string, number>();
  /** The id of a request to fail, or null to serve it. */
  const injectedFailure = (body: unknown): string | number | null => {
    if (!body || typeof body !== 'object' || Array.isArray(body)) return null;
    const { method, id } = body as { method?: unknown; id?: unknown };
    if (typeof method !== 'string' || (typeof id !== 'string' && typeof id !== 'number')) return null;
    const left = failures.get(method) ?? 0;
    if (left <= 0) return null;
    failures.set(method, left - 1);
    return id;
  };

  const countMethods = (body: unknown): void => {
    for (const message of Array.isArray(body) ? body : [body]) {
      if (message && typeof message === 'object' && 'method' in message && typeof message.method === 'string') {
        stats.methods[message.method] = (stats.methods[message.method] ?? 0) + 1;
      }
    }
  };

  const handleStreamable = async (req: IncomingMessage, res: ServerResponse, body: unknown): Promise<void> => {
    const sessionId = header(req, 'mcp-session-id');
    const existing = sessionId ? streamable.get(sessionId) : undefined;
    if (existing) {
      await existing.transport.handleRequest(req, res, body);
      return;
    }
    if (sessionId) {
      return jsonRpcError(res, 404, -32001, 'Session not found');
    }
    if (req.method !== 'POST' || !isInitializeRequest(body)) {
      return jsonRpcError(res, 400, -32000, 'Bad Request: no valid session id');
    }
    const server = buildServer();
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => {
        streamable.set(id, { transport, session });
      },
    });
    const session = openSession(server, () => server.close());
    transport.onclose = () => {
      if (transport.sessionId) streamable.delete(transport.sessionId);
      void session.close();
    };
    await server.connect(transport);
    await transport.handleRequest(req, res, body);
  };

  const handleSseStream = async (res: ServerResponse): Promise<void> => {
    const server = buildServer();
    const transport = new SSEServerTransport('/messages', res);
    const session = openSession(server, () => server.close());
    sse.set(transport.sessionId, { transport, session });
    res.on('close', () => {
      sse.delete(transport.sessionId);
      void session.close();
    });
    await server.connect(transport);
  };

  const handleControl = (req: IncomingMessage, res: ServerResponse, path: string, body: unknown): void => {
    const field = (key: string): unknown =>
      body && typeof body === 'object' && key in body ? (body as Record<string, unknown>)[key] : undefined;
    if (req.method === 'GET' && path === '/control/stats') {
      return json(res, 200, { ...api.stats(), tools: api.toolNames(), hang });
    }
    if (req.method === 'POST' && path === '/control/tools' && typeof field('name') === 'string') {
      api.addTool(field('name') as string);
      return json(res, 200, { tools: api.toolNames() });
    }
    if (req.method === 'DELETE' && path.startsWith('/control/tools/')) {
      api.removeTool(decodeURIComponent(path.slice('/control/tools/'.length)));
      return json(res, 200, { tools: api.toolNames() });
    }
    if (req.method === 'POST' && path === '/control/hang' && typeof field('hang') === 'boolean') {
      api.setHang(field('hang') as boolean);
      return json(res, 200, { hang });
    }
    json(res, 404, { error: 'unknown control request' });
  };

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    void (async () => {
      const path = new URL(req.url ?? '/', 'http://localhost').pathname;
      const body = req.method === 'POST' || req.method === 'DELETE' ? await readJson(req) : undefined;
      if (body === INVALID) {
        return jsonRpcError(res, 400, -32700, 'Parse error');
      }
      if (path.startsWith('/control/')) {
        return handleControl(req, res, path, body);
      }
      if (hang) {
        held.add(res);
        res.on('close', () => held.delete(res));
        return;
      }
      countMethods(body);
      const failing = injectedFailure(body);
      if (failing !== null) {
        return json(res, 200, { jsonrpc: '2.0', id: failing, error: { code: -32603, message: 'injected failure' } });
      }
      if (path === '/mcp') {
        return handleStreamable(req, res, body);
      }
      if (path === '/sse' && req.method === 'GET') {
        return handleSseStream(res);
      }
      if (path === '/messages' && req.method === 'POST') {
        const id = new URL(req.url ?? '/', 'http://localhost').searchParams.get('sessionId') ?? '';
        const entry = sse.get(id);
        if (!entry) {
          return jsonRpcError(res, 404, -32001, 'Session not found');
        }
        return entry.transport.handlePostMessage(req, res, body);
      }
      json(res, 404, { error: 'not found' });
    })().catch((error: unknown) => {
      if (!res.headersSent) {
        jsonRpcError(res, 500, -32603, error instanceof Error ? error.message : 'Internal error');
      }
    });
  };
  const http: HttpServer = options.tls ? createHttpsServer(options.tls, handle) : createServer(handle);
  http.on('connection', (socket: Socket) => {
    stats.connectionsAccepted += 1;
    stats.connectionsOpen += 1;
    socket.once('close', () => {
      stats.connectionsOpen -= 1;
    });
  });

  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port ?? 0, host, () => {
      http.off('error', reject);
      resolve();
    });
  });
  const port = (http.address() as AddressInfo).port;
  const base = `${options.tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`;

  const api: SampleServer = {
    name,
    url: `${base}/mcp`,
    sseUrl: `${base}/sse`,
    controlUrl: `${base}/control`,
    port,
    addTool(tool, { announce = false } = {}) {
      if (installers.has(tool)) return;
      const install = installerFor(tool);
      installers.set(tool, install);
      for (const [server, tools] of registered) {
        const told = server.sendToolListChanged;
        if (!announce) server.sendToolListChanged = () => undefined;
        try {
          tools.set(tool, install(server));
        } finally {
          server.sendToolListChanged = told;
        }
      }
    },
    removeTool(tool) {
      if (!installers.delete(tool)) return;
      for (const tools of registered.values()) {
        tools.get(tool)?.remove();
        tools.delete(tool);
      }
    },
    setHang(value) {
      hang = value;
    },
    failNext(method, count) {
      failures.set(method, count);
    },
    toolNames: () => [...installers.keys()],
    stats: () => ({
      methods: { ...stats.methods },
      toolCalls: { ...stats.toolCalls },
      sessionsOpened: stats.sessionsOpened,
      openSessions: stats.openSessions,
      connectionsAccepted: stats.connectionsAccepted,
      connectionsOpen: stats.connectionsOpen,
    }),
    async close() {
      for (const res of held) res.destroy();
      held.clear();
      const sessions = [...streamable.values(), ...sse.values()].map((entry) => entry.session.close());
      streamable.clear();
      sse.clear();
      await Promise.all(sessions);
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };

  for (const tool of options.tools ?? BUILT_IN_TOOLS) {
    api.addTool(tool);
  }
  return api;
}

const INVALID = Symbol('invalid body');

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY_BYTES) return INVALID;
    chunks.push(buffer);
  }
  if (size === 0) return undefined;
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    return INVALID;
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

function jsonRpcError(res: ServerResponse, status: number, code: number, message: string): void {
  json(res, status, { jsonrpc: '2.0', error: { code, message }, id: null });
}

function parseArgs(argv: readonly string[]): SampleServerOptions {
  const value = (flag: string): string | undefined => {
    const index = argv.indexOf(flag);
    return index >= 0 ? argv[index + 1] : undefined;
  };
  const port = Number(value('--port') ?? '0');
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`--port must be an integer between 0 and 65535`);
  }
  const tools = value('--tools');
  return {
    name: value('--name') ?? 'sample',
    port,
    host: value('--host'),
    tools: tools === undefined ? undefined : tools.split(',').filter((t) => t.length > 0),
  };
}

if (require.main === module) {
  startSampleServer(parseArgs(process.argv.slice(2)))
    .then((server) => {
      process.stdout.write(
        `${JSON.stringify({ name: server.name, url: server.url, sseUrl: server.sseUrl, controlUrl: server.controlUrl, port: server.port })}\n`,
      );
      const stop = (): void => {
        void server.close().then(() => process.exit(0));
      };
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
    })
    .catch((error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    });
}
