import type { RequestOptions } from '@modelcontextprotocol/sdk/shared/protocol.js';
import {
  CallToolResultSchema,
  ResultSchema,
  type CallToolRequest,
  type CallToolResult,
  type ListToolsRequest,
  type ListToolsResult,
  type Notification,
  type Result,
} from '@modelcontextprotocol/sdk/types.js';
import { escapeNonPrintable } from '@app/common';
import type { PooledSession } from './pooled-session';
import { isSessionFailure, toUpstreamError } from './upstream-error';
import type { ForwardedRequest, UpstreamServerInfo, UpstreamSession } from './upstream-session';
import type { UpstreamTarget } from '@app/registry';

/** A checked-out session: counts every client call and flags the session on transport failure. */
export class SessionLease implements UpstreamSession {
  private released = false;

  constructor(
    readonly session: PooledSession,
    private readonly callTimeoutMs: number,
    private readonly now: () => number,
  ) {}

  get target(): UpstreamTarget {
    return this.session.bucket.target;
  }

  get server(): UpstreamServerInfo {
    const client = this.session.connection.client;
    return {
      capabilities: client.getServerCapabilities() ?? {},
      info: client.getServerVersion(),
      instructions: client.getInstructions(),
    };
  }

  /** Marks the lease returned; false when it already was. */
  markReleased(): boolean {
    const first = !this.released;
    this.released = true;
    return first;
  }

  callTool(params: CallToolRequest['params'], options?: RequestOptions): Promise<CallToolResult> {
    // A plain request: the gateway relays results and leaves output-schema checks to its client.
    return this.track(`Tool call "${escapeNonPrintable(params.name)}"`, () =>
      this.session.connection.client.request(
        { method: 'tools/call', params },
        CallToolResultSchema,
        this.withDefaults(options),
      ),
    );
  }

  listTools(params?: ListToolsRequest['params'], options?: RequestOptions): Promise<ListToolsResult> {
    return this.track('tools/list', () => this.session.connection.client.listTools(params, this.withDefaults(options)));
  }

  request(request: ForwardedRequest, options?: RequestOptions): Promise<Result> {
    return this.track(escapeNonPrintable(request.method), () =>
      this.session.connection.client.request(request, ResultSchema, this.withDefaults(options)),
    );
  }

  async notify(notification: Notification): Promise<void> {
    await this.track(escapeNonPrintable(notification.method), () =>
      this.session.connection.client.notification(notification),
    );
  }

  async ping(options?: RequestOptions): Promise<void> {
    await this.track('ping', () => this.session.connection.client.ping(this.withDefaults(options)));
  }

  private async track<T>(action: string, call: () => Promise<T>): Promise<T> {
    if (this.released || this.session.state !== 'active') {
      throw new Error('This session was returned to the pool; acquire a new one');
    }
    this.session.lastUsed = this.now();
    this.session.useCount += 1;
    try {
      return await call();
    } catch (error) {
      if (isSessionFailure(error)) {
        this.session.broken = true;
      }
      throw toUpstreamError(error, this.target, action);
    }
  }

  private withDefaults(options: RequestOptions | undefined): RequestOptions {
    return { timeout: this.callTimeoutMs, ...options };
  }
}
