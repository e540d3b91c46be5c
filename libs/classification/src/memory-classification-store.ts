import type {
  ClaimReply,
  ClaimRequest,
  ClaimRound,
  ClassificationStore,
  CompletedPoll,
  PollRecord,
  PollStateTtls,
  PublishedClassification,
  StoredUsageSummary,
} from './classification-store';
import type { Clock } from '@app/common';
import { parsePollTimestamp } from './poll-timestamp';
import type { ClassificationResult, ServerClass } from './types';

interface Expiring<T> {
  value: T;
  expiresAt: number;
}

/**
 * The embedded store for a single worker without Redis: the same semantics as the Redis store
 * (TTLs included), so one worker still gets hot/cold poll staggering.
 */
export class MemoryClassificationStore implements ClassificationStore {
  readonly mode = 'memory' as const;
  private classes: Expiring<Map<string, ServerClass>> | null = null;
  private published: PublishedClassification | null = null;
  private readonly polls = new Map<string, Expiring<string>>();
  private readonly claims = new Map<string, Expiring<string>>();
  private readonly usage = new Map<string, Expiring<string>>();

  constructor(private readonly clock: Clock) {}

  async publish(result: ClassificationResult, ttlSeconds: number): Promise<boolean> {
    const classes = new Map<string, ServerClass>();
    for (const url of result.cold) classes.set(url, 'cold');
    for (const url of result.hot) classes.set(url, 'hot');
    this.classes = { value: classes, expiresAt: this.clock.now() + ttlSeconds * 1000 };
    this.published = { hot: [...result.hot].sort(), cold: [...result.cold].sort(), metadata: { ...result.metadata } };
    this.sweepPolls();
    return true;
  }

  async getServerClass(url: string): Promise<ServerClass | null> {
    return this.classOf(url);
  }

  async readPublished(): Promise<PublishedClassification | null> {
    if (!this.classes || this.classes.expiresAt <= this.clock.now()) return null;
    return this.published;
  }

  async readPollState(url: string, pollKey: string): Promise<PollRecord> {
    const entry = this.polls.get(pollKey);
    const live = entry && entry.expiresAt > this.clock.now() ? entry.value : null;
    return { serverClass: this.classOf(url), lastPolled: live };
  }

  async markPolled(url: string, pollKey: string, epochSeconds: number, ttls: PollStateTtls): Promise<void> {
    const ttl = this.classOf(url) === 'hot' ? ttls.hot : ttls.cold;
    this.polls.set(pollKey, { value: String(epochSeconds), expiresAt: this.clock.now() + ttl * 1000 });
  }

  /** The claim script's rules (redis-scripts.ts), for the one worker of the embedded mode. */
  async claimDue(round: ClaimRound, requests: readonly ClaimRequest[]): Promise<ClaimReply[]> {
    const now = this.clock.now();
    return requests.map((request) => {
      const serverClass = this.classOf(request.url);
      // Unclassified counts as hot: in doubt, the shorter interval.
      const classInterval = serverClass === 'cold' ? round.coldIntervalSeconds : round.hotIntervalSeconds;
      const interval = (request.intervalSeconds ?? classInterval) * request.jitterFactor;
      const skew = Math.min(round.maxFutureSkewSeconds, interval);
      const last = parsePollTimestamp(live(this.polls.get(request.pollKey), now), round.nowSeconds, skew);
      if (last !== null && round.nowSeconds - last < interval) return { status: 'not-due', dueAtSeconds: last + interval };
      const claim = this.claims.get(request.claimKey);
      if (live(claim, now) !== null && (claim as Expiring<string>).expiresAt - now <= round.maxLeaseMs) {
        return { status: 'held', dueAtSeconds: null };
      }
      this.claims.set(request.claimKey, { value: round.token, expiresAt: now + round.leaseMs });
      return { status: 'claimed', dueAtSeconds: null };
    });
  }

  async completeClaims(
    polls: readonly CompletedPoll[],
    epochSeconds: number,
    token: string,
    ttls: PollStateTtls,
  ): Promise<void> {
    for (const poll of polls) {
      const ttl = poll.ttlSeconds ?? (this.classOf(poll.url) === 'hot' ? ttls.hot : ttls.cold);
      this.polls.set(poll.pollKey, { value: String(epochSeconds), expiresAt: this.clock.now() + ttl * 1000 });
    }
    await this.releaseClaims(
      polls.map((p) => p.claimKey),
      token,
    );
  }

  async releaseClaims(claimKeys: readonly string[], token: string): Promise<void> {
    for (const key of claimKeys) if (this.claims.get(key)?.value === token) this.claims.delete(key);
  }

  async publishUsage(workerKeyId: string, summary: string, ttlSeconds: number): Promise<void> {
    this.usage.set(workerKeyId, { value: summary, expiresAt: this.clock.now() + ttlSeconds * 1000 });
  }

  async readUsage(): Promise<StoredUsageSummary[]> {
    const now = this.clock.now();
    const summaries: StoredUsageSummary[] = [];
    for (const [workerKeyId, entry] of this.usage) {
      if (entry.expiresAt > now) summaries.push({ workerKeyId, raw: entry.value });
      else this.usage.delete(workerKeyId);
    }
    return summaries;
  }

  private classOf(url: string): ServerClass | null {
    if (!this.classes || this.classes.expiresAt <= this.clock.now()) return null;
    return this.classes.value.get(url) ?? null;
  }

  /** Expired poll records are dropped once per cycle so removed servers do not accumulate. */
  private sweepPolls(): void {
    const now = this.clock.now();
    for (const [key, entry] of this.polls) if (entry.expiresAt <= now) this.polls.delete(key);
    for (const [key, entry] of this.claims) if (entry.expiresAt <= now) this.claims.delete(key);
  }
}

function live(entry: Expiring<string> | undefined, now: number): string | null {
  return entry && entry.expiresAt > now ? entry.value : null;
}
