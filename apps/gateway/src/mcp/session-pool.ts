import { BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import { escapeNonPrintable, redactUrl, withTimeout } from '@app/common';
import { shutdownMessages } from '../lifecycle/shutdown.messages';
import {
  DEFAULT_MAX_CONCURRENT_PER_SESSION,
  SESSION_POOL_OPTIONS,
  validateSessionPoolOptions,
  type SessionPoolOptions,
} from './mcp-options';
import { poolKeyId, poolKeyOf } from './pool-key';
import type { Grant, KeyBucket, PooledSession } from './pooled-session';
import type { SessionIdentity } from './session-identity';
import { SessionLease } from './session-lease';
import { SessionPoolClosedError, SessionPoolExhaustedError } from './session-pool.errors';
import { UpstreamConnector, type UpstreamConnection } from './upstream-connector';
import type { UpstreamSession } from './upstream-session';
import type { UpstreamTarget } from '@app/registry';
import { SessionPoolTotals } from './session-pool.totals';
import type { PooledSessionUsage, SessionPoolMetrics } from './session-pool.types';

export interface AcquireOptions {
  /** Aborts the wait for a place (the caller's own request ended). */
  signal?: AbortSignal;
}

type RetireReason = 'idle' | 'age' | 'broken' | 'shutdown' | 'capacity' | 'ended';

const MIN_SWEEP_MS = 1_000;
const MAX_SWEEP_MS = 60_000;
const DEFAULT_SHUTDOWN_BUDGET_MS = 5_000;
/** Share of the shutdown budget the client calls in flight get to finish before their sessions close. */
const DRAIN_SHARE = 0.75;

/**
 * Pooled MCP client sessions to upstreams, keyed by (user, connection URL, identity hash,
 * transport, gateway id, and the gateway client session when there is one). A session carries
 * up to `maxConcurrent` calls at once; a key opens another session only when all of its are full.
 * A gateway client session gets one upstream session per upstream of its own, which relays the
 * upstream's requests to it and lives until `closeClientSession`.
 * Only client traffic goes through here; the gateway's own health checks and discovery use
 * UpstreamControlClient, so usage figures reflect real demand.
 */
@Injectable()
export class McpSessionPool implements BeforeApplicationShutdown {
  private readonly logger = new Logger(McpSessionPool.name);
  private readonly buckets = new Map<string, KeyBucket>();
  private readonly closing = new Set<Promise<void>>();
  /** Shutdown's wait for the calls in flight, told when the last one returns. */
  private readonly drainWaiters = new Set<() => void>();
  private readonly now: () => number;
  private readonly maxConcurrent: number;
  private shutDown = false;
  private serial = 0;
  private readonly totals = new SessionPoolTotals();

  constructor(
    @Inject(SESSION_POOL_OPTIONS) private readonly options: SessionPoolOptions,
    private readonly connector: UpstreamConnector,
  ) {
    validateSessionPoolOptions(options);
    this.now = options.now ?? Date.now;
    this.maxConcurrent = options.maxConcurrent ?? DEFAULT_MAX_CONCURRENT_PER_SESSION;
  }

  /**
   * Sessions close here rather than in onModuleDestroy: that hook runs first, when the loops
   * (pollers, classifier, sweeper) stop, and in-flight client calls still deserve their sessions.
   * New checkouts are refused from now on (callers waiting for one too); the calls in flight get
   * most of the shutdown budget to finish (each session closes as its last call returns), then
   * whatever is left is closed, and a close that hangs is left behind: the whole stays within
   * `shutdownBudgetMs`.
   */
  async beforeApplicationShutdown(): Promise<void> {
    this.shutDown = true;
    this.failWaiters(() => new SessionPoolClosedError('The session pool shut down while this call waited'));
    for (const bucket of [...this.buckets.values()]) {
      for (const session of [...bucket.sessions]) {
        if (session.inFlight === 0) this.retire(session, 'shutdown');
      }
      this.dropIfEmpty(bucket);
    }
    const budgetMs = this.options.shutdownBudgetMs ?? DEFAULT_SHUTDOWN_BUDGET_MS;
    const drainMs = Math.floor(budgetMs * DRAIN_SHARE);
    if (!(await this.drained(drainMs))) {
      const calls = this.metrics().inFlight;
      this.logger.warn(
        shutdownMessages.overran(
          'client calls in flight',
          'sessions',
          drainMs,
          calls === 1 ? 'closing the session of 1 call' : `closing the sessions of ${calls} calls`,
        ),
      );
    }
    const closeMs = budgetMs - drainMs;
    const closed = await withTimeout(this.closeAll(), closeMs).then(
      () => true,
      () => false,
    );
    if (!closed) this.logger.warn(shutdownMessages.overran('pooled sessions close', 'sessions', closeMs));
  }

  /**
   * Checks a session out, runs `fn` with it, and returns it to the pool (or closes it if it broke).
   * `signal` (the client's request) gives up the wait for a place when the client does.
   */
  async withSession<T>(
    target: UpstreamTarget,
    identity: SessionIdentity,
    fn: (session: UpstreamSession) => Promise<T>,
    options: AcquireOptions = {},
  ): Promise<T> {
    const lease = await this.acquire(target, identity, options);
    try {
      return await fn(lease);
    } finally {
      this.release(lease);
    }
  }

  /**
   * Checks out the key's open session with the fewest calls in flight that has room for one
   * more, opens another when every one is full and the key is below its maximum, or waits in
   * line. Pair with `release`; prefer `withSession`.
   */
  async acquire(
    target: UpstreamTarget,
    identity: SessionIdentity,
    options: AcquireOptions = {},
  ): Promise<SessionLease> {
    if (this.shutDown) {
      throw new SessionPoolClosedError('The session pool is shut down');
    }
    options.signal?.throwIfAborted();
    const bucket = this.bucketFor(target, identity);
    const session = this.pick(bucket);
    if (session) {
      return this.lease(session);
    }
    if (this.shouldOpen(bucket, bucket.waiters.length + 1)) {
      if (!this.makeRoom()) {
        this.totals.record('acquireTimeouts');
        this.dropIfEmpty(bucket);
        throw new SessionPoolExhaustedError(
          `No session to upstream "${escapeNonPrintable(bucket.target.name)}" could be opened: the gateway's limit of ` +
            `${this.options.maxTotal} upstream sessions is reached and every one is busy`,
        );
      }
      bucket.opening += 1;
      return this.lease(await this.open(bucket));
    }
    const grant = await this.waitFor(bucket, options.signal);
    return this.lease(grant.kind === 'session' ? grant.session : await this.open(bucket));
  }

  /** Returns a checkout. A session closes once its last call returns if it broke, aged or the pool shut down. */
  release(lease: SessionLease): void {
    if (!lease.markReleased()) {
      return;
    }
    const session = lease.session;
    if (session.state === 'open') {
      session.inFlight -= 1;
      if (session.inFlight === 0) {
        session.idleSince = this.now();
        const reason = session.broken
          ? 'broken'
          : this.shutDown
            ? 'shutdown'
            : this.isOverAge(session)
              ? 'age'
              : undefined;
        if (reason) this.retire(session, reason);
      }
      this.dispatch(session.bucket);
    }
    // A shutdown may be waiting for the last call in flight.
    this.notifyIfDrained();
  }

  /**
   * Closes the upstream sessions of a gateway client session that ended (the upstream sees each
   * one end) and turns away its callers still waiting. Calls in flight on them fail.
   */
  async closeClientSession(id: string): Promise<void> {
    const closing: Array<Promise<void>> = [];
    for (const bucket of [...this.buckets.values()]) {
      if (bucket.key.clientSessionId !== id) continue;
      bucket.ended = true;
      for (const waiter of bucket.waiters.splice(0)) {
        waiter.fail(new SessionPoolClosedError('The client session ended while this call waited'));
      }
      for (const session of [...bucket.sessions]) {
        closing.push(this.retire(session, 'ended'));
      }
      this.buckets.delete(bucket.id);
    }
    this.notifyIfDrained();
    await Promise.all(closing);
  }

  /** True once no call is in flight (at once when none is); false after `ms` otherwise. */
  private drained(ms: number): Promise<boolean> {
    if (this.metrics().inFlight === 0) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      const done = (drained: boolean): void => {
        clearTimeout(timer);
        this.drainWaiters.delete(waiter);
        resolve(drained);
      };
      const waiter = (): void => done(true);
      const timer = setTimeout(() => done(false), ms);
      this.drainWaiters.add(waiter);
    });
  }

  private notifyIfDrained(): void {
    if (this.drainWaiters.size === 0 || this.metrics().inFlight > 0) return;
    for (const waiter of [...this.drainWaiters]) waiter();
  }

  /**
   * Closes sessions without calls in flight that are past their idle TTL or age limit, or broken.
   * A client session's own sessions expire only when broken. Returns how many closed.
   */
  sweep(): number {
    let closed = 0;
    for (const bucket of [...this.buckets.values()]) {
      for (const session of [...bucket.sessions]) {
        // A dispatch below may have closed one to make room already.
        const reason = session.state === 'open' && session.inFlight === 0 ? this.expiryOf(session) : undefined;
        if (reason) {
          this.retire(session, reason);
          closed += 1;
        }
      }
      this.dispatch(bucket);
    }
    return closed;
  }

  /** Closes every session, with or without calls in flight, and turns away every waiting caller. */
  async closeAll(): Promise<void> {
    this.failWaiters(() => new SessionPoolClosedError('The session pool closed its sessions while this call waited'));
    for (const bucket of [...this.buckets.values()]) {
      for (const session of [...bucket.sessions]) {
        this.retire(session, 'shutdown');
      }
      this.dropIfEmpty(bucket);
    }
    this.notifyIfDrained();
    await Promise.all([...this.closing]);
  }

  /** One entry per open session, naming the upstream by id and canonical URL; active while calls are in flight. */
  usage(): PooledSessionUsage[] {
    const out: PooledSessionUsage[] = [];
    for (const bucket of this.buckets.values()) {
      for (const session of bucket.sessions) {
        out.push({
          url: bucket.target.url,
          gatewayId: bucket.key.gatewayId,
          transport: bucket.key.transport,
          active: session.inFlight > 0,
          lastUsed: session.lastUsed,
          useCount: session.useCount,
          createdAt: session.createdAt,
        });
      }
    }
    return out;
  }

  metrics(): SessionPoolMetrics {
    let active = 0;
    let idle = 0;
    let inFlight = 0;
    let opening = 0;
    let waiting = 0;
    for (const bucket of this.buckets.values()) {
      for (const session of bucket.sessions) {
        if (session.inFlight > 0) active += 1;
        else idle += 1;
        inFlight += session.inFlight;
      }
      opening += bucket.opening;
      waiting += bucket.waiters.length;
    }
    return {
      keys: this.buckets.size,
      sessions: active + idle,
      active,
      idle,
      inFlight,
      opening,
      waiting,
      totals: this.totals.snapshot(),
    };
  }

  /** Period of the expiry sweep: half the shortest TTL, within 1 s to 60 s, unless configured. */
  sweepIntervalMs(): number {
    const shortest = Math.min(this.options.idleTtlMs, this.options.maxAgeMs) / 2;
    return this.options.sweepIntervalMs ?? Math.min(MAX_SWEEP_MS, Math.max(MIN_SWEEP_MS, shortest));
  }

  private bucketFor(target: UpstreamTarget, identity: SessionIdentity): KeyBucket {
    const key = poolKeyOf(target, identity);
    const id = poolKeyId(key);
    let bucket = this.buckets.get(id);
    if (!bucket) {
      bucket = {
        id,
        key,
        identity,
        target,
        sessions: [],
        // A client session's upstream state lives in one upstream session.
        maxSessions: identity.clientSession ? 1 : this.options.maxPerKey,
        opening: 0,
        waiters: [],
        ended: false,
      };
      this.buckets.set(id, bucket);
    }
    bucket.target = target;
    return bucket;
  }

  /**
   * Takes a place on the usable session with the fewest calls in flight (ties: the one used
   * last, so surplus sessions idle out), closing expired ones without calls on the way.
   */
  private pick(bucket: KeyBucket): PooledSession | undefined {
    let best: PooledSession | undefined;
    for (const session of [...bucket.sessions]) {
      if (session.inFlight === 0) {
        const reason = this.expiryOf(session);
        if (reason) {
          this.retire(session, reason);
          continue;
        }
      } else if (session.broken || this.isOverAge(session)) {
        continue; // closes when its last call returns
      }
      if (session.inFlight >= this.maxConcurrent) continue;
      if (
        !best ||
        session.inFlight < best.inFlight ||
        (session.inFlight === best.inFlight && session.idleSince > best.idleSince)
      ) {
        best = session;
      }
    }
    if (best) best.inFlight += 1;
    return best;
  }

  /**
   * Whether `callers` callers without a place (waiters, and the one asking) warrant opening a
   * session: the key is below its maximum and the sessions being opened cannot take them all
   * (each serves its opener and maxConcurrent - 1 more).
   */
  private shouldOpen(bucket: KeyBucket, callers: number): boolean {
    return sizeOf(bucket) < bucket.maxSessions && callers > bucket.opening * (this.maxConcurrent - 1);
  }

  /** Hands room that became free (a call returned, a session opened or closed) to the callers in line. */
  private dispatch(bucket: KeyBucket): void {
    while (bucket.waiters.length > 0 && !this.shutDown && !bucket.ended) {
      const session = this.pick(bucket);
      if (session) {
        bucket.waiters.shift()?.grant({ kind: 'session', session });
        continue;
      }
      if (this.shouldOpen(bucket, bucket.waiters.length) && this.makeRoom()) {
        bucket.opening += 1;
        bucket.waiters.shift()?.grant({ kind: 'slot' });
        continue;
      }
      break;
    }
    this.dropIfEmpty(bucket);
  }

  /**
   * Keeps the pool within `maxTotal`: closes the least recently used session without calls in
   * flight (never a client session's own), or says no when there is none. Distinct client
   * identities each get their own key, so without this cap their number alone would decide the
   * gateway's memory.
   */
  private makeRoom(): boolean {
    const maxTotal = this.options.maxTotal;
    if (maxTotal === undefined) return true;
    let total = 0;
    let oldest: PooledSession | undefined;
    for (const bucket of this.buckets.values()) {
      total += sizeOf(bucket);
      if (bucket.identity.clientSession) continue;
      for (const session of bucket.sessions) {
        if (session.inFlight === 0 && (!oldest || session.idleSince < oldest.idleSince)) oldest = session;
      }
    }
    if (total < maxTotal) return true;
    if (!oldest) return false;
    this.retire(oldest, 'capacity');
    this.dropIfEmpty(oldest.bucket);
    return true;
  }

  /** Opens a session for a slot already counted in `bucket.opening`; the opener holds its first place. */
  private async open(bucket: KeyBucket): Promise<PooledSession> {
    let connection: UpstreamConnection;
    try {
      connection = await this.connector.connect(bucket.target, {
        timeoutMs: this.options.connectTimeoutMs,
        headers: bucket.identity.headers,
        relay: bucket.identity.clientSession?.relay,
      });
    } catch (error) {
      bucket.opening -= 1;
      this.totals.record('openFailures');
      this.dispatch(bucket);
      throw error;
    }
    bucket.opening -= 1;
    this.totals.record('opened');
    const created = this.now();
    const session: PooledSession = {
      serial: ++this.serial,
      bucket,
      connection,
      createdAt: created,
      idleSince: created,
      lastUsed: 0,
      useCount: 0,
      inFlight: 1,
      state: 'open',
      broken: false,
    };
    bucket.sessions.push(session);
    // A transport that closes on its own (upstream gone) is not to be reused. Transport errors
    // alone do not say so: a failed request tells, and progress for a call already given up is
    // reported as an error without anything being wrong with the session.
    connection.client.onclose = () => {
      session.broken = true;
    };
    if (this.shutDown || bucket.ended) {
      this.retire(session, bucket.ended ? 'ended' : 'shutdown');
      throw new SessionPoolClosedError(
        bucket.ended
          ? 'The client session ended while its upstream session was being opened'
          : 'The session pool closed while a session was being opened',
      );
    }
    this.logger.debug(`Opened session #${session.serial} to ${describeTarget(bucket.target)}`);
    this.dispatch(bucket);
    return session;
  }

  private waitFor(bucket: KeyBucket, signal: AbortSignal | undefined): Promise<Grant> {
    const timeoutMs = this.options.acquireTimeoutMs;
    return new Promise<Grant>((resolve, reject) => {
      const settle = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', abandon);
      };
      const waiter = {
        grant: (grant: Grant) => {
          settle();
          resolve(grant);
        },
        fail: (error: Error) => {
          settle();
          reject(error);
        },
      };
      const leaveLine = (): void => {
        settle();
        const index = bucket.waiters.indexOf(waiter);
        if (index >= 0) {
          bucket.waiters.splice(index, 1);
        }
        this.dropIfEmpty(bucket);
      };
      // A caller that gave up takes no place it would never use.
      const abandon = (): void => {
        leaveLine();
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', abandon, { once: true });
      const timer = setTimeout(() => {
        leaveLine();
        this.totals.record('acquireTimeouts');
        reject(
          new SessionPoolExhaustedError(
            `No session to upstream "${escapeNonPrintable(bucket.target.name)}" became free within ${timeoutMs} ms ` +
              `(limit ${bucket.maxSessions} per user and upstream)`,
          ),
        );
      }, timeoutMs);
      bucket.waiters.push(waiter);
    });
  }

  private failWaiters(error: () => Error): void {
    for (const bucket of [...this.buckets.values()]) {
      for (const waiter of bucket.waiters.splice(0)) waiter.fail(error());
      this.dropIfEmpty(bucket);
    }
  }

  private lease(session: PooledSession): SessionLease {
    return new SessionLease(session, this.options.callTimeoutMs, this.now);
  }

  /** Why a session without calls in flight should close now, if it should. */
  private expiryOf(session: PooledSession): RetireReason | undefined {
    if (session.broken) {
      return 'broken';
    }
    if (session.bucket.identity.clientSession) {
      return undefined; // its state is the client's: it lives as long as the client session
    }
    if (this.isOverAge(session)) {
      return 'age';
    }
    return this.now() - session.idleSince >= this.options.idleTtlMs ? 'idle' : undefined;
  }

  private isOverAge(session: PooledSession): boolean {
    return !session.bucket.identity.clientSession && this.now() - session.createdAt >= this.options.maxAgeMs;
  }

  private retire(session: PooledSession, reason: RetireReason): Promise<void> {
    if (session.state === 'closed') {
      return session.connection.close();
    }
    session.state = 'closed';
    const sessions = session.bucket.sessions;
    const index = sessions.indexOf(session);
    if (index >= 0) sessions.splice(index, 1);
    this.totals.recordClose(reason);
    this.logger.debug(`Closing session #${session.serial} to ${describeTarget(session.bucket.target)} (${reason})`);
    const closing = session.connection.close().finally(() => this.closing.delete(closing));
    this.closing.add(closing);
    return closing;
  }

  private dropIfEmpty(bucket: KeyBucket): void {
    if (sizeOf(bucket) === 0 && bucket.waiters.length === 0 && this.buckets.get(bucket.id) === bucket) {
      this.buckets.delete(bucket.id);
    }
  }
}

function sizeOf(bucket: KeyBucket): number {
  return bucket.sessions.length + bucket.opening;
}

/** Names an upstream for logs by its canonical URL, never by the pool key's connection URL. */
function describeTarget(target: UpstreamTarget): string {
  return `"${escapeNonPrintable(target.name)}" (${redactUrl(target.url)})`;
}
