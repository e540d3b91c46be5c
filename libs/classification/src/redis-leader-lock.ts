import { Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import type { LeaderLock } from './leader-lock';
import { errorMessage, monotonicClock, withTimeout, type Clock } from '@app/common';
import { classificationMessages as messages } from './classification.messages';
import { registerClassificationScripts } from './redis-scripts';

export interface RedisLeaderLockOptions {
  /** Where validity deadlines are measured. @default the monotonic clock (never jumps) */
  clock?: Clock;
}

/**
 * How far Redis's clock and ours may run apart over one TTL: Redlock's allowance, 1% of the
 * TTL plus 2 ms (Redis expires keys by its own wall clock).
 */
export const clockDriftBoundMs = (ttlMs: number): number => ttlMs * 0.01 + 2;

/**
 * How long before its lock could expire a leader that could not renew stops counting itself
 * leader: a tenth of the TTL, and never less than the drift bound.
 */
export const stepDownMarginMs = (ttlMs: number): number => Math.max(ttlMs / 10, clockDriftBoundMs(ttlMs));

/**
 * The seed's Redis leader lock (acquire-or-renew in one script), plus a renew-only script for the
 * holder, a read-back after an ambiguous reply and an owner-only release. Use the lock connection
 * of createClassificationConnections, so its commands fail fast and never queue behind poll reads.
 *
 * Validity: an acquire or renew that succeeded proves the key holds our token until at least the
 * moment the command was sent plus the TTL (Redis ran it later). So this worker counts itself
 * leader until that moment less a safety margin, and no longer, whatever a renewal in flight
 * does; each command waits at most until then (and never longer than a renewal period).
 */
export class RedisLeaderLock implements LeaderLock {
  /** A third of the TTL: two renewals may fail before the validity runs out. */
  readonly renewEveryMs: number;
  private readonly logger = new Logger(RedisLeaderLock.name);
  private readonly ttlMs: number;
  private readonly marginMs: number;
  private readonly commandTimeoutMs: number;
  private readonly clock: Clock;
  /** What the last concluded attempt said; `isLeader` also checks the validity. */
  private holding = false;
  /** Deadline (on `clock`) of the leadership unless renewed. */
  private validUntil = 0;
  /** Attempts are numbered as sent; an answer older than the one that stands is ignored. */
  private sent = 0;
  private concluded = 0;

  constructor(
    private readonly client: Redis,
    private readonly key: string,
    readonly instanceId: string,
    private readonly ttlSeconds: number,
    options: RedisLeaderLockOptions = {},
  ) {
    if (!Number.isInteger(ttlSeconds) || ttlSeconds <= 0) {
      throw new RangeError(messages.invalidTtl('Leader lock TTL', ttlSeconds));
    }
    this.ttlMs = ttlSeconds * 1000;
    this.renewEveryMs = this.ttlMs / 3;
    this.marginMs = stepDownMarginMs(this.ttlMs);
    this.commandTimeoutMs = Math.min(client.options?.commandTimeout ?? Infinity, this.renewEveryMs);
    this.clock = options.clock ?? monotonicClock;
    registerClassificationScripts(client);
  }

  tryAcquire(): Promise<boolean> {
    return this.attempt('acquire');
  }

  async renew(): Promise<boolean> {
    if (!this.isLeader()) return false;
    return this.attempt('renew');
  }

  async release(): Promise<boolean> {
    // Whatever an attempt still in flight answers, it no longer counts.
    this.concluded = ++this.sent;
    let deleted = false;
    try {
      deleted = (await this.client.classificationReleaseLeader(this.key, this.instanceId)) === 1;
    } catch (error) {
      // Nothing else to do: the TTL bounds how long a lock we failed to release stays behind.
      this.logger.warn(messages.releaseFailed(this.instanceId, errorMessage(error)));
    }
    if (this.holding) {
      this.logger.log(messages.leadershipGivenUp(this.instanceId, deleted));
    }
    this.holding = false;
    this.validUntil = 0;
    return deleted;
  }

  isLeader(): boolean {
    if (this.holding && this.clock.now() >= this.validUntil) {
      this.holding = false;
      this.logger.warn(messages.leadershipLapsed(this.instanceId));
    }
    return this.holding;
  }

  private async attempt(kind: 'acquire' | 'renew'): Promise<boolean> {
    const sequence = ++this.sent;
    const sentAt = this.clock.now();
    const command =
      kind === 'acquire'
        ? this.client.classificationAcquireLeader(this.key, this.instanceId, this.ttlSeconds)
        : this.client.classificationRenewLeader(this.key, this.instanceId, this.ttlSeconds);
    let validUntil: number | null;
    try {
      const held = (await withTimeout(command, this.waitLimitMs(sentAt), `leader lock ${kind}`)) === 1;
      validUntil = held ? sentAt + this.ttlMs - this.marginMs : null;
    } catch (error) {
      validUntil = await this.readBack(error);
    }
    this.conclude(sequence, validUntil);
    return this.isLeader();
  }

  /**
   * A script that timed out or was cut off by a reconnect may still have run (ioredis also
   * re-sends unanswered commands after reconnecting), so ask Redis who holds the lock and for how
   * long. PTTL goes first: if GET then finds our token, the key was ours, or became ours, from
   * the PTTL's send time on, so its answer bounds our validity. If either fails, we are not
   * leader: fail safe.
   */
  private async readBack(cause: unknown): Promise<number | null> {
    try {
      const askedAt = this.clock.now();
      const left = await withTimeout(this.client.pttl(this.key), this.waitLimitMs(askedAt), 'leader lock read-back');
      const holder = await withTimeout(
        this.client.get(this.key),
        this.waitLimitMs(this.clock.now()),
        'leader lock read-back',
      );
      const held = holder === this.instanceId && left !== -2;
      this.logger.warn(messages.renewFailed(errorMessage(cause), held));
      if (!held) return null;
      // -1: no expiry (tampered); the next renewal sets one again, so count one TTL.
      return askedAt + (left === -1 ? this.ttlMs : Math.min(left, this.ttlMs)) - this.marginMs;
    } catch (readError) {
      this.logger.warn(messages.renewAndReadBackFailed(errorMessage(cause), errorMessage(readError)));
      return null;
    }
  }

  /** How long a command sent at `sentAt` may take: never past the validity we still have. */
  private waitLimitMs(sentAt: number): number {
    const left = this.holding ? this.validUntil - sentAt : Infinity;
    return Math.max(1, Math.min(this.commandTimeoutMs, left));
  }

  private conclude(sequence: number, validUntil: number | null): void {
    if (sequence < this.concluded) return;
    this.concluded = sequence;
    const was = this.isLeader();
    this.holding = validUntil !== null && validUntil > this.clock.now();
    this.validUntil = this.holding ? (validUntil as number) : 0;
    if (this.holding !== was) {
      this.logger.log(
        this.holding ? messages.leadershipAcquired(this.instanceId) : messages.leadershipLost(this.instanceId),
      );
    }
  }
}
