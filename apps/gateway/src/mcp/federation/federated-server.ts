import { escapeNonPrintable } from '@app/common';
import type { Logger } from '@nestjs/common';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import {
  CompleteRequestSchema,
  ErrorCode,
  GetPromptRequestSchema,
  ListPromptsRequestSchema,
  ListResourceTemplatesRequestSchema,
  ListResourcesRequestSchema,
  ListToolsRequestSchema,
  ReadResourceRequestSchema,
  SetLevelRequestSchema,
  SubscribeRequestSchema,
  UnsubscribeRequestSchema,
  type CallToolResult,
  type CompleteRequest,
  type JSONRPCRequest,
  type LoggingLevel,
  type Result,
} from '@modelcontextprotocol/sdk/types.js';
import type { UpstreamTarget } from '@app/registry';
import { forwardingOptions, type CallLimits, type ClientRequestExtra } from '../call-forwarding';
import type { SessionIdentity } from '../session-identity';
import type { McpSessionPool } from '../session-pool';
import { SessionPoolClosedError, SessionPoolExhaustedError } from '../session-pool.errors';
import { serverRelay } from '../sessions/server-relay';
import type { EndpointContext } from '../sessions/mcp-endpoint';
import { SHARED_SCHEMA_VALIDATOR } from '../sessions/schema-validator';
import type { CatalogUpstream } from '../upstream-catalog';
import { UpstreamError } from '../upstream-error';
import type { UpstreamSession } from '../upstream-session';
import { federatedCapabilities } from './federated-capabilities';
import { federatedRelay } from './federated-relay';
import { isAvailable, type FederatedTable } from './federated-table';
import { invalidParams, protocolError, quoted, upstreamUnavailable } from './federation-errors';
import { page } from './pagination';
import { scopePromptResult, scopeReadResult, scopeToolResult } from './scoped-results';
import { parseToolCall } from './tool-call-params';
import type { UpstreamListChanges } from './upstream-list-changes';

export const FEDERATION_SERVER_INFO = { name: 'mcp-gateway', version: '0.1.0' } as const;

/** What a federated server needs from the service that builds it. */
export interface FederationDeps {
  /** The table of the current catalog; rejects with the "registry unavailable" error. */
  table(method: string, waitForRead?: boolean): Promise<FederatedTable>;
  pool: McpSessionPool;
  limits: CallLimits;
  logger: Logger;
  /** Told when an upstream says one of its lists changed. */
  listChanges?: UpstreamListChanges;
  /** Upstreams whose tools this request must not see (gateways already on its path). */
  hidden?: (upstreamId: string) => boolean;
}

/**
 * The protocol server of one federated client session (ctx.sessionId) or one stateless request.
 * `table` (the catalog when the client arrived; undefined when it could not be read) decides
 * the capabilities; every request reads the current table.
 */
export function createFederatedServer(
  deps: FederationDeps,
  ctx: EndpointContext,
  table: FederatedTable | undefined,
): Server {
  const stateful = ctx.sessionId !== undefined;
  const capabilities = federatedCapabilities(table, stateful);
  const server = new Server(
    { ...FEDERATION_SERVER_INFO },
    { capabilities, jsonSchemaValidator: SHARED_SCHEMA_VALIDATOR },
  );
  const session = new FederatedSession(deps, ctx, server);

  server.setRequestHandler(ListToolsRequestSchema, async (request) => {
    const listed = page('tools', (await deps.table('tools/list')).tools(deps.hidden), request.params?.cursor);
    return { tools: listed.items, ...next(listed.nextCursor) };
  });
  // tools/call is answered by the fallback: the SDK's own tools/call validation would answer
  // malformed params with a raw schema dump; this validates them itself and says what is wrong.
  server.fallbackRequestHandler = (request, extra) => session.fallback(request, extra);

  if (capabilities.resources) {
    server.setRequestHandler(ListResourcesRequestSchema, async (request) => {
      const listed = page('resources', (await deps.table('resources/list')).resources(), request.params?.cursor);
      return { resources: listed.items, ...next(listed.nextCursor) };
    });
    server.setRequestHandler(ListResourceTemplatesRequestSchema, async (request) => {
      const all = (await deps.table('resources/templates/list')).resourceTemplates();
      const listed = page('resourceTemplates', all, request.params?.cursor);
      return { resourceTemplates: listed.items, ...next(listed.nextCursor) };
    });
    server.setRequestHandler(ReadResourceRequestSchema, (request, extra) =>
      session.readResource(request.params, extra),
    );
    if (capabilities.resources.subscribe) {
      server.setRequestHandler(SubscribeRequestSchema, (request, extra) =>
        session.subscription('resources/subscribe', request.params, extra),
      );
      server.setRequestHandler(UnsubscribeRequestSchema, (request, extra) =>
        session.subscription('resources/unsubscribe', request.params, extra),
      );
    }
  }
  if (capabilities.prompts) {
    server.setRequestHandler(ListPromptsRequestSchema, async (request) => {
      const listed = page('prompts', (await deps.table('prompts/list')).prompts(), request.params?.cursor);
      return { prompts: listed.items, ...next(listed.nextCursor) };
    });
    server.setRequestHandler(GetPromptRequestSchema, (request, extra) => session.getPrompt(request.params, extra));
  }
  if (capabilities.completions) {
    server.setRequestHandler(CompleteRequestSchema, (request, extra) => session.complete(request.params, extra));
  }
  if (capabilities.logging) {
    // Replaces the SDK's own handler, which only filters this server's messages.
    server.setRequestHandler(SetLevelRequestSchema, (request) => session.setLevel(request.params.level));
  }
  return server;
}

/** Per-server state and the forwarding of each request to its upstream. */
class FederatedSession {
  /** Per upstream id: the identity its pooled session is opened under (stateful: with this session's relay). */
  private readonly identities = new Map<string, SessionIdentity>();
  private level: LoggingLevel | undefined;
  /** Upstreams whose session of this client has been told `level`. */
  private readonly levelApplied = new Set<string>();
  /** The table of this session's last lookup: what maps upstream URIs in results and notifications. */
  private lastTable: FederatedTable | undefined;

  constructor(
    private readonly deps: FederationDeps,
    private readonly ctx: EndpointContext,
    private readonly server: Server,
  ) {}

  async fallback(request: JSONRPCRequest, extra: ClientRequestExtra): Promise<Result> {
    if (request.method !== 'tools/call') throw protocolError(ErrorCode.MethodNotFound, 'Method not found');
    return this.callTool(request.params, extra);
  }

  /**
   * Forwards a call to the tool's upstream. An unknown tool and a JSON-RPC error from the
   * upstream are protocol errors; an upstream that cannot be reached, times out or is saturated
   * is a failed tool execution (`isError`), which the calling model can see and act on.
   */
  async callTool(rawParams: unknown, extra: ClientRequestExtra): Promise<CallToolResult> {
    const params = parseToolCall(rawParams);
    const found = await this.lookup('tools/call', (table) => table.resolveTool(params.name));
    if (!found) throw invalidParams(`Unknown tool: ${quoted(params.name)}`);
    const { upstream, item } = found;
    if (!isAvailable(upstream)) throw upstreamUnavailable(upstream.name);
    try {
      const result = await this.withUpstream(upstream, (s) =>
        s.callTool({ ...params, name: item.name }, forwardingOptions(extra, this.deps.limits)),
      );
      return scopeToolResult(result, this.latestUriMapper(upstream));
    } catch (error) {
      if (isProtocolFailure(error)) throw protocolError(error.code, error.message);
      const message = safeMessage(error);
      this.deps.logger.warn(`Tool call ${escapeNonPrintable(params.name)} failed: ${message}`);
      return { content: [{ type: 'text', text: message }], isError: true };
    }
  }

  async readResource(params: { uri: string }, extra: ClientRequestExtra): Promise<Result> {
    const { upstream, upstreamUri } = await this.resolveUri('resources/read', params.uri);
    const result = await this.forward(upstream, 'resources/read', { ...params, uri: upstreamUri }, extra);
    return scopeReadResult(result, this.latestUriMapper(upstream));
  }

  async subscription(
    method: 'resources/subscribe' | 'resources/unsubscribe',
    params: { uri: string },
    extra: ClientRequestExtra,
  ): Promise<Result> {
    const { upstream, upstreamUri } = await this.resolveUri(method, params.uri);
    if (upstream.capabilities?.resources?.subscribe !== true) {
      throw invalidParams(`upstream ${escapeNonPrintable(upstream.name)} does not support resource subscriptions`);
    }
    await this.forward(upstream, method, { ...params, uri: upstreamUri }, extra);
    return {};
  }

  async getPrompt(params: { name: string }, extra: ClientRequestExtra): Promise<Result> {
    const found = await this.lookup('prompts/get', (table) => table.resolvePrompt(params.name));
    if (!found) throw invalidParams(`Unknown prompt: ${quoted(params.name)}`);
    if (!isAvailable(found.upstream)) throw upstreamUnavailable(found.upstream.name);
    const result = await this.forward(found.upstream, 'prompts/get', { ...params, name: found.item.name }, extra);
    return scopePromptResult(result, this.latestUriMapper(found.upstream));
  }

  /** completion/complete: the reference (prompt name or template URI) mapped back to its upstream's own. */
  async complete(params: CompleteRequest['params'], extra: ClientRequestExtra): Promise<Result> {
    const table = await this.deps.table('completion/complete');
    this.lastTable = table;
    let upstream: CatalogUpstream;
    let ref: CompleteRequest['params']['ref'];
    if (params.ref.type === 'ref/prompt') {
      const found = table.resolvePrompt(params.ref.name);
      if (!found) throw invalidParams(`Unknown prompt: ${quoted(params.ref.name)}`);
      upstream = found.upstream;
      ref = { ...params.ref, name: found.item.name };
    } else {
      const found = table.resolveUri(params.ref.uri);
      if (!found) throw invalidParams(`Unknown resource template: ${quoted(params.ref.uri)}`);
      upstream = found.upstream;
      ref = { ...params.ref, uri: found.upstreamUri };
    }
    if (!isAvailable(upstream)) throw upstreamUnavailable(upstream.name);
    // An upstream without completions has no suggestions for its arguments.
    if (!upstream.capabilities?.completions) return { completion: { values: [] } };
    return this.forward(upstream, 'completion/complete', { ...params, ref }, extra);
  }

  /**
   * logging/setLevel: remembered for this client session and applied to each of its upstream
   * sessions (now for those with logging, later for any opened after). A stateless request has
   * no upstream session of its own whose log could reach it, so nothing is forwarded.
   */
  async setLevel(level: LoggingLevel): Promise<Result> {
    this.level = level;
    this.levelApplied.clear();
    if (this.ctx.sessionId === undefined) return {};
    const table = await this.deps.table('logging/setLevel');
    this.lastTable = table;
    const logging = table.available().filter((u) => u.capabilities?.logging);
    const outcomes = await Promise.allSettled(logging.map((u) => this.withUpstream(u, async () => undefined)));
    outcomes.forEach((outcome, i) => {
      if (outcome.status === 'rejected') {
        this.deps.logger.warn(
          `logging/setLevel on upstream ${escapeNonPrintable(logging[i].name)} failed: ${safeMessage(outcome.reason)}`,
        );
      }
    });
    return {};
  }

  private async resolveUri(method: string, uri: string): Promise<{ upstream: CatalogUpstream; upstreamUri: string }> {
    const found = await this.lookup(method, (table) => table.resolveUri(uri));
    if (!found) throw protocolError(RESOURCE_NOT_FOUND, `Unknown resource: ${quoted(uri)}`);
    if (!isAvailable(found.upstream)) throw upstreamUnavailable(found.upstream.name);
    return found;
  }

  /** A request forwarded as it is to an upstream; failures become protocol errors with a redacted message. */
  private async forward(
    upstream: CatalogUpstream,
    method: string,
    params: Record<string, unknown>,
    extra: ClientRequestExtra,
  ): Promise<Result> {
    try {
      return await this.withUpstream(upstream, (s) =>
        s.request({ method, params }, forwardingOptions(extra, this.deps.limits)),
      );
    } catch (error) {
      if (isProtocolFailure(error)) throw protocolError(error.code, error.message);
      const message = safeMessage(error);
      this.deps.logger.warn(`${escapeNonPrintable(method)} failed: ${message}`);
      throw protocolError(ErrorCode.InternalError, message);
    }
  }

  private async withUpstream<T>(upstream: CatalogUpstream, work: (session: UpstreamSession) => Promise<T>): Promise<T> {
    return this.deps.pool.withSession(targetOf(upstream), this.identityFor(upstream), async (session) => {
      await this.applyLevel(upstream, session);
      return work(session);
    });
  }

  private async applyLevel(upstream: CatalogUpstream, session: UpstreamSession): Promise<void> {
    const level = this.level;
    if (level === undefined || this.ctx.sessionId === undefined || this.levelApplied.has(upstream.id)) return;
    if (!session.server.capabilities.logging) return;
    await session.request({ method: 'logging/setLevel', params: { level } });
    this.levelApplied.add(upstream.id);
  }

  private identityFor(upstream: CatalogUpstream): SessionIdentity {
    const sessionId = this.ctx.sessionId;
    if (sessionId === undefined) return this.ctx.identity;
    let identity = this.identities.get(upstream.id);
    if (!identity) {
      const relay = federatedRelay(serverRelay(this.server, this.ctx.initialize?.capabilities), {
        name: upstream.name,
        toGatewayUri: (uri) => this.latestUriMapper(upstream)(uri),
        listChanged: () => this.deps.listChanges?.emit(upstream.id),
      });
      identity = { ...this.ctx.identity, clientSession: { id: sessionId, relay } };
      this.identities.set(upstream.id, identity);
    }
    return identity;
  }

  /**
   * Finds a name or URI in the current table; one it does not know may be one the catalog's
   * copy does not know yet (another worker registered it, and the last read was slow): asks
   * once more, waiting for the read. The table that answered maps the URIs of the result.
   */
  private async lookup<T>(method: string, find: (table: FederatedTable) => T | undefined): Promise<T | undefined> {
    let table = await this.deps.table(method);
    let found = find(table);
    if (found === undefined) {
      table = await this.deps.table(method, true);
      found = find(table);
    }
    this.lastTable = table;
    return found;
  }

  private latestUriMapper(upstream: CatalogUpstream): (uri: string) => string {
    const table = this.lastTable;
    return (uri) => (table ? table.toGatewayUri(upstream, uri) : uri);
  }
}

/** MCP's "resource not found". */
const RESOURCE_NOT_FOUND = -32002;

function next(cursor: string | undefined): { nextCursor?: string } {
  return cursor === undefined ? {} : { nextCursor: cursor };
}

function targetOf(upstream: CatalogUpstream): UpstreamTarget {
  const { id, name, url, connectionUrl, secretPath, transport } = upstream;
  return { id, name, url, connectionUrl, secretPath, transport };
}

function isProtocolFailure(error: unknown): error is UpstreamError & { code: number } {
  return error instanceof UpstreamError && error.kind === 'protocol' && error.code !== undefined;
}

/** Only errors known to carry redacted text reach the client; anything else is summarised. */
export function safeMessage(error: unknown): string {
  if (
    error instanceof UpstreamError ||
    error instanceof SessionPoolExhaustedError ||
    error instanceof SessionPoolClosedError
  ) {
    return error.message;
  }
  return 'The upstream call failed with an internal error';
}
