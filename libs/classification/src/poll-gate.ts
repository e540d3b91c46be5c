import { Inject, Injectable, Logger } from '@nestjs/common';
import type { ClassificationStore, PublishedClassification } from './classification-store';
import { ttlSeconds, type ClassificationConfig } from './classification.options';
import { classificationKeys, type ClassificationKeys } from './keys';
import { classificationMessages as messages } from './classification.messages';
import { parsePollTimestamp } from './poll-timestamp';
import { errorMessage, redactUrl, withTimeout } from '@app/common';
import { CLASSIFICATION_CONFIG, CLASSIFICATION_STORE } from './tokens';
import type { PollType, ServerClass } from './types';

/** A poll decision must not wait on a sick store for longer than this; then it polls. */
export const POLL_DECISION_TIMEOUT_MS = 1000;

/**
 * Decides whether an upstream is due for a poll: hot servers every interval, cold ones every
 * `coldMultiplier` intervals. Every doubt (unclassified, never polled, bad stored value, store
 * error or timeout) means "poll": skipping a poll wrongly is worse than one poll too many.
 */
@Injectable()
export class PollGate {
  private readonly logger = new Logger(PollGate.name);
  private readonly keys: ClassificationKeys;

  constructor(
    @Inject(CLASSIFICATION_CONFIG) private readonly config: ClassificationConfig,
    @Inject(CLASSIFICATION_STORE) private readonly store: ClassificationStore,
  ) {
    this.keys = classificationKeys(config.keyPrefix);
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
      return state === null || state.last === null || state.now - state.last >= state.interval;
    } catch (error) {
      this.logger.warn(messages.decisionFailed(redactUrl(url), errorMessage(error)));
      return true;
    }
  }

  /** Call after a poll actually succeeded, never at decision time, so a skipped poll is not counted. */
  async markPollCompleted(url: string, pollType: PollType, gatewayId?: string): Promise<void> {
    if (!this.config.enabled) return;
    try {
      const key = this.keys.pollState(url, pollType, gatewayId);
      // Poll records live for two of their class's intervals.
      const ttls = { hot: ttlSeconds(this.intervalFor('hot'), 2), cold: ttlSeconds(this.intervalFor('cold'), 2) };
      await withTimeout(
        this.store.markPolled(url, key, this.config.clock.now() / 1000, ttls),
        POLL_DECISION_TIMEOUT_MS,
        'store write',
      );
    } catch (error) {
      this.logger.warn(messages.markFailed(pollType, redactUrl(url), errorMessage(error)));
    }
  }

  /** The server's published class, or null when unclassified or the store cannot answer. */
  async getServerClassification(url: string): Promise<ServerClass | null> {
    if (!this.config.enabled) return null;
    try {
      return await withTimeout(this.store.getServerClass(url), POLL_DECISION_TIMEOUT_MS, 'store read');
    } catch (error) {
      this.logger.warn(messages.classReadFailed(redactUrl(url), errorMessage(error)));
      return null;
    }
  }

  /** The classification every worker follows now, or null when none is live or the store cannot answer. */
  async readPublished(): Promise<PublishedClassification | null> {
    if (!this.config.enabled) return null;
    try {
      return await withTimeout(this.store.readPublished(), POLL_DECISION_TIMEOUT_MS, 'store read');
    } catch (error) {
      this.logger.warn(messages.publishedReadFailed(errorMessage(error)));
      return null;
    }
  }

  /**
   * When the next poll of this kind is due (epoch ms), or null when it is due now.
   * For dashboards; the decision itself is `shouldPollServer`.
   */
  async nextDueAt(url: string, pollType: PollType, gatewayId?: string): Promise<number | null> {
    if (!this.config.enabled) return null;
    try {
      const state = await this.readState(url, pollType, gatewayId);
      if (state === null || state.last === null) return null;
      const due = state.last + state.interval;
      return due <= state.now ? null : Math.round(due * 1000);
    } catch {
      return null;
    }
  }

  /** The server's interval and last poll (seconds), or null when it is unclassified. One store round trip. */
  private async readState(url: string, pollType: PollType, gatewayId?: string): Promise<PollState | null> {
    const key = this.keys.pollState(url, pollType, gatewayId);
    const record = await withTimeout(this.store.readPollState(url, key), POLL_DECISION_TIMEOUT_MS, 'store read');
    if (record.serverClass === null) return null;
    const now = this.config.clock.now() / 1000;
    const last = parsePollTimestamp(record.lastPolled, now);
    if (last === null && record.lastPolled !== null) {
      this.logger.warn(messages.invalidPollTime(pollType, redactUrl(url)));
    }
    return { interval: this.intervalFor(record.serverClass), last, now };
  }
}

interface PollState {
  interval: number;
  /** Null: never polled, or the stored value is not to be trusted. */
  last: number | null;
  now: number;
}
