import { lockTtlMs } from '../cluster';
import { lockTimeline } from '../lock-timeline';
import { SAMPLE_PERIOD_MS } from '../observer';
import type { RunRecord } from '../run-record';
import { examples, type Invariant } from './invariant';

const timelineOf = (run: RunRecord) => lockTimeline(run.history, run.harnessSources, run.marks.redisReset);

/** Redis never handed the lock to a second token while the first still held it (MONITOR trace). */
export const oneOwner: Invariant = {
  name: 'one-owner',
  check(run) {
    const t = timelineOf(run);
    const found = t.doubleAcquires.map(
      (d) => `${d.token.slice(0, 24)} acquired at +${d.at - run.window.from} ms while ${d.holder.slice(0, 24)} held it`,
    );
    return {
      violations: examples('two owners', found),
      figures: { acquisitions: t.ownerships.length, traceGaps: t.corrections },
    };
  },
};

/**
 * Never two workers reporting leader at once: each worker's run of leader=true samples, as an
 * interval, overlaps another worker's by no more than one sample period. A sample counts at the
 * moment its answer arrived: /classification reads the leader flag after its store reads.
 */
export const oneLeader: Invariant = {
  name: 'one-leader',
  check(run) {
    const runs: { worker: string; from: number; to: number }[] = [];
    const open = new Map<string, { from: number; to: number }>();
    for (const s of run.history.of('classification')) {
      const current = open.get(s.worker);
      if (s.leader === true) {
        if (current) current.to = s.at + s.ms;
        else open.set(s.worker, { from: s.at + s.ms, to: s.at + s.ms });
      } else if (current) {
        runs.push({ worker: s.worker, ...current });
        open.delete(s.worker);
      }
    }
    for (const [worker, span] of open) runs.push({ worker, ...span });
    const found: string[] = [];
    let longest = 0;
    for (const a of runs) {
      for (const b of runs) {
        if (a.worker >= b.worker) continue;
        const overlap = Math.min(a.to, b.to) - Math.max(a.from, b.from);
        if (overlap > SAMPLE_PERIOD_MS) {
          longest = Math.max(longest, overlap);
          found.push(
            `${a.worker} and ${b.worker} both leader for ${overlap} ms from +${Math.max(a.from, b.from) - run.window.from} ms`,
          );
        }
      }
    }
    return { violations: examples('two leaders', found), figures: { dualLeaderMs: longest } };
  },
};

/**
 * A worker reports leader only while Redis holds the lock with its token. A key that Redis lost
 * behind the leader's back (restart, FLUSHALL) is only noticed at the next renewal, so a belief
 * outliving the lock by up to one renewal period (TTL / 3) plus a sample either side is the design;
 * anything longer is a violation.
 */
export const leaderHoldsLock: Invariant = {
  name: 'leader-holds-lock',
  check(run) {
    const t = timelineOf(run);
    const allowedMs = Math.ceil(lockTtlMs(run.timing) / 3) + 2 * SAMPLE_PERIOD_MS;
    const found: string[] = [];
    let longest = 0;
    const since = new Map<string, number>();
    const reported = new Set<string>();
    for (const s of run.history.of('classification')) {
      if (s.leader !== true) {
        since.delete(s.worker);
        continue;
      }
      const token = s.instanceId ?? '';
      const answered = s.at + s.ms;
      if (s.at < t.knownFrom) continue;
      const probes = [answered - SAMPLE_PERIOD_MS, answered, answered + SAMPLE_PERIOD_MS];
      if (probes.some((at) => t.ownerAt(at) === token)) {
        since.delete(s.worker);
        continue;
      }
      const first = since.get(s.worker) ?? s.at;
      since.set(s.worker, first);
      const lapse = s.at + s.ms - first;
      if (lapse > longest) longest = lapse;
      if (lapse > allowedMs && !reported.has(`${s.worker}@${first}`)) {
        reported.add(`${s.worker}@${first}`);
        found.push(
          `${s.worker} reported leader for ${lapse} ms from +${first - run.window.from} ms while the lock was ${t.ownerAt(answered)?.slice(0, 24) ?? 'free'}`,
        );
      }
    }
    return { violations: examples('leader without the lock', found), figures: { leaderWithoutLockMs: longest } };
  },
};

/** Every classification write that landed came from the lock's holder at that moment, through the fenced script. */
export const fencedPublish: Invariant = {
  name: 'fenced-publish',
  check(run) {
    const t = timelineOf(run);
    const foreign = t.publishes
      .filter((p) => p.at >= t.knownFrom && p.owner !== p.token)
      .map(
        (p) =>
          `publish by ${p.token.slice(0, 24)} at +${p.at - run.window.from} ms while the lock was ${p.owner?.slice(0, 24) ?? 'free'}`,
      );
    const unfenced = t.unfencedWrites.map((w) => `${w.command} from ${w.source} at +${w.at - run.window.from} ms`);
    return {
      violations: [
        ...examples('publish by a non-owner', foreign),
        ...examples('write outside the fenced script', unfenced),
      ],
      figures: { publishes: t.publishes.length },
    };
  },
};
