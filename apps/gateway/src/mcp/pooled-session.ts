import type { PoolKey } from './pool-key';
import type { SessionIdentity } from './session-identity';
import type { UpstreamConnection } from './upstream-connector';
import type { UpstreamTarget } from '@app/registry';

export type PooledSessionState = 'active' | 'idle' | 'closed';

/** One open client session and its usage, as the pool tracks it. */
export interface PooledSession {
  readonly serial: number;
  readonly bucket: KeyBucket;
  readonly connection: UpstreamConnection;
  /** Epoch ms. */
  readonly createdAt: number;
  /** Epoch ms of the last return to the pool (or creation). */
  idleSince: number;
  /** Epoch ms of the last client call; 0 until the first one. */
  lastUsed: number;
  useCount: number;
  state: PooledSessionState;
  /** Set on a transport failure; a broken session is closed instead of being returned. */
  broken: boolean;
}

/** A hand-over to a waiting caller: a session, or the right to open one. */
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
  /** Most recently returned last, so surplus sessions at the bottom idle out. */
  readonly idle: PooledSession[];
  readonly active: Set<PooledSession>;
  /** Sessions being opened; they count against the per-key maximum. */
  opening: number;
  /** First come, first served. */
  readonly waiters: Waiter[];
}
