import { BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import { escapeNonPrintable, redactUrl, withTimeout } from '@app/common';
import { shutdownMessages } from '../lifecycle/shutdown.messages';
import { SESSION_POOL_OPTIONS, validateSessionPoolOptions, type SessionPoolOptions } from './mcp-options';
import { poolKeyId, poolKeyOf } from './pool-key';
import type { Grant, KeyBucket, PooledSession } from './pooled-session';
import type { SessionIdentity } from './session-identity';
import { SessionLease } from './session-lease';
import { SessionPoolClosedError, SessionPoolExhaustedError } from './session-pool.errors';
import { UpstreamConnector } from './upstream-connector';
import type { UpstreamSession } from './upstream-session';
import type { UpstreamTarget } from '@app/registry';
import { SessionPoolTotals } from './session-pool.totals';
import type { PooledSessionUsage, SessionPoolMetrics } from './session-pool.types';

type RetireReason = 'idle' | 'age' | 'broken' | 'shutdown' | 'capacity';

const MIN_SWEEP_MS = 1_000;
const MAX_SWEEP_MS = 60_000;
const DEFAULT_SHUTDOWN_BUDGET_MS = 5_000;
/** Share of the shutdown budget the client calls in flight get to finish before their sessions close. */
const DRAIN_SHARE = 0.75;

/**
 * Pooled MCP client sessions to upstreams, keyed by (user, connection URL, identity hash,
 * transport, gateway id). Only client traffic goes through here; the gateway's own health
 * checks and discovery use UpstreamControlClient, so usage figures reflect real demand.
 */
@Injectable()
export class McpSessionPool implements BeforeApplicationShutdown {
  private readonly logger = new Logger(McpSessionPool.name);
  private readonly buckets = new Map<string, KeyBucket>();
  private readonly closing = new Set<Promise<void>>();
  /** Shutdown's wait for the calls in flight, told when the last session is returned. */
  private readonly drainWaiters = new Set<() => void>();
  private readonly now: () => number;
  private shutDown = false;
  private serial = 0;
  private readonly totals = new SessionPoolTotals();

  constructor(
    @Inject(SESSION_POOL_OPTIONS) private readonly options: SessionPoolOptions,
    private readonly connector: UpstreamConnector,
  ) {
    validateSessionPoolOptions(options);
    this.now = options.now ?? Date.now;
  }

  /**
   * Sessions close here rather than in onModuleDestroy: that hook runs first, when the loops
   * (pollers, classifier, sweeper) stop, and in-flight client calls still deserve their sessions.
   * New checkouts are refused from now on; the calls in flight get most of the shutdown budget
   * to finish (each session closes as its call returns), then whatever is left is closed, and a
   * close that hangs is left behind: the whole stays within `shutdownBudgetMs`.
   */
  async beforeApplicationShutdown(): Promise<void> {
    this.shutDown = true;
    const budgetMs = this.options.shutdownBudgetMs ?? DEFAULT_SHUTDOWN_BUDGET_MS;
    const drainMs = Math.floor(budgetMs * DRAIN_SHARE);
    if (!(await this.drained(drainMs))) {
      const calls = this.metrics().active;
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

  /** Closes the upstream sessions of a client session that ended (its own pool keys). */
  async closeClientSession(_id: string): Promise<void> {}

  /** Checks a session out, runs `fn` with it, and returns it to the pool (or closes it if it broke). */
  async withSession<T>(
    target: UpstreamTarget,
    identity: SessionIdentity,
    fn: (session: UpstreamSession) => Promise<T>,
  ): Promise<T> {
    const lease = await this.acquire(target, identity);
    try {
      return await fn(lease);
    } finally {
      this.release(lease);
    }
  }

  /**
   * Checks out an idle session of the key, opens one when the key is below its maximum, or
   * waits in line for one. Pair with `release`; prefer `withSession`.
   */
  async acquire(target: UpstreamTarget, identity: SessionIdentity): Promise<SessionLease> {
    if (this.shutDown) {
      throw new SessionPoolClosedError('The session pool is shut down');
    }
    const bucket = this.bucketFor(target, identity);
    const idle = this.takeIdle(bucket);
    if (idle) {
      return this.lease(idle);
    }
    if (sizeOf(bucket) < this.options.maxPerKey) {
      this.makeRoom(bucket);
      bucket.opening += 1;
      return this.lease(await this.open(bucket));
    }
    const grant = await this.waitFor(bucket);
    return this.lease(grant.kind === 'session' ? grant.session : await this.open(bucket));
  }

  /** Returns a session: to the next waiter, to the idle list, or closed when broken or too old. */
  release(lease: SessionLease): void {
    this.returnSession(lease);
    // A shutdown may be waiting for the last call in flight.
    this.notifyIfDrained();
  }

  private returnSession(lease: SessionLease): void {
    if (!lease.markReleased()) {
      return;
    }
    const session = lease.session;
    const bucket = session.bucket;
    if (!bucket.active.delete(session)) {
      return; // closed while checked out (closeAll)
    }
    const reason = session.broken ? 'broken' : this.isOverAge(session) ? 'age' : undefined;
    if (reason || this.shutDown) {
      this.retire(session, reason ?? 'shutdown');
      this.passSlot(bucket);
      return;
    }
    const waiter = bucket.waiters.shift();
    if (waiter) {
      bucket.active.add(session);
      waiter.grant({ kind: 'session', session });
      return;
    }
    session.state = 'idle';
    session.idleSince = this.now();
    bucket.idle.push(session);
  }

  /** True once no session is checked out (at once when none is); false after `ms` otherwise. */
  private drained(ms: number): Promise<boolean> {
    if (this.metrics().active === 0) return Promise.resolve(true);
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
    if (this.drainWaiters.size === 0 || this.metrics().active > 0) return;
    for (const waiter of [...this.drainWaiters]) waiter();
  }

  /** Closes idle sessions past their idle TTL or age limit, or broken while idle. Returns how many. */
  sweep(): number {
    let closed = 0;
    for (const bucket of [...this.buckets.values()]) {
      for (const session of [...bucket.idle]) {
        const reason = this.expiryOf(session);
        if (reason) {
          bucket.idle.splice(bucket.idle.indexOf(session), 1);
          this.retire(session, reason);
          closed += 1;
        }
      }
      this.dropIfEmpty(bucket);
    }
    return closed;
  }

  /** Closes every session, idle or checked out, and turns away every waiting caller. */
  async closeAll(): Promise<void> {
    for (const bucket of [...this.buckets.values()]) {
      for (const waiter of bucket.waiters.splice(0)) {
        waiter.fail(new SessionPoolClosedError('The session pool closed its sessions while this call waited'));
      }
      for (const session of [...bucket.idle, ...bucket.active]) {
        this.retire(session, 'shutdown');
      }
      bucket.idle.length = 0;
      bucket.active.clear();
      this.dropIfEmpty(bucket);
    }
    await Promise.all([...this.closing]);
  }

  /** One entry per open session, idle or checked out, naming the upstream by id and canonical URL. */
  usage(): PooledSessionUsage[] {
    const out: PooledSessionUsage[] = [];
    for (const bucket of this.buckets.values()) {
      for (const session of [...bucket.active, ...bucket.idle]) {
        out.push({
          url: bucket.target.url,
          gatewayId: bucket.key.gatewayId,
          transport: bucket.key.transport,
          active: session.state === 'active',
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
    let opening = 0;
    let waiting = 0;
    for (const bucket of this.buckets.values()) {
      active += bucket.active.size;
      idle += bucket.idle.length;
      opening += bucket.opening;
      waiting += bucket.waiters.length;
    }
    return {
      keys: this.buckets.size,
      sessions: active + idle,
      active,
      idle,
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
      bucket = { id, key, identity, target, idle: [], active: new Set(), opening: 0, waiters: [] };
      this.buckets.set(id, bucket);
    }
    bucket.target = target;
    return bucket;
  }

  private takeIdle(bucket: KeyBucket): PooledSession | undefined {
    for (let session = bucket.idle.pop(); session; session = bucket.idle.pop()) {
      const reason = this.expiryOf(session);
      if (reason) {
        this.retire(session, reason);
        continue;
      }
      session.state = 'active';
      bucket.active.add(session);
      return session;
    }
    return undefined;
  }

  /**
   * Keeps the pool within `maxTotal`: closes the least recently used idle session of any key, or
   * refuses the new session when every session is busy. Distinct client identities each get
   * their own key, so without this cap their number alone would decide the gateway's memory.
   */
  private makeRoom(forBucket: KeyBucket): void {
    const maxTotal = this.options.maxTotal;
    if (maxTotal === undefined) return;
    let total = 0;
    let oldest: PooledSession | undefined;
    for (const bucket of this.buckets.values()) {
      total += sizeOf(bucket);
      const candidate = bucket.idle[0];
      if (candidate && (!oldest || candidate.idleSince < oldest.idleSince)) oldest = candidate;
    }
    if (total < maxTotal) return;
    if (!oldest) {
      this.totals.record('acquireTimeouts');
      throw new SessionPoolExhaustedError(
        `No session to upstream "${forBucket.target.name}" could be opened: the gateway's limit of ` +
          `${maxTotal} upstream sessions is reached and every one is busy`,
      );
    }
    const bucket = oldest.bucket;
    bucket.idle.splice(bucket.idle.indexOf(oldest), 1);
    this.retire(oldest, 'capacity');
    this.dropIfEmpty(bucket);
  }

  /** Opens a session for a slot already counted in `bucket.opening`. */
  private async open(bucket: KeyBucket): Promise<PooledSession> {
    try {
      const connection = await this.connector.connect(bucket.target, {
        timeoutMs: this.options.connectTimeoutMs,
        headers: bucket.identity.headers,
      });
      const created = this.now();
      const session: PooledSession = {
        serial: ++this.serial,
        bucket,
        connection,
        createdAt: created,
        idleSince: created,
        lastUsed: 0,
        useCount: 0,
        state: 'active',
        broken: false,
      };
      // A transport that fails or closes on its own (upstream gone) is not to be reused.
      connection.client.onerror = () => {
        session.broken = true;
      };
      connection.client.onclose = () => {
        session.broken = true;
      };
      bucket.opening -= 1;
      this.totals.record('opened');
      if (this.shutDown) {
        this.retire(session, 'shutdown');
        throw new SessionPoolClosedError('The session pool closed while a session was being opened');
      }
      bucket.active.add(session);
      this.logger.debug(`Opened session #${session.serial} to ${describeTarget(bucket.target)}`);
      return session;
    } catch (error) {
      if (!(error instanceof SessionPoolClosedError)) {
        bucket.opening -= 1;
        this.totals.record('openFailures');
        this.passSlot(bucket);
      }
      throw error;
    }
  }

  private waitFor(bucket: KeyBucket): Promise<Grant> {
    const timeoutMs = this.options.acquireTimeoutMs;
    return new Promise<Grant>((resolve, reject) => {
      const waiter = {
        grant: (grant: Grant) => {
          clearTimeout(timer);
          resolve(grant);
        },
        fail: (error: Error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      const timer = setTimeout(() => {
        const index = bucket.waiters.indexOf(waiter);
        if (index >= 0) {
          bucket.waiters.splice(index, 1);
        }
        this.totals.record('acquireTimeouts');
        reject(
          new SessionPoolExhaustedError(
            `No session to upstream "${escapeNonPrintable(bucket.target.name)}" became free within ${timeoutMs} ms ` +
              `(limit ${this.options.maxPerKey} per user and upstream)`,
          ),
        );
      }, timeoutMs);
      bucket.waiters.push(waiter);
    });
  }

  /** A session of the key went away: the next waiter may open a new one in its place. */
  private passSlot(bucket: KeyBucket): void {
    const waiter = bucket.waiters.shift();
    if (waiter) {
      bucket.opening += 1;
      waiter.grant({ kind: 'slot' });
      return;
    }
    this.dropIfEmpty(bucket);
  }

  private lease(session: PooledSession): SessionLease {
    return new SessionLease(session, this.options.callTimeoutMs, this.now);
  }

  private expiryOf(session: PooledSession): RetireReason | undefined {
    if (session.broken) {
      return 'broken';
    }
    if (this.isOverAge(session)) {
      return 'age';
    }
    return this.now() - session.idleSince >= this.options.idleTtlMs ? 'idle' : undefined;
  }

  private isOverAge(session: PooledSession): boolean {
    return this.now() - session.createdAt >= this.options.maxAgeMs;
  }

  private retire(session: PooledSession, reason: RetireReason): void {
    if (session.state === 'closed') {
      return;
    }
    session.state = 'closed';
    session.bucket.active.delete(session);
    this.totals.recordClose(reason);
    this.logger.debug(`Closing session #${session.serial} to ${describeTarget(session.bucket.target)} (${reason})`);
    const closing = session.connection.close().finally(() => this.closing.delete(closing));
    this.closing.add(closing);
  }

  private dropIfEmpty(bucket: KeyBucket): void {
    if (sizeOf(bucket) === 0 && bucket.waiters.length === 0 && this.buckets.get(bucket.id) === bucket) {
      this.buckets.delete(bucket.id);
    }
  }
}

function sizeOf(bucket: KeyBucket): number {
  return bucket.idle.length + bucket.active.size + bucket.opening;
}

/** Names an upstream for logs by its canonical URL, never by the pool key's connection URL. */
function describeTarget(target: UpstreamTarget): string {
  return `"${escapeNonPrintable(target.name)}" (${redactUrl(target.url)})`;
}
