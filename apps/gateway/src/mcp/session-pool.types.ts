import type { UpstreamTransport } from '@app/registry';

/** Usage of one pooled session, naming its upstream by id and canonical URL only (never credentials). */
export interface PooledSessionUsage {
  /** The upstream's canonical URL. */
  url: string;
  /** The upstream's id. */
  gatewayId: string;
  transport: UpstreamTransport;
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
  active: number;
  idle: number;
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
