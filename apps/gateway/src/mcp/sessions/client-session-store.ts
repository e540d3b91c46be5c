import type { ClientSession } from './client-session';
import { serviceUnavailable } from './json-rpc-reply';

export type SessionEndReason = 'deleted' | 'closed' | 'expired' | 'evicted' | 'shutdown';

export interface ClientSessionStoreOptions {
  /** Idle time (no request started or ended) after which a session ends. */
  idleTtlMs: number;
  /** Sessions open or being opened at once. */
  maxSessions: number;
  now?: () => number;
  /** Called once per session when it ends, after it left the store. */
  onEnd(session: ClientSession, reason: SessionEndReason): void;
}

/**
 * The open client sessions of every endpoint: lookup bound to endpoint and principal, idle
 * expiry, and the cap (the least recently active session with nothing in flight makes room).
 */
export class ClientSessionStore {
  private readonly sessions = new Map<string, ClientSession>();
  /** Sessions being opened (their server is being built): they count against the cap. */
  private opening = 0;
  private readonly now: () => number;

  constructor(private readonly options: ClientSessionStoreOptions) {
    this.now = options.now ?? Date.now;
  }

  get size(): number {
    return this.sessions.size;
  }

  /** Requests in flight across every session. */
  inFlight(): number {
    let total = 0;
    for (const session of this.sessions.values()) total += session.inFlight;
    return total;
  }

  /**
   * Holds a place for a session about to be opened; past the cap the least recently active
   * idle session ends to make room. Throws a 503 EndpointError when every session is busy.
   * Pair with `add` or `release`.
   */
  reserve(): void {
    if (this.sessions.size + this.opening >= this.options.maxSessions) {
      const victim = this.leastRecentlyActiveIdle();
      if (!victim) {
        throw serviceUnavailable(
          `Too many client sessions: the gateway's limit of ${this.options.maxSessions} is reached and every session is busy`,
        );
      }
      this.end(victim, 'evicted');
    }
    this.opening += 1;
  }

  release(): void {
    this.opening = Math.max(0, this.opening - 1);
  }

  /** Adds a session opened in a place `reserve` held. */
  add(session: ClientSession): void {
    this.release();
    this.sessions.set(session.id, session);
  }

  /** The live session `id` opened on `scope` by `user`; undefined (as for an unknown id) otherwise. */
  find(id: string, scope: string, user: string): ClientSession | undefined {
    const session = this.sessions.get(id);
    if (!session || session.scope !== scope || session.user !== user) return undefined;
    if (this.isExpired(session)) {
      this.end(session, 'expired');
      return undefined;
    }
    return session;
  }

  /** Removes the session and closes it; the `onEnd` callback runs once. */
  end(session: ClientSession, reason: SessionEndReason): void {
    if (this.sessions.get(session.id) !== session) return;
    this.sessions.delete(session.id);
    void session.close();
    this.options.onEnd(session, reason);
  }

  /** Ends every session idle past the TTL; returns how many. */
  sweep(): number {
    let ended = 0;
    for (const session of [...this.sessions.values()]) {
      if (this.isExpired(session)) {
        this.end(session, 'expired');
        ended += 1;
      }
    }
    return ended;
  }

  /** Ends every session and waits for their transports and servers to close. */
  async endAll(reason: SessionEndReason): Promise<void> {
    const all = [...this.sessions.values()];
    for (const session of all) this.end(session, reason);
    await Promise.all(all.map((session) => session.close()));
  }

  private isExpired(session: ClientSession): boolean {
    return session.inFlight === 0 && this.now() - session.lastActivity >= this.options.idleTtlMs;
  }

  private leastRecentlyActiveIdle(): ClientSession | undefined {
    let oldest: ClientSession | undefined;
    for (const session of this.sessions.values()) {
      if (session.inFlight > 0) continue;
      if (!oldest || session.lastActivity < oldest.lastActivity) oldest = session;
    }
    return oldest;
  }
}
