import type { AppConfig } from '../config/app-config';
import { shutdownBudgets } from '../lifecycle/shutdown-budget';
import type { CallLimits } from './call-forwarding';

/** Requests one pooled session carries at once unless configured (SESSION_MAX_CONCURRENT). */
export const DEFAULT_MAX_CONCURRENT_PER_SESSION = 32;

/** Limits of the pooled client sessions, in milliseconds. */
export interface SessionPoolOptions {
  /** Sessions per pool key (open, idle or being opened). */
  maxPerKey: number;
  /**
   * Calls in flight on one session at once: a new call goes to the key's session with the fewest,
   * and another session opens only when every one is full. @default 32
   */
  maxConcurrent?: number;
  /**
   * Sessions across every key: past it the least recently used idle session is closed to make
   * room, and a new session is refused when none is idle. Unlimited when omitted.
   */
  maxTotal?: number;
  /** A session without calls in flight for this long is closed (never a client session's own). */
  idleTtlMs: number;
  /**
   * A session older than this (since it was opened) takes no new calls and closes when its last
   * call returns (never a client session's own).
   */
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
/** The CallLimits of calls forwarded for clients (see forwardingOptions). */
export const CALL_LIMITS = Symbol('CALL_LIMITS');

export function sessionPoolOptionsFromConfig(config: AppConfig): SessionPoolOptions {
  return {
    maxPerKey: config.sessionPool.maxPerKey,
    maxTotal: config.sessionPool.maxTotal,
    maxConcurrent: config.mcp.maxConcurrentPerSession,
    idleTtlMs: config.sessionPool.idleTtlSeconds * 1000,
    maxAgeMs: config.sessionPool.maxAgeSeconds * 1000,
    acquireTimeoutMs: config.upstreamTimeoutMs,
    connectTimeoutMs: config.upstreamTimeoutMs,
    callTimeoutMs: config.upstreamTimeoutMs,
    shutdownBudgetMs: shutdownBudgets(config.shutdownGraceMs).sessions,
  };
}

/** Silence allowed between progress notifications: the upstream timeout; the whole call: MCP_CALL_MAX_MS. */
export function callLimitsFromConfig(config: AppConfig): CallLimits {
  return { idleTimeoutMs: config.upstreamTimeoutMs, maxCallMs: config.mcp.callMaxMs };
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
  const maxConcurrent = options.maxConcurrent;
  if (maxConcurrent !== undefined && !(Number.isInteger(maxConcurrent) && maxConcurrent > 0)) {
    throw new Error(`Session pool option maxConcurrent must be a positive integer (got ${String(maxConcurrent)})`);
  }
  const maxTotal = options.maxTotal;
  if (maxTotal !== undefined && !(Number.isInteger(maxTotal) && maxTotal > 0)) {
    throw new Error(`Session pool option maxTotal must be a positive integer (got ${String(maxTotal)})`);
  }
}
