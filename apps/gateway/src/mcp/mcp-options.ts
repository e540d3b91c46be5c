import type { AppConfig } from '../config/app-config';
import { shutdownBudgets } from '../lifecycle/shutdown-budget';

/** Limits of the pooled client sessions, in milliseconds. */
export interface SessionPoolOptions {
  /** Sessions per pool key (open, idle or being opened). */
  maxPerKey: number;
  /**
   * Sessions across every key: past it the least recently used idle session is closed to make
   * room, and a new session is refused when none is idle. Unlimited when omitted.
   */
  maxTotal?: number;
  /** An idle session older than this (since it was last returned) is closed. */
  idleTtlMs: number;
  /** A session older than this (since it was opened) is closed when next idle. */
  maxAgeMs: number;
  /** How long a caller waits for a free session of a full key before giving up. */
  acquireTimeoutMs: number;
  /** Deadline for opening a session (transport start and MCP initialize). */
  connectTimeoutMs: number;
  /** Default deadline of each client call made through a pooled session. */
  callTimeoutMs: number;
  /** Period of the expiry sweep; derived from the TTLs when omitted. */
  sweepIntervalMs?: number;
  /**
   * How long shutdown may spend on the pool: calls in flight finish within three quarters of
   * it, then the sessions close within the rest. @default 5000
   */
  shutdownBudgetMs?: number;
  /** Epoch-millisecond clock; replaceable so expiry can be tested without waiting. */
  now?: () => number;
}

/** Limits of the gateway's own short-lived control calls (health checks, discovery). */
export interface UpstreamControlOptions {
  /** Deadline of one whole control operation: connect, every request, and every page. */
  timeoutMs: number;
  /** Upper bound on `tools/list` pages, against upstreams that hand out cursors forever. */
  maxPages?: number;
}

export const SESSION_POOL_OPTIONS = Symbol('SESSION_POOL_OPTIONS');
export const UPSTREAM_CONTROL_OPTIONS = Symbol('UPSTREAM_CONTROL_OPTIONS');

export function sessionPoolOptionsFromConfig(config: AppConfig): SessionPoolOptions {
  return {
    maxPerKey: config.sessionPool.maxPerKey,
    maxTotal: config.sessionPool.maxTotal,
    idleTtlMs: config.sessionPool.idleTtlSeconds * 1000,
    maxAgeMs: config.sessionPool.maxAgeSeconds * 1000,
    acquireTimeoutMs: config.upstreamTimeoutMs,
    connectTimeoutMs: config.upstreamTimeoutMs,
    callTimeoutMs: config.upstreamTimeoutMs,
    shutdownBudgetMs: shutdownBudgets(config.shutdownGraceMs).sessions,
  };
}

export function controlOptionsFromConfig(config: AppConfig): UpstreamControlOptions {
  return { timeoutMs: config.upstreamTimeoutMs };
}

const POSITIVE_POOL_OPTIONS = [
  'maxPerKey',
  'idleTtlMs',
  'maxAgeMs',
  'acquireTimeoutMs',
  'connectTimeoutMs',
  'callTimeoutMs',
] as const satisfies ReadonlyArray<keyof SessionPoolOptions>;

/** Throws, naming the option, when a limit is not a positive number (or maxPerKey not an integer). */
export function validateSessionPoolOptions(options: SessionPoolOptions): void {
  for (const name of POSITIVE_POOL_OPTIONS) {
    const value = options[name];
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
      throw new Error(`Session pool option ${name} must be a positive number (got ${String(value)})`);
    }
  }
  if (!Number.isInteger(options.maxPerKey)) {
    throw new Error(`Session pool option maxPerKey must be an integer (got ${options.maxPerKey})`);
  }
  const maxTotal = options.maxTotal;
  if (maxTotal !== undefined && !(Number.isInteger(maxTotal) && maxTotal > 0)) {
    throw new Error(`Session pool option maxTotal must be a positive integer (got ${String(maxTotal)})`);
  }
}
