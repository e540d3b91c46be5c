import { Inject, Injectable, Logger } from '@nestjs/common';
import type { ClaimRequest, ClassificationStore, CompletedPoll, PublishedClassification } from './classification-store';
import { jitterFactor } from './jitter';
import { PollRound, type PollCandidate } from './poll-round';
import { ttlSeconds, type ClassificationConfig } from './classification.options';
import { classificationKeys, type ClassificationKeys } from './keys';
import { classificationMessages as messages } from './classification.messages';
import { MAX_FUTURE_SKEW_SECONDS, maxFutureSkewSeconds, parsePollTimestamp } from './poll-timestamp';
import { isStoreReplyError, PollStoreOutage } from './poll-store-outage';
import { errorMessage, redactUrl, withTimeout } from '@app/common';
import { CLASSIFICATION_CONFIG, CLASSIFICATION_STORE } from './tokens';
import type { PollType, ServerClass } from './types';

/** A poll decision must not wait on a sick store for longer than this; then it polls. */
export const POLL_DECISION_TIMEOUT_MS = 1000;
/** A claim round over many upstreams gets this much more time per upstream. */
const CLAIM_TIMEOUT_MS_PER_UPSTREAM = 0.1;
/** No worker's claim lease is longer: a claim key with a longer TTL (or none) was tampered with. */
export const MAX_CLAIM_LEASE_MS = 60 * 60 * 1000;

/** Options of one claim round. */
export interface ClaimOptions {
  /** How long this worker's claims hold: at least as long as the round may take. */
  leaseMs: number;
  /** Completions wait at most this long before they are written. @default leaseMs / 4 */
  flushAfterMs?: number;
  /** Stretch each upstream's interval by its stable jitter factor (`pollJitter`). @default true */
  jitter?: boolean;
}

/**
 * Decides whether an upstream is due for a poll: hot servers every interval, cold ones every
 * `coldMultiplier` intervals. Every doubt (unclassified, never polled, bad stored value, store
 * error or timeout) means "poll": skipping a poll wrongly is worse than one poll too many.
 */
@Injectable()
export class PollGate {
  private readonly logger = new Logger(PollGate.name);
  private readonly keys: ClassificationKeys;
  /**
   * This worker's own completions (epoch ms by poll key), consulted only when the store cannot
   * answer: failing open then polls what this worker has not polled within a hot interval, the
   * seed's rate, rather than everything every round.
   */
  private readonly polledHere = new Map<string, number>();
  /** While the store cannot be reached: one line when it goes, a summary per interval, one when it is back. */
  private readonly outage: PollStoreOutage;

  constructor(
    @Inject(CLASSIFICATION_CONFIG) private readonly config: ClassificationConfig,
    @Inject(CLASSIFICATION_STORE) private readonly store: ClassificationStore,
  ) {
    this.keys = classificationKeys(config.keyPrefix);
    this.outage = new PollStoreOutage(this.logger, config.clock, config.intervalSeconds * 1000);
  }

  /** Poll interval, in seconds, of a server of the given class. */
  intervalFor(serverClass: ServerClass): number {
    const base = this.config.intervalSeconds;
    return serverClass === 'hot' ? base : base * this.config.coldMultiplier;
  }

  async shouldPollServer(url: string, pollType: PollType, gatewayId?: string): Promise<boolean> {
    if (!this.config.enabled) return true;
    try {
      const state = await this.readState(url, pollType, gatewayId);
      if (state?.untrusted) this.logger.warn(messages.invalidPollTime(pollType, redactUrl(url)));
      return state === null || state.last === null || state.now - state.last >= state.interval;
    } catch (error) {
      this.storeFailed(error, 1, false, () => messages.decisionFailed(redactUrl(url), errorMessage(error)));
      return true;
    }
  }

  /**
   * One round trip for a whole round: which of `upstreams` are due for `pollType` (class or own
   * interval, times the upstream's jitter), each due one claimed atomically for `leaseMs` so no
   * other worker polls it meanwhile. Poll `round.due`, then `complete` or `fail` each and `close()`
   * the round. When the store cannot answer, every upstream this worker has not polled within a
   * hot interval is due (fail open); the outage is logged once, then summarised once per interval.
   */
  async claimDue<T extends PollCandidate>(
    pollType: PollType,
    upstreams: readonly T[],
    options: ClaimOptions,
  ): Promise<PollRound<T>> {
    const leaseMs = Math.min(MAX_CLAIM_LEASE_MS, Math.max(1, options.leaseMs));
    const nowMs = this.config.clock.now();
    const jitter = options.jitter ?? true;
    const keyed = upstreams.map((u) => ({ upstream: u, request: this.claimRequest(u, pollType, jitter) }));
    // Keys and factors are worked out once per round; the writes reuse them.
    const requestOf = new Map(keyed.map((k) => [k.upstream, k.request]));
    const requestsOf = (list: readonly T[]): ClaimRequest[] =>
      list.map((u) => requestOf.get(u) ?? this.claimRequest(u, pollType, jitter));
    const open = (failedOpen: boolean, due: readonly T[], notDue = 0, held = 0): PollRound<T> =>
      new PollRound<T>({
        due,
        notDue,
        held,
        failedOpen,
        leaseEndsAt: nowMs + leaseMs,
        flushAfterMs: options.flushAfterMs ?? Math.max(1, leaseMs / 4),
        clock: this.config.clock,
        writer: {
          complete: (done) => this.writeCompletions(pollType, requestsOf(done)),
          release: (failed) => this.writeReleases(pollType, requestsOf(failed)),
        },
      });
    if (!this.config.enabled || upstreams.length === 0) return open(false, upstreams);
    try {
      const replies = await this.fromStore(
        this.store.claimDue(
          {
            nowSeconds: nowMs / 1000,
            leaseMs,
            maxLeaseMs: MAX_CLAIM_LEASE_MS,
            token: this.config.instanceId,
            hotIntervalSeconds: this.intervalFor('hot'),
            coldIntervalSeconds: this.intervalFor('cold'),
            maxFutureSkewSeconds: MAX_FUTURE_SKEW_SECONDS,
          },
          keyed.map((k) => k.request),
        ),
        POLL_DECISION_TIMEOUT_MS + upstreams.length * CLAIM_TIMEOUT_MS_PER_UPSTREAM,
        'claim round',
      );
      const due: T[] = [];
      let notDue = 0;
      let held = 0;
      replies.forEach((reply, i) => {
        if (reply.status === 'claimed') due.push(keyed[i].upstream);
        else if (reply.status === 'held') held++;
        else notDue++;
      });
      return open(false, due, notDue, held);
    } catch (error) {
      const due = keyed.filter(({ request }) => !this.polledHereWithin(request, nowMs)).map((k) => k.upstream);
      this.storeFailed(error, due.length, true, () =>
        messages.claimFailed(pollType, upstreams.length, errorMessage(error)),
      );
      return open(true, due, upstreams.length - due.length);
    }
  }

  /** Call after a poll actually succeeded, never at decision time, so a skipped poll is not counted. */
  async markPollCompleted(url: string, pollType: PollType, gatewayId?: string): Promise<void> {
    if (!this.config.enabled) return;
    try {
      const key = this.keys.pollState(url, pollType, gatewayId);
      // Poll records live for two of their class's intervals.
      const ttls = { hot: ttlSeconds(this.intervalFor('hot'), 2), cold: ttlSeconds(this.intervalFor('cold'), 2) };
      await this.fromStore(
        this.store.markPolled(url, key, this.config.clock.now() / 1000, ttls),
        POLL_DECISION_TIMEOUT_MS,
        'store write',
      );
    } catch (error) {
      this.storeFailed(error, 0, false, () => messages.markFailed(pollType, redactUrl(url), errorMessage(error)));
    }
  }

  /** The server's published class, or null when unclassified or the store cannot answer. */
  async getServerClassification(url: string): Promise<ServerClass | null> {
    if (!this.config.enabled) return null;
    try {
      return await this.fromStore(this.store.getServerClass(url), POLL_DECISION_TIMEOUT_MS, 'store read');
    } catch (error) {
      this.storeFailed(error, 0, false, () => messages.classReadFailed(redactUrl(url), errorMessage(error)));
      return null;
    }
  }

  /** The classification every worker follows now, or null when none is live or the store cannot answer. */
  async readPublished(): Promise<PublishedClassification | null> {
    if (!this.config.enabled) return null;
    try {
      return await this.fromStore(this.store.readPublished(), POLL_DECISION_TIMEOUT_MS, 'store read');
    } catch (error) {
      this.storeFailed(error, 0, false, () => messages.publishedReadFailed(errorMessage(error)));
      return null;
    }
  }

  /**
   * When the next poll of this kind is due (epoch ms), or null when it is due now. With
   * `upstream`, as a claim round decides it (its own interval, its jitter); without, as
   * `shouldPollServer` does. For dashboards; the decisions are `claimDue` and `shouldPollServer`.
   */
  async nextDueAt(
    url: string,
    pollType: PollType,
    gatewayId?: string,
    upstream?: { intervalSeconds?: number | null },
  ): Promise<number | null> {
    if (!this.config.enabled) return null;
    try {
      const own = upstream ? validInterval(upstream.intervalSeconds) : null;
      const factor = upstream && gatewayId ? jitterFactor(gatewayId, this.config.pollJitter) : 1;
      const state = await this.readState(url, pollType, gatewayId, own, factor);
      if (state === null || state.last === null) return null;
      const due = state.last + state.interval;
      return due <= state.now ? null : Math.round(due * 1000);
    } catch {
      return null;
    }
  }

  /**
   * The server's interval (its own, else its class's; times `factor`) and last poll (seconds), or
   * null when it is unclassified and has no interval of its own. A last poll further ahead than
   * that interval (or a minute) is not trusted, as in a claim round. One store round trip.
   */
  private async readState(
    url: string,
    pollType: PollType,
    gatewayId?: string,
    ownInterval: number | null = null,
    factor = 1,
  ): Promise<PollState | null> {
    const key = this.keys.pollState(url, pollType, gatewayId);
    const record = await this.fromStore(this.store.readPollState(url, key), POLL_DECISION_TIMEOUT_MS, 'store read');
    if (record.serverClass === null && ownInterval === null) return null;
    const interval = (ownInterval ?? this.intervalFor(record.serverClass as ServerClass)) * factor;
    const now = this.config.clock.now() / 1000;
    const last = parsePollTimestamp(record.lastPolled, now, maxFutureSkewSeconds(interval));
    return { interval, last, now, untrusted: last === null && record.lastPolled !== null };
  }

  private claimRequest(upstream: PollCandidate, pollType: PollType, jitter: boolean): ClaimRequest {
    return {
      url: upstream.url,
      pollKey: this.keys.pollState(upstream.url, pollType, upstream.id),
      claimKey: this.keys.pollClaim(upstream.url, pollType, upstream.id),
      jitterFactor: jitter ? jitterFactor(upstream.id, this.config.pollJitter) : 1,
      intervalSeconds: validInterval(upstream.intervalSeconds),
    };
  }

  private polledHereWithin(request: ClaimRequest, nowMs: number): boolean {
    const last = this.polledHere.get(request.pollKey);
    const interval = (request.intervalSeconds ?? this.intervalFor('hot')) * request.jitterFactor;
    return last !== undefined && nowMs - last < interval * 1000;
  }

  private rememberPolled(polls: readonly CompletedPoll[], nowMs: number): void {
    for (const poll of polls) this.polledHere.set(poll.pollKey, nowMs);
    // Upstreams removed from the registry fall out after two cold intervals.
    if (this.polledHere.size > 2 * polls.length) {
      const horizon = nowMs - 2 * this.intervalFor('cold') * 1000;
      for (const [key, at] of this.polledHere) if (at < horizon) this.polledHere.delete(key);
    }
  }

  private async writeCompletions(pollType: PollType, done: readonly ClaimRequest[]): Promise<void> {
    if (!this.config.enabled) return;
    const polls: CompletedPoll[] = done.map((request) => ({
      url: request.url,
      pollKey: request.pollKey,
      claimKey: request.claimKey,
      ttlSeconds: request.intervalSeconds === null ? null : ttlSeconds(request.intervalSeconds * request.jitterFactor, 2),
    }));
    const factor = 1 + this.config.pollJitter;
    const ttls = {
      hot: ttlSeconds(this.intervalFor('hot') * factor, 2),
      cold: ttlSeconds(this.intervalFor('cold') * factor, 2),
    };
    const nowMs = this.config.clock.now();
    this.rememberPolled(polls, nowMs);
    try {
      await this.fromStore(
        this.store.completeClaims(polls, nowMs / 1000, this.config.instanceId, ttls),
        POLL_DECISION_TIMEOUT_MS + polls.length * CLAIM_TIMEOUT_MS_PER_UPSTREAM,
        'store write',
      );
    } catch (error) {
      this.storeFailed(error, 0, false, () => messages.completeFailed(pollType, polls.length, errorMessage(error)));
    }
  }

  private async writeReleases(pollType: PollType, failed: readonly ClaimRequest[]): Promise<void> {
    if (!this.config.enabled) return;
    const keys = failed.map((request) => request.claimKey);
    try {
      await this.fromStore(
        this.store.releaseClaims(keys, this.config.instanceId),
        POLL_DECISION_TIMEOUT_MS + keys.length * CLAIM_TIMEOUT_MS_PER_UPSTREAM,
        'store write',
      );
    } catch (error) {
      // The claims lapse with their lease; the retry only waits that long.
      this.storeFailed(error, 0, false, () => messages.claimReleaseFailed(pollType, keys.length, errorMessage(error)));
    }
  }

  /** A store call with a deadline; an answer ends an outage. */
  private async fromStore<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
    const value = await withTimeout(work, ms, what);
    this.outage.succeeded();
    return value;
  }

  /**
   * A store call failed. An error the store answered with (a tampered key) is this call's own
   * warning; anything else means the store cannot be reached, which the outage log summarises.
   */
  private storeFailed(error: unknown, polled: number, round: boolean, line: () => string): void {
    if (isStoreReplyError(error)) this.logger.warn(line());
    else this.outage.failed(errorMessage(error), polled, round);
  }
}

/** An upstream's own interval as given, or null when it has none (or a nonsense one: follow the class). */
function validInterval(seconds: number | null | undefined): number | null {
  return typeof seconds === 'number' && Number.isFinite(seconds) && seconds > 0 ? seconds : null;
}

interface PollState {
  interval: number;
  /** Null: never polled, or the stored value is not to be trusted. */
  last: number | null;
  now: number;
  /** A value was stored but is not to be trusted (tampered, or further ahead than allowed). */
  untrusted: boolean;
}
