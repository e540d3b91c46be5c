import type { ClassificationStore, PollRecord, PollStateTtls, PublishedClassification } from './classification-store';
import type { Clock } from '@app/common';
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

  private classOf(url: string): ServerClass | null {
    if (!this.classes || this.classes.expiresAt <= this.clock.now()) return null;
    return this.classes.value.get(url) ?? null;
  }

  /** Expired poll records are dropped once per cycle so removed servers do not accumulate. */
  private sweepPolls(): void {
    const now = this.clock.now();
    for (const [key, entry] of this.polls) if (entry.expiresAt <= now) this.polls.delete(key);
  }
}
