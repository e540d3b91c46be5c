/**
 * An upstream MCP server with session state and long-running calls, for the session pool's
 * proxy behaviour: the SDK's McpServer per session over Streamable HTTP (`/mcp`).
 *
 * Tools: `pause {ms}` answers after ms; `count` increments a counter of the upstream session;
 * `ask` asks its client for elicitation, sampling, roots and a ping during the call and logs a
 * message; `wait_for_cancel` runs until it is cancelled; `progress {ms, every}` reports progress
 * every `every` ms (when given a token) and answers after ms; `silent {ms}` answers after ms
 * without a word.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import {
  CreateMessageResultSchema,
  ElicitResultSchema,
  EmptyResultSchema,
  ListRootsResultSchema,
  isInitializeRequest,
} from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod/v4';

export interface StatefulUpstreamStats {
  sessionsOpened: number;
  openSessions: number;
  /** Tool calls started, by tool name. */
  started: Record<string, number>;
  /** Tool calls whose signal aborted (the client cancelled them), by tool name. */
  cancelled: Record<string, number>;
}

export interface StatefulUpstream {
  readonly url: string;
  readonly port: number;
  stats(): StatefulUpstreamStats;
  close(): Promise<void>;
}

const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });

const text = (value: string) => ({ content: [{ type: 'text' as const, text: value }] });

/** `port` 0 (default) picks a free one; pass an old one to restart an upstream in place. */
export async function startStatefulUpstream(port = 0): Promise<StatefulUpstream> {
  const transports = new Map<string, StreamableHTTPServerTransport>();
  const stats: StatefulUpstreamStats = { sessionsOpened: 0, openSessions: 0, started: {}, cancelled: {} };
  const start = (tool: string): void => {
    stats.started[tool] = (stats.started[tool] ?? 0) + 1;
  };
  const watch = (tool: string, signal: AbortSignal): void => {
    signal.addEventListener('abort', () => {
      stats.cancelled[tool] = (stats.cancelled[tool] ?? 0) + 1;
    });
  };

  const buildServer = (): McpServer => {
    const server = new McpServer({ name: 'stateful', version: '1.0.0' }, { capabilities: { logging: {} } });
    let counter = 0;
    server.registerTool('pause', { inputSchema: { ms: z.number().int().min(0) } }, async ({ ms }) => {
      start('pause');
      await sleep(ms);
      return text(`paused ${ms} ms`);
    });
    server.registerTool('count', {}, async () => {
      start('count');
      counter += 1;
      return text(String(counter));
    });
    server.registerTool('ask', {}, async (extra) => {
      start('ask');
      const elicited = await extra.sendRequest(
        {
          method: 'elicitation/create',
          params: {
            message: 'Proceed?',
            requestedSchema: { type: 'object', properties: { answer: { type: 'string' } } },
          },
        },
        ElicitResultSchema,
      );
      const sampled = await extra.sendRequest(
        {
          method: 'sampling/createMessage',
          params: { messages: [{ role: 'user', content: { type: 'text', text: 'hello' } }], maxTokens: 10 },
        },
        CreateMessageResultSchema,
      );
      const roots = await extra.sendRequest({ method: 'roots/list' }, ListRootsResultSchema);
      await extra.sendRequest({ method: 'ping' }, EmptyResultSchema);
      await extra.sendNotification({ method: 'notifications/message', params: { level: 'info', data: 'asked' } });
      return text(JSON.stringify({ elicited, sampled, roots: roots.roots }));
    });
    server.registerTool('wait_for_cancel', {}, async (extra) => {
      start('wait_for_cancel');
      watch('wait_for_cancel', extra.signal);
      await sleep(30_000, extra.signal);
      return text(extra.signal.aborted ? 'cancelled' : 'never cancelled');
    });
    server.registerTool(
      'progress',
      { inputSchema: { ms: z.number().int().min(0), every: z.number().int().min(10) } },
      async ({ ms, every }, extra) => {
        start('progress');
        watch('progress', extra.signal);
        const token = extra._meta?.progressToken;
        for (let elapsed = 0; elapsed < ms && !extra.signal.aborted; elapsed += every) {
          await sleep(every, extra.signal);
          if (token !== undefined && !extra.signal.aborted) {
            await extra.sendNotification({
              method: 'notifications/progress',
              params: { progressToken: token, progress: elapsed + every, total: ms },
            });
          }
        }
        return text(`worked ${ms} ms`);
      },
    );
    server.registerTool('silent', { inputSchema: { ms: z.number().int().min(0) } }, async ({ ms }, extra) => {
      start('silent');
      watch('silent', extra.signal);
      await sleep(ms, extra.signal);
      return text(`silent ${ms} ms`);
    });
    return server;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const body = req.method === 'POST' ? await readJson(req) : undefined;
    const header = req.headers['mcp-session-id'];
    const sessionId = Array.isArray(header) ? header[0] : header;
    const existing = sessionId ? transports.get(sessionId) : undefined;
    if (existing) {
      await existing.handleRequest(req, res, body);
      return;
    }
    if (sessionId || req.method !== 'POST' || !isInitializeRequest(body)) {
      res.writeHead(sessionId ? 404 : 400).end();
      return;
    }
    const server = buildServer();
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => {
        transports.set(id, transport);
        stats.sessionsOpened += 1;
        stats.openSessions += 1;
      },
    });
    transport.onclose = () => {
      if (transport.sessionId && transports.delete(transport.sessionId)) stats.openSessions -= 1;
    };
    await server.connect(transport);
    await transport.handleRequest(req, res, body);
  };

  const http = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  await new Promise<void>((resolve) => http.listen(port, '127.0.0.1', resolve));
  const bound = (http.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${bound}/mcp`,
    port: bound,
    stats: () => ({ ...stats, started: { ...stats.started }, cancelled: { ...stats.cancelled } }),
    async close() {
      await Promise.all([...transports.values()].map((t) => t.close().catch(() => undefined)));
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  if (chunks.length === 0) return undefined;
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}
