import { Inject, Injectable, Optional } from '@nestjs/common';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { withDeadline } from '@app/common';
import { GATEWAY_LOOP_GUARD, type GatewayLoopGuard } from '../loop/gateway-loop.guard';
import { DIAL_GUARD, type DialGuard, type UpstreamDial } from './dial-guard';
import { dialTargetOf } from './dial-url';
import { STDIO_SERVER_CATALOG, type StdioServerCatalog } from './stdio-servers';
import { explainStdioFailure, openStdioTransport } from './stdio-transport';
import { toUpstreamError } from './upstream-error';
import type { UpstreamRelay } from './upstream-relay';
import type { UpstreamTarget } from '@app/registry';

export const GATEWAY_CLIENT_INFO = { name: 'mcp-gateway', version: '0.1.0' } as const;

// Session termination is a courtesy to the upstream; shutdown must not wait long for it.
const TERMINATE_GRACE_MS = 1_000;

export interface ConnectOptions {
  /** Deadline for transport start plus MCP initialize. */
  timeoutMs: number;
  /** Extra headers sent on every request (forwarded identity); override nothing from the URL. */
  headers?: Readonly<Record<string, string>>;
  /**
   * Where the upstream's own requests and notifications go (a gateway client session). Without
   * it the session declares no client capabilities and the upstream's requests get "Method not found".
   */
  relay?: UpstreamRelay;
}

/** A connected MCP client and the way to close it properly. */
export class UpstreamConnection {
  private closing: Promise<void> | undefined;

  constructor(
    readonly client: Client,
    private readonly transport: Transport,
    /** Lets go of the checked upstream address once the connection has closed. */
    private readonly release: () => void = () => undefined,
  ) {}

  /** Ends the upstream session (DELETE for Streamable HTTP, best effort) and closes the transport. Idempotent. */
  close(): Promise<void> {
    this.closing ??= this.doClose();
    return this.closing;
  }

  private async doClose(): Promise<void> {
    const transport = this.transport;
    if (transport instanceof StreamableHTTPClientTransport && transport.sessionId) {
      await withDeadline(TERMINATE_GRACE_MS, () => transport.terminateSession()).catch(() => undefined);
    }
    await this.client.close().catch(() => undefined);
    this.release();
  }
}

/** Opens SDK clients to upstreams over the transport each one is registered with. */
@Injectable()
export class UpstreamConnector {
  constructor(
    @Optional() @Inject(DIAL_GUARD) private readonly guard?: DialGuard,
    @Optional() @Inject(STDIO_SERVER_CATALOG) private readonly stdio?: StdioServerCatalog,
    @Optional() @Inject(GATEWAY_LOOP_GUARD) private readonly loop?: GatewayLoopGuard,
  ) {}

  async connect(target: UpstreamTarget, options: ConnectOptions): Promise<UpstreamConnection> {
    let transport: Transport;
    let client: Client;
    let upstream: UpstreamDial | undefined;
    try {
      // stdio: a command of the operator's allow-list, started here; there is no address to check.
      const stdio = target.transport === 'stdio' ? openStdioTransport(target, this.stdio) : undefined;
      const dial = dialTargetOf(target.connectionUrl);
      upstream = stdio ? undefined : await this.guard?.open(dial.url);
      // The SDK's default redirect policy (same origin only) keeps a redirect on the host checked
      // above, and so on the addresses its fetch may dial.
      const requestInit: RequestInit = { headers: { ...(options.headers ?? {}), ...dial.headers } };
      // Names the gateways passed so far (Mcp-Gateway-Via) and notices an upstream that is a gateway.
      const fetch = this.loop ? this.loop.wrapFetch(target, upstream?.fetch) : upstream?.fetch;
      transport =
        stdio ??
        (target.transport === 'sse'
          ? new SSEClientTransport(dial.url, { requestInit, fetch })
          : new StreamableHTTPClientTransport(dial.url, { requestInit, fetch }));
      client = new Client({ ...GATEWAY_CLIENT_INFO }, { capabilities: options.relay?.capabilities ?? {} });
      if (options.relay) relayTo(client, options.relay);
    } catch (error) {
      upstream?.release();
      throw toUpstreamError(error, target, 'Connect');
    }
    const connection = new UpstreamConnection(client, transport, upstream?.release);
    try {
      await withDeadline(
        options.timeoutMs,
        (signal) => client.connect(transport, { signal, timeout: options.timeoutMs }),
        'the connection',
      );
      return connection;
    } catch (error) {
      await connection.close();
      throw toUpstreamError(explainStdioFailure(transport, error), target, 'Connect');
    }
  }
}

/**
 * Hands the upstream's requests and notifications to the relay, as they are. The fallback
 * handlers leave the SDK's own in place: ping is answered here, and progress and cancellation
 * go to the request they belong to. Fallbacks skip the SDK's capability checks on handlers,
 * which is right: the capabilities declared are the relay's.
 */
function relayTo(client: Client, relay: UpstreamRelay): void {
  client.fallbackRequestHandler = async (request, extra) => {
    const { method, params } = request;
    return relay.request(params === undefined ? { method } : { method, params }, { signal: extra.signal });
  };
  client.fallbackNotificationHandler = (notification) => relay.notify(notification);
}
