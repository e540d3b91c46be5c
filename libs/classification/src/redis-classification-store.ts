import type { Redis } from 'ioredis';
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
import { formatEpochSeconds, parseMetadata, serializeMetadata } from './metadata-wire';
import type { ClassificationKeys } from './keys';
import { classificationMessages as messages } from './classification.messages';
import { registerClassificationScripts } from './redis-scripts';
import type { ClassificationResult, ServerClass } from './types';

/**
 * The classification in Redis, in the seed's wire format. Reads go over the gate connection;
 * the fenced publish goes over the lock connection (it must not queue behind poll traffic).
 * Redis failures are thrown, never hidden: the poll gate fails open, the scheduler backs off.
 */
export class RedisClassificationStore implements ClassificationStore {
  readonly mode = 'redis' as const;
  private readonly gate: Redis;
  private readonly lock: Redis;

  constructor(
    connections: { gate: Redis; lock: Redis },
    private readonly keys: ClassificationKeys,
  ) {
    this.gate = connections.gate;
    this.lock = connections.lock;
    registerClassificationScripts(this.gate);
    registerClassificationScripts(this.lock);
  }

  async publish(result: ClassificationResult, ttlSeconds: number, leaderToken: string): Promise<boolean> {
    assertTtl(ttlSeconds);
    const { hot, cold, metadata, timestamp, leader } = this.keys;
    const written = await this.lock.classificationPublish(
      hot,
      cold,
      metadata,
      timestamp,
      leader,
      leaderToken,
      ttlSeconds,
      serializeMetadata(result.metadata),
      formatEpochSeconds(result.metadata.timestamp / 1000),
      result.hot.length,
      result.hot,
      result.cold,
    );
    return written === 1;
  }

  async getServerClass(url: string): Promise<ServerClass | null> {
    const [isHot, isCold] = await execPipeline(
      this.gate.pipeline().sismember(this.keys.hot, url).sismember(this.keys.cold, url),
    );
    return classOf(isHot, isCold);
  }

  async readPublished(): Promise<PublishedClassification | null> {
    const [hot, cold, metadata] = await execPipeline(
      this.gate.pipeline().smembers(this.keys.hot).smembers(this.keys.cold).get(this.keys.metadata),
    );
    const hotList = Array.isArray(hot) ? hot.map(String).sort() : [];
    const coldList = Array.isArray(cold) ? cold.map(String).sort() : [];
    if (hotList.length === 0 && coldList.length === 0 && metadata === null) return null;
    return { hot: hotList, cold: coldList, metadata: parseMetadata(metadata) };
  }

  /**
   * One round trip: both memberships and the poll key. A poll key of the wrong type (WRONGTYPE)
   * rejects like any other Redis error, so the gate fails open and polls; the poll's markPolled
   * then overwrites the key with a valid value.
   */
  async readPollState(url: string, pollKey: string): Promise<PollRecord> {
    const [isHot, isCold, lastPolled] = await execPipeline(
      this.gate.pipeline().sismember(this.keys.hot, url).sismember(this.keys.cold, url).get(pollKey),
    );
    return {
      serverClass: classOf(isHot, isCold),
      lastPolled: typeof lastPolled === 'string' ? lastPolled : null,
    };
  }

  async markPolled(url: string, pollKey: string, epochSeconds: number, ttls: PollStateTtls): Promise<void> {
    assertTtl(ttls.hot);
    assertTtl(ttls.cold);
    await this.gate.classificationMarkPolled(
      this.keys.hot,
      pollKey,
      url,
      formatEpochSeconds(epochSeconds),
      ttls.hot,
      ttls.cold,
    );
  }

  /** Chunks go out together (one round trip in practice); a chunk keeps Redis responsive meanwhile. */
  async claimDue(round: ClaimRound, requests: readonly ClaimRequest[]): Promise<ClaimReply[]> {
    const chunks = chunked(requests).map((chunk) => {
      const keys = [this.keys.hot, this.keys.cold, ...chunk.flatMap((r) => [r.pollKey, r.claimKey])];
      const args = [
        String(round.nowSeconds),
        Math.max(1, Math.round(round.leaseMs)),
        round.token,
        String(round.hotIntervalSeconds),
        String(round.coldIntervalSeconds),
        String(round.maxFutureSkewSeconds),
        Math.max(1, Math.round(round.maxLeaseMs)),
        ...chunk.flatMap((r) => [r.url, String(r.jitterFactor), r.intervalSeconds === null ? '' : String(r.intervalSeconds)]),
      ];
      return this.gate.classificationClaimDue(keys.length, ...keys, ...args);
    });
    const replies: ClaimReply[] = [];
    for (const flat of await Promise.all(chunks)) {
      for (let i = 0; i + 1 < flat.length; i += 2) replies.push(claimReply(flat[i], flat[i + 1]));
    }
    if (replies.length !== requests.length) throw new Error(messages.claimReplyMismatch(requests.length, replies.length));
    return replies;
  }

  async completeClaims(
    polls: readonly CompletedPoll[],
    epochSeconds: number,
    token: string,
    ttls: PollStateTtls,
  ): Promise<void> {
    assertTtl(ttls.hot);
    assertTtl(ttls.cold);
    const stamp = formatEpochSeconds(epochSeconds);
    await Promise.all(
      chunked(polls).map((chunk) => {
        const keys = [this.keys.hot, ...chunk.flatMap((p) => [p.pollKey, p.claimKey])];
        const args = [stamp, token, ttls.hot, ttls.cold, ...chunk.flatMap((p) => [p.url, p.ttlSeconds ?? ''])];
        return this.gate.classificationCompleteClaims(keys.length, ...keys, ...args);
      }),
    );
  }

  async releaseClaims(claimKeys: readonly string[], token: string): Promise<void> {
    await Promise.all(
      chunked(claimKeys).map((chunk) => this.gate.classificationReleaseClaims(chunk.length, ...chunk, token)),
    );
  }

  async publishUsage(workerKeyId: string, summary: string, ttlSeconds: number): Promise<void> {
    assertTtl(ttlSeconds);
    await this.gate.classificationPublishUsage(
      this.keys.usagePrefix + workerKeyId,
      this.keys.usageWorkers,
      summary,
      workerKeyId,
      ttlSeconds,
    );
  }

  async readUsage(): Promise<StoredUsageSummary[]> {
    const flat = await this.gate.classificationReadUsage(this.keys.usageWorkers, this.keys.usagePrefix);
    const summaries: StoredUsageSummary[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) {
      summaries.push({ workerKeyId: String(flat[i]), raw: typeof flat[i + 1] === 'string' ? String(flat[i + 1]) : null });
    }
    return summaries;
  }
}

/** Upstreams per script call: bounds how long one call holds Redis. */
const CHUNK = 5000;

function chunked<T>(items: readonly T[]): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) chunks.push(items.slice(i, i + CHUNK));
  return chunks;
}

function claimReply(status: unknown, dueAt: unknown): ClaimReply {
  if (status === 1) return { status: 'claimed', dueAtSeconds: null };
  if (status === 2) return { status: 'held', dueAtSeconds: null };
  const due = Number(dueAt);
  return { status: 'not-due', dueAtSeconds: Number.isFinite(due) ? due : null };
}

type PipelineReplies = [error: Error | null, result: unknown][] | null;

/** The replies of a pipeline, or the first error in it. */
async function execPipeline(pipeline: { exec(): Promise<PipelineReplies> }): Promise<unknown[]> {
  const replies = await pipeline.exec();
  if (!replies) throw new Error(messages.pipelineDiscarded());
  return replies.map(([error, result]) => {
    if (error) throw error;
    return result;
  });
}

function classOf(isHot: unknown, isCold: unknown): ServerClass | null {
  if (isHot === 1) return 'hot';
  if (isCold === 1) return 'cold';
  return null;
}

function assertTtl(ttlSeconds: number): void {
  if (!Number.isInteger(ttlSeconds) || ttlSeconds <= 0) {
    throw new RangeError(messages.invalidTtl('TTL', ttlSeconds));
  }
}
