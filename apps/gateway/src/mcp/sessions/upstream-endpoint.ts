import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { ErrorCode, type Notification, type Result } from '@modelcontextprotocol/sdk/types.js';
import { escapeNonPrintable } from '@app/common';
import type { UpstreamTarget } from '@app/registry';
import { forwardingOptions, type CallLimits, type ClientRequestExtra } from '../call-forwarding';
import type { SessionIdentity } from '../session-identity';
import type { McpSessionPool } from '../session-pool';
import type { UpstreamCatalog } from '../upstream-catalog';
import type { UpstreamServerInfo } from '../upstream-session';
import { DeferredRelay } from './deferred-relay';
import { forwardedFailure, upstreamUnavailable } from './forwarded-error';
import { EndpointError } from './json-rpc-reply';
import type { EndpointContext, McpEndpoint } from './mcp-endpoint';
import { serverRelay } from './server-relay';
import { SHARED_SCHEMA_VALIDATOR } from './schema-validator';

/** Handled by the SDK's own Protocol (the request they belong to), never forwarded. */
const LOCAL_NOTIFICATIONS = new Set(['notifications/initialized', 'notifications/cancelled', 'notifications/progress']);

export interface UpstreamEndpointDeps {
  pool: McpSessionPool;
  catalog: UpstreamCatalog;
  limits: CallLimits;
}

/**
 * `/servers/<name>/mcp`: one upstream as it is. Initialize is answered with the upstream's own
 * capabilities, server info and instructions; every other request and notification goes to the
 * upstream verbatim through the pool (a client session's own upstream session when stateful),
 * and the upstream's requests and notifications come back to the client.
 */
export class UpstreamEndpoint implements McpEndpoint {
  constructor(
    readonly name: string,
    private readonly deps: UpstreamEndpointDeps,
  ) {}

  async createServer(context: EndpointContext): Promise<Server> {
    let target = await this.target();
    const relay = new DeferredRelay(context.initialize?.capabilities);
    const identity: SessionIdentity = context.sessionId
      ? { ...context.identity, clientSession: { id: context.sessionId, relay } }
      : context.identity;
    const upstream = await this.upstreamServer(target, identity);
    const server = new Server(upstream.info ?? { name: target.name, version: '0.0.0' }, {
      capabilities: upstream.capabilities,
      jsonSchemaValidator: SHARED_SCHEMA_VALIDATOR,
      ...(upstream.instructions === undefined ? {} : { instructions: upstream.instructions }),
    });
    relay.bind(serverRelay(server, context.initialize?.capabilities));
    // The upstream keeps its own log level: logging/setLevel is forwarded like any request.
    server.removeRequestHandler('logging/setLevel');
    server.fallbackRequestHandler = async (request, extra) => {
      target = await this.target();
      return this.forward(target, identity, request, extra);
    };
    server.fallbackNotificationHandler = async (notification: Notification) => {
      if (LOCAL_NOTIFICATIONS.has(notification.method)) return;
      await this.deps.pool
        .withSession(target, identity, (session) => session.notify(notification))
        .catch(() => undefined);
    };
    return server;
  }

  private async forward(
    target: UpstreamTarget,
    identity: SessionIdentity,
    request: { method: string; params?: Record<string, unknown> },
    extra: ClientRequestExtra,
  ): Promise<Result> {
    // Progress goes out before the result it precedes: a notification sent after the response
    // would find the client's request (and its stream) already closed.
    const relayed = new Set<Promise<void>>();
    const tracked: ClientRequestExtra = {
      ...extra,
      sendNotification: (notification) => {
        const sent = extra.sendNotification(notification);
        relayed.add(sent);
        void sent.catch(() => undefined).finally(() => relayed.delete(sent));
        return sent;
      },
    };
    try {
      const result = await this.deps.pool.withSession(target, identity, (session) =>
        session.request(
          { method: request.method, params: request.params },
          forwardingOptions(tracked, this.deps.limits),
        ),
      );
      await Promise.allSettled([...relayed]);
      return result;
    } catch (error) {
      throw forwardedFailure(error, target.name);
    }
  }

  private async upstreamServer(target: UpstreamTarget, identity: SessionIdentity): Promise<UpstreamServerInfo> {
    try {
      return await this.deps.pool.withSession(target, identity, async (session) => session.server);
    } catch {
      throw new EndpointError(503, ErrorCode.InternalError, upstreamUnavailable(target.name).message);
    }
  }

  /** The enabled, active upstream of this name; a 404 or 503 EndpointError otherwise. */
  private async target(): Promise<UpstreamTarget> {
    const found = await this.lookup();
    if (!found) {
      throw new EndpointError(404, ErrorCode.InvalidRequest, `Unknown upstream: ${escapeNonPrintable(this.name)}`);
    }
    if (!found.active) {
      throw new EndpointError(503, ErrorCode.InternalError, upstreamUnavailable(this.name).message);
    }
    return found.target;
  }

  private async lookup(): Promise<{ target: UpstreamTarget; active: boolean } | null> {
    const catalog = this.deps.catalog;
    try {
      if (catalog.findByName) return await catalog.findByName(this.name);
      const active = (await catalog.listActive()).find((upstream) => upstream.name === this.name);
      if (!active) return null;
      const { tools: _tools, ...target } = active;
      return { target, active: true };
    } catch {
      throw new EndpointError(503, ErrorCode.InternalError, 'registry unavailable');
    }
  }
}
