import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';

/** One stateful client session: its server, its transport, and what expiry and eviction look at. */
export class ClientSession {
  /** Epoch ms of the last request's start or end (open GET streams are not activity). */
  lastActivity: number;
  /** POSTs and DELETEs being answered. */
  inFlight = 0;
  private closing: Promise<void> | undefined;

  constructor(
    readonly id: string,
    /** The endpoint the session was opened on (`/mcp`, `/servers/<name>/mcp`): its id is valid there only. */
    readonly scope: string,
    /** The principal that opened it: its id is valid for that principal only. */
    readonly user: string,
    readonly server: Server,
    readonly transport: StreamableHTTPServerTransport,
    now: number,
  ) {
    this.lastActivity = now;
  }

  /** Closes the transport (its GET and POST streams end) and the server. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.transport.close().catch(() => undefined);
      await this.server.close().catch(() => undefined);
    })();
    return this.closing;
  }
}
