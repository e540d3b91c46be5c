import type { PoolKey } from './pool-key';
import type { SessionIdentity } from './session-identity';
import type { UpstreamConnection } from './upstream-connector';
import type { UpstreamTarget } from '@app/registry';

export type PooledSessionState = 'open' | 'closed';

/** One open client session and its usage, as the pool tracks it. */
export interface PooledSession {
  readonly serial: number;
  readonly bucket: KeyBucket;
  readonly connection: UpstreamConnection;
  /** Epoch ms. */
  readonly createdAt: number;
  /** Epoch ms at which the last call in flight returned (or creation). */
  idleSince: number;
  /** Epoch ms of the last client call; 0 until the first one. */
  lastUsed: number;
  useCount: number;
  /** Checkouts not yet returned; the session carries up to the pool's maxConcurrent at once. */
  inFlight: number;
  state: PooledSessionState;
  /** Set on a transport failure; a broken session takes no new calls and closes once its last returns. */
  broken: boolean;
}

/** A hand-over to a waiting caller: a place on a session, or the right to open one. */
export type Grant = { kind: 'session'; session: PooledSession } | { kind: 'slot' };

export interface Waiter {
  grant(grant: Grant): void;
  fail(error: Error): void;
}

/** The sessions of one pool key. */
export interface KeyBucket {
  readonly id: string;
  readonly key: PoolKey;
  readonly identity: SessionIdentity;
  /** The latest registration seen for this key (names for logs and errors). */
  target: UpstreamTarget;
  /** Open sessions, whether or not calls are in flight on them. */
  readonly sessions: PooledSession[];
  /** Most sessions the key may hold: one for a client session's key, else the pool's maxPerKey. */
  readonly maxSessions: number;
  /** Sessions being opened; they count against the per-key maximum. */
  opening: number;
  /** First come, first served. */
  readonly waiters: Waiter[];
  /** Set when the key's client session ended: sessions still being opened are closed on arrival. */
  ended: boolean;
}
