import { lockTtlMs } from '../cluster';
import { lockTimeline } from '../lock-timeline';
import { SAMPLE_PERIOD_MS } from '../observer';
import type { RunRecord } from '../run-record';
import { examples, seconds, type Invariant, type Outcome } from './invariant';

const RELEASE_BOUND_MS = 1_000;
/** TTL + one interval, plus one sample period: the lock is only seen every SAMPLE_PERIOD_MS. */
const takeoverBound = (run: RunRecord): number =>
  lockTtlMs(run.timing) + run.timing.intervalSeconds * 1000 + SAMPLE_PERIOD_MS;

/** First lock sample after `at` that names a holder other than `previous`. */
function firstHolderAfter(run: RunRecord, at: number, previous: string | null): number | null {
  const sample = run.history.of('lock').find((s) => s.at >= at && s.value !== null && s.value !== previous);
  return sample ? sample.at : null;
}

/** After the leader dies or freezes, another worker holds the lock within TTL + one interval. */
export const failover: Invariant = {
  name: 'failover',
  check(run) {
    const bound = takeoverBound(run);
    const found: string[] = [];
    let worst = 0;
    for (const lost of run.marks.leaderLost) {
      const at = firstHolderAfter(run, lost.at, lost.token);
      const ms = at === null ? Infinity : at - lost.at;
      if (at !== null) worst = Math.max(worst, ms);
      if (ms > bound)
        found.push(at === null ? 'nobody took over' : `took over after ${seconds(ms)} (bound ${seconds(bound)})`);
    }
    for (const recovered of run.marks.redisRecovered) {
      const at = firstHolderAfter(run, recovered, null);
      const ms = at === null ? Infinity : at - recovered;
      if (at !== null) worst = Math.max(worst, ms);
      if (ms > bound)
        found.push(
          at === null
            ? 'no leader after Redis came back'
            : `leader ${seconds(ms)} after Redis came back (bound ${seconds(bound)})`,
        );
    }
    for (const kept of run.marks.leaderKept) {
      const changed = run.history
        .of('lock')
        .filter((s) => s.at >= kept.span.from && s.at <= kept.span.to && !s.error && s.value !== kept.token);
      if (changed.length > 1) {
        found.push(
          `leadership moved off ${kept.token.slice(0, 24)} (${changed[0].value?.slice(0, 24) ?? 'free'} at +${changed[0].at - kept.span.from} ms)`,
        );
      }
    }
    const figures: Record<string, number> = {};
    if (run.marks.leaderLost.length + run.marks.redisRecovered.length > 0) figures.failoverMs = worst;
    return { violations: examples('leadership', found), figures };
  },
};

/** After SIGTERM of the leader, its lock is gone within 1 s (released, not left to expire). */
export const release: Invariant = {
  name: 'release',
  check(run): Outcome {
    if (run.marks.leaderTerminated.length === 0) return { violations: [], figures: {} };
    const timeline = lockTimeline(run.history, run.harnessSources, run.marks.redisReset);
    const found: string[] = [];
    let worst = 0;
    for (const term of run.marks.leaderTerminated) {
      const span = timeline.ownerships.find((o) => o.token === term.token && o.from <= term.at && o.to >= term.at);
      const sample = run.history.of('lock').find((s) => s.at >= term.at && !s.error && s.value !== term.token);
      const ends = [span?.to ?? Infinity, sample?.at ?? Infinity];
      const ms = Math.min(...ends) - term.at;
      if (Number.isFinite(ms)) worst = Math.max(worst, ms);
      if (ms > RELEASE_BOUND_MS)
        found.push(Number.isFinite(ms) ? `lock released after ${seconds(ms)}` : 'lock never released');
    }
    return { violations: examples('release', found), figures: { releaseMs: worst } };
  },
};
