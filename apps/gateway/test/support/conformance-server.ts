/**
 * An MCP server that implements everything the server scenarios of the official conformance suite
 * (`@modelcontextprotocol/conformance`) expect: Streamable HTTP at `/mcp` with stateful sessions,
 * GET streams, resumable SSE (event store, retry hint, polling), and the SDK's Host validation
 * against DNS rebinding.
 *
 * Importable: `startConformanceServer({ port?, host? })`.
 * Runnable:   `node -r ts-node/register/transpile-only apps/gateway/test/support/conformance-server.ts [--port 0]`
 *             prints one JSON line `{"url","port"}` and runs until SIGTERM.
 */
import { randomUUID } from 'node:crypto';
import type { Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createMcpExpressApp } from '@modelcontextprotocol/sdk/server/express.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import type { Request, Response } from 'express';
import { ConformanceEventStore } from './conformance-event-store';
import { createConformanceSession, type ConformanceSession } from './conformance-session';

export interface ConformanceServerOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** A loopback address (default 127.0.0.1): the Host check admits loopback names only. */
  host?: string;
}

export interface ConformanceServer {
  /** Streamable HTTP endpoint. */
  readonly url: string;
  readonly port: number;
  /** Sends notifications/resources/updated for `uri` to every session subscribed to it. */
  resourceUpdated(uri: string): Promise<void>;
  close(): Promise<void>;
}

/** The reconnection delay suggested to clients on resumable streams. */
const RETRY_INTERVAL_MS = 500;

interface OpenSession {
  transport: StreamableHTTPServerTransport;
  session: ConformanceSession;
}

export async function startConformanceServer(options: ConformanceServerOptions = {}): Promise<ConformanceServer> {
  const host = options.host ?? '127.0.0.1';
  const sessions = new Map<string, OpenSession>();

  const openSession = async (req: Request, res: Response): Promise<void> => {
    const session = createConformanceSession();
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      eventStore: new ConformanceEventStore(),
      retryInterval: RETRY_INTERVAL_MS,
      onsessioninitialized: (id) => {
        sessions.set(id, { transport, session });
      },
    });
    transport.onclose = () => {
      if (transport.sessionId) sessions.delete(transport.sessionId);
    };
    await session.server.connect(transport);
    await transport.handleRequest(req, res, req.body);
  };

  const handle = async (req: Request, res: Response): Promise<void> => {
    const sessionId = req.header('mcp-session-id');
    if (sessionId !== undefined) {
      const open = sessions.get(sessionId);
      if (!open) return rpcError(res, 404, -32001, 'Session not found');
      return open.transport.handleRequest(req, res, req.body);
    }
    if (req.method === 'POST' && isInitializeRequest(req.body)) {
      return openSession(req, res);
    }
    rpcError(res, 400, -32000, 'Bad Request: no valid session id; start with an initialize request');
  };

  // Host validation for loopback hosts: a request naming any other host is refused with 403.
  const app = createMcpExpressApp({ host });
  app.all('/mcp', (req: Request, res: Response) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) rpcError(res, 500, -32603, error instanceof Error ? error.message : 'Internal error');
    });
  });

  const http: HttpServer = await new Promise((resolve, reject) => {
    const listening = app.listen(options.port ?? 0, host, (error?: Error) =>
      error ? reject(error) : resolve(listening),
    );
  });
  const port = (http.address() as AddressInfo).port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}/mcp`;

  return {
    url,
    port,
    resourceUpdated: async (uri) => {
      await Promise.all([...sessions.values()].map(({ session }) => session.resourceUpdated(uri)));
    },
    async close() {
      const open = [...sessions.values()];
      sessions.clear();
      await Promise.all(open.map(({ session }) => session.server.close().catch(() => undefined)));
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}

function rpcError(res: Response, status: number, code: number, message: string): void {
  res.status(status).json({ jsonrpc: '2.0', error: { code, message }, id: null });
}

function argument(name: string): string | undefined {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? process.argv[index + 1] : undefined;
}

if (require.main === module) {
  void (async () => {
    const server = await startConformanceServer({ port: Number(argument('port') ?? 0), host: argument('host') });
    process.stdout.write(`${JSON.stringify({ url: server.url, port: server.port })}\n`);
    const stop = (): void => {
      void server.close().finally(() => process.exit(0));
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  })().catch((error: unknown) => {
    process.stderr.write(
      `conformance server failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exit(1);
  });
}
