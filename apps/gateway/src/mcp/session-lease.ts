import type { RequestOptions } from '@modelcontextprotocol/sdk/shared/protocol.js';
import {
  CallToolResultSchema,
  ErrorCode,
  McpError,
  ResultSchema,
  type CallToolRequest,
  type CallToolResult,
  type ListToolsRequest,
  type ListToolsResult,
  type Notification,
  type Result,
} from '@modelcontextprotocol/sdk/types.js';
import { escapeNonPrintable } from '@app/common';
import { callDeadline, clarifyTimeout } from './call-deadline';
import type { PooledSession } from './pooled-session';
import { isSessionFailure, toUpstreamError } from './upstream-error';
import type { ForwardedRequest, UpstreamServerInfo, UpstreamSession } from './upstream-session';
import type { UpstreamTarget } from '@app/registry';

/**
 * One checkout of a pooled session (other checkouts may share the session at the same time):
 * counts every client call, applies the pool's default deadline under the caller's options, and
 * flags the session on transport failure.
 */
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
    return this.track(`Tool call "${escapeNonPrintable(params.name)}"`, options, (o) =>
      this.session.connection.client.request({ method: 'tools/call', params }, CallToolResultSchema, o),
    );
  }

  listTools(params?: ListToolsRequest['params'], options?: RequestOptions): Promise<ListToolsResult> {
    return this.track('tools/list', options, (o) => this.session.connection.client.listTools(params, o));
  }

  request(request: ForwardedRequest, options?: RequestOptions): Promise<Result> {
    return this.track(escapeNonPrintable(request.method), options, (o) =>
      this.session.connection.client.request(request, ResultSchema, o),
    );
  }

  async notify(notification: Notification): Promise<void> {
    await this.track(escapeNonPrintable(notification.method), undefined, () =>
      this.session.connection.client.notification(notification),
    );
  }

  async ping(options?: RequestOptions): Promise<void> {
    await this.track('ping', options, (o) => this.session.connection.client.ping(o));
  }

  private async track<T>(
    action: string,
    options: RequestOptions | undefined,
    call: (options: RequestOptions) => Promise<T>,
  ): Promise<T> {
    if (this.released || this.session.state !== 'open') {
      throw new Error('This session was returned to the pool; acquire a new one');
    }
    this.session.lastUsed = this.now();
    this.session.useCount += 1;
    const deadline = callDeadline(this.withDefaults(options));
    try {
      return await call(deadline.options);
    } catch (error) {
      if (breaksSession(error, deadline.options.signal)) {
        this.session.broken = true;
      }
      throw toUpstreamError(clarifyTimeout(error, deadline.options), this.target, action);
    } finally {
      deadline.dispose();
    }
  }

  /** The caller's options over the pool's default deadline (an option given as undefined counts as not given). */
  private withDefaults(options: RequestOptions | undefined): RequestOptions {
    const merged: RequestOptions = { timeout: this.callTimeoutMs };
    for (const [name, value] of Object.entries(options ?? {}) as Array<[keyof RequestOptions, unknown]>) {
      if (value !== undefined) Object.assign(merged, { [name]: value });
    }
    // Progress can only reset the timeout if the upstream is given a progress token to send it under.
    if (merged.resetTimeoutOnProgress && !merged.onprogress) merged.onprogress = () => undefined;
    return merged;
  }
}

/**
 * Whether a failed request means the session itself can no longer be trusted. A call the client
 * cancelled, or one that ran out of time, says nothing about the session: the SDK has told the
 * upstream to stop it, and other calls on the session go on.
 */
function breaksSession(error: unknown, signal: AbortSignal | undefined): boolean {
  if (signal?.aborted) return false;
  if (error instanceof McpError && error.code === ErrorCode.RequestTimeout) return false;
  return isSessionFailure(error);
}
