import type { Logger } from '@nestjs/common';
import { isErrorLike, type Clock } from '@app/common';
import { classificationMessages as messages } from './classification.messages';

/**
 * Whether the store answered, with an error about the data (a Redis ReplyError such as
 * WRONGTYPE on a tampered key). Such a store is reachable: that failure is reported on its own.
 */
export function isStoreReplyError(error: unknown): boolean {
  return isErrorLike(error) && error.name === 'ReplyError';
}

interface Outage {
  /** Epoch ms of the first failure. */
  since: number;
  /** Since the last line: claim rounds that failed open, upstreams polled without coordination, failures not logged. */
  rounds: number;
  upstreams: number;
  quiet: number;
  /** Over the whole outage, for the recovery line. */
  totalRounds: number;
  totalUpstreams: number;
}

/**
 * What a worker says while its poll store (Redis) cannot be reached. During an outage every round
 * fails the same way, for every upstream, and every worker polls without coordination; a line per
 * failure would bury everything else. So: one warning when the outage starts, then at most one
 * summary per `everyMs`, with a decision that polls without coordination (upstreams polled so,
 * rounds, failures not logged, the last error), and one line when the store answers again. Lost
 * writes are only counted: each is followed by a decision that fails the same way.
 */
export class PollStoreOutage {
  private outage: Outage | null = null;
  private lastLineAt = 0;

  constructor(
    private readonly logger: Logger,
    private readonly clock: Clock,
    private readonly everyMs: number,
  ) {}

  /** Whether the store is considered unreachable now. */
  get down(): boolean {
    return this.outage !== null;
  }

  /**
   * A store call failed for want of the store; `polled` upstreams go ahead without coordination
   * (0 for a lost write), `round` when it was a whole claim round.
   */
  failed(reason: string, polled: number, round: boolean): void {
    const now = this.clock.now();
    const first = this.outage === null;
    const o = (this.outage ??= { since: now, rounds: 0, upstreams: 0, quiet: 0, totalRounds: 0, totalUpstreams: 0 });
    const rounds = round ? 1 : 0;
    o.rounds += rounds;
    o.upstreams += polled;
    o.totalRounds += rounds;
    o.totalUpstreams += polled;
    if (first) {
      this.logger.warn(messages.pollStoreDown(reason));
    } else if (polled > 0 && now - this.lastLineAt >= this.everyMs) {
      this.logger.warn(
        messages.pollStoreStillDown(new Date(o.since).toISOString(), o.upstreams, o.rounds, o.quiet, reason),
      );
    } else {
      o.quiet += 1;
      return;
    }
    this.lastLineAt = now;
    o.rounds = 0;
    o.upstreams = 0;
    o.quiet = 0;
  }

  /** A store call succeeded: the outage, if any, is over. */
  succeeded(): void {
    const o = this.outage;
    if (o === null) return;
    this.outage = null;
    const now = this.clock.now();
    this.lastLineAt = now;
    this.logger.log(messages.pollStoreRecovered(Math.round((now - o.since) / 1000), o.totalUpstreams, o.totalRounds));
  }
}
