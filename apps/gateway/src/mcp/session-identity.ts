import type { UpstreamRelay } from './upstream-relay';

/** Who a pooled session acts for, and the headers that carry that identity upstream. */
export interface SessionIdentity {
  /** A stable user identity (the authenticated principal); `anonymous` when the caller is not identified. */
  user: string;
  /** Headers forwarded to the upstream on this user's behalf (for example its own token). */
  headers?: Readonly<Record<string, string>>;
  /**
   * A gateway client session (stateful /mcp or /servers/<name>/mcp). Its upstream sessions are
   * its own (the pool key includes `id`), so upstream session state never crosses clients, and
   * they relay the upstream's requests and notifications to it.
   */
  clientSession?: ClientSessionLink;
}

export interface ClientSessionLink {
  /** The gateway's Mcp-Session-Id for the client. */
  id: string;
  relay: UpstreamRelay;
}

export const ANONYMOUS_USER = 'anonymous';

export const ANONYMOUS_IDENTITY: SessionIdentity = Object.freeze({ user: ANONYMOUS_USER });
