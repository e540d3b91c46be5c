import type { UpstreamTransport } from '@app/registry';

/** Usage of one pooled session, naming its upstream by id and canonical URL only (never credentials). */
export interface PooledSessionUsage {
  /** The upstream's canonical URL. */
  url: string;
  /** The upstream's id. */
  gatewayId: string;
  transport: UpstreamTransport;
  /** Calls are in flight on it. */
  active: boolean;
  /** Epoch ms of the last client call; 0 = never used. */
  lastUsed: number;
  useCount: number;
  /** Epoch ms. */
  createdAt: number;
}

/** Counts for health output and logs; free of URLs and identities. */
export interface SessionPoolMetrics {
  keys: number;
  sessions: number;
  /** Sessions with calls in flight. */
  active: number;
  /** Sessions without. */
  idle: number;
  /** Calls in flight across every session. */
  inFlight: number;
  opening: number;
  waiting: number;
  totals: {
    opened: number;
    openFailures: number;
    closedIdle: number;
    closedAge: number;
    closedBroken: number;
    /** Idle sessions closed to keep the pool within its total limit. */
    closedForCapacity: number;
    acquireTimeouts: number;
  };
}
