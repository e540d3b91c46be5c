import { Inject, Injectable, Logger } from '@nestjs/common';
import { errorMessage, withTimeout } from '@app/common';
import type { ClassificationStore } from './classification-store';
import { classificationMessages as messages } from './classification.messages';
import { usageTtlSeconds, type ClassificationConfig } from './classification.options';
import { workerKeyId } from './keys';
import { POLL_DECISION_TIMEOUT_MS } from './poll-gate';
import { CLASSIFICATION_CONFIG, CLASSIFICATION_STORE, SESSION_POOL_SOURCE } from './tokens';
import type { SessionPoolSource, UpstreamRef } from './types';
import { summarizeSessions } from './usage-summary';
import { parseUsageSummary, serializeUsageSummary, type UsageSummary } from './usage-wire';

/** The fleet's usage as the live workers reported it. */
export interface FleetUsageSnapshot {
  /** Every trusted summary, this worker's own included; `classifyUsage` merges them. */
  summaries: UsageSummary[];
}

/**
 * Every worker's share of the usage: each publishes a summary of its own pool per upstream
 * every cycle (expiring after 2 intervals, so a dead worker stops counting), and the leader
 * classifies from the merge of all of them. Summaries read back are untrusted: a bad one is
 * left out whole, with one warning per worker until it is good again.
 */
@Injectable()
export class FleetUsage {
  private readonly logger = new Logger(FleetUsage.name);
  private readonly ownKeyId: string;
  /** Workers whose summary was refused, and why: each is warned about once. */
  private readonly refused = new Map<string, string>();
  private publishFailing = false;

  constructor(
    @Inject(CLASSIFICATION_CONFIG) private readonly config: ClassificationConfig,
    @Inject(CLASSIFICATION_STORE) private readonly store: ClassificationStore,
    @Inject(SESSION_POOL_SOURCE) private readonly sessionPool: SessionPoolSource,
  ) {
    this.ownKeyId = workerKeyId(config.instanceId);
  }

  /**
   * Sums up this worker's pool over `upstreams` and publishes it. Returns the summary even when
   * the store cannot take it (a warning once per outage): the leader still counts its own usage.
   */
  async publishOwn(upstreams: readonly UpstreamRef[]): Promise<UsageSummary> {
    const sessions = await this.sessionPool.snapshot();
    const summary: UsageSummary = {
      instanceId: this.config.instanceId,
      at: this.config.clock.now(),
      usage: summarizeSessions(upstreams, sessions),
    };
    try {
      await withTimeout(
        this.store.publishUsage(this.ownKeyId, serializeUsageSummary(summary), usageTtlSeconds(this.config)),
        POLL_DECISION_TIMEOUT_MS,
        'usage publish',
      );
      if (this.publishFailing) this.logger.log(messages.usagePublishRecovered());
      this.publishFailing = false;
    } catch (error) {
      if (!this.publishFailing) this.logger.warn(messages.usagePublishFailed(errorMessage(error)));
      this.publishFailing = true;
    }
    return summary;
  }

  /** Every live worker's trusted summary; `own` stands in for this worker's stored one. */
  async read(own?: UsageSummary): Promise<FleetUsageSnapshot> {
    const stored = await withTimeout(this.store.readUsage(), POLL_DECISION_TIMEOUT_MS, 'usage read');
    const now = this.config.clock.now();
    const summaries: UsageSummary[] = own ? [own] : [];
    const seen = new Set<string>();
    for (const { workerKeyId: keyId, raw } of stored) {
      seen.add(keyId);
      if (own && keyId === this.ownKeyId) continue;
      const parsed = raw === null ? 'not a string' : parseUsageSummary(raw, now);
      if (typeof parsed === 'string') {
        if (this.refused.get(keyId) !== parsed) this.logger.warn(messages.usageSummaryRefused(keyId, parsed));
        this.refused.set(keyId, parsed);
        continue;
      }
      this.refused.delete(keyId);
      summaries.push(parsed);
    }
    for (const keyId of this.refused.keys()) if (!seen.has(keyId)) this.refused.delete(keyId);
    return { summaries };
  }
}
