import { randomUUID } from 'node:crypto';
import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnModuleDestroy,
  Optional,
} from '@nestjs/common';
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { ErrorCode, isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import type { Request, Response } from 'express';
import { errorMessage, RepeatingTask } from '@app/common';
import { APP_CONFIG } from '../../config/app-config.module';
import type { AppConfig } from '../../config/app-config';
import { GracefulShutdown } from '../../lifecycle/graceful-shutdown';
import { shutdownBudgets } from '../../lifecycle/shutdown-budget';
import { shutdownMessages } from '../../lifecycle/shutdown.messages';
import { identityFromRequest } from '../request-identity';
import { McpSessionPool } from '../session-pool';
import { cancelOnDisconnect, requestIdsOf } from './cancel-on-disconnect';
import { ClientSession } from './client-session';
import { ClientSessionStore, type SessionEndReason } from './client-session-store';
import { EndpointError, replyError, serviceUnavailable, sessionNotFound } from './json-rpc-reply';
import type { McpEndpoint } from './mcp-endpoint';

const SESSION_HEADER = 'mcp-session-id';
const MIN_SWEEP_MS = 250;
const MAX_SWEEP_MS = 30_000;
/** Share of the shutdown budget the requests in flight get before every session closes. */
const DRAIN_SHARE = 0.75;
const DRAIN_POLL_MS = 25;
const DRAINING = 'The gateway is shutting down';

/**
 * Streamable HTTP for MCP endpoints. Stateful (MCP_SESSIONS=stateful): an initialize without
 * Mcp-Session-Id opens a client session (its own server and transport, GET stream, DELETE),
 * bound to the endpoint and principal that opened it; any other POST without a session id is
 * answered statelessly. Stateless: a fresh server per POST, JSON responses, no GET or DELETE.
 * A client that disconnects cancels the requests of its POST. On shutdown, new sessions and
 * requests get 503, requests in flight finish within their share of SHUTDOWN_GRACE_MS, then
 * every session closes.
 */
@Injectable()
export class McpSessionHost implements OnApplicationBootstrap, OnModuleDestroy, BeforeApplicationShutdown {
  private readonly logger = new Logger(McpSessionHost.name);
  private readonly store: ClientSessionStore;
  private readonly stateful: boolean;
  private readonly idleTtlMs: number;
  private statelessInFlight = 0;
  private shuttingDown = false;
  /** Ends idle sessions (stateful only). */
  private readonly sweeper: RepeatingTask | undefined;
  private readonly sweepPeriodMs: number;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly pool: McpSessionPool,
    @Optional() private readonly shutdown?: GracefulShutdown,
  ) {
    this.stateful = config.mcp.sessions === 'stateful';
    this.idleTtlMs = config.mcp.sessionIdleTtlSeconds * 1000;
    this.store = new ClientSessionStore({
      idleTtlMs: this.idleTtlMs,
      maxSessions: config.mcp.maxClientSessions,
      onEnd: (session, reason) => this.ended(session, reason),
    });
    this.sweepPeriodMs = Math.min(MAX_SWEEP_MS, Math.max(MIN_SWEEP_MS, this.idleTtlMs / 2));
    this.sweeper = this.stateful
      ? new RepeatingTask({
          name: 'ClientSessionSweep',
          periodMs: this.sweepPeriodMs,
          run: async () => this.store.sweep(),
        })
      : undefined;
  }

  onApplicationBootstrap(): void {
    this.sweeper?.start(this.sweepPeriodMs);
  }

  async onModuleDestroy(): Promise<void> {
    await this.sweeper?.stop();
  }

  /** Open client sessions, and requests being answered (stateful and stateless). */
  stats(): { sessions: number; inFlight: number } {
    return { sessions: this.store.size, inFlight: this.store.inFlight() + this.statelessInFlight };
  }

  /** Answers one HTTP request to `endpoint`; `scope` names the endpoint its session ids belong to. */
  async handle(endpoint: McpEndpoint, scope: string, req: Request, res: Response): Promise<void> {
    try {
      if (req.method === 'POST') await this.post(endpoint, scope, req, res);
      else if (req.method === 'GET' || req.method === 'DELETE') await this.onSession(scope, req, res);
      else methodNotAllowed(res, this.stateful);
    } catch (error) {
      if (error instanceof EndpointError) {
        replyError(res, error, idOf(req.body));
        return;
      }
      this.logger.error(`MCP request failed: ${errorMessage(error)}`);
      replyError(res, new EndpointError(500, ErrorCode.InternalError, 'Internal error'), idOf(req.body));
    }
  }

  /**
   * Requests in flight get most of the sessions' shutdown budget to finish (new ones are refused
   * from now on), then every client session closes, its GET stream with it, so the HTTP server
   * can close.
   */
  async beforeApplicationShutdown(): Promise<void> {
    this.shuttingDown = true;
    await this.sweeper?.stop();
    const budgetMs = shutdownBudgets(this.config.shutdownGraceMs).sessions;
    const drainMs = Math.floor(budgetMs * DRAIN_SHARE);
    if (!(await this.drained(drainMs))) {
      const requests = this.stats().inFlight;
      this.logger.warn(
        shutdownMessages.overran(
          'MCP requests in flight',
          'sessions',
          drainMs,
          requests === 1 ? 'closing the session of 1 request' : `closing the sessions of ${requests} requests`,
        ),
      );
    }
    await this.store.endAll('shutdown');
  }

  private get draining(): boolean {
    return this.shuttingDown || this.shutdown?.draining === true;
  }

  private async post(endpoint: McpEndpoint, scope: string, req: Request, res: Response): Promise<void> {
    const body: unknown = req.body;
    const ids = requestIdsOf(body);
    const sessionId = this.stateful ? headerOf(req, SESSION_HEADER) : undefined;
    // Responses and notifications (an answer to a sampling request, a cancellation) still
    // belong to requests in flight: only new requests are refused while draining.
    if (this.draining && ids.length > 0) throw serviceUnavailable(DRAINING);
    if (sessionId !== undefined) {
      const session = this.sessionOf(sessionId, scope, req);
      this.track(session, res);
      cancelOnDisconnect(res, ids, session.transport);
      await session.transport.handleRequest(req, res, body);
      return;
    }
    if (this.stateful && isInitializeRequest(body)) {
      await this.open(endpoint, scope, req, res);
      return;
    }
    await this.answerStateless(endpoint, req, res);
  }

  private async onSession(scope: string, req: Request, res: Response): Promise<void> {
    if (!this.stateful) {
      methodNotAllowed(res, false);
      return;
    }
    const sessionId = headerOf(req, SESSION_HEADER);
    if (sessionId === undefined) {
      throw new EndpointError(400, ErrorCode.ConnectionClosed, 'Bad Request: Mcp-Session-Id header is required');
    }
    const session = this.sessionOf(sessionId, scope, req);
    if (req.method === 'GET') {
      if (this.draining) throw serviceUnavailable(DRAINING);
      await session.transport.handleRequest(req, res);
      return;
    }
    this.track(session, res);
    await session.transport.handleRequest(req, res);
  }

  private sessionOf(id: string, scope: string, req: Request): ClientSession {
    const session = this.store.find(id, scope, identityFromRequest(req).user);
    if (!session) throw sessionNotFound();
    return session;
  }

  private async open(endpoint: McpEndpoint, scope: string, req: Request, res: Response): Promise<void> {
    const identity = identityFromRequest(req);
    const initialize = (req.body as { params: Parameters<McpEndpoint['createServer']>[0]['initialize'] }).params;
    this.store.reserve();
    const id = randomUUID();
    let server: Server;
    let transport: StreamableHTTPServerTransport;
    try {
      server = await endpoint.createServer({ identity, sessionId: id, initialize });
      transport = new StreamableHTTPServerTransport({ sessionIdGenerator: () => id });
      await server.connect(transport);
    } catch (error) {
      this.store.release();
      void this.pool.closeClientSession(id).catch(() => undefined);
      throw error;
    }
    const session = new ClientSession(id, scope, identity.user, server, transport, Date.now());
    server.onclose = () => this.store.end(session, 'closed');
    this.store.add(session);
    if (this.draining) {
      // Shutdown began while the server was built: this session would outlive the drain.
      this.store.end(session, 'shutdown');
      throw serviceUnavailable(DRAINING);
    }
    this.track(session, res);
    cancelOnDisconnect(res, requestIdsOf(req.body), transport);
    await transport.handleRequest(req, res, req.body);
    // An initialize the transport refused gave the client no session id to come back with.
    if (res.statusCode >= 400) this.store.end(session, 'closed');
  }

  private async answerStateless(endpoint: McpEndpoint, req: Request, res: Response): Promise<void> {
    const server = await endpoint.createServer({ identity: identityFromRequest(req) });
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    this.statelessInFlight += 1;
    // Closing the server when the response ends also aborts handlers still running: a client
    // that disconnected cancels its upstream calls.
    res.once('close', () => {
      this.statelessInFlight -= 1;
      void transport.close().catch(() => undefined);
      void server.close().catch(() => undefined);
    });
    await server.connect(transport);
    await transport.handleRequest(req, res, req.body);
  }

  /** Counts the request as in flight on the session until its response ends. */
  private track(session: ClientSession, res: Response): void {
    session.inFlight += 1;
    session.lastActivity = Date.now();
    res.once('close', () => {
      session.inFlight -= 1;
      session.lastActivity = Date.now();
    });
  }

  private ended(session: ClientSession, reason: SessionEndReason): void {
    // A session id lets its principal in: logs name it by a prefix only.
    const name = `${session.id.slice(0, 8)}…`;
    this.logger.debug(`Client session ${name} ended (${reason})`);
    void this.pool.closeClientSession(session.id).catch((error: unknown) => {
      this.logger.warn(`Closing the upstream sessions of client session ${name} failed: ${errorMessage(error)}`);
    });
  }

  private async drained(ms: number): Promise<boolean> {
    const deadline = Date.now() + ms;
    while (this.stats().inFlight > 0) {
      if (Date.now() >= deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, DRAIN_POLL_MS));
    }
    return true;
  }
}

function headerOf(req: Request, name: string): string | undefined {
  const raw = req.headers[name];
  const value = Array.isArray(raw) ? raw[0] : raw;
  return value === undefined || value === '' ? undefined : value;
}

function idOf(body: unknown): string | number | null {
  const id = (body as { id?: unknown } | null)?.id;
  return typeof id === 'string' || typeof id === 'number' ? id : null;
}

function methodNotAllowed(res: Response, stateful: boolean): void {
  const allow = stateful ? 'GET, POST, DELETE' : 'POST';
  const message = stateful
    ? 'Method not allowed: use POST, GET or DELETE'
    : 'Method not allowed: this endpoint is stateless; use POST';
  res
    .status(405)
    .set('Allow', allow)
    .json({ jsonrpc: '2.0', error: { code: ErrorCode.ConnectionClosed, message }, id: null });
}
