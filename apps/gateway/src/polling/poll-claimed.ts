import type { PollCandidate, PollRound } from '@app/classification';
import { forEachLimited } from './concurrency';

export interface ClaimedRoundOptions {
  concurrency: number;
  /** A poll may take this long; one that could outlast this worker's claims is not started. */
  pollDeadlineMs: number;
}

/** What one worker did with its share of a round. */
export interface ClaimedRoundOutcome {
  succeeded: number;
  failed: number;
  /** Claimed, but not started in time: released for the next round. */
  released: number;
}

/**
 * Polls the upstreams this worker claimed, `concurrency` at a time: a success is recorded, a
 * failure released so another worker may retry at once. Then closes the round (one batched
 * write), whatever happened.
 */
export async function pollClaimed<T extends PollCandidate>(
  round: PollRound<T>,
  options: ClaimedRoundOptions,
  poll: (upstream: T) => Promise<boolean>,
): Promise<ClaimedRoundOutcome> {
  const outcome: ClaimedRoundOutcome = { succeeded: 0, failed: 0, released: 0 };
  try {
    await forEachLimited(round.due, options.concurrency, async (upstream) => {
      if (!round.holds(options.pollDeadlineMs)) {
        round.fail(upstream);
        outcome.released++;
        return;
      }
      const ok = await poll(upstream).catch(() => false);
      if (ok) {
        round.complete(upstream);
        outcome.succeeded++;
      } else {
        round.fail(upstream);
        outcome.failed++;
      }
    });
  } finally {
    await round.close();
  }
  return outcome;
}
